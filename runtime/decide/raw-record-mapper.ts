/**
 * Maps a presented record back to the raw form its source stores (LANGUAGE.md 2.1, "Writing
 * through select").
 *
 * Why: an effect must show exactly what apply would write, and apply writes raw records: a field
 * selected as a plain path goes back to that path, a computed field goes through the `write
 * { map { } }` lines that invert it (or, when it reads only the raw field of its own name, back
 * to that field as it is), and `map` has the last word.
 */
import type { IrExpr, IrSource } from '../../language/ir/ir-types.js';
import { setPath as setPathIn } from './raw-path.js';
import { setOwn } from '../expressions/own-properties.js';

/** Evaluates an IR expression over some data (for `map` lines: the record to write). */
export type ValueEvaluator = (expr: IrExpr, data: Record<string, unknown>) => { value: unknown; warning: string | null };

export interface RawMapping {
  raw: Record<string, unknown>;
  warnings: string[];
}

/**
 * Builds the raw record for `record` written to `source`.
 *
 * `fields` names the presented fields to write (the key's and the changed ones for an update);
 * null writes the whole record (a create). Requested fields whose value is absent are written as
 * `null` (an update clears them); a create leaves absent fields out. CSV rows are flat, so for a
 * `csv` source a raw path is one column name (`user.id`), never a nesting.
 */
export function mapToRaw(
  record: Record<string, unknown>,
  source: IrSource,
  fields: readonly string[] | null,
  evaluate: ValueEvaluator,
): RawMapping {
  const flat = source.connector.kind === 'csv';
  const setPath = (target: Record<string, unknown>, path: string, value: unknown): void => setPathIn(target, path, value, flat);
  const raw: Record<string, unknown> = {};
  const warnings: string[] = [];
  const whole = fields === null;
  const mapLines = source.write?.map ?? [];
  const mapPaths = new Set(mapLines.map((line) => line.path));
  const chosenMapLines = new Set<number>();
  const wanted = (name: string): boolean => whole || fields.includes(name);
  const valueOf = (name: string): { present: boolean; value: unknown } => {
    const value = Object.prototype.hasOwnProperty.call(record, name) ? record[name] : undefined;
    if (value === undefined) return { present: !whole, value: null };
    return { present: true, value: toRawValue(value) };
  };

  if (!source.select) {
    const names = whole ? Object.keys(record) : [...fields];
    for (const name of names) {
      const { present, value } = valueOf(name);
      if (present) setPath(raw, name, value);
    }
  } else {
    for (const line of source.select) {
      if (!wanted(line.name)) continue;
      const { present, value } = valueOf(line.name);
      if (line.plainPath !== null) {
        if (present) setPath(raw, line.plainPath, value);
        continue;
      }
      const covered = line.reads.length > 0 && line.reads.every((path) => mapPaths.has(path));
      if (covered) {
        if (whole && (value === null || !present)) continue;
        mapLines.forEach((mapLine, index) => {
          if (line.reads.includes(mapLine.path)) chosenMapLines.add(index);
        });
      } else if (line.reads.length === 1 && line.reads[0] === line.name) {
        if (!mapPaths.has(line.reads[0]) && present) setPath(raw, line.reads[0], value);
      } else if (present && value !== null) {
        warnings.push(
          `field "${line.name}" of source ${source.name} is computed by select (${line.at}) and no write map line writes it back`,
        );
      }
    }
  }

  mapLines.forEach((mapLine, index) => {
    const reads = readsOf(mapLine.expr);
    if (whole) {
      // A create writes every map line, except those over fields the record does not have.
      if (reads === 'all' || reads.size === 0 || [...reads].some((name) => record[name] !== undefined && record[name] !== null)) {
        chosenMapLines.add(index);
      }
      return;
    }
    if (reads === 'all' || fields.some((name) => reads.has(name))) chosenMapLines.add(index);
  });
  const data: Record<string, unknown> = { ...record };
  if (!Object.prototype.hasOwnProperty.call(data, 'record')) data.record = record;
  for (const index of [...chosenMapLines].sort((a, b) => a - b)) {
    const line = mapLines[index];
    const result = evaluate(line.expr, data);
    if (result.warning) warnings.push(`write map line ${line.path} (${line.at}): ${result.warning}`);
    setPath(raw, line.path, toRawValue(result.value ?? null));
  }
  return { raw, warnings };
}

/**
 * Values as a raw record holds them: instants as ISO 8601 text, everything else as is. Fields are
 * copied with `setOwn`: a record's `__proto__` field (JSON.parse makes it an own field) stays a
 * field of the written record instead of replacing the copy's prototype and vanishing.
 */
export function toRawValue(value: unknown): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Array.isArray(value)) return value.map(toRawValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [name, inner] of Object.entries(value)) setOwn(out, name, toRawValue(inner));
    return out;
  }
  return value;
}

/**
 * The top-level field names an expression reads through `var`, or `'all'` when it reads the
 * whole record (`record`, or `var ""`).
 */
export function readsOf(expr: IrExpr): Set<string> | 'all' {
  const names = new Set<string>();
  let all = false;
  const visit = (node: IrExpr): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [operation, args] of Object.entries(node)) {
      if (operation === 'var') {
        const first = Array.isArray(args) ? args[0] : args;
        if (typeof first === 'string') {
          const name = first === '' ? '' : first.split('.')[0];
          if (name === '' || name === 'record') all = true;
          else names.add(name);
        } else if (first !== null && typeof first === 'object') {
          all = true;
        }
        if (Array.isArray(args)) args.slice(1).forEach(visit);
      } else {
        visit(args as IrExpr);
      }
    }
  };
  visit(expr);
  return all ? 'all' : names;
}
