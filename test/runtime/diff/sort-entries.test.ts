/**
 * `sortEntries` on lists long enough for its placement by kind and its checks of runs already
 * in order: the order must be exactly that of a stable sort by kind, then key text by UTF-16 code
 * unit, invalid items by side and position — whatever the texts (shared prefixes, texts that
 * are prefixes of others, equal texts, empty texts, any code unit).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IrDiffKind } from '../../../language/ir/ir-types.js';
import { orderedItems, sortEntries, withholdBrokenKeys, type SortableItem } from '../../../runtime/diff/diff-items.js';
import { keyText } from '../../../runtime/observe/key-text.js';
import type { PlanItem } from '../../../runtime/plan/change-plan.js';
import type { DiffItem } from '../../../runtime/diff/diff-result.js';

/** Texts built from a few prefixes and suffixes, so they share prefixes and repeat. */
const PREFIXED = fc
  .tuple(
    fc.constantFrom('', '["T00', '["T0', '["', 'a', '\uffff', '\u0000'),
    fc.string({ unit: fc.constantFrom('0', '1', '9', '"', ']', 'é', '\u0000', '\uffff', '\ud83d', '\ude00', 'z'), maxLength: 12 }),
  )
  .map(([prefix, rest]) => prefix + rest);

const TEXT = fc.oneof(PREFIXED, fc.string({ unit: 'binary', maxLength: 10 }), fc.string({ maxLength: 3 }));

describe('sortEntries with many entries', () => {
  function entry(kind: IrDiffKind, keyText: string, position: number): SortableItem {
    const item = { kind, side: kind === 'invalid' ? (position % 2 === 0 ? 'desired' : 'actual') : null, origin: { position } } as unknown as DiffItem;
    return { item, keyText };
  }
  const rank: Record<IrDiffKind, number> = { missing: 0, extra: 1, changed: 2, invalid: 3 };

  it('orders by kind, then text (stable), invalid items by side and position', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom<IrDiffKind>('missing', 'extra', 'changed', 'invalid'), TEXT, fc.nat(50)), { minLength: 40, maxLength: 400 }),
        fc.boolean(),
        (specs, presort) => {
          const entries = specs.map(([kind, text, position]) => entry(kind, text, position));
          if (presort) entries.sort((x, y) => (x.keyText < y.keyText ? -1 : x.keyText > y.keyText ? 1 : 0));
          const expected = entries
            .map((e, i) => ({ e, i }))
            .sort((x, y) => {
              const a = x.e.item;
              const b = y.e.item;
              if (rank[a.kind] !== rank[b.kind]) return rank[a.kind] - rank[b.kind];
              if (a.kind === 'invalid') {
                return (a.side === 'actual' ? 1 : 0) - (b.side === 'actual' ? 1 : 0) || a.origin!.position - b.origin!.position || x.i - y.i;
              }
              return x.e.keyText < y.e.keyText ? -1 : x.e.keyText > y.e.keyText ? 1 : x.i - y.i;
            })
            .map(({ e }) => e);
          const sorted = sortEntries([...entries]);
          expect(sorted.length).toBe(expected.length);
          for (let i = 0; i < sorted.length; i++) expect(sorted[i]).toBe(expected[i]);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('orderedItems', () => {
  /** An entry keyed by one short value, so invalid records with the same key withhold it. */
  function keyed(kind: IrDiffKind, value: string, side: 'desired' | 'actual', position: number, decided: boolean): SortableItem {
    const keyValues = [value];
    const item = { kind, side: kind === 'invalid' ? side : null, origin: kind === 'invalid' ? { position } : null, keyValues } as unknown as DiffItem;
    const entry: SortableItem = { item, keyText: kind === 'invalid' ? '' : keyText(keyValues) };
    if (decided) entry.decided = { id: `${kind}/${value}/${position}` } as unknown as PlanItem;
    return entry;
  }

  it('gives the items and plan items of sortEntries(withholdBrokenKeys(entries)), in one order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom<IrDiffKind>('missing', 'extra', 'changed', 'invalid'),
            fc.constantFrom('a', 'b', 'c', 'é', '', 'a"'),
            fc.constantFrom<'desired' | 'actual'>('desired', 'actual'),
            fc.nat(9),
          ),
          { maxLength: 80 },
        ),
        fc.boolean(),
        (specs, decided) => {
          const entries = specs.map(([kind, value, side, position]) => keyed(kind, value, side, position, decided));
          const expected = sortEntries(withholdBrokenKeys([...entries]));
          const result = orderedItems([...entries], decided);
          expect(result.items.length).toBe(expected.length);
          for (let i = 0; i < expected.length; i++) expect(result.items[i]).toBe(expected[i]!.item);
          if (decided) {
            expect(result.decided!.length).toBe(expected.length);
            for (let i = 0; i < expected.length; i++) expect(result.decided![i]).toBe(expected[i]!.decided);
          } else {
            expect(result.decided).toBeNull();
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('withholds the keys of broken records (an extra whose key a broken desired row has is dropped)', () => {
    const entries = [keyed('extra', 'a', 'desired', 0, false), keyed('invalid', 'a', 'desired', 3, false), keyed('extra', 'b', 'desired', 0, false)];
    const { items } = orderedItems(entries, false);
    expect(items.map((item) => item.kind)).toEqual(['extra', 'invalid']);
    expect(items[0]!.keyValues).toEqual(['b']);
  });
});
