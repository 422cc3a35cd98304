/**
 * `postgres(url, table: "schema.table")` or `postgres(url, query: "SELECT ...")`: reads rows of a
 * PostgreSQL table or query as records.
 *
 * Why a cursor in a read-only transaction: a table of millions of rows must not arrive as one
 * result in memory, so rows come through a server-side cursor (`pg-cursor`), `BATCH_SIZE` at a
 * time, each fetch a batch of records. The transaction is `REPEATABLE READ, READ ONLY`: every
 * batch sees the same snapshot, and a `query:` that tries to write fails instead of changing the
 * system a plan only observes. A table is read in key order (when the key fields are plain
 * columns), so positions — and the ids of invalid items — are the same run after run; a query
 * is read in the order it gives.
 *
 * Why a `timeout` (default 60 s, as `exec`): a query waiting on a lock (or `pg_sleep`) would
 * otherwise hold `recon plan` until the CI job is killed. It bounds the time the read spends
 * waiting on the database — connecting, the statements and every cursor fetch together, not the
 * time the caller spends with a batch. The server enforces it too (`SET LOCAL statement_timeout`
 * in the read-only transaction, so a stuck statement is cancelled there and holds no lock); the
 * client-side guard covers connecting and a server that does not answer, and ends the connection
 * so no client keeps the process alive. A timeout is not transient: it fails the read with one
 * line (`source x: query: did not finish within 2s (timeout)`), never retried.
 *
 * Column values map to field values as `postgres-client.ts` documents (numbers for numeric
 * columns, ISO instants for timestamps, parsed json). The connection string may use `secret()`;
 * messages name the server without password or secret.
 */
import { createRequire } from 'node:module';
import type CursorClass from 'pg-cursor';
import type pg from 'pg';
import type { IrSource } from '../../language/ir/ir-types.js';
import type { ConnectorValue } from '../expressions/expression-evaluator.js';
import { ConnectorError, type Connector, type ConnectorContext, type ConnectorFactory, type RecordBatch } from './connector.js';
import { BATCH_SIZE, BatchBuilder, durationText, readOptions, sourceLabel, untrustedError } from './connector-support.js';
import { describePgError, destroyClient, isTransientPgError, newClient, postgresTarget, PostgresConfigError, RECON_PG_TYPES, type PostgresTarget } from './postgres-client.js';
import { quoteTable, rawKeyColumns, tableSelect } from './postgres-sql.js';
import { evaluateTracked, scrubbedMessage, SecretScrubber } from './secret-scrubber.js';

/** `pg-cursor`, loaded on first read of a postgres source (like `pg`: see `loadPg`). */
let cursorClass: typeof CursorClass | undefined;
function loadCursor(): typeof CursorClass {
  return (cursorClass ??= createRequire(import.meta.url)('pg-cursor') as typeof CursorClass);
}

/** How a postgres source is read: the SQL text, and the target it is read from. */
interface ReadPlan {
  target: PostgresTarget;
  table: string | null;
  query: string | null;
  /** The `timeout` option in milliseconds, or the default. */
  timeoutMs: number;
}

/** How long a read may wait on the database when the source sets no `timeout`. */
export const DEFAULT_POSTGRES_TIMEOUT_MS = 60_000;

/** The longest timeout a timer (and `statement_timeout`) can hold: 2^31-1 ms, about 24 days. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** Thrown by the client-side guard when the read's time is up. */
class ReadTimeout extends Error {}

class PostgresConnector implements Connector {
  readonly canWrite: boolean;
  private readonly scrubber = new SecretScrubber();
  /** Milliseconds the read has waited on the database so far (see `run`). */
  private waitedMs = 0;
  /** Set by the guard in `run` when the read's time ran out. */
  private timedOut = false;
  /** Whether the read got past connecting (for the timeout's message). */
  private connected = false;

  constructor(
    private readonly source: IrSource,
    private readonly context: ConnectorContext,
  ) {
    this.canWrite = source.connector.options.some((option) => option.name === 'table');
  }

  private fail(message: string, at: string | null = this.source.connector.at, transient = false): ConnectorError {
    return new ConnectorError(`${sourceLabel(this.source)}: ${this.scrubber.scrub(message)}`, at, transient);
  }

  private readPlan(): ReadPlan {
    const { source, context, scrubber } = this;
    const options = readOptions(source, context, { table: 'string', query: 'string', timeout: 'number' }, scrubber);
    const timeoutMs = (options.get('timeout') as number | undefined) ?? DEFAULT_POSTGRES_TIMEOUT_MS;
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw this.fail('the timeout must be more than 0');
    const table = (options.get('table') as string | undefined) ?? null;
    const query = (options.get('query') as string | undefined) ?? null;
    if (table === null && query === null) throw this.fail(`postgres() needs a "table" or a "query" option`);
    if (table !== null && query !== null) throw this.fail(`postgres() takes a "table" or a "query", not both`);
    if (table !== null && table.trim() === '') throw this.fail('the table name is empty');
    if (query !== null && query.trim() === '') throw this.fail('the query is empty');
    if (source.connector.args.length !== 1) {
      throw this.fail(`postgres() takes one connection string and options, got ${source.connector.args.length} arguments`);
    }
    let url: ConnectorValue;
    try {
      url = evaluateTracked(source.connector.args[0], scrubber, context.evaluateConnectorValue?.bind(context), (expr) => context.evaluate(expr));
    } catch (error) {
      throw this.fail(`the connection string: ${scrubbedMessage(error, scrubber)}`);
    }
    try {
      return { target: postgresTarget(source, url.value, scrubber, url.secret, url.redacted), table, query, timeoutMs: Math.min(Math.ceil(timeoutMs), MAX_TIMEOUT_MS) };
    } catch (error) {
      if (error instanceof PostgresConfigError) throw new ConnectorError(error.message, source.connector.at);
      throw error;
    }
  }

  /**
   * Refused in an untrusted context (the editor's preview of an untrusted workspace), before the
   * connection string is even evaluated: connecting sends a user name, a database name, a query
   * and — when the server asks for it in clear text — the password, all built from the
   * environment's secrets, to a host the workspace's files chose.
   */
  async *read(): AsyncGenerator<RecordBatch> {
    if (!this.context.trusted) throw untrustedError(this.source, 'postgres');
    const plan = this.readPlan();
    const { context } = this;
    const client = newClient(plan.target);
    this.waitedMs = 0;
    this.timedOut = false;
    this.connected = false;
    const abort = (): void => {
      void client.end().catch(() => undefined);
    };
    let cancelled = false;
    const onAbort = (): void => {
      cancelled = true;
      abort();
    };
    context.signal?.addEventListener('abort', onAbort, { once: true });
    client.on('error', () => undefined); // reported through the failing query
    try {
      if (context.signal?.aborted) throw this.fail('reading was cancelled');
      await this.run(() => client.connect(), plan, client);
      this.connected = true;
      await this.run(() => client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY'), plan, client);
      // The server cancels a statement (a lock wait included) that outlasts the whole timeout.
      await this.run(() => client.query(`SET LOCAL statement_timeout = ${plan.timeoutMs}`), plan, client);
      const text = plan.query ?? (await this.tableQuery(client, plan));
      const cursor = client.query(new (loadCursor())(text, [], { types: RECON_PG_TYPES }));
      const builder = new BatchBuilder();
      let position = 0;
      for (let first = true; ; first = false) {
        if (context.signal?.aborted) throw this.fail('reading was cancelled');
        const { rows, fields } = await this.run(() => readRows(cursor, BATCH_SIZE), plan, client);
        if (first) this.checkColumnNames(fields);
        if (rows.length === 0) break;
        for (const row of rows) {
          position += 1;
          builder.add(row, { position });
        }
        yield builder.take();
      }
      // Ending the connection (below) ends the read-only transaction.
      await this.run(() => cursor.close(), plan, client);
    } catch (error) {
      if (cancelled) throw this.fail('reading was cancelled');
      if (this.timedOut) throw this.timeoutError(plan);
      throw error;
    } finally {
      context.signal?.removeEventListener('abort', onAbort);
      if (this.timedOut) destroyClient(client);
      else await client.end().catch(() => undefined);
    }
  }

  /**
   * Refuses a query that gives two columns the same name (`SELECT * FROM a JOIN b ...`, both
   * with an `id`). Why: a row becomes an object by column name, so the last such column would
   * silently replace the first — a record would show another table's `id` as its key, and the
   * plan would compare (and write) the wrong rows.
   */
  private checkColumnNames(fields: readonly pg.FieldDef[]): void {
    const seen = new Set<string>();
    for (const { name } of fields) {
      if (seen.has(name)) {
        throw this.fail(`query: gives more than one column named "${name}"; a record can hold only one (name them apart with AS)`);
      }
      seen.add(name);
    }
  }

  /** `SELECT * FROM table ORDER BY key` when the key columns exist in the table. */
  private async tableQuery(client: pg.Client, plan: ReadPlan): Promise<string> {
    const table = plan.table as string;
    const probe = await this.run(() => client.query({ text: `SELECT * FROM ${quoteTable(table)} LIMIT 0`, types: RECON_PG_TYPES }), plan, client);
    const columns = new Set(probe.fields.map((field) => field.name));
    const keys = rawKeyColumns(this.source) ?? [];
    return tableSelect(table, keys.length > 0 && keys.every((key) => columns.has(key)) ? keys : []);
  }

  /** `source x: query: did not finish within 2s (timeout)`: not transient, so never retried. */
  private timeoutError(plan: ReadPlan): ConnectorError {
    if (!this.connected) return this.fail(`cannot connect to ${plan.target.shown}: no answer within ${durationText(plan.timeoutMs)} (timeout)`);
    return this.fail(`${plan.table !== null ? `table ${plan.table}` : 'query'}: did not finish within ${durationText(plan.timeoutMs)} (timeout)`);
  }

  /**
   * Runs one database call, turning its failure into a one-line, secret-free `ConnectorError`.
   * The call may use what is left of the read's timeout (the time of earlier calls counts); when
   * it runs out, the connection is ended (which fails the call) and the read fails as timed out.
   * The server's own cancellation (`statement_timeout`, SQLSTATE 57014) reads the same way.
   */
  private async run<T>(call: () => Promise<T>, plan: ReadPlan, client: pg.Client): Promise<T> {
    const left = plan.timeoutMs - this.waitedMs;
    if (left <= 0) {
      this.timedOut = true;
      throw this.timeoutError(plan);
    }
    const started = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const guard = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        this.timedOut = true;
        destroyClient(client);
        reject(new ReadTimeout());
      }, left);
    });
    const calling = call();
    calling.catch(() => undefined); // after a timeout its late failure is of no interest
    try {
      return await Promise.race([calling, guard]);
    } catch (error) {
      if (error instanceof ConnectorError) throw error;
      if (this.timedOut || error instanceof ReadTimeout || isStatementTimeout(error)) {
        this.timedOut = true;
        throw this.timeoutError(plan);
      }
      const where = plan.table !== null ? `table ${plan.table}` : 'query';
      throw this.fail(`${where}: ${describePgError(error, plan.target, this.scrubber)}`, this.source.connector.at, isTransientPgError(error));
    } finally {
      clearTimeout(timer);
      this.waitedMs += performance.now() - started;
    }
  }
}

/** The server cancelled a statement for `statement_timeout` (not a cancel by an operator, also 57014). */
function isStatementTimeout(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '57014' && error instanceof Error && /statement timeout/i.test(error.message);
}

/** The next rows of a cursor and the columns of its result (the promise form gives no columns). */
function readRows(cursor: CursorClass, count: number): Promise<{ rows: Record<string, unknown>[]; fields: pg.FieldDef[] }> {
  return new Promise((resolve, reject) => {
    cursor.read(count, (error, rows, result) => {
      if (error) reject(error);
      else resolve({ rows: rows as Record<string, unknown>[], fields: result?.fields ?? [] });
    });
  });
}

/** The `postgres` connector factory. */
export const createPostgresConnector: ConnectorFactory = (source, context) => new PostgresConnector(source, context);
