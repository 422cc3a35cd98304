/**
 * What values mean to expressions: equality, ordering, truthiness, instants, and how a value is
 * described in a warning.
 *
 * Why one file: `===`, `in`, `contains`, `min` and `<` must agree on what "equal" and "less" mean
 * (LANGUAGE.md section 3: strict, null-safe, numbers and datetimes as values, lists and objects
 * deeply), and the diff engine may reuse the same answers.
 */
import { isPlainObject } from './own-properties.js';

/**
 * An ISO 8601 instant: a date, a time and a zone (`Z` or an offset). Only such text is compared as
 * an instant; a date alone or a zone-less time stays text.
 */
const ISO_INSTANT =
  /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$/;

/** Milliseconds since the epoch of an ISO 8601 instant, or null when `text` is not one. */
export function instantMillis(text: string): number | null {
  if (text.length < 16 || text.length > 40 || !ISO_INSTANT.test(text)) return null;
  const ms = Date.parse(text.replace(' ', 'T').replace(',', '.'));
  return Number.isFinite(ms) ? ms : null;
}

/** The name of a value's type as users see it in messages. */
export function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'list';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'bool';
    case 'object':
      return 'object';
    default:
      return typeof value;
  }
}

/** A short, readable rendering of a value and its type for warnings: `"abc" (string)`. */
export function describeValue(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'null' : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  if (text.length > 40) text = `${text.slice(0, 37)}...`;
  return `${text} (${typeName(value)})`;
}

/** JsonLogic truthiness: false, null, 0, NaN, "" and [] are false; everything else true. */
export function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return Boolean(value);
}

/**
 * Strict, null-safe equality: null (or absent) equals only null, values of different types are
 * unequal, numbers by value, two ISO instants as instants whatever their zones, lists element by
 * element, objects by their own fields (a field holding null equals an absent one).
 */
export function strictEquals(a: unknown, b: unknown): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (a === b) return true;
  if (a === null || b === null) return false;
  const ta = typeof a;
  if (ta !== typeof b) return false;
  if (ta === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (ta === 'string') {
    const ma = instantMillis(a as string);
    if (ma === null) return false;
    const mb = instantMillis(b as string);
    return mb !== null && ma === mb;
  }
  if (ta !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!strictEquals(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || !isPlainObject(a) || !isPlainObject(b)) return false;
  const keys = new Set<string>();
  for (const k of Object.keys(a)) if (a[k] !== null && a[k] !== undefined) keys.add(k);
  for (const k of Object.keys(b)) if (b[k] !== null && b[k] !== undefined) keys.add(k);
  for (const k of keys) {
    const va = Object.prototype.hasOwnProperty.call(a, k) ? a[k] : null;
    const vb = Object.prototype.hasOwnProperty.call(b, k) ? b[k] : null;
    if (!strictEquals(va, vb)) return false;
  }
  return true;
}

/**
 * Orders two non-null values of one kind: numbers by value, two ISO instants as instants, other
 * text by UTF-16 code units (deterministic, locale-free). Returns null when they cannot be
 * ordered (different types, booleans, lists, objects): the caller decides what that means.
 */
export function orderCompare(a: unknown, b: unknown): number | null {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return null;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') {
    const ma = instantMillis(a);
    const mb = ma === null ? null : instantMillis(b);
    if (ma !== null && mb !== null) return ma < mb ? -1 : ma > mb ? 1 : 0;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return null;
}

/** The text of a value in string interpolation: null as "", lists and objects as JSON. */
export function textOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? '';
}
