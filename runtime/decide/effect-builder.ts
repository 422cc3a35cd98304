/**
 * Builds an item's `effect`: exactly what `recon apply` would do for the decided action.
 *
 * Why in the plan: a reviewer approves what they can see — the request, the argv and stdin, the
 * SQL statement or the file record — so the plan spells it out, and apply performs that, nothing
 * else. Everything shown is evaluated in "shown" mode: `secret(...)`-derived text is `***`.
 */
import type { IrActionKind, IrExpr, IrSource, IrWriteOp } from '../../language/ir/ir-types.js';
import { FILE_CONNECTORS } from '../../language/ir/ir-types.js';
import type { DiffItem } from '../diff/diff-result.js';
import type { Effect } from '../plan/change-plan.js';
import { buildSqlStatement } from '../connectors/postgres-sql.js';
import { setOwn } from '../expressions/own-properties.js';
import { setPath, topField } from './raw-path.js';
import { mapToRaw, type ValueEvaluator } from './raw-record-mapper.js';
import { buildUrl, urlParts } from './url-template.js';

export interface EffectInput {
  action: IrActionKind;
  item: DiffItem;
  /** The policy's actual source (where create/update/delete write); undefined when the IR lacks it. */
  source: IrSource | undefined;
  /** The evaluated ticket title, for `ticket`. */
  title: string | null;
  /**
   * The roots of the policy's expressions: `desired`, `actual`, `key` (named by the desired
   * source), `diff`. Write URLs, argv and headers see them with `key` named by the actual source
   * (`actualKeyOf`).
   */
  data: Record<string, unknown>;
  /**
   * The desired source's key paths, paired by position with the actual source's. Optional: when
   * absent, the item's key is taken to be named as the actual source names it.
   */
  desiredKey?: readonly string[];
  /** Evaluates with real values (for `map` lines, which never hold secrets). */
  evaluateValue: ValueEvaluator;
  /** Evaluates for display: secret-derived text is `***`. */
  evaluateShown: ValueEvaluator;
}

export interface EffectResult {
  effect: Effect;
  warnings: string[];
}

/** The effect of one decided item (null for ignore/report, or when nothing can be written). */
export function buildEffect(input: EffectInput): EffectResult {
  const { action, item, source } = input;
  if (action === 'ignore' || action === 'report') return { effect: null, warnings: [] };
  if (action === 'ticket') return { effect: { kind: 'ticket', title: input.title ?? '' }, warnings: [] };
  if (!source) return { effect: null, warnings: [`the actual source is not in the IR: ${action} has no effect`] };

  const warnings: string[] = [];
  const keyFields = source.key.map((path) => topField(path));
  const actualKey = actualKeyOf(item, source, input.desiredKey);
  const body = rawBody(action, item, source, keyFields, actualKey, input.desiredKey ?? source.key, input.evaluateValue, warnings);
  const kind = source.connector.kind;
  // write URLs, argv and headers belong to the actual source: `key` there is named as it names it
  const writeInput: EffectInput = actualKey === null || actualKey === input.data.key ? input : { ...input, data: { ...input.data, key: actualKey } };

  if (FILE_CONNECTORS.includes(kind)) {
    return {
      effect: {
        kind: 'file',
        connector: kind,
        path: source.connector.path ?? '',
        op: action,
        key: { ...(actualKey ?? {}) },
        record: body.record,
      },
      warnings,
    };
  }
  if (kind === 'http' || kind === 'exec') {
    const op = source.write?.ops.find((candidate) => candidate.op === action);
    if (!op) {
      warnings.push(`source ${source.name} has no "write { ${action} … }" operation: ${action} cannot be applied`);
      return { effect: null, warnings };
    }
    const payload = action === 'delete' ? null : body.record;
    if (op.http) {
      const effect = httpEffect(op, source, payload, writeInput, warnings);
      return { effect, warnings };
    }
    if (op.exec) return { effect: execEffect(op, payload, writeInput, warnings), warnings };
    warnings.push(`the ${action} operation of source ${source.name} (${op.at}) is neither a request nor a program`);
    return { effect: null, warnings };
  }
  if (kind === 'postgres') {
    const effect = sqlEffect(action, source, body, writeInput, warnings);
    return { effect, warnings };
  }
  warnings.push(`source ${source.name} (${kind}) cannot be written: ${action} cannot be applied`);
  return { effect: null, warnings };
}

interface RawBody {
  /** create: the whole raw record; update: key + changed raw fields; delete: the raw key. */
  record: Record<string, unknown>;
  /** The raw key fields. */
  key: Record<string, unknown> | null;
  /** update: the raw fields of the changed fields (without the key). */
  changes: Record<string, unknown>;
}

function rawBody(
  action: 'create' | 'update' | 'delete',
  item: DiffItem,
  source: IrSource,
  keyFields: string[],
  actualKey: Record<string, unknown> | null,
  desiredKey: readonly string[],
  evaluate: ValueEvaluator,
  warnings: string[],
): RawBody {
  const desired = item.desired === null ? null : withKeyRenamed(item.desired, desiredKey, source.key, actualKey);
  const from =
    action === 'delete'
      ? (item.actual ?? desired ?? { ...(actualKey ?? {}) })
      : action === 'update' && desired !== null && item.actual !== null
        ? withActualKey(desired, item.actual, keyFields)
        : (desired ?? { ...(actualKey ?? {}) });
  const keyMapping = mapToRaw(from, source, keyFields, evaluate);
  warnings.push(...keyMapping.warnings);
  if (action === 'delete') return { record: keyMapping.raw, key: keyMapping.raw, changes: {} };
  if (action === 'create') {
    const whole = mapToRaw(from, source, null, evaluate);
    warnings.push(...whole.warnings);
    return { record: whole.raw, key: keyMapping.raw, changes: {} };
  }
  const known = [...Object.keys(item.desired ?? {}), ...Object.keys(item.actual ?? {}), ...(source.select ?? []).map((line) => line.name)];
  const changed = changedFields(item, known).filter((name) => !keyFields.includes(name));
  const changes = mapToRaw(from, source, changed, evaluate);
  warnings.push(...changes.warnings);
  const both = mapToRaw(from, source, [...keyFields, ...changed], evaluate);
  return { record: both.raw, key: keyMapping.raw, changes: changes.raw };
}

/** The top-level fields an update touches: those of the differing paths, in order. */
function changedFields(item: DiffItem, known: readonly string[]): string[] {
  const names: string[] = [];
  for (const path of [...item.fields.map((field) => field.path), ...item.diff]) {
    const name = topField(path, known);
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/**
 * The desired record with the actual record's values of the key fields: an update identifies
 * the record it changes, and does not change its key. Why: keys are matched across a type
 * declared on one side only (`key-typing.ts`: a desired `"2"` matches an actual `2`), and the
 * desired value written back would turn the actual `2` into `"2"`. Equal values (the usual
 * case) give the same record.
 */
function withActualKey(desired: Record<string, unknown>, actual: Record<string, unknown>, keyFields: readonly string[]): Record<string, unknown> {
  let copy: Record<string, unknown> | null = null;
  for (const name of keyFields) {
    if (!Object.prototype.hasOwnProperty.call(actual, name)) continue;
    const value = actual[name];
    if (Object.prototype.hasOwnProperty.call(desired, name) && desired[name] === value) continue;
    copy ??= { ...desired };
    setOwn(copy, name, value);
  }
  return copy ?? desired;
}

/**
 * The item's key named by the actual source: its key paths paired by position with the item's
 * key values (LANGUAGE.md 2.3: desired `key txn` and actual `key id` match `txn` with `id`).
 *
 * Why: everything an effect writes goes to the actual source, and it knows its own names only —
 * the file writer finds the record by them (`record-key-index.ts`), a created record must carry
 * them to match the next run, and a write URL of the actual source reads `key.id`. The values
 * are the key as the policy matched it (`key-typing.ts`: coerced to a type one side declares),
 * so they find the record the plan saw. The item's own key object is returned (unchanged) when
 * it already has the actual source's names: a missing or changed item is keyed by the desired
 * source's names, an extra item by the actual source's.
 */
function actualKeyOf(item: DiffItem, source: IrSource, desiredKey: readonly string[] | undefined): Record<string, unknown> | null {
  const key = item.key;
  const paths = source.key;
  if (key === null || item.kind === 'extra' || desiredKey === undefined || sameKeyPaths(desiredKey, paths)) return key;
  const values = item.keyValues ?? desiredKey.map((path) => key[path]);
  if (values.length !== paths.length) return key;
  const renamed: Record<string, unknown> = {};
  for (let k = 0; k < paths.length; k++) setOwn(renamed, paths[k]!, values[k] ?? null);
  return renamed;
}

function sameKeyPaths(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((path, k) => path === b[k]);
}

/**
 * The desired record as the actual source names its key: each desired key field whose paired
 * actual key field has another name is renamed to it, with the key value as matched
 * (`actualKeyOf`), in its place. Key fields named alike on both sides are left as they are, and
 * a desired field that bears the name of an actual key field gives way to the key value.
 *
 * Why: a create writes the desired record to the actual side; written with `txn` and no `id`,
 * the new record would have no key there, match nothing, and be created again on every run.
 */
function withKeyRenamed(
  record: Record<string, unknown>,
  desiredKey: readonly string[],
  actualKeyPaths: readonly string[],
  actualKey: Record<string, unknown> | null,
): Record<string, unknown> {
  if (actualKey === null || desiredKey.length !== actualKeyPaths.length || sameKeyPaths(desiredKey, actualKeyPaths)) return record;
  const renamed: Record<string, unknown> = {};
  const placed = new Set<number>();
  const put = (k: number): void => {
    if (placed.has(k)) return;
    placed.add(k);
    setPath(renamed, actualKeyPaths[k]!, actualKey[actualKeyPaths[k]!] ?? null);
  };
  for (const name of Object.keys(record)) {
    const k = desiredKey.indexOf(name);
    const asActual = actualKeyPaths.indexOf(name);
    if (k >= 0 && desiredKey[k] !== actualKeyPaths[k]) put(k);
    else if (k < 0 && asActual >= 0 && desiredKey[asActual] !== name) put(asActual);
    else if (!Object.prototype.hasOwnProperty.call(renamed, name)) setOwn(renamed, name, record[name]);
  }
  for (let k = 0; k < actualKeyPaths.length; k++) if (desiredKey[k] !== actualKeyPaths[k]) put(k);
  return renamed;
}

/** The http request of an item; null (with a warning) when its URL cannot be built (`url-template.ts`). */
function httpEffect(op: IrWriteOp, source: IrSource, body: unknown, input: EffectInput, warnings: string[]): Effect {
  const http = op.http as { method: string; url: IrExpr };
  const url = shownUrl(http.url, input, warnings, `URL of ${op.op} (${op.at})`);
  if (url === null) return null;
  const headers: Record<string, string> = {};
  const option = source.connector.options.find((candidate) => candidate.name === 'headers');
  if (option) {
    const result = input.evaluateShown(option.value, input.data);
    if (result.warning) warnings.push(`headers (${option.at}): ${result.warning}`);
    if (result.value !== null && typeof result.value === 'object' && !Array.isArray(result.value)) {
      for (const [name, value] of Object.entries(result.value as Record<string, unknown>)) {
        headers[name] = value === null || value === undefined ? '' : String(value);
      }
    }
  }
  if (body !== null) headers['Content-Type'] = 'application/json';
  return { kind: 'http', method: http.method.toUpperCase(), url, headers, body };
}

function execEffect(op: IrWriteOp, stdin: unknown, input: EffectInput, warnings: string[]): Effect {
  const exec = op.exec as { command: IrExpr; args: IrExpr[] };
  const argv = [shownText(exec.command, input, warnings, `program of ${op.op} (${op.at})`)];
  for (const arg of exec.args) {
    const result = input.evaluateShown(arg, input.data);
    if (result.warning) warnings.push(`argument of ${op.op} (${op.at}): ${result.warning}`);
    const values = Array.isArray(result.value) ? result.value : [result.value];
    for (const value of values) argv.push(textOf(value));
  }
  return { kind: 'exec', argv, stdin };
}

function sqlEffect(action: 'create' | 'update' | 'delete', source: IrSource, body: RawBody, input: EffectInput, warnings: string[]): Effect {
  const option = source.connector.options.find((candidate) => candidate.name === 'table');
  if (!option) {
    warnings.push(`source ${source.name} reads a query, not a table: ${action} cannot be applied`);
    return null;
  }
  const table = shownText(option.value, input, warnings, `table (${option.at})`);
  let built: ReturnType<typeof buildSqlStatement>;
  try {
    built = buildSqlStatement(action, table, body);
  } catch (error) {
    // a name no SQL identifier can hold (a NUL in a record's field name): this item cannot be
    // written, which must not stop the whole plan
    built = { error: error instanceof Error ? error.message : String(error) };
  }
  if ('error' in built) {
    warnings.push(`source ${source.name}: ${built.error}: ${action} cannot be applied`);
    return null;
  }
  return { kind: 'sql', statement: built.statement, params: built.params };
}

/**
 * A write URL as shown and sent: record values in it percent-encoded, then as the HTTP client
 * parses it (`url-template.ts`); null, with a warning, when it cannot be built.
 */
function shownUrl(expr: IrExpr, input: EffectInput, warnings: string[], what: string): string | null {
  const parts = urlParts(expr);
  const values = parts.map((part) => {
    const result = input.evaluateShown(part.expr, input.data);
    if (result.warning) warnings.push(`${what}: ${result.warning}`);
    return result.value;
  });
  const built = buildUrl(parts, values);
  if ('error' in built) {
    warnings.push(`${what}: ${built.error}: ${input.action} cannot be applied`);
    return null;
  }
  return built.url;
}

function shownText(expr: IrExpr, input: EffectInput, warnings: string[], what: string): string {
  const result = input.evaluateShown(expr, input.data);
  if (result.warning) warnings.push(`${what}: ${result.warning}`);
  return textOf(result.value);
}

/**
 * How an evaluated URL part or argument becomes text in an effect (null as empty, instants as
 * ISO text, lists and objects as JSON); writers use the same rule when they rebuild a value.
 */
export function textOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
