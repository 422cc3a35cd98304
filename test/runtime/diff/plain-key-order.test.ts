/**
 * `plainKeyBefore` orders plain key values exactly as their key texts order (where one text is a
 * prefix of another, the closing `"` meets the next character), and `orderedItems` over
 * `sortableKeyedEntry` entries already in order (a sorted file's items) keeps the order the key
 * texts give — a wrong "already in order" would leave them unsorted.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IrDiffKind } from '../../../language/ir/ir-types.js';
import { orderedItems, plainKeyBefore, sortableKeyedEntry } from '../../../runtime/diff/diff-items.js';
import type { DiffItem } from '../../../runtime/diff/diff-result.js';
import { isPlainKeyValue, plainKeyText } from '../../../runtime/observe/record-reader.js';
import type { PlanItem } from '../../../runtime/plan/change-plan.js';
import { bareItem } from './diff-fixture.js';

/** Plain key values that share prefixes, with characters below, at and above `"` after them. */
const PLAIN = fc
  .tuple(fc.constantFrom('', 'T00', 'a', 'ab'), fc.string({ unit: fc.constantFrom(' ', '!', '#', '0', 'a', 'é', '\uffff'), maxLength: 4 }))
  .map(([prefix, rest]) => prefix + rest)
  .filter(isPlainKeyValue);

describe('plainKeyBefore', () => {
  it('is plainKeyText(a) < plainKeyText(b) (property)', () => {
    fc.assert(
      fc.property(PLAIN, PLAIN, (a, b) => {
        expect(plainKeyBefore(a, b)).toBe(plainKeyText(a) < plainKeyText(b));
      }),
      { numRuns: 3000 },
    );
  });

  it('puts a text before the same text followed by a character above `"`, after one followed by a space or `!`', () => {
    expect(plainKeyBefore('a', 'a#')).toBe(true);
    expect(plainKeyBefore('a', 'a!')).toBe(false);
    expect(plainKeyBefore('a!', 'a')).toBe(true);
    expect(plainKeyBefore('a ', 'a')).toBe(true);
    expect(plainKeyBefore('a', 'a')).toBe(false);
  });
});

describe('orderedItems over plain keyed entries', () => {
  it('gives the order of the key texts, whether or not the entries came in order of their values (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(PLAIN, { minLength: 2, maxLength: 30 }), fc.constantFrom<IrDiffKind>('missing', 'extra', 'changed'), fc.boolean(), (values, kind, shuffle) => {
        // in the order of the values themselves (where that differs from the key texts' order,
        // the entries are not in order and must be sorted), or shuffled (sorted by plain texts)
        const sorted = shuffle ? [...values].reverse() : [...values].sort();
        const decide = (item: DiffItem) => ({ id: String(item.keyValues![0]) }) as unknown as PlanItem;
        const entries = sorted.map((value) =>
          sortableKeyedEntry(bareItem(kind, [value]), [value], decide),
        );
        const { decided } = orderedItems(entries, true);
        const expected = [...values].sort((x, y) => (plainKeyText(x) < plainKeyText(y) ? -1 : plainKeyText(x) > plainKeyText(y) ? 1 : 0));
        expect(decided!.map((item) => item.id)).toEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });
});
