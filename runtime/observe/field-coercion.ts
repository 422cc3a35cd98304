/**
 * Coerces a value to a declared field type (`string`, `number`, `integer`, `bool`, `datetime`,
 * `json`).
 *
 * Why a table of our own rather than JSON Schema coercion: the rules must say exactly what CSV
 * text and JSON values become, and datetimes must come out canonical so two sources compare as
 * instants whatever their zones. The diff engine reuses `coerceValue` for "when one side declares
 * a field's type, the other side's value is coerced to it" (LANGUAGE.md 2.3).
 *
 * The table (a value that fits no rule cannot be coerced, and makes its record invalid):
 *
 * | type     | accepts                                                                          |
 * |----------|----------------------------------------------------------------------------------|
 * | string   | text as is; a number or bool as its JSON text (`12.5`, `true`)                   |
 * | number   | a finite number; decimal text (`12`, `-0.5`, `1e3`, spaces around allowed)      |
 * | integer  | as number, and a whole number within ±(2^53-1), so no digit is silently lost   |
 * | bool     | true/false; text `true`/`false`, `yes`/`no`, `1`/`0` (any case); numbers 1/0   |
 * | datetime | ISO 8601 text: `2026-11-26`, `2026-11-26T12:00`, `...:00.123+01:00`, `T` or a space; no zone means UTC; becomes `YYYY-MM-DDTHH:mm:ss.sssZ` |
 * | json     | text is parsed as JSON; any other value is kept as it is                         |
 *
 * `null` stays `null` for every type, and empty text is `null` for every type but `string` (an
 * empty cell means "no value", as an absent one does).
 */
import type { IrFieldType } from '../../language/ir/ir-types.js';
import { describeValue } from '../expressions/value-semantics.js';
import { flatConcat } from './flat-text.js';
import { daysInMonth, epochMillis, readIsoDateTime } from './iso-datetime.js';

/** A coerced value, or why the value cannot be coerced (`"abc" is not a number`). */
export type CoercionResult = { ok: true; value: unknown } | { ok: false; reason: string };

const NUMBER_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const TRUE_TEXT = new Set(['true', 'yes', '1']);
const FALSE_TEXT = new Set(['false', 'no', '0']);

function fail(value: unknown, what: string): CoercionResult {
  return { ok: false, reason: `${describeValue(value)} is not ${what}` };
}

/**
 * The finite number that a number or decimal text (`"10.0"`, `" 1e3 "`: spaces around allowed;
 * no hex, no `Infinity`) denotes, `-0` as it is; null for anything else. Why exported: the diff
 * reads numbers with it too (`toNumber` in `value-coercion.ts`), so both read the same texts.
 */
export function decimalNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') {
    const text = value.trim();
    if (!NUMBER_TEXT.test(text)) return null;
    const n = Number(text);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** `decimalNumber`, with `-0` read as `0`: a record holds one zero. */
function toNumber(value: unknown): number | null {
  const n = decimalNumber(value);
  return n === 0 ? 0 : n;
}

/**
 * The canonical UTC instant (`YYYY-MM-DDTHH:mm:ss.sssZ`) of ISO 8601 text (`iso-datetime.ts`),
 * or null. A date alone is midnight UTC; a time without a zone is UTC (never the machine's zone:
 * plans must not depend on where they run). Fractions beyond milliseconds are truncated.
 */
export function canonicalInstant(text: string): string | null {
  const fast = canonicalUtcFastPath(text);
  if (fast !== null) return fast;
  const parts = readIsoDateTime(text);
  if (parts === null) return null;
  const ms = epochMillis(parts) + Number(parts.fraction.slice(0, 3).padEnd(3, '0'));
  const result = new Date(ms);
  if (Number.isNaN(ms) || result.getUTCFullYear() < 0 || result.getUTCFullYear() > 9999) return null;
  return result.toISOString();
}

function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * Text that already is a UTC instant to the second or millisecond (`...T12:00:00Z`,
 * `...T12:00:00.000Z`), the common case for machine-written data, checked without building a
 * Date; null for anything else (the general parser decides).
 */
function canonicalUtcFastPath(text: string): string | null {
  const length = text.length;
  if (length !== 20 && length !== 24) return null;
  // (character codes, not `text[i]`: no one-character string per test)
  if (
    text.charCodeAt(length - 1) !== 90 /* Z */ ||
    text.charCodeAt(4) !== 45 /* - */ ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 /* T */ ||
    text.charCodeAt(13) !== 58 /* : */ ||
    text.charCodeAt(16) !== 58
  ) {
    return null;
  }
  const century = twoDigits(text, 0);
  const yy = twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  if (century < 0 || yy < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return null;
  if (day > daysInMonth(century * 100 + yy, month)) return null;
  if (length === 20) {
    // a string of its own, not a pair holding a slice of `text` (and through it, maybe, the
    // whole text `text` was cut from: a file's rows)
    return flatConcat(text.slice(0, 19), '.000Z');
  }
  if (text.charCodeAt(19) !== 46 /* . */ || twoDigits(text, 20) < 0 || twoDigits(text, 21) < 0) return null;
  return text;
}

/** Coerces `value` to `type` following the table in this module's comment. */
export function coerceValue(value: unknown, type: IrFieldType): CoercionResult {
  if (value === null || value === undefined) return { ok: true, value: null };
  if (value === '' && type !== 'string') return { ok: true, value: null };
  switch (type) {
    case 'string':
      if (typeof value === 'string') return { ok: true, value };
      if (typeof value === 'number' || typeof value === 'boolean') return { ok: true, value: String(value) };
      return fail(value, 'text');
    case 'number': {
      const n = toNumber(value);
      return n === null ? fail(value, 'a number') : { ok: true, value: n };
    }
    case 'integer': {
      const n = toNumber(value);
      if (n === null || !Number.isInteger(n)) return fail(value, 'a whole number');
      if (!Number.isSafeInteger(n)) return fail(value, 'a whole number that fits exactly (at most 2^53-1)');
      return { ok: true, value: n };
    }
    case 'bool':
      if (typeof value === 'boolean') return { ok: true, value };
      if (typeof value === 'number') return value === 1 ? { ok: true, value: true } : value === 0 ? { ok: true, value: false } : fail(value, 'a bool');
      if (typeof value === 'string') {
        const text = value.trim().toLowerCase();
        if (TRUE_TEXT.has(text)) return { ok: true, value: true };
        if (FALSE_TEXT.has(text)) return { ok: true, value: false };
      }
      return fail(value, 'a bool (true/false, yes/no, 1/0)');
    case 'datetime': {
      const instant = typeof value === 'string' ? canonicalInstant(value) : null;
      return instant === null ? fail(value, 'an ISO 8601 datetime') : { ok: true, value: instant };
    }
    case 'json':
      if (typeof value !== 'string') return { ok: true, value };
      try {
        return { ok: true, value: JSON.parse(value) as unknown };
      } catch {
        return fail(value, 'valid JSON');
      }
    default:
      return { ok: false, reason: `unknown field type ${JSON.stringify(type)}` };
  }
}
