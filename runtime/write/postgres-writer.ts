/**
 * The writer of `postgres(url, table: ...)` sources: executes the plan's `sql` effects —
 * INSERT / UPDATE / DELETE by key, with parameters — in transactions of bounded size.
 *
 * Why this shape:
 * - Exactly what the plan shows: the statement and parameters of each effect are executed as
 *   they are. The writer first checks that the statement is one the decider builds
 *   (`parseSqlStatement`) on the source's own table, so a hand-edited plan file cannot run other
 *   SQL, and that the parameters match.
 * - Idempotent, as actions must be (RUNTIME.md 4): a delete of a missing row succeeds (0 rows is
 *   fine); a create whose key now exists becomes an UPDATE of the same columns by that key (the
 *   writer looks the key up first, in the same transaction, when the key fields are plain
 *   columns of the INSERT); an update that finds no row fails (the row was deleted since the
 *   plan). Replaying any action therefore does no harm.
 * - Never on stale evidence (RUNTIME.md 4): an UPDATE or DELETE checks the rows it touches
 *   against the item's `precondition` in its own transaction (`checkPrecondition`), so a row
 *   changed by another writer after the plan is left alone and the item reported `stale`.
 * - Bounded transactions: actions run in one transaction, each inside a savepoint (a failed
 *   action is rolled back alone and reported; the others stay). `commit()` ends the transaction
 *   and returns every action committed since the last `commit()`. The writer is `staged` (its
 *   actions are durable only at a commit), so the executor commits every few hundred actions;
 *   and whatever the caller does, after `transactionSize` actions the writer commits by itself
 *   and begins a new transaction, so an apply never holds locks or grows a transaction without
 *   bound.
 * - One connection, one action at a time: savepoints of interleaved actions would undo each
 *   other, so `perform` calls are serialised (PostgreSQL statements by key are fast; the
 *   executor's concurrency still overlaps other policies' writers).
 * - A lost connection loses the open transaction: its actions are replayed (they are idempotent)
 *   on a new connection before anything else, so every action `perform` accepted is committed by
 *   `commit()`, or `commit()` fails.
 * - Secrets: the connection string may use `secret()`; no message shows it or any password.
 * - Bounded statements: the source's `timeout` (default: the executor's per-attempt 30 s) is the
 *   session's `statement_timeout`. The executor already gives up on an attempt after that long,
 *   but without the server's limit the statement (an UPDATE waiting on a row lock) would go on
 *   holding the one connection, and every later action of the session would wait behind it.
 *   The server cancels it instead: the attempt fails (SQLSTATE 57014), rolled back alone, and
 *   is retried like any timeout.
 *
 * Parameters for `json`/`jsonb` columns are sent as JSON text (node-postgres would send a list
 * as a PostgreSQL array); other values are sent as they are.
 */
import type pg from 'pg';
import type { IrSource } from '../../language/ir/ir-types.js';
import { sourceLabel } from '../connectors/connector-support.js';
import {
  describePgError,
  isTransientPgError,
  newClient,
  PG_TYPE,
  postgresTarget,
  PostgresConfigError,
  RECON_PG_TYPES,
  type PostgresTarget,
} from '../connectors/postgres-client.js';
import { parameterCount, parseSqlStatement, quoteIdent, quoteTable, rawKeyColumns, type ParsedSqlStatement } from '../connectors/postgres-sql.js';
import { evaluateTracked, scrubbedMessage, SecretScrubber } from '../connectors/secret-scrubber.js';
import { evaluateConnectorValue, type EvaluationContext } from '../expressions/expression-evaluator.js';
import { canonicalInstant } from '../observe/field-coercion.js';
import { sha256OfCanonical } from '../plan/canonical-json.js';
import { sourceTimeoutMs } from './acting-session.js';
import { DEFAULT_ACTION_TIMEOUT_MS, StaleWriteError, WriteError, type WriteAction, type Writer, type WriterContext, type WriteSession } from './writer.js';

/** Actions per transaction unless the factory is told otherwise. */
export const DEFAULT_TRANSACTION_SIZE = 500;

export interface PostgresWriterOptions {
  /** Actions per transaction (at least 1). */
  transactionSize?: number;
}

/** The table of a writable postgres source, as it may run and as it may be shown. */
interface WriteTarget {
  target: PostgresTarget;
  /** `"schema"."table"` with real values. */
  table: string;
  /** `"schema"."table"` as the plan shows it (secrets as `***`). */
  shownTable: string;
  /** Unquoted, for messages. */
  tableName: string;
}

function resolveTarget(source: IrSource, context: WriterContext, scrubber: SecretScrubber): WriteTarget {
  const evaluation: EvaluationContext = { observedAt: context.observedAt, env: context.env };
  const evaluate = (expr: Parameters<typeof evaluateConnectorValue>[0], data?: unknown) => evaluateConnectorValue(expr, evaluation, data);
  const tableOption = source.connector.options.find((option) => option.name === 'table');
  if (!tableOption) throw new WriteError(`${sourceLabel(source)}: it reads a query, not a table: it cannot be written`, false);
  if (source.connector.args.length !== 1) {
    throw new WriteError(`${sourceLabel(source)}: postgres() takes one connection string, got ${source.connector.args.length} arguments`, false);
  }
  try {
    const table = evaluateTracked(tableOption.value, scrubber, evaluate, (expr) => evaluate(expr).value);
    if (typeof table.value !== 'string' || table.value.trim() === '') {
      throw new WriteError(`${sourceLabel(source)}: the table option (${tableOption.at}) must be a table name`, false);
    }
    const url = evaluateTracked(source.connector.args[0], scrubber, evaluate, (expr) => evaluate(expr).value);
    return {
      target: postgresTarget(source, url.value, scrubber, url.secret, url.redacted),
      table: quoteTable(table.value),
      shownTable: quoteTable(String(table.redacted)),
      tableName: scrubber.scrub(table.value),
    };
  } catch (error) {
    if (error instanceof WriteError) throw error;
    if (error instanceof PostgresConfigError) throw new WriteError(error.message, false);
    throw new WriteError(`${sourceLabel(source)}: ${scrubbedMessage(error, scrubber)}`, false);
  }
}

/** A time of day followed by a UTC offset other than `Z` (`+02:00`, `-0500`, `+01`); group 1 is the fraction. */
const TIME_WITH_OFFSET = /\d{2}:\d{2}(?::\d{2}(?:[.,](\d+))?)?\s*[+-]\d{2}(?::?\d{2})?$/;

/**
 * An instant with a UTC offset, for a `timestamp` (without time zone) column: as UTC text.
 * PostgreSQL silently drops the offset of such input (`12:00+02:00` is stored as 12:00), while
 * the connector reads these columns as UTC, so the value written would not be the value read
 * back (an update that never converges). Digits beyond milliseconds are kept.
 */
function utcForTimestamp(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const match = TIME_WITH_OFFSET.exec(value);
  if (!match) return value;
  const instant = canonicalInstant(value);
  if (instant === null) return value;
  const beyondMillis = (match[1] ?? '').slice(3);
  return beyondMillis === '' ? instant : `${instant.slice(0, -1)}${beyondMillis}Z`;
}

/**
 * Values for a statement's columns: JSON text for json/jsonb columns; instants with an offset
 * as UTC for `timestamp` columns (see `utcForTimestamp`).
 */
function convertParams(columns: readonly string[], params: readonly unknown[], types: ReadonlyMap<string, number>): unknown[] {
  return params.map((value, index) => {
    const type = types.get(columns[index]);
    if (value !== null && value !== undefined && (type === PG_TYPE.json || type === PG_TYPE.jsonb)) return JSON.stringify(value);
    if (type === PG_TYPE.timestamp) return utcForTimestamp(value);
    if (type === PG_TYPE.timestampArray && Array.isArray(value)) return value.map(utcForTimestamp);
    return value === undefined ? null : value;
  });
}

/** The column each parameter of a parsed statement belongs to, in parameter order. */
function parameterColumns(parsed: ParsedSqlStatement): string[] {
  if (parsed.op === 'insert') return parsed.columns;
  if (parsed.op === 'update') return [...parsed.set, ...parsed.where];
  return parsed.where;
}

/**
 * A statement the server cancelled at the session's `statement_timeout` (SQLSTATE 57014). A
 * timeout is transient (RUNTIME.md 4), so the policy's `retry` tries the action again — as it
 * does when the executor's own per-attempt limit, of the same length, fires first.
 */
function isStatementTimeout(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '57014';
}

class PostgresWriteSession implements WriteSession {
  private client: pg.Client | null = null;
  private inTransaction = false;
  /** Performed in the open transaction (or waiting to be replayed after a lost connection). */
  private pending: WriteAction[] = [];
  private replay = false;
  /** Committed by a full transaction, not yet returned by `commit()`. */
  private done: WriteAction[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private columnTypes = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly source: IrSource,
    private readonly target: WriteTarget,
    private readonly scrubber: SecretScrubber,
    private readonly transactionSize: number,
    /** The session's `statement_timeout`, in milliseconds. */
    private readonly statementTimeoutMs: number,
  ) {}

  /** Connects and learns the table's column types; a clear error when the table is not there. */
  async start(): Promise<void> {
    await this.connection();
  }

  private label(): string {
    return `${sourceLabel(this.source)}: table ${this.target.tableName}`;
  }

  private failure(error: unknown, what: string): WriteError {
    if (error instanceof WriteError) return error;
    const transient = isTransientPgError(error) || isStatementTimeout(error);
    return new WriteError(`${this.label()}: ${what}: ${describePgError(error, this.target.target, this.scrubber)}`, transient);
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = newClient(this.target.target);
    client.on('error', () => {
      // The socket broke between queries: the next call reconnects and replays.
      if (this.client === client) this.dropConnection();
    });
    try {
      await client.connect();
      await client.query(`SET statement_timeout = ${this.statementTimeoutMs}`);
      const probe = await client.query({ text: `SELECT * FROM ${this.target.table} LIMIT 0`, types: RECON_PG_TYPES });
      this.columnTypes = new Map(probe.fields.map((field) => [field.name, field.dataTypeID]));
    } catch (error) {
      await client.end().catch(() => undefined);
      throw this.failure(error, 'cannot open');
    }
    this.client = client;
    return client;
  }

  private dropConnection(): void {
    const client = this.client;
    this.client = null;
    this.inTransaction = false;
    if (this.pending.length > 0) this.replay = true;
    if (client) void client.end().catch(() => undefined);
  }

  /** Runs `task` after every earlier call of this session. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  perform(action: WriteAction, signal?: AbortSignal): Promise<void> {
    return this.serial(async () => {
      if (this.closed) throw new WriteError(`${this.label()}: the write session is closed`, false);
      if (signal?.aborted) throw new WriteError(`${this.label()}: ${action.item.id}: cancelled`, false);
      const parsed = this.check(action);
      await this.ensureTransaction();
      await this.execute(action, parsed);
      this.pending.push(action);
      if (this.pending.length >= this.transactionSize) await this.commitTransaction();
    });
  }

  commit(): Promise<WriteAction[]> {
    return this.serial(async () => {
      if (this.replay) await this.ensureTransaction();
      if (this.inTransaction) await this.commitTransaction();
      return this.done.splice(0);
    });
  }

  close(): Promise<void> {
    return this.serial(async () => {
      this.closed = true;
      const client = this.client;
      this.client = null;
      if (!client) return;
      if (this.inTransaction) await client.query('ROLLBACK').catch(() => undefined);
      this.inTransaction = false;
      await client.end().catch(() => undefined);
    });
  }

  /** The effect must be an SQL statement the decider builds, on this source's table. */
  private check(action: WriteAction): ParsedSqlStatement {
    const effect = action.effect;
    if (effect.kind !== 'sql') throw new WriteError(`${this.label()}: ${action.item.id}: a postgres source cannot perform a ${effect.kind} effect`, false);
    const parsed = parseSqlStatement(effect.statement);
    if (!parsed) {
      throw new WriteError(`${this.label()}: ${action.item.id}: refusing a statement recon does not build (only INSERT, UPDATE and DELETE by key): ${this.scrubber.scrub(effect.statement.slice(0, 200))}`, false);
    }
    if (parsed.table !== this.target.shownTable) {
      throw new WriteError(`${this.label()}: ${action.item.id}: the statement writes to ${this.scrubber.scrub(parsed.table)}, not to this source's table`, false);
    }
    if (!Array.isArray(effect.params) || effect.params.length !== parameterCount(parsed)) {
      throw new WriteError(`${this.label()}: ${action.item.id}: the statement takes ${parameterCount(parsed)} parameters, the plan gives ${Array.isArray(effect.params) ? effect.params.length : 'none'}`, false);
    }
    return parsed;
  }

  private async ensureTransaction(): Promise<void> {
    const client = await this.connection();
    if (this.inTransaction) return;
    try {
      await client.query('BEGIN');
    } catch (error) {
      this.dropConnection();
      throw this.failure(error, 'cannot begin a transaction');
    }
    this.inTransaction = true;
    if (this.replay) {
      const lost = this.pending;
      this.pending = [];
      this.replay = false;
      for (let index = 0; index < lost.length; index += 1) {
        const action = lost[index];
        try {
          await this.execute(action, this.check(action));
          this.pending.push(action);
        } catch (error) {
          const failure = error instanceof WriteError ? error : this.failure(error, action.item.id);
          if (failure.transient) {
            // Keep what is left for the next attempt; the error says why.
            this.pending.push(...lost.slice(index));
            this.replay = true;
            throw failure;
          }
          // It cannot be redone: it is not committed, so `commit()` will not return it.
        }
      }
    }
  }

  private async commitTransaction(): Promise<void> {
    const client = await this.connection();
    try {
      await client.query('COMMIT');
    } catch (error) {
      const failure = this.failure(error, `cannot commit ${this.pending.length} action(s)`);
      if (failure.transient) this.dropConnection();
      else {
        // The server rolled the transaction back: none of its actions happened.
        this.inTransaction = false;
        this.pending = [];
      }
      throw failure;
    }
    this.inTransaction = false;
    this.done.push(...this.pending);
    this.pending = [];
  }

  /** One action inside a savepoint: rolled back alone when it fails. */
  private async execute(action: WriteAction, parsed: ParsedSqlStatement): Promise<void> {
    const client = await this.connection();
    const effect = action.effect as { kind: 'sql'; statement: string; params: unknown[] };
    const statement = this.target.shownTable === this.target.table ? effect.statement : effect.statement.replace(this.target.shownTable, this.target.table);
    const params = convertParams(parameterColumns(parsed), effect.params, this.columnTypes);
    try {
      await client.query('SAVEPOINT recon_action');
    } catch (error) {
      this.dropConnection();
      throw this.failure(error, action.item.id);
    }
    try {
      if (parsed.op === 'insert') await this.insertOrUpdate(client, parsed, statement, params);
      else if (parsed.op === 'delete') {
        // The deleted rows come back as they were: a stale one undoes the delete (the savepoint).
        // A delete of a row that is gone already deletes nothing: done.
        const deleted = await client.query({ text: `${statement} RETURNING *`, values: params, types: RECON_PG_TYPES });
        this.checkPrecondition(action, deleted.rows);
      } else {
        await this.lockAndCheck(client, action, parsed, params);
        const result = await client.query({ text: statement, values: params, types: RECON_PG_TYPES });
        if (result.rowCount === 0) {
          throw new WriteError(`${this.label()}: ${action.item.id}: no row has this key any more (deleted since the plan?)`, false);
        }
      }
      await client.query('RELEASE SAVEPOINT recon_action');
    } catch (error) {
      const failure = this.failure(error, action.item.id);
      // A statement cancelled by the timeout leaves a sound connection: its savepoint undoes it.
      if (failure.transient && !(error instanceof WriteError) && !isStatementTimeout(error)) this.dropConnection();
      else await client.query('ROLLBACK TO SAVEPOINT recon_action').catch(() => this.dropConnection());
      throw failure;
    }
  }

  /**
   * Checks the rows an UPDATE or DELETE touches against the item's `precondition`, the
   * fingerprint of the actual record the plan was made from, in the transaction of the write:
   * an UPDATE first locks its rows (`lockAndCheck`), a DELETE checks the rows it deleted
   * (`RETURNING *`, so a role allowed to delete but not to update can still delete). Why here:
   * the apply's own check re-reads the table before acting (or not at all, for `apply FILE`),
   * so a row another writer changes after that read would be overwritten or deleted; checked
   * at the write, the evidence cannot go stale before it. Throws `StaleWriteError` when a row
   * differs (the caller rolls the action back).
   */
  private checkPrecondition(action: WriteAction, rows: readonly Record<string, unknown>[]): void {
    const precondition = action.item.precondition;
    if (typeof precondition === 'string' && rows.some((row) => sha256OfCanonical(row) !== precondition)) {
      throw new StaleWriteError(`${this.label()}: ${action.item.id}: the row changed since the plan was made; not applied on stale evidence (plan again)`);
    }
  }

  /** Locks the rows an UPDATE will change (`SELECT * ... FOR UPDATE`, the read's column types) and checks them. */
  private async lockAndCheck(client: pg.Client, action: WriteAction, parsed: Extract<ParsedSqlStatement, { op: 'update' }>, params: unknown[]): Promise<void> {
    const keyValues = params.slice(params.length - parsed.where.length);
    const where = parsed.where.map((column, i) => `${quoteIdent(column)} = $${i + 1}`).join(' AND ');
    const found = await client.query({ text: `SELECT * FROM ${this.target.table} WHERE ${where} FOR UPDATE`, values: keyValues, types: RECON_PG_TYPES });
    this.checkPrecondition(action, found.rows);
  }

  /**
   * An INSERT, or — when a row with the same key exists already — an UPDATE of the same columns
   * by that key (a create is idempotent).
   */
  private async insertOrUpdate(client: pg.Client, parsed: Extract<ParsedSqlStatement, { op: 'insert' }>, statement: string, params: unknown[]): Promise<void> {
    const keys = rawKeyColumns(this.source);
    const keyIndexes = keys?.map((key) => parsed.columns.indexOf(key)) ?? [];
    if (keys && keys.length > 0 && keyIndexes.every((index) => index >= 0)) {
      const where = keys.map((key, i) => `${quoteIdent(key)} = $${i + 1}`).join(' AND ');
      const keyValues = keyIndexes.map((index) => params[index]);
      // No `FOR UPDATE` here: it needs the UPDATE privilege, which an append-only role (INSERT
      // and SELECT) lacks; the UPDATE below locks the row, and finds none if it went meanwhile.
      const existing = await client.query({ text: `SELECT 1 FROM ${this.target.table} WHERE ${where} LIMIT 1`, values: keyValues });
      if ((existing.rowCount ?? 0) > 0) {
        const others = parsed.columns.map((column, index) => ({ column, index })).filter(({ index }) => !keyIndexes.includes(index));
        if (others.length === 0) return;
        const values = [...others.map(({ index }) => params[index]), ...keyValues];
        const sets = others.map(({ column }, i) => `${quoteIdent(column)} = $${i + 1}`).join(', ');
        const keyWhere = keys.map((key, i) => `${quoteIdent(key)} = $${others.length + i + 1}`).join(' AND ');
        const updated = await client.query({ text: `UPDATE ${this.target.table} SET ${sets} WHERE ${keyWhere}`, values });
        if ((updated.rowCount ?? 0) > 0) return;
      }
    }
    await client.query({ text: statement, values: params });
  }
}

class PostgresWriter implements Writer {
  /** Actions become durable at `commit` (the end of a transaction), as with staged file writers. */
  readonly staged = true;

  constructor(
    private readonly source: IrSource,
    private readonly context: WriterContext,
    private readonly options: PostgresWriterOptions,
  ) {}

  async open(): Promise<WriteSession> {
    const scrubber = new SecretScrubber();
    const target = resolveTarget(this.source, this.context, scrubber);
    const size = Math.max(1, Math.floor(this.options.transactionSize ?? DEFAULT_TRANSACTION_SIZE));
    const timeoutMs = Math.min(Math.ceil(sourceTimeoutMs(this.source, this.context, DEFAULT_ACTION_TIMEOUT_MS)), 2_147_483_647);
    const session = new PostgresWriteSession(this.source, target, scrubber, size, timeoutMs);
    await session.start();
    return session;
  }
}

/**
 * The `postgres` writer factory (a `WriterFactory`); `options.transactionSize` bounds the
 * actions per transaction (default `DEFAULT_TRANSACTION_SIZE`).
 */
export function createPostgresWriter(source: IrSource, context: WriterContext, options: PostgresWriterOptions = {}): Writer {
  return new PostgresWriter(source, context, options);
}
