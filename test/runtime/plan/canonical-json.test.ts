import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, CanonicalHashStream, jsonString, sha256OfCanonical } from '../../../runtime/plan/canonical-json.js';
import { referenceCanonicalJson, referenceSha256OfCanonical } from './reference-canonical.js';

/** Every kind of value the writer may meet, JSON or not (boxed values, maps, typed arrays, lone surrogates…). */
const ANYTHING = fc.anything({
  withBoxedValues: true,
  withMap: true,
  withSet: true,
  withObjectString: true,
  withNullPrototype: true,
  withBigInt: true,
  withDate: true,
  withTypedArray: true,
  withSparseArray: true,
  withUnicodeString: true,
  stringUnit: 'binary',
  maxDepth: 4,
});

describe('canonicalJson', () => {
  it('sorts keys by code unit, drops undefined members, maps what JSON cannot carry', () => {
    const text = canonicalJson({ b: 1, a: [undefined, Number.NaN, 2n, new Date(0), 'x"'], é: true, Z: undefined, c: null });
    expect(text).toBe('{"a":[null,null,"2","1970-01-01T00:00:00.000Z","x\\"\\""],"b":1,"c":null,"é":true}'.replace('\\"\\"', '\\"'));
  });

  it('hashes the same bytes it writes, also when the text is hashed in many chunks', () => {
    const big = { items: Array.from({ length: 5000 }, (_, i) => ({ id: `item-${i}`, value: i / 3, note: 'ü'.repeat(i % 7) })) };
    const expected = 'sha256:' + createHash('sha256').update(canonicalJson(big), 'utf8').digest('hex');
    expect(canonicalJson(big).length).toBeGreaterThan(1 << 17);
    expect(sha256OfCanonical(big)).toBe(expected);
  });

  it('gives the text of the plain recursive definition for any JSON value', () => {
    // the definition, written the simplest way (the implementation streams into the hash)
    const reference = (v: unknown): string => {
      if (v === null || typeof v !== 'object') return JSON.stringify(v);
      if (Array.isArray(v)) return '[' + v.map(reference).join(',') + ']';
      const o = v as Record<string, unknown>;
      return '{' + Object.keys(o).sort().map((k) => JSON.stringify(k) + ':' + reference(o[k])).join(',') + '}';
    };
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(reference(value));
        expect(sha256OfCanonical(value)).toBe('sha256:' + createHash('sha256').update(reference(value), 'utf8').digest('hex'));
      }),
    );
  });

  it('gives the same text and hash as the implementation before it was made fast, for any value', () => {
    fc.assert(
      fc.property(ANYTHING, (value) => {
        expect(canonicalJson(value)).toBe(referenceCanonicalJson(value));
        expect(sha256OfCanonical(value)).toBe(referenceSha256OfCanonical(value));
      }),
      { numRuns: 500 },
    );
  });

  it('the same as before on the values that are easy to get wrong', () => {
    const odd: unknown[] = [
      -0,
      1e21,
      -1e-7,
      5e-324,
      Number.MAX_SAFE_INTEGER,
      Number.NaN,
      -Infinity,
      2n ** 70n,
      -5n,
      new Date(Number.NaN),
      new Date('+275760-09-13T00:00:00Z'),
      new Date(-1),
      '\u2028\u2029',
      '\ud800',
      'a\udc00b',
      '😀',
      '\u0000\u001f\u007f"\\/',
      { f: () => 1, s: Symbol('x'), u: undefined, n: null },
      [undefined, () => 1, Symbol('y')],
      // integer-like keys come first in Object.keys order, but sort as text
      { '10': 'a', '2': 'b', '1': 'c', b: 'd', a: 'e' },
      // an own "__proto__" member (from parsed JSON)
      JSON.parse('{"__proto__":{"x":1},"a":"1"}'),
      Object.assign(Object.create(null), { z: '1', y: 2 }),
      new String('ab'),
      new Number(3),
      new Map([['a', 1]]),
      new Uint8Array([1, 2, 3]),
      // a flat record of strings (the fast path) next to ones that need escaping or are not strings
      { id: 't1', status: 'ok', amount: '12.50' },
      { id: 't1', status: 'o"k', amount: '12.50' },
      { id: 't1', status: 'ok', amount: 12.5 },
      { id: 't1', status: undefined, amount: '12.50' },
      // more than the streaming threshold, nested deeper than it
      Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${39 - i}`, { v: [i, `${i}`, { deep: [[[i]]] }] }])),
      Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? undefined : { [`n${i}`]: i })),
    ];
    for (const value of odd) {
      expect(canonicalJson(value)).toBe(referenceCanonicalJson(value));
      expect(sha256OfCanonical(value)).toBe(referenceSha256OfCanonical(value));
    }
  });

  it('keeps giving the same text when more object shapes pass than its cache holds', () => {
    const shapes = Array.from({ length: 60 }, (_, s) =>
      Object.fromEntries(Array.from({ length: 1 + (s % 7) }, (_, k) => [`f${(s * 7 + k * 13) % 23}`, `${s}-${k}`])),
    );
    for (let round = 0; round < 3; round++) {
      for (const value of shapes) expect(canonicalJson(value)).toBe(referenceCanonicalJson(value));
    }
  });

  it('jsonString quotes exactly as JSON.stringify does', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(jsonString(text)).toBe(JSON.stringify(text));
      }),
      { numRuns: 1000 },
    );
    for (const text of ['', '"', '\\', '\n', '\u001f', ' ', '\u007f', '\ud83d', '\ude00', '\ud83d\ude00', 'é']) {
      expect(jsonString(text)).toBe(JSON.stringify(text));
    }
  });

  it('a hash stream gives the hash of everything appended, whether small (one call) or chunked', () => {
    const small = new CanonicalHashStream();
    small.raw('{"a":');
    small.value([1, 'x']);
    small.raw('}');
    expect(small.digest()).toBe(referenceSha256OfCanonical({ a: [1, 'x'] }));
    const large = new CanonicalHashStream();
    const list = Array.from({ length: 20000 }, (_, i) => ({ i, t: 'ü' }));
    large.value(list);
    expect(large.digest()).toBe(referenceSha256OfCanonical(list));
  });
});
