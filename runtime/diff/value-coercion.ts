/**
 * Values as the diff engine compares them: coercion to a declared field type, instants, and
 * equality of coerced values.
 *
 * Why (LANGUAGE.md 2.3): when one side declares a field's type, the other side's value is coerced
 * to it before comparing — `"10.0"` equals `10` for a `number`, two datetimes are compared as
 * instants whatever their zones — and a value that cannot be coerced is unequal. The record
 * reader has already coerced the declaring side; the other side goes through the same rules
 * (`coerceForCompare`), so equal text always gives equal values on both sides.
 *
 * Instants (`within DURATION`, untyped ISO text, `utc`) keep nanoseconds: two untyped timestamps
 * that differ by a microsecond are different. A datetime without a zone is read as UTC; a date
 * alone is midnight UTC. (Declared datetimes are canonicalised to milliseconds by the reader.)
 */
import type { IrFieldType } from '../../language/ir/ir-types.js';
import { isPlainObject } from '../expressions/own-properties.js';
import { coerceValue, decimalNumber } from '../observe/field-coercion.js';
import { daysInMonth, epochMillis, readIsoDateTime } from '../observe/iso-datetime.js';
import { strictEquals } from '../expressions/value-semantics.js';

/** A point in time: whole seconds since the epoch plus nanoseconds (0..999,999,999). */
export class Instant {
  constructor(
    readonly epochSeconds: number,
    readonly nanos: number,
  ) {}

  /** Milliseconds since the epoch, with the sub-millisecond part as a fraction. */
  get epochMillis(): number {
    return this.epochSeconds * 1000 + this.nanos / 1e6;
  }

  equals(other: Instant): boolean {
    return this.epochSeconds === other.epochSeconds && this.nanos === other.nanos;
  }

  /** Milliseconds from `other` to this instant (negative when this one is earlier). */
  millisSince(other: Instant): number {
    return (this.epochSeconds - other.epochSeconds) * 1000 + (this.nanos - other.nanos) / 1e6;
  }

  /** `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, the fraction without trailing zeros. */
  toISOString(): string {
    const date = new Date(this.epochSeconds * 1000).toISOString().slice(0, 19);
    if (this.nanos === 0) return `${date}Z`;
    return `${date}.${String(this.nanos).padStart(9, '0').replace(/0+$/, '')}Z`;
  }

  toJSON(): string {
    return this.toISOString();
  }
}

/**
 * Reads ISO 8601 text (`2026-11-26`, `2026-11-26T12:00:00Z`, `2026-11-26 13:00:00.123456+01:00`;
 * the read pipeline's grammar, `iso-datetime.ts`) as an instant, the fraction kept to the
 * nanosecond; null when the text is not such a datetime or names an impossible date. With
 * `requireZone`, only a date and time with a zone (`Z` or an offset) is an instant, as for `==`
 * in expressions: untyped text without a zone stays text.
 */
export function parseInstant(text: string, requireZone = false): Instant | null {
  if (text.length < 10 || text.length > 64) return null;
  const utc = parseUtcText(text);
  if (utc !== null) return utc;
  const parts = readIsoDateTime(text);
  if (parts === null || (requireZone && !parts.zoned)) return null;
  return new Instant(epochMillis(parts) / 1000, Number(parts.fraction.slice(0, 9).padEnd(9, '0')));
}

function digit(text: string, at: number): number {
  const d = text.charCodeAt(at) - 48;
  return d >= 0 && d <= 9 ? d : -100000;
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (the canonical form, and what machines write), read without
 * the regular expression: the instant `parseInstant` gives for it, or null for any other text
 * (then the general reading decides, invalid dates and years before 100 included).
 */
function parseUtcText(text: string): Instant | null {
  const length = text.length;
  if (length < 20 || length > 30 || text.charCodeAt(length - 1) !== 90 /* Z */) return null;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) {
    return null;
  }
  let nanos = 0;
  if (length > 20) {
    // A fraction of 1 to 9 digits.
    if (text.charCodeAt(19) !== 46 /* . */ || length < 22) return null;
    for (let i = 20; i < length - 1; i++) {
      const d = digit(text, i);
      if (d < 0) return null;
      nanos = nanos * 10 + d;
    }
    for (let k = length - 21; k < 9; k++) nanos *= 10;
  }
  const year = digit(text, 0) * 1000 + digit(text, 1) * 100 + digit(text, 2) * 10 + digit(text, 3);
  const month = digit(text, 5) * 10 + digit(text, 6);
  const day = digit(text, 8) * 10 + digit(text, 9);
  const hour = digit(text, 11) * 10 + digit(text, 12);
  const minute = digit(text, 14) * 10 + digit(text, 15);
  const second = digit(text, 17) * 10 + digit(text, 18);
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return null;
  return new Instant(Date.UTC(year, month - 1, day, hour, minute, second) / 1000, nanos);
}

/** An instant from any value that denotes one (an Instant, a Date, ISO text); null otherwise. */
export function toInstant(value: unknown): Instant | null {
  if (value instanceof Instant) return value;
  if (value instanceof Date) {
    const ms = value.getTime();
    if (!Number.isFinite(ms)) return null;
    const seconds = Math.floor(ms / 1000);
    return new Instant(seconds, (ms - seconds * 1000) * 1e6);
  }
  if (typeof value === 'string') return parseInstant(value);
  return null;
}

/**
 * A number from a number or decimal text (`"10.0"`, `" 1e3 "`); null otherwise (no hex, no
 * Infinity): the read pipeline's reading (`decimalNumber`), with `-0` left as it is (only a
 * record's value is made one zero).
 */
export function toNumber(value: unknown): number | null {
  return decimalNumber(value);
}

/** The outcome of coercing a value for comparison. */
export type Coerced = { ok: true; value: unknown } | { ok: false };

/**
 * Coerces the value of the side that did not declare the field's type to the type the other
 * side declared, with the read pipeline's own rules (`coerceValue`), so both values end up in
 * one representation (a datetime as canonical UTC text, as the declaring side's record holds it).
 * A value that does not denote the type fails, and so compares unequal.
 */
export function coerceForCompare(value: unknown, type: IrFieldType | null): Coerced {
  if (value === null || value === undefined) return { ok: true, value: null };
  if (type === null) return { ok: true, value };
  const result = coerceValue(value, type);
  return result.ok ? { ok: true, value: result.value } : { ok: false };
}

/**
 * Equality of two coerced values: null-safe (absent equals null), instants as instants, numbers
 * by value, lists element by element, objects by their fields (a null field equals an absent
 * one). Untyped text that reads as an ISO instant compares as an instant, as `==` does in
 * expressions; text of a field declared `string` compares as text.
 */
export function valuesEqual(a: unknown, b: unknown, type: IrFieldType | null): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (a === b) return true;
  if (a === null || b === null) return false;
  if (a instanceof Instant || b instanceof Instant) {
    const ia = toInstant(a);
    const ib = toInstant(b);
    return ia !== null && ib !== null && ia.equals(ib);
  }
  if (type === 'string') return false;
  if (typeof a === 'string' && typeof b === 'string') {
    const ia = parseInstant(a, true);
    if (ia === null) return false;
    const ib = parseInstant(b, true);
    return ib !== null && ia.equals(ib);
  }
  if (typeof a === 'object' && typeof b === 'object') {
    if (Array.isArray(a) || Array.isArray(b)) {
      if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
      for (let i = 0; i < a.length; i++) if (!valuesEqual(a[i], b[i], null)) return false;
      return true;
    }
    if (!isPlainObject(a) || !isPlainObject(b)) return strictEquals(a, b);
    for (const k of Object.keys(a)) {
      if (!valuesEqual(a[k], Object.prototype.hasOwnProperty.call(b, k) ? b[k] : null, null)) return false;
    }
    for (const k of Object.keys(b)) {
      if (!Object.prototype.hasOwnProperty.call(a, k) && b[k] !== null && b[k] !== undefined) return false;
    }
    return true;
  }
  return false;
}
