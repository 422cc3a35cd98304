import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256OfCanonical } from '../../../runtime/plan/canonical-json.js';

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
});
