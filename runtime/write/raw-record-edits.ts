/**
 * How a raw record in a file changes when an effect is applied to it: merging an effect's
 * record into the record already there, and listing the paths whose value changed.
 *
 * Why merging by "written paths": an update's effect carries the key's raw fields and the raw
 * fields of the changed fields, built through `select` plain paths and `write { map }` lines
 * (`decide/raw-record-mapper.ts`). Everything else in the raw record — fields the source never
 * selects, siblings inside a nested object — must survive. So the patch is walked down to the
 * raw paths the source writes (each select plain path, each map line path, each field read back
 * under its own name) and the value found there replaces the old one whole; above those paths
 * objects are merged. Without `select` the raw record is the presented one, so the written paths
 * are its top-level fields. CSV rows are flat: there a path is one column.
 *
 * Why the change list: formats that preserve layout (JSON, JSON Lines, YAML) edit only the
 * values that changed, path by path, so untouched fields keep their bytes and comments.
 */
import type { IrSource } from '../../language/ir/ir-types.js';
import type { RawRecord } from '../connectors/connector.js';
import { isPlainObject, setOwn } from '../expressions/own-properties.js';
import { parseFieldPath, type PathSegment } from '../observe/field-path.js';

/** One changed value inside a raw record: set `value` at `path`, or remove what is there. */
export type RawEdit = { path: PathSegment[]; remove: false; value: unknown } | { path: PathSegment[]; remove: true };

/**
 * The raw paths (as segments) that writing to `source` may assign whole; null when the source
 * has no `select` (then every top-level field is such a path). For CSV sources every path is a
 * single column name.
 */
export function writtenRawPaths(source: IrSource): PathSegment[][] | null {
  if (source.select === null) return null;
  const flat = source.connector.kind === 'csv';
  const segmentsOf = (text: string): PathSegment[] => (flat ? [text] : (parseFieldPath(text) ?? [text]));
  const paths: PathSegment[][] = [];
  for (const line of source.select) {
    if (line.plainPath !== null) paths.push(segmentsOf(line.plainPath));
    else if (line.reads.length === 1 && line.reads[0] === line.name) paths.push(segmentsOf(line.name));
  }
  for (const line of source.write?.map ?? []) paths.push(segmentsOf(line.path));
  return paths;
}

function samePrefix(path: readonly PathSegment[], candidate: readonly PathSegment[]): boolean {
  if (candidate.length < path.length) return false;
  for (let i = 0; i < path.length; i++) if (String(candidate[i]) !== String(path[i])) return false;
  return true;
}

/**
 * `existing` with `patch` merged in (a new object; neither argument is changed). Values are
 * replaced whole at written paths (see the module comment); above them plain objects are merged
 * key by key and lists element by element, new keys going last so the existing key order stays.
 */
export function mergeRawRecord(existing: RawRecord, patch: RawRecord, written: PathSegment[][] | null): RawRecord {
  const merged = mergeValue(existing, patch, [], written);
  return merged as RawRecord;
}

function mergeValue(target: unknown, patch: unknown, at: PathSegment[], written: PathSegment[][] | null): unknown {
  const depth = at.length;
  const isWrittenPath = written === null ? depth >= 1 : written.some((p) => p.length === depth && samePrefix(at, p));
  const leadsToWritten = written === null ? depth === 0 : written.some((p) => p.length > depth && samePrefix(at, p));
  if (depth > 0 && (isWrittenPath || !leadsToWritten)) return clone(patch);
  if (isPlainObject(target) && isPlainObject(patch)) {
    const out: Record<string, unknown> = {};
    for (const name of Object.keys(target)) setOwn(out, name, clone(target[name]));
    for (const name of Object.keys(patch)) {
      const inner = Object.prototype.hasOwnProperty.call(target, name) ? target[name] : undefined;
      setOwn(out, name, mergeValue(inner, patch[name], [...at, name], written));
    }
    return out;
  }
  if (Array.isArray(target) && Array.isArray(patch)) {
    const out = target.map(clone);
    patch.forEach((value, index) => {
      out[index] = mergeValue(target[index], value, [...at, index], written);
    });
    for (let i = 0; i < out.length; i++) if (!(i in out)) out[i] = null;
    return out;
  }
  if (Array.isArray(patch)) {
    // A list built by a path like items[1].sku where nothing was: holes become null.
    return mergeValue([], patch, at, written);
  }
  if (isPlainObject(patch)) return mergeValue({}, patch, at, written);
  return clone(patch);
}

/** A deep copy of JSON-like data (holes in lists become null). */
export function clone(value: unknown): unknown {
  if (Array.isArray(value)) return Array.from(value, (inner) => clone(inner === undefined ? null : inner));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const name of Object.keys(value)) setOwn(out, name, clone(value[name]));
    return out;
  }
  return value;
}

/** Structural equality of JSON-like data (key order does not matter). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((value, i) => sameValue(value, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && sameValue(a[key], b[key]));
  }
  return false;
}

/**
 * The edits that turn `before` into `after`: objects are compared key by key (recursively);
 * anything else that differs — scalars, lists, a change of kind — is one edit of the whole
 * value. Edits come in `after`'s key order, removals last.
 */
export function diffRawRecords(before: RawRecord, after: RawRecord): RawEdit[] {
  const edits: RawEdit[] = [];
  diffInto(before, after, [], edits);
  return edits;
}

function diffInto(before: Record<string, unknown>, after: Record<string, unknown>, at: PathSegment[], edits: RawEdit[]): void {
  for (const name of Object.keys(after)) {
    const has = Object.prototype.hasOwnProperty.call(before, name);
    const old = has ? before[name] : undefined;
    const next = after[name];
    if (has && isPlainObject(old) && isPlainObject(next)) diffInto(old, next, [...at, name], edits);
    else if (!has || !sameValue(old, next)) edits.push({ path: [...at, name], remove: false, value: next });
  }
  for (const name of Object.keys(before)) {
    if (!Object.prototype.hasOwnProperty.call(after, name)) edits.push({ path: [...at, name], remove: true });
  }
}
