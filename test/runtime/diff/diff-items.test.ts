/**
 * Item order and item building: `sortItems` orders by kind, then key text by UTF-16 code unit
 * (already ordered runs included), invalid items by side and position, on short and on long lists
 * (whatever the texts: shared prefixes, prefixes of others, equal, empty, any code unit), and
 * `orderedItems` gives the same order in one pass; `changedItem` and
 * `changedItemOf` build the same item; `keyObject` names key fields as `setOwn` would.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IrDiffKind } from '../../../language/ir/ir-types.js';
import {
  changedItem,
  changedItemOf,
  invalidItem,
  keyObject,
  missingItemOf,
  orderedItems,
  sortableEntry,
  sortableKeyedEntry,
  sortEntries,
  sortItems,
  withholdBrokenKeys,
  type SortableItem,
} from '../../../runtime/diff/diff-items.js';
import type { DiffItem } from '../../../runtime/diff/diff-result.js';
import { keyText } from '../../../runtime/observe/key-text.js';
import { fastKeyText } from '../../../runtime/observe/record-reader.js';
import type { PlanItem } from '../../../runtime/plan/change-plan.js';
import { RecordComparer } from '../../../runtime/diff/record-comparer.js';
import { bareItem, EVALUATION, policy, source } from './diff-fixture.js';

function entry(kind: IrDiffKind, keyText: string, side: 'desired' | 'actual' | null = null, position = 0): SortableItem {
  const item = { kind, side, origin: kind === 'invalid' ? { position } : null, keyValues: [keyText] } as unknown as DiffItem;
  return { item, keyText };
}

/** The order the module comment describes, written plainly (the reference): a stable sort of the entries. */
function referenceEntries(entries: SortableItem[]): SortableItem[] {
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
    .map(({ e }) => e);
}

/** The items of `referenceEntries`. */
function referenceOrder(entries: SortableItem[]): DiffItem[] {
  return referenceEntries(entries).map((e) => e.item);
}

/** Up to 80 entries to make: kind, key value (one of `values`), side of an invalid one, position. */
function entrySpecs(...values: string[]) {
  return fc.array(
    fc.tuple(
      fc.constantFrom<IrDiffKind>('missing', 'extra', 'changed', 'invalid'),
      fc.constantFrom(...values),
      fc.constantFrom<'desired' | 'actual'>('desired', 'actual'),
      fc.nat(9),
    ),
    { maxLength: 80 },
  );
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

/**
 * The members a `DiffItem` has, read by name into a plain object: a decided entry is its own
 * identity item, with the members it does not keep read from its class.
 */
function members(item: DiffItem): DiffItem {
  const plain: DiffItem = {
    kind: item.kind,
    key: item.key,
    keyValues: item.keyValues,
    desired: item.desired,
    actual: item.actual,
    desiredRaw: item.desiredRaw,
    actualRaw: item.actualRaw,
    fields: item.fields,
    diff: item.diff,
    side: item.side,
    origin: item.origin,
    invalidReason: item.invalidReason,
  };
  if (item.warnings !== undefined) plain.warnings = item.warnings;
  return plain;
}

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
    expect(members(entry.item)).toEqual({ ...missing, keyValues: null, desired: null, desiredRaw: null });
    expect(entry.item.key).toBe(missing.key);
    // The same identity item every time it is asked for (none is made per listing).
    expect(entry.item).toBe(entry.item);
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

/** Texts built from a few prefixes and suffixes, so they share prefixes and repeat. */
const PREFIXED = fc
  .tuple(
    fc.constantFrom('', '["T00', '["T0', '["', 'a', '\uffff', '\u0000'),
    fc.string({ unit: fc.constantFrom('0', '1', '9', '"', ']', 'é', '\u0000', '\uffff', '\ud83d', '\ude00', 'z'), maxLength: 12 }),
  )
  .map(([prefix, rest]) => prefix + rest);

const TEXT = fc.oneof(PREFIXED, fc.string({ unit: 'binary', maxLength: 10 }), fc.string({ maxLength: 3 }));

describe('sortEntries with many entries', () => {
  function positioned(kind: IrDiffKind, keyText: string, position: number): SortableItem {
    const item = { kind, side: kind === 'invalid' ? (position % 2 === 0 ? 'desired' : 'actual') : null, origin: { position } } as unknown as DiffItem;
    return { item, keyText };
  }

  it('orders by kind, then text (stable), invalid items by side and position', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom<IrDiffKind>('missing', 'extra', 'changed', 'invalid'), TEXT, fc.nat(50)), { minLength: 40, maxLength: 400 }),
        fc.boolean(),
        (specs, presort) => {
          const entries = specs.map(([kind, text, position]) => positioned(kind, text, position));
          if (presort) entries.sort((x, y) => (x.keyText < y.keyText ? -1 : x.keyText > y.keyText ? 1 : 0));
          const expected = referenceEntries(entries);
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
        entrySpecs('a', 'b', 'c', 'é', '', 'a"'),
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

describe('decided entries', () => {
  /** A whole item of `kind`, keyed by `value` (invalid ones on `side` at `position`). */
  function whole(kind: IrDiffKind, value: string, side: 'desired' | 'actual', position: number): DiffItem {
    const invalid = kind === 'invalid';
    return {
      kind,
      key: { id: value },
      keyValues: [value],
      desired: { id: value, amount: 1 },
      actual: kind === 'missing' ? null : { id: value, amount: 2 },
      desiredRaw: { id: value, amount: '1' },
      actualRaw: kind === 'missing' ? null : { id: value, amount: '2' },
      fields: kind === 'changed' ? [{ path: 'amount', desired: 1, actual: 2 }] : [],
      diff: kind === 'changed' ? ['amount'] : [],
      side: invalid ? side : null,
      origin: invalid ? { position } : null,
      invalidReason: invalid ? 'bad' : null,
    };
  }

  /** What an entry kept before identity items were made on demand: the identity, made at once. */
  function eagerIdentity(item: DiffItem): DiffItem {
    return {
      ...item,
      keyValues: item.kind === 'invalid' ? item.keyValues : null,
      desired: null,
      actual: null,
      desiredRaw: null,
      actualRaw: null,
      fields: [],
      diff: [],
    };
  }

  it('order, withhold and identify items as entries holding their identity items did', () => {
    fc.assert(
      fc.property(
        entrySpecs('a', 'b', 'c', 'é', 'a"', 'a!'),
        (specs) => {
          const items = specs.map(([kind, value, side, position]) => whole(kind, value, side, position));
          const decide = (item: DiffItem) => ({ id: `${item.kind}/${String(item.keyValues?.[0])}` }) as unknown as PlanItem;
          const texts = items.map((item) => (item.kind === 'invalid' ? '' : keyText(item.keyValues!)));
          const entries = items.map((item, i) => sortableEntry(item, texts[i]!, decide));
          const reference: SortableItem[] = items.map((item, i) => ({ item: eagerIdentity(item), keyText: texts[i]!, decided: entries[i]!.decided }));
          const result = orderedItems(entries, true);
          const expected = orderedItems(reference, true);
          expect(result.items.map(members)).toEqual(expected.items);
          expect(result.decided!.length).toBe(expected.decided!.length);
          for (let i = 0; i < expected.decided!.length; i++) expect(result.decided![i]).toBe(expected.decided![i]);
          // The identity items keep the item's very key object.
          for (let i = 0; i < entries.length; i++) expect(entries[i]!.item.key).toBe(items[i]!.key);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('sortableKeyedEntry', () => {
  it('orders, withholds and identifies items as sortableEntry with fastKeyText does, with the same key texts (property)', () => {
    // texts that sort differently as key texts than as themselves (`"` is 0x22: `a!` < `a"` …),
    // need escaping, or are no text at all
    const keyValue = fc.constantFrom<unknown>('a', 'b', 'a!', 'a "', 'a"', 'é', '\ud800', 'a\\b', '', ' ', 'T000000113', 1, null, true);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom<IrDiffKind>('missing', 'extra', 'changed', 'invalid'), fc.array(keyValue, { minLength: 1, maxLength: 2 }), fc.nat(9)), {
          maxLength: 80,
        }),
        (specs) => {
          const items: DiffItem[] = specs.map(([kind, values, position]) => bareItem(kind, values, position));
          const decide = (item: DiffItem) => ({ id: `${item.kind}/${JSON.stringify(item.keyValues)}` }) as unknown as PlanItem;
          const texts = items.map((item) => (item.kind === 'invalid' ? '' : fastKeyText(item.keyValues!)));
          const keyed = items.map((item) =>
            item.kind === 'invalid' ? sortableEntry(item, '', decide) : sortableKeyedEntry(item, item.keyValues!, decide),
          );
          const plain = items.map((item, i) => sortableEntry(item, texts[i]!, decide));
          keyed.forEach((entry, i) => expect(entry.keyText).toBe(texts[i]));
          const result = orderedItems(keyed, true);
          const expected = orderedItems(plain, true);
          expect(result.items.map(members)).toEqual(expected.items.map(members));
          expect(result.decided).toEqual(expected.decided);
          // without a decider the entry keeps the item and its key text
          const undecided = sortableKeyedEntry(items[0] ?? missingItemOf(source('s'), ['k'], {}, {}), ['k'], null);
          expect(undecided.keyText).toBe('["k"]');
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('RecordComparer results', () => {
  it('share one frozen result for equal pairs, and give each different pair lists of its own', () => {
    const desiredSource = source('desired');
    const actualSource = source('actual');
    const comparer = new RecordComparer(policy({ amount: { kind: 'within', absolute: 0.5 } }), desiredSource, actualSource, EVALUATION);
    const equal = comparer.compare({ id: 'k', amount: 1, status: 'a' }, { id: 'k', amount: 1.2, status: 'a' }, null);
    expect(equal).toEqual({ fields: [], warnings: [] });
    expect(Object.isFrozen(equal) && Object.isFrozen(equal.fields) && Object.isFrozen(equal.warnings)).toBe(true);
    expect(comparer.compare({ id: 'j', amount: 2 }, { id: 'j', amount: 2 }, null)).toBe(equal);
    const first = comparer.compare({ id: 'k', amount: 1, status: 'a' }, { id: 'k', amount: 1, status: 'b' }, null);
    const second = comparer.compare({ id: 'k', amount: 1, status: 'a' }, { id: 'k', amount: 1, status: 'b' }, null);
    expect(first.fields).toEqual([{ path: 'status', desired: 'a', actual: 'b' }]);
    expect(first.fields).not.toBe(second.fields);
    expect(Object.isFrozen(first.fields)).toBe(false);
  });
});
