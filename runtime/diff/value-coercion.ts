/**
 * Values as the diff engine compares them: coercion to a declared field type, instants, and
 * equality of coerced values.
 *
 * Why (LANGUAGE.md 2.3): when one side declares a field's type, the other side's value is coerced
 * to it before comparing — `"10.0"` equals `10` for a `number`, two datetimes are compared as
 * instants whatever their zones — and a value that cannot be coerced is unequal. The record
 * reader has already coerced the declaring side; coercing an already-coerced value is the
 * identity, so both sides simply go through `coerceForCompare`.
 *
 * Instants keep nanoseconds: two timestamps that differ by a microsecond are different (a
 * millisecond `Date` would call them equal). A datetime without a zone is read as UTC; a date
 * alone is midnight UTC.
 */
import type { IrFieldType } from '../../language/ir/ir-types.js';
import { isPlainObject } from '../expressions/own-properties.js';
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

const ISO_DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  if (month === 2 && ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0)) return 29;
  return DAYS_IN_MONTH[month - 1];
}

/**
 * Reads ISO 8601 text (`2026-11-26`, `2026-11-26T12:00:00Z`, `2026-11-26 13:00:00.123456+01:00`)
 * as an instant; null when the text is not such a datetime or names an impossible date.
 */
export function parseInstant(text: string): Instant | null {
  if (text.length < 10 || text.length > 48) return null;
  const m = ISO_DATETIME.exec(text.trim());
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const nanos = m[7] === undefined ? 0 : Number(m[7].padEnd(9, '0'));
  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = m[11] === undefined ? 0 : Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC maps years 0..99 to 1900..1999; set the full year explicitly.
  const fixed = year < 100 ? new Date(ms).setUTCFullYear(year) : ms;
  return new Instant(fixed / 1000 - offsetMinutes * 60, nanos);
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

const NUMBER_TEXT = /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/;

/** A number from a number or decimal text (`"10.0"`, `" 1e3 "`); null otherwise (no hex, no Infinity). */
export function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && NUMBER_TEXT.test(value)) {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** The outcome of coercing a value for comparison. */
export type Coerced = { ok: true; value: unknown } | { ok: false };

const FAILED: Coerced = { ok: false };
const NULL: Coerced = { ok: true, value: null };

/**
 * Coerces a value to a declared field type for comparison. `null` and absent stay `null`;
 * datetimes become `Instant`s; a value that does not denote the type fails (and so compares
 * unequal). `json` text is parsed; other values are taken as they are.
 */
export function coerceForCompare(value: unknown, type: IrFieldType | null): Coerced {
  if (value === null || value === undefined) return NULL;
  switch (type) {
    case null:
      return { ok: true, value };
    case 'string':
      if (typeof value === 'string') return { ok: true, value };
      if (typeof value === 'number' || typeof value === 'boolean') return { ok: true, value: String(value) };
      if (value instanceof Instant) return { ok: true, value: value.toISOString() };
      return FAILED;
    case 'number': {
      const n = toNumber(value);
      return n === null ? FAILED : { ok: true, value: n === 0 ? 0 : n };
    }
    case 'integer': {
      const n = toNumber(value);
      return n === null || !Number.isInteger(n) ? FAILED : { ok: true, value: n === 0 ? 0 : n };
    }
    case 'bool':
      if (typeof value === 'boolean') return { ok: true, value };
      if (typeof value === 'string') {
        const t = value.trim().toLowerCase();
        if (t === 'true') return { ok: true, value: true };
        if (t === 'false') return { ok: true, value: false };
      }
      return FAILED;
    case 'datetime': {
      const instant = toInstant(value);
      return instant === null ? FAILED : { ok: true, value: instant };
    }
    case 'json':
      if (typeof value === 'string') {
        try {
          return { ok: true, value: JSON.parse(value) as unknown };
        } catch {
          return FAILED;
        }
      }
      return { ok: true, value };
  }
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
    const ia = parseInstant(a);
    if (ia === null) return false;
    const ib = parseInstant(b);
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
