/**
 * Values as the diff compares them: instants with nanoseconds and zones, coercion to a declared
 * type with the read pipeline's rules, and equality of coerced values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coerceForCompare, Instant, parseInstant, toNumber, valuesEqual } from '../../../runtime/diff/value-coercion.js';

/** `parseInstant` as written with the regular expression alone (the reference for its shortcut). */
function referenceInstant(text: string, requireZone = false): Instant | null {
  if (text.length < 10 || text.length > 64) return null;
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?)?$/.exec(text.trim());
  if (!m) return null;
  if (requireZone && m[8] === undefined && m[9] === undefined) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (month < 1 || month > 12 || day < 1 || day > days[month - 1]) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const nanos = m[7] === undefined ? 0 : Number(m[7].slice(0, 9).padEnd(9, '0'));
  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = m[11] === undefined ? 0 : Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return new Instant(date.getTime() / 1000 - offsetMinutes * 60, nanos);
}

describe('instants', () => {
  it('reads ISO 8601 with zones, fractions to the nanosecond, dates alone as midnight UTC', () => {
    expect(parseInstant('2026-11-26T13:00:00+01:00')?.toISOString()).toBe('2026-11-26T12:00:00Z');
    expect(parseInstant('2026-11-26 12:00:00.000000001Z')?.nanos).toBe(1);
    expect(parseInstant('2026-11-26')?.toISOString()).toBe('2026-11-26T00:00:00Z');
    expect(parseInstant('2026-02-29')).toBeNull();
    expect(parseInstant('2026-11-26T12:00')).not.toBeNull();
    expect(parseInstant('2026-11-26T12:00', true)).toBeNull();
  });

  it('reads the canonical UTC form as the general grammar does (property)', () => {
    const digits = (n: number) => fc.array(fc.constantFrom(...'0123456789'), { minLength: n, maxLength: n }).map((d) => d.join(''));
    const utcLike = fc
      .record({
        year: fc.oneof(digits(4), fc.constantFrom('0000', '0099', '0100', '1900', '2000', '2024', '2100', '9999')),
        month: fc.oneof(digits(2), fc.constantFrom('01', '02', '12', '13', '00')),
        day: fc.oneof(digits(2), fc.constantFrom('01', '28', '29', '30', '31', '32')),
        hour: fc.oneof(digits(2), fc.constantFrom('00', '23', '24')),
        minute: fc.oneof(digits(2), fc.constantFrom('59', '60')),
        second: fc.oneof(digits(2), fc.constantFrom('59', '60')),
        fraction: fc.oneof(fc.constant(''), fc.integer({ min: 0, max: 12 }).chain((n) => digits(n)).map((d) => `.${d}`), fc.constantFrom(',5', '.x', '.')),
        t: fc.constantFrom('T', 't', ' ', 'x'),
        zone: fc.constantFrom('Z', 'z', '', '+01:00', 'Z '),
      })
      .map(({ year, month, day, hour, minute, second, fraction, t, zone }) => `${year}-${month}-${day}${t}${hour}:${minute}:${second}${fraction}${zone}`);
    fc.assert(
      fc.property(fc.oneof(utcLike, fc.string({ maxLength: 30 })), fc.boolean(), (text, requireZone) => {
        const got = parseInstant(text, requireZone);
        const expected = referenceInstant(text, requireZone);
        expect(got === null ? null : [got.epochSeconds, got.nanos]).toEqual(expected === null ? null : [expected.epochSeconds, expected.nanos]);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('coercion for comparing', () => {
  it('uses the read pipeline rules, and fails on values that do not denote the type', () => {
    expect(coerceForCompare('10.0', 'number')).toEqual({ ok: true, value: 10 });
    expect(coerceForCompare(' 7 ', 'integer')).toEqual({ ok: true, value: 7 });
    expect(coerceForCompare('7.5', 'integer')).toEqual({ ok: false });
    expect(coerceForCompare('yes', 'bool')).toEqual({ ok: true, value: true });
    expect(coerceForCompare('2026-11-26T13:00:00+01:00', 'datetime')).toEqual({ ok: true, value: '2026-11-26T12:00:00.000Z' });
    expect(coerceForCompare(12, 'string')).toEqual({ ok: true, value: '12' });
    expect(coerceForCompare(null, 'number')).toEqual({ ok: true, value: null });
    expect(coerceForCompare('abc', 'number')).toEqual({ ok: false });
    expect(coerceForCompare('abc', null)).toEqual({ ok: true, value: 'abc' });
  });

  it('reads decimal text as numbers, never hex or Infinity', () => {
    expect(toNumber('1e3')).toBe(1000);
    expect(toNumber('0x10')).toBeNull();
    expect(toNumber('Infinity')).toBeNull();
  });
});

describe('equality', () => {
  it('is null-safe, by value for numbers and instants, deep for lists and objects', () => {
    expect(valuesEqual(null, undefined, null)).toBe(true);
    expect(valuesEqual('2026-11-26T12:00:00Z', '2026-11-26T13:00:00+01:00', null)).toBe(true);
    expect(valuesEqual('2026-11-26T12:00:00Z', '2026-11-26T13:00:00+01:00', 'string')).toBe(false);
    expect(valuesEqual('2026-11-26T12:00:00.000001Z', '2026-11-26T12:00:00Z', null)).toBe(false);
    expect(valuesEqual({ a: [1, { b: null }] }, { a: [1, {}] }, null)).toBe(true);
    expect(valuesEqual({ a: 1 }, { a: 1, b: 2 }, null)).toBe(false);
    expect(valuesEqual(1, '1', null)).toBe(false);
  });
});
