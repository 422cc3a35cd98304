import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatFieldPath, type FieldPathSegment } from '../../../language/compiler/field-path-text.js';
import { pathSegments as parseRawPath } from '../../../runtime/decide/raw-path.js';
import { parsePath as parseRulePath } from '../../../runtime/diff/field-path.js';

describe('formatFieldPath', () => {
  it('writes paths dotted when it can', () => {
    expect(formatFieldPath(['amount'])).toBe('amount');
    expect(formatFieldPath(['metadata', 'labels', 'app'])).toBe('metadata.labels.app');
    expect(formatFieldPath(['items', 0, 'sku'])).toBe('items[0].sku');
    expect(formatFieldPath(['tags', 'cost-center'])).toBe('tags["cost-center"]');
    expect(formatFieldPath(['cost-center'])).toBe('cost-center');
    expect(formatFieldPath(['cost-center', 'code'])).toBe('cost-center.code');
    expect(formatFieldPath(['tags', 'x'])).toBe('tags.x');
    expect(formatFieldPath(['a', 'b.c', 1.5 as unknown as string])).toBe('a["b.c"][1.5]');
    expect(formatFieldPath([])).toBe('');
  });

  it('writes paths the runtime reads back into the same segments', () => {
    const identifier = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/);
    const name = fc.oneof(identifier, fc.string({ minLength: 1, maxLength: 6 }));
    const segment: fc.Arbitrary<FieldPathSegment> = fc.oneof(name, fc.nat(50));
    fc.assert(
      fc.property(identifier, fc.array(segment, { maxLength: 4 }), (head, rest) => {
        const segments = [head, ...rest];
        const text = formatFieldPath(segments);
        expect(parseRulePath(text)).toEqual(segments);
        expect(parseRawPath(text)).toEqual(segments);
      }),
      { numRuns: 500, seed: 7 },
    );
    // Any first name works that holds no `.` or `[` (those are ambiguous by design).
    const first = name.filter((n) => !/[.[]/.test(n));
    fc.assert(
      fc.property(first, fc.array(segment, { maxLength: 4 }), (head, rest) => {
        const segments = [head, ...rest];
        expect(parseRulePath(formatFieldPath(segments))).toEqual(segments);
      }),
      { numRuns: 500, seed: 8 },
    );
    // A lone field name that is not an identifier is read as that one name.
    for (const lone of ['cost-center', 'a b', 'ü']) {
      expect(parseRulePath(formatFieldPath([lone]))).toEqual([lone]);
      expect(parseRawPath(formatFieldPath([lone]))).toEqual([lone]);
    }
  });
});
