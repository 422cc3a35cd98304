import { describe, expect, it } from 'vitest';
import { canonicalInstant, coerceValue } from '../../../runtime/observe/field-coercion.js';

const ok = (value: unknown) => ({ ok: true, value });

describe('coerceValue', () => {
  it('keeps null and turns empty text into null except for strings', () => {
    for (const type of ['string', 'number', 'integer', 'bool', 'datetime', 'json'] as const) {
      expect(coerceValue(null, type)).toEqual(ok(null));
      expect(coerceValue(undefined, type)).toEqual(ok(null));
    }
    expect(coerceValue('', 'string')).toEqual(ok(''));
    expect(coerceValue('', 'number')).toEqual(ok(null));
    expect(coerceValue('', 'datetime')).toEqual(ok(null));
  });

  it('string', () => {
    expect(coerceValue('abc', 'string')).toEqual(ok('abc'));
    expect(coerceValue(12.5, 'string')).toEqual(ok('12.5'));
    expect(coerceValue(true, 'string')).toEqual(ok('true'));
    expect(coerceValue({ a: 1 }, 'string')).toEqual({ ok: false, reason: '{"a":1} (object) is not text' });
  });

  it('number', () => {
    expect(coerceValue('10.50', 'number')).toEqual(ok(10.5));
    expect(coerceValue(' -3 ', 'number')).toEqual(ok(-3));
    expect(coerceValue('1e3', 'number')).toEqual(ok(1000));
    expect(coerceValue('.5', 'number')).toEqual(ok(0.5));
    expect(coerceValue('-0', 'number')).toEqual(ok(0));
    expect(coerceValue(7, 'number')).toEqual(ok(7));
    for (const bad of ['abc', '1,5', '0x10', 'NaN', 'Infinity', '1e999', '10 EUR']) {
      expect(coerceValue(bad, 'number'), bad).toMatchObject({ ok: false });
    }
    expect(coerceValue('abc', 'number')).toEqual({ ok: false, reason: '"abc" (string) is not a number' });
    expect(coerceValue(true, 'number')).toMatchObject({ ok: false });
  });

  it('integer', () => {
    expect(coerceValue('42', 'integer')).toEqual(ok(42));
    expect(coerceValue('10.0', 'integer')).toEqual(ok(10));
    expect(coerceValue(3.5, 'integer')).toEqual({ ok: false, reason: '3.5 (number) is not a whole number' });
    expect(coerceValue('12345678901234567890', 'integer')).toMatchObject({ ok: false, reason: expect.stringMatching(/fits exactly/) });
  });

  it('bool', () => {
    for (const t of ['true', 'TRUE', 'yes', '1', ' True ']) expect(coerceValue(t, 'bool'), t).toEqual(ok(true));
    for (const f of ['false', 'No', '0']) expect(coerceValue(f, 'bool'), f).toEqual(ok(false));
    expect(coerceValue(1, 'bool')).toEqual(ok(true));
    expect(coerceValue(false, 'bool')).toEqual(ok(false));
    expect(coerceValue('maybe', 'bool')).toMatchObject({ ok: false });
    expect(coerceValue(2, 'bool')).toMatchObject({ ok: false });
  });

  it('datetime becomes a canonical UTC instant', () => {
    expect(coerceValue('2026-11-26T12:00:00Z', 'datetime')).toEqual(ok('2026-11-26T12:00:00.000Z'));
    expect(coerceValue('2026-11-26T13:30:00+01:30', 'datetime')).toEqual(ok('2026-11-26T12:00:00.000Z'));
    expect(coerceValue('2026-11-26T07:00:00-0500', 'datetime')).toEqual(ok('2026-11-26T12:00:00.000Z'));
    expect(coerceValue('2026-11-26 12:00', 'datetime')).toEqual(ok('2026-11-26T12:00:00.000Z'));
    expect(coerceValue('2026-11-26', 'datetime')).toEqual(ok('2026-11-26T00:00:00.000Z'));
    expect(coerceValue('2026-11-26T12:00:00.123456Z', 'datetime')).toEqual(ok('2026-11-26T12:00:00.123Z'));
    expect(coerceValue('2024-02-29T00:00:00Z', 'datetime')).toEqual(ok('2024-02-29T00:00:00.000Z'));
    expect(coerceValue('0099-01-01', 'datetime')).toEqual(ok('0099-01-01T00:00:00.000Z'));
    for (const bad of ['2026-02-30', '2025-02-29', '2026-13-01', '2026-11-26T24:00:00Z', 'yesterday', '26/11/2026', '2026-11-26T12:00:00+25:00']) {
      expect(coerceValue(bad, 'datetime'), bad).toMatchObject({ ok: false });
    }
    expect(coerceValue(1700000000000, 'datetime')).toEqual({ ok: false, reason: '1700000000000 (number) is not an ISO 8601 datetime' });
  });

  it('json parses text and keeps structured values', () => {
    expect(coerceValue('{"a": [1, 2]}', 'json')).toEqual(ok({ a: [1, 2] }));
    expect(coerceValue('"x"', 'json')).toEqual(ok('x'));
    expect(coerceValue({ a: 1 }, 'json')).toEqual(ok({ a: 1 }));
    expect(coerceValue(5, 'json')).toEqual(ok(5));
    expect(coerceValue('{oops', 'json')).toEqual({ ok: false, reason: '"{oops" (string) is not valid JSON' });
  });

  it('canonicalInstant is idempotent', () => {
    const once = canonicalInstant('2026-06-01T08:15:30.5+02:00');
    expect(once).toBe('2026-06-01T06:15:30.500Z');
    expect(canonicalInstant(once!)).toBe(once);
  });
});
