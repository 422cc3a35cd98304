/**
 * The generic diff: which fields are compared, coercion between the sides, null and missing,
 * nested rule paths, missing / extra / changed / invalid items, duplicate keys, the summary and
 * the order of items.
 */
import { describe, expect, it } from 'vitest';
import type { IrComparator } from '../../../language/ir/ir-types.js';
import { diffSources } from '../../../runtime/diff/diff-sources.js';
import { effectiveRules } from '../../../runtime/diff/record-comparer.js';
import { diffRecords, OBSERVED_AT, policy, source, workspace } from './diff-fixture.js';

const exact: IrComparator = { kind: 'exact' };

describe('which fields are compared', () => {
  it('default exact: every field of the desired record but the key; actual-only fields only when named', async () => {
    const result = await diffRecords(policy(), [{ id: 'a', x: 1, y: 2 }], [{ id: 'a', x: 1, y: 3, extra: 'z' }]);
    expect(result.items).toHaveLength(1);
    expect(result.items[0].fields).toEqual([{ path: 'y', desired: 2, actual: 3 }]);
    expect(result.items[0].diff).toEqual(['y']);

    const named = await diffRecords(policy({ extra: exact }), [{ id: 'a', x: 1 }], [{ id: 'a', x: 1, extra: 'z' }]);
    expect(named.items[0].diff).toEqual(['extra']);
  });

  it('default ignore: only the fields rules name', async () => {
    const p = policy({ y: exact }, 'ignore');
    const result = await diffRecords(p, [{ id: 'a', x: 1, y: 2 }], [{ id: 'a', x: 9, y: 2 }]);
    expect(result.items).toEqual([]);
    expect(result.summary.unchanged).toBe(1);
    const changed = await diffRecords(p, [{ id: 'a', x: 1, y: 2 }], [{ id: 'a', x: 9, y: 3 }]);
    expect(changed.items[0].diff).toEqual(['y']);
  });

  it('a typed desired source compares its declared fields (absent is null)', async () => {
    const d = source('desired', { fields: { id: 'string', amount: 'number', note: 'string' } });
    const result = await diffRecords(policy(), [{ id: 'a', amount: 1, other: 'not compared' }], [{ id: 'a', amount: 1, note: 'n', other: 'x' }], d);
    expect(result.items[0].fields).toEqual([{ path: 'note', desired: null, actual: 'n' }]);
  });

  it('a missing field and null are equal', async () => {
    const result = await diffRecords(policy({ note: exact }), [{ id: 'a', note: null }], [{ id: 'a' }]);
    expect(result.items).toEqual([]);
  });

  it('the value of the side without a declared type is coerced to the other side declaration', async () => {
    const typed = source('actual', { fields: { id: 'string', amount: 'number', at: 'datetime', ok: 'bool' } });
    const desired = [{ id: 'a', amount: '10.0', at: '2026-11-26T13:00:00+01:00', ok: 'yes' }];
    const equal = await diffRecords(policy(), desired, [{ id: 'a', amount: 10, at: '2026-11-26T12:00:00Z', ok: true }], source('desired'), typed);
    expect(equal.items).toEqual([]);
    const bad = await diffRecords(policy(), [{ id: 'a', amount: 'ten' }], [{ id: 'a', amount: 10 }], source('desired'), typed);
    expect(bad.items[0].fields).toEqual([{ path: 'amount', desired: 'ten', actual: 10 }]);
  });

  it('nested rule paths apply below a field; other fields keep the default', async () => {
    const p = policy({ 'metadata.annotations': { kind: 'ignore' }, 'metadata.labels.app': { kind: 'ignore_case' } });
    const d = [{ id: 'a', metadata: { labels: { app: 'Web', tier: 'x' }, annotations: { t: 1 } } }];
    const same = await diffRecords(p, d, [{ id: 'a', metadata: { labels: { app: 'web', tier: 'x' }, annotations: { t: 2 } } }]);
    expect(same.items).toEqual([]);
    const changed = await diffRecords(p, d, [{ id: 'a', metadata: { labels: { app: 'web', tier: 'y' }, annotations: { t: 2 } } }]);
    expect(changed.items[0].fields).toEqual([{ path: 'metadata.labels.tier', desired: 'x', actual: 'y' }]);
  });

  it('a rule below an ignored field compares only that path', async () => {
    const p = policy({ metadata: { kind: 'ignore' }, 'metadata.labels.app': exact });
    const d = [{ id: 'a', metadata: { labels: { app: 'web' }, other: 1 } }];
    expect((await diffRecords(p, d, [{ id: 'a', metadata: { labels: { app: 'web' }, other: 2 } }])).items).toEqual([]);
    const changed = await diffRecords(p, d, [{ id: 'a', metadata: 'gone' }]);
    expect(changed.items[0].fields).toEqual([{ path: 'metadata.labels.app', desired: 'web', actual: null }]);
  });

  it('unordered by FIELD reports the element path', async () => {
    const p = policy({ containers: { kind: 'unordered', by: 'name' } });
    const result = await diffRecords(
      p,
      [{ id: 'a', containers: [{ name: 'web', image: 'nginx:1' }, { name: 'db', image: 'pg' }] }],
      [{ id: 'a', containers: [{ name: 'db', image: 'pg' }, { name: 'web', image: 'nginx:2' }] }],
    );
    expect(result.items[0].diff).toEqual(['containers[name=web].image']);
  });

  it('a policy rule overrides a profile rule for the same path', () => {
    const p = policy();
    p.compare.rules = [
      { path: 'amount', comparator: { kind: 'exact' }, profile: null, at: 'x:1:1' },
      { path: 'amount', comparator: { kind: 'within', absolute: 1 }, profile: 'cash', at: 'x:2:1' },
      { path: 'currency', comparator: { kind: 'ignore_case' }, profile: 'cash', at: 'x:3:1' },
    ];
    expect(effectiveRules(p).map((r) => [r.path, r.comparator.kind])).toEqual([
      ['amount', 'exact'],
      ['currency', 'ignore_case'],
    ]);
  });
});

describe('items', () => {
  it('missing, extra, changed and invalid, in order, with the summary', async () => {
    const d = source('desired', { fields: { id: 'string', amount: 'number' } });
    const result = await diffRecords(
      policy(),
      [{ id: 'b', amount: 1 }, { id: 'a', amount: 1 }, { id: 'c', amount: 2 }, { id: 'd', amount: 'x' }, { id: 'e', amount: 5 }],
      [{ id: 'c', amount: 3 }, { id: 'z', amount: 1 }, { id: 'y', amount: 1 }, { id: 'e', amount: 5 }, { amount: 1 }],
      d,
    );
    expect(result.items.map((i) => [i.kind, i.keyValues, i.side, i.origin?.position ?? null])).toEqual([
      ['missing', ['a'], null, null],
      ['missing', ['b'], null, null],
      ['extra', ['y'], null, null],
      ['extra', ['z'], null, null],
      ['changed', ['c'], null, null],
      ['invalid', ['d'], 'desired', 4],
      ['invalid', null, 'actual', 5],
    ]);
    expect(result.summary).toEqual({ desired: 5, actual: 5, unchanged: 1, missing: 2, extra: 2, changed: 1, invalid: 2 });
    const missing = result.items[0];
    expect(missing).toMatchObject({ key: { id: 'a' }, desired: { id: 'a', amount: 1 }, actual: null, fields: [], diff: [] });
    const changed = result.items[4];
    expect(changed).toMatchObject({ key: { id: 'c' }, fields: [{ path: 'amount', desired: 2, actual: 3 }], diff: ['amount'] });
    expect(result.items[5].invalidReason).toMatch(/amount/);
    expect(result.items[6].invalidReason).toMatch(/key field id is absent/);
  });

  it('records sharing a key are each invalid, and the key takes no part in the comparison', async () => {
    const result = await diffRecords(
      policy(),
      [{ id: 'a', v: 1 }, { id: 'a', v: 2 }, { id: 'b', v: 1 }, { id: 'c', v: 1 }],
      [{ id: 'a', v: 1 }, { id: 'b', v: 1 }, { id: 'b', v: 1 }, { id: 'c', v: 1 }],
    );
    expect(result.items.map((i) => [i.kind, i.side, i.origin?.position])).toEqual([
      ['invalid', 'desired', 1],
      ['invalid', 'desired', 2],
      ['invalid', 'actual', 2],
      ['invalid', 'actual', 3],
    ]);
    expect(result.items[0].invalidReason).toBe('duplicate key id="a": 2 records of the desired source have it (positions 1, 2)');
    expect(result.items[0].key).toEqual({ id: 'a' });
    expect(result.items[2].actualRaw).toEqual({ id: 'b', v: 1 });
    expect(result.summary).toEqual({ desired: 4, actual: 4, unchanged: 1, missing: 0, extra: 0, changed: 0, invalid: 4 });
  });

  it('composite keys join on all their fields', async () => {
    const d = source('desired', { key: ['account', 'day'] });
    const a = source('actual', { key: ['account', 'day'] });
    const result = await diffRecords(
      policy(),
      [{ account: 'x', day: '1', n: 1 }, { account: 'x', day: '2', n: 1 }],
      [{ account: 'x', day: '1', n: 2 }, { account: 'y', day: '2', n: 1 }],
      d,
      a,
    );
    expect(result.items.map((i) => [i.kind, i.key])).toEqual([
      ['missing', { account: 'x', day: '2' }],
      ['extra', { account: 'y', day: '2' }],
      ['changed', { account: 'x', day: '1' }],
    ]);
  });
});

describe('diffSources', () => {
  it('observes csv files and diffs them (generic path below the size threshold)', async () => {
    const ws = workspace({ 'desired.csv': 'id,amount\n1,10.0\n2,5\n', 'actual.csv': 'amount,id\n10,1\n6,2\n7,3\n' });
    try {
      const d = source('desired', { kind: 'csv', path: 'desired.csv', fields: { id: 'string', amount: 'number' } });
      const a = source('actual', { kind: 'csv', path: 'actual.csv' });
      let path: string | null = null;
      const result = await diffSources(policy(), d, a, {
        observedAt: OBSERVED_AT,
        workspaceRoot: ws.root,
        trusted: true,
        fastPath: { report: (r) => (path = r.path) },
      });
      expect(path).toBe('generic');
      expect(result.summary).toEqual({ desired: 2, actual: 3, unchanged: 1, missing: 0, extra: 1, changed: 1, invalid: 0 });
      expect(result.items[1].fields).toEqual([{ path: 'amount', desired: 5, actual: '6' }]);
    } finally {
      ws.cleanup();
    }
  });
});
