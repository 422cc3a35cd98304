/**
 * What every connector of this folder shares: batching, option reading, resolving the source's
 * file inside the workspace, turning I/O failures into one-line `ConnectorError`s.
 *
 * Why shared: each connector file keeps only its format (ARCHITECTURE.md: one file per
 * connector), and every connector reports errors the same way (`source NAME: ...` with `at`).
 */
import { stat } from 'node:fs/promises';
import type { IrExpr, IrSource } from '../../language/ir/ir-types.js';
import type { ConnectorValue } from '../expressions/expression-evaluator.js';
import { isPlainObject, ownValue } from '../expressions/own-properties.js';
import { resolveWorkspacePath, WorkspacePathError } from '../workspace/workspace-paths.js';
import {
  ConnectorError,
  type ConnectorContext,
  type RawRecord,
  type RawRecordOrigin,
  type RecordBatch,
  type UnreadableRecord,
} from './connector.js';
import type { InexactRecordProblem } from './exact-json-numbers.js';
import { evaluateTracked, scrubbedMessage, SecretScrubber } from './secret-scrubber.js';

/** Records per batch: large enough to amortise async overhead, small enough to stay streaming. */
export const BATCH_SIZE = 4096;

/** Collects records and unreadable rows into batches of `BATCH_SIZE` entries. */
export class BatchBuilder {
  private batch: RecordBatch = { records: [], origins: [], unreadable: [] };

  add(record: RawRecord, origin: RawRecordOrigin): void {
    this.batch.records.push(record);
    this.batch.origins.push(origin);
  }

  addUnreadable(entry: UnreadableRecord): void {
    this.batch.unreadable.push(entry);
  }

  get full(): boolean {
    return this.batch.records.length + this.batch.unreadable.length >= BATCH_SIZE;
  }

  get empty(): boolean {
    return this.batch.records.length === 0 && this.batch.unreadable.length === 0;
  }

  /** The batch so far; the builder starts a new one. */
  take(): RecordBatch {
    const batch = this.batch;
    this.batch = { records: [], origins: [], unreadable: [] };
    return batch;
  }
}

/** `source ledger`, the prefix of every connector message. */
export function sourceLabel(source: IrSource): string {
  return `source ${source.name}`;
}

/**
 * The refusal of connectors that reach beyond the workspace's files (`http`, `exec`) in an
 * untrusted context (the editor's preview of an untrusted workspace), before they do anything.
 */
export function untrustedError(source: IrSource, kind: string): ConnectorError {
  return new ConnectorError(
    `${sourceLabel(source)}: ${kind} sources are not run in an untrusted workspace (trust the workspace to read it)`,
    source.connector.at,
  );
}

/** The kind of value an option takes, checked after evaluating it. */
export type OptionKind = 'string' | 'boolean' | 'character' | 'object' | 'number';

function fitsKind(kind: OptionKind, value: unknown): boolean {
  switch (kind) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'character':
      return typeof value === 'string' && [...value].length === 1;
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    default:
      return typeof value === 'string';
  }
}

const EXPECTED: Readonly<Record<OptionKind, string>> = {
  boolean: 'true or false',
  character: 'a single character',
  object: 'an object',
  number: 'a number (or a duration, like 30s)',
  string: 'text',
};

/**
 * Evaluates the connector's named options; unknown options and values of the wrong kind are
 * `ConnectorError`s pointing at the option. Secrets an option reads are remembered in
 * `scrubber` (when given), and a wrong value is shown redacted, never as is.
 */
export function readOptions(
  source: IrSource,
  context: ConnectorContext,
  allowed: Readonly<Record<string, OptionKind>>,
  scrubber: SecretScrubber = new SecretScrubber(),
): Map<string, unknown> {
  const values = new Map<string, unknown>();
  for (const option of source.connector.options) {
    const kind = Object.prototype.hasOwnProperty.call(allowed, option.name) ? allowed[option.name] : undefined;
    if (kind === undefined) {
      const known = Object.keys(allowed);
      throw new ConnectorError(
        `${sourceLabel(source)}: ${source.connector.kind}() has no option "${option.name}"` +
          (known.length > 0 ? ` (options: ${known.join(', ')})` : ''),
        option.at,
      );
    }
    let value: ConnectorValue;
    try {
      value = evaluateTracked(option.value, scrubber, context.evaluateConnectorValue?.bind(context), (expr) => context.evaluate(expr));
    } catch (error) {
      throw new ConnectorError(`${sourceLabel(source)}: option ${option.name}: ${scrubbedMessage(error, scrubber)}`, option.at);
    }
    if (!fitsKind(kind, value.value)) {
      throw new ConnectorError(
        `${sourceLabel(source)}: option ${option.name} must be ${EXPECTED[kind]}, got ${scrubber.scrub(JSON.stringify(value.redacted) ?? 'nothing')}`,
        option.at,
      );
    }
    values.set(option.name, value.value);
  }
  return values;
}

/** The absolute path of a file connector's file, checked to exist inside the workspace. */
export async function resolveSourceFile(source: IrSource, context: ConnectorContext): Promise<string> {
  const requested = source.connector.path;
  if (requested === undefined) {
    throw new ConnectorError(`${sourceLabel(source)}: ${source.connector.kind}() needs a file path`, source.connector.at);
  }
  let absolute: string;
  try {
    absolute = await resolveWorkspacePath(context.workspaceRoot, requested);
  } catch (error) {
    if (error instanceof WorkspacePathError) throw new ConnectorError(`${sourceLabel(source)}: ${error.message}`, source.connector.at);
    throw error;
  }
  let info;
  try {
    info = await stat(absolute);
  } catch (error) {
    throw fileError(source, error);
  }
  if (!info.isFile()) throw new ConnectorError(`${sourceLabel(source)}: ${requested} is not a file`, source.connector.at);
  return absolute;
}

/** A one-line error for a failed read of the source's file. */
export function fileError(source: IrSource, error: unknown): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const file = source.connector.path ?? '(no path)';
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const why =
    code === 'ENOENT'
      ? 'the file does not exist'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a folder'
          : error instanceof Error
            ? error.message
            : String(error);
  return new ConnectorError(`${sourceLabel(source)}: cannot read ${file}: ${why}`, source.connector.at);
}

/** Throws a `ConnectorError` when the read was cancelled (editor preview, time budget). */
export function throwIfAborted(source: IrSource, context: ConnectorContext): void {
  if (context.signal?.aborted) {
    throw new ConnectorError(`${sourceLabel(source)}: reading was cancelled`, source.connector.at);
  }
}

/**
 * Whether an IR expression reads `secret()` (the compiler inlines lets, so the call is always
 * visible). Why: messages that quote a value must not quote one read from a secret.
 */
export function readsSecret(expr: IrExpr): boolean {
  if (Array.isArray(expr)) return expr.some(readsSecret);
  if (expr !== null && typeof expr === 'object') {
    return Object.entries(expr).some(([operation, args]) => operation === 'secret' || readsSecret(args));
  }
  return false;
}

/**
 * The list at a dotted `items` path (`data.rows`) inside a parsed document, walking own
 * properties only; the document itself when there is no path.
 */
export function itemsAt(source: IrSource, document: unknown, itemsPath: string | undefined, label?: string): unknown[] {
  const file = label ?? source.connector.path ?? source.connector.kind;
  let current = document;
  if (itemsPath !== undefined && itemsPath !== '') {
    // a path read from secret() is never quoted (LANGUAGE.md 2.1: secrets never appear)
    const itemsOption = source.connector.options.find((o) => o.name === 'items');
    const shownPath = itemsOption !== undefined && readsSecret(itemsOption.value) ? 'the items path (read from secret(), not shown)' : `items path "${itemsPath}"`;
    for (const name of itemsPath.split('.')) {
      current = ownValue(current, name);
      if (current === undefined) {
        throw new ConnectorError(`${sourceLabel(source)}: ${file} has nothing at ${shownPath}`, source.connector.at);
      }
    }
    if (!Array.isArray(current)) {
      throw new ConnectorError(`${sourceLabel(source)}: ${file}: ${shownPath} holds ${describeKind(current)}, not a list`, source.connector.at);
    }
    return current;
  }
  if (!Array.isArray(current)) {
    throw new ConnectorError(
      `${sourceLabel(source)}: ${file} holds ${describeKind(current)} at the top level, not a list of records (set items: "path.to.list")`,
      source.connector.at,
    );
  }
  return current;
}

/** `an object`, `a number`, ... for messages about what a document holds. */
export function describeKind(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (ArrayBuffer.isView(value)) return 'binary data';
  if (typeof value === 'object') return isPlainObject(value) ? 'an object' : `a ${(value as object).constructor?.name ?? 'special'} value`;
  return `a ${typeof value === 'boolean' ? 'bool' : typeof value}`;
}

/**
 * Streams the elements of a parsed list as batches: plain objects are records, anything else is
 * an unreadable entry. `lineOf` gives the 1-based line of element `i` when the format knows it.
 * `inexact`: the records holding numbers a double cannot hold exactly that the source does not
 * carry as text (`exact-json-numbers.ts`), by index — unreadable entries naming the field and the
 * literal, each keeping the record as its salvaged guess (so its key is withheld); `label` names
 * where the list came from when it is no file (`the output of kubectl`).
 */
export async function* batchesOfItems(
  source: IrSource,
  context: ConnectorContext,
  items: readonly unknown[],
  lineOf?: (index: number) => number | undefined,
  inexact?: { problems: ReadonlyMap<number, InexactRecordProblem>; label?: string },
): AsyncGenerator<RecordBatch> {
  const file = source.connector.path ?? source.connector.kind;
  const builder = new BatchBuilder();
  const problems = inexact !== undefined && inexact.problems.size > 0 ? inexact.problems : null;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const line = lineOf?.(i);
    const origin: RawRecordOrigin = line === undefined ? { position: i + 1 } : { position: i + 1, line };
    const problem = problems === null ? undefined : problems.get(i);
    if (problem !== undefined) {
      const at = line ?? problem.line;
      const where = inexact?.label !== undefined ? `${inexact.label}: record ${i + 1} (line ${at})` : `${file}:${at}: record ${i + 1}`;
      builder.addUnreadable({ origin, error: `${where}: ${problem.detail}`, salvaged: item as RawRecord });
    } else if (isPlainObject(item)) {
      // plain objects only: YAML can also give binary data (`!!binary`), which is no record
      builder.add(item, origin);
    } else {
      const where = line === undefined ? `${file}: record ${i + 1}` : `${file}:${line}: record ${i + 1}`;
      builder.addUnreadable({ origin, error: `${where} is ${describeKind(item)}, not an object` });
    }
    if (builder.full) {
      throwIfAborted(source, context);
      yield builder.take();
    }
  }
  if (!builder.empty) yield builder.take();
}

/**
 * A time limit as messages show it (`250ms`, `5s`, `1.5s`): the http, postgres and exec
 * connectors' timeouts say "did not finish within …" in the same words.
 */
export function durationText(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${Number((ms / 1000).toFixed(1))}s`;
}
