/**
 * Item order and item building: `sortItems` orders by kind, then key text by UTF-16 code unit
 * (already ordered runs included), invalid items by side and position; `changedItem` and
 * `changedItemOf` build the same item; `keyObject` names key fields as `setOwn` would.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IrDiffKind } from '../../../language/ir/ir-types.js';
import { changedItem, changedItemOf, invalidItem, keyObject, missingItemOf, sortableEntry, sortItems, type SortableItem } from '../../../runtime/diff/diff-items.js';
import type { DiffItem } from '../../../runtime/diff/diff-result.js';
import { RecordComparer } from '../../../runtime/diff/record-comparer.js';
import { EVALUATION, policy, source } from './diff-fixture.js';

function entry(kind: IrDiffKind, keyText: string, side: 'desired' | 'actual' | null = null, position = 0): SortableItem {
  const item = { kind, side, origin: kind === 'invalid' ? { position } : null, keyValues: [keyText] } as unknown as DiffItem;
  return { item, keyText };
}

/** The order the module comment describes, written plainly (the reference). */
function referenceOrder(entries: SortableItem[]): DiffItem[] {
  const rank: Record<IrDiffKind, number> = { missing: 0, extra: 1, changed: 2, invalid: 3 };
  return entries
    .map((e, i) => ({ e, i }))
    .sort((x, y) => {
      const a = x.e.item;
      const b = y.e.item;
      if (rank[a.kind] !== rank[b.kind]) return rank[a.kind] - rank[b.kind];
      if (a.kind === 'invalid') {
        const side = (a.side === 'actual' ? 1 : 0) - (b.side === 'actual' ? 1 : 0);
        return side || (a.origin?.position ?? 0) - (b.origin?.position ?? 0) || x.i - y.i;
      }
      return x.e.keyText < y.e.keyText ? -1 : x.e.keyText > y.e.keyText ? 1 : x.i - y.i;
    })
    .map(({ e }) => e.item);
}

describe('sortItems', () => {
  it('orders by kind, key text and, for invalid items, side and position (property)', () => {
    const kind = fc.constantFrom<IrDiffKind>('missing', 'extra', 'changed', 'invalid');
    const text = fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('["a"]', '["a"', '["b"]', '["é"]', '["😀"]', '["\uffff"]'));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(kind, text, fc.constantFrom<'desired' | 'actual'>('desired', 'actual'), fc.nat(5)), { maxLength: 60 }),
        fc.boolean(),
        (specs, presort) => {
          const entries = specs.map(([k, t, side, position]) => entry(k, t, k === 'invalid' ? side : null, position));
          if (presort) entries.sort((x, y) => (x.keyText < y.keyText ? -1 : x.keyText > y.keyText ? 1 : 0));
          expect(sortItems([...entries])).toEqual(referenceOrder(entries));
          // The very items, not copies.
          expect(new Set(sortItems([...entries]))).toEqual(new Set(entries.map((e) => e.item)));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('keeps a run that is already in order, and sorts one that is not', () => {
    const inOrder = ['["a"]', '["b"]', '["c"]'].map((t) => entry('missing', t));
    expect(sortItems(inOrder).map((i) => i.keyValues![0])).toEqual(['["a"]', '["b"]', '["c"]']);
    const reversed = ['["c"]', '["b"]', '["a"]'].map((t) => entry('extra', t));
    expect(sortItems(reversed).map((i) => i.keyValues![0])).toEqual(['["a"]', '["b"]', '["c"]']);
  });
});

describe('changed items', () => {
  it('are the same built whole or from parts, with the key object of the key fields', () => {
    const desiredSource = source('desired', { key: ['id', 'constructor'] });
    const actualSource = source('actual', { key: ['id', 'constructor'] });
    const comparer = new RecordComparer(policy({ amount: { kind: 'within', absolute: 0.5 } }), desiredSource, actualSource, EVALUATION);
    const d = { record: { id: 'k', constructor: 'c', amount: 1, status: 'a' }, raw: { id: 'k' }, key: ['k', 'c'], keyText: '["k","c"]', origin: { position: 1 } };
    const a = { record: { id: 'k', constructor: 'c', amount: 3, status: 'b' }, raw: { id: 'k' }, key: ['k', 'c'], keyText: '["k","c"]', origin: { position: 0 } };
    const whole = changedItem(comparer, desiredSource, d, a)!;
    const comparison = comparer.compare(d.record, a.record, null);
    expect(changedItemOf(desiredSource, d.key, d.record, d.raw, a.record, a.raw, comparison)).toEqual(whole);
    expect(whole.diff).toEqual(['amount', 'status']);
    expect(Object.entries(whole.key!)).toEqual([
      ['id', 'k'],
      ['constructor', 'c'],
    ]);
    expect(changedItem(comparer, desiredSource, d, { ...a, record: { ...d.record, amount: 1.4 } })).toBeNull();
    expect(keyObject(desiredSource, ['k'])).toEqual({ id: 'k', constructor: null });
    expect(keyObject(source('odd', { key: ['__proto__'] }), ['v'])).toEqual(JSON.parse('{"__proto__":"v"}'));
  });
});

describe('sortableEntry with a decider', () => {
  it('keeps the plan item and an item that only identifies the difference', () => {
    const src = source('ledger', { key: ['txn_id'] });
    const decided: DiffItem[] = [];
    const decide = (item: DiffItem) => {
      decided.push(item);
      return { id: `p/${item.kind}` } as never;
    };
    const record = { txn_id: 'a', amount: 1 };
    const missing = missingItemOf(src, ['a'], record, { txn_id: 'a', amount: '1' });
    const entry = sortableEntry(missing, '["a"]', decide);
    // The decider saw the whole item; the entry keeps the plan item and the identity only.
    expect(decided[0]).toBe(missing);
    expect(entry.decided).toEqual({ id: 'p/missing' });
    expect(entry.keyText).toBe('["a"]');
    expect(entry.item).toEqual({ ...missing, keyValues: null, desired: null, desiredRaw: null });
    expect(entry.item.key).toBe(missing.key);
    // The empty lists are shared and cannot be changed by mistake.
    expect(Object.isFrozen(entry.item.fields) && Object.isFrozen(entry.item.diff)).toBe(true);
    expect(sortableEntry(missing, '["a"]', decide).item.fields).toBe(entry.item.fields);
    // Invalid items keep their key values (broken keys are withheld by them).
    const invalid = invalidItem(src, { side: 'desired', origin: { position: 3 }, record: { txn_id: 'b' }, key: { txn_id: 'b' }, reason: 'bad' });
    expect(sortableEntry(invalid, '', decide).item.keyValues).toEqual(['b']);
    // Without a decider the entry is the item itself.
    expect(sortableEntry(missing, '["a"]', null).item).toBe(missing);
  });
});
