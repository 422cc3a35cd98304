/**
 * Canonical JSON: one byte sequence per value, whatever order its keys were built in.
 *
 * Why: `plan_hash`, `ir_hash` and item preconditions are content hashes; two runs over the same
 * input must give byte-identical text, so object keys are sorted (by UTF-16 code unit, never by
 * locale) and values that JSON cannot carry are mapped one fixed way.
 */
import { createHash } from 'node:crypto';

/**
 * The canonical JSON text of a value: sorted keys, no white space. Dates become ISO strings,
 * bigints their decimal text, non-finite numbers `null`; `undefined` object members are left
 * out (as `JSON.stringify` does) and `undefined` list elements become `null`.
 */
export function canonicalJson(value: unknown): string {
  return write(value);
}

/** `sha256:<hex>` of the canonical JSON of a value: the fingerprint format used in plans. */
export function sha256OfCanonical(value: unknown): string {
  return 'sha256:' + createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex');
}

function write(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'function':
    case 'symbol':
      return 'null';
    default:
      break;
  }
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? 'null' : JSON.stringify(value.toISOString());
  }
  if (Array.isArray(value)) {
    return '[' + value.map((element) => write(element)).join(',') + ']';
  }
  const object = value as Record<string, unknown>;
  const names = Object.keys(object).filter((name) => object[name] !== undefined).sort();
  return '{' + names.map((name) => JSON.stringify(name) + ':' + write(object[name])).join(',') + '}';
}
