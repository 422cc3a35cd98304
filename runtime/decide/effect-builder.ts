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
import { topField } from './raw-path.js';
import { mapToRaw, type ValueEvaluator } from './raw-record-mapper.js';
import { buildUrl, urlParts } from './url-template.js';

export interface EffectInput {
  action: IrActionKind;
  item: DiffItem;
  /** The policy's actual source (where create/update/delete write); undefined when the IR lacks it. */
  source: IrSource | undefined;
  /** The evaluated ticket title, for `ticket`. */
  title: string | null;
  /** The roots of write URLs and argv: `desired`, `actual`, `key`, `diff`. */
  data: Record<string, unknown>;
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
  const body = rawBody(action, item, source, keyFields, input.evaluateValue, warnings);
  const kind = source.connector.kind;

  if (FILE_CONNECTORS.includes(kind)) {
    return {
      effect: {
        kind: 'file',
        connector: kind,
        path: source.connector.path ?? '',
        op: action,
        key: { ...(item.key ?? {}) },
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
      const effect = httpEffect(op, source, payload, input, warnings);
      return { effect, warnings };
    }
    if (op.exec) return { effect: execEffect(op, payload, input, warnings), warnings };
    warnings.push(`the ${action} operation of source ${source.name} (${op.at}) is neither a request nor a program`);
    return { effect: null, warnings };
  }
  if (kind === 'postgres') {
    const effect = sqlEffect(action, source, body, input, warnings);
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
  evaluate: ValueEvaluator,
  warnings: string[],
): RawBody {
  const from =
    action === 'delete'
      ? (item.actual ?? item.desired ?? keysOnly(item))
      : action === 'update' && item.desired !== null && item.actual !== null
        ? withActualKey(item.desired, item.actual, keyFields)
        : (item.desired ?? keysOnly(item));
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

function keysOnly(item: DiffItem): Record<string, unknown> {
  return { ...(item.key ?? {}) };
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
