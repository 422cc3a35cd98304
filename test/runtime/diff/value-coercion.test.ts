/**
 * Values as the diff compares them: instants with nanoseconds and zones, coercion to a declared
 * type with the read pipeline's rules, and equality of coerced values.
 */
import { describe, expect, it } from 'vitest';
import { coerceForCompare, parseInstant, toNumber, valuesEqual } from '../../../runtime/diff/value-coercion.js';

describe('instants', () => {
  it('reads ISO 8601 with zones, fractions to the nanosecond, dates alone as midnight UTC', () => {
    expect(parseInstant('2026-11-26T13:00:00+01:00')?.toISOString()).toBe('2026-11-26T12:00:00Z');
    expect(parseInstant('2026-11-26 12:00:00.000000001Z')?.nanos).toBe(1);
    expect(parseInstant('2026-11-26')?.toISOString()).toBe('2026-11-26T00:00:00Z');
    expect(parseInstant('2026-02-29')).toBeNull();
    expect(parseInstant('2026-11-26T12:00')).not.toBeNull();
    expect(parseInstant('2026-11-26T12:00', true)).toBeNull();
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
