/**
 * Compare rules as a user writes them, on cases an audit against LANGUAGE.md 2.3 found wrong:
 * `unordered by` on a nested match field, an `unordered` list with rules below it (compared by
 * position), normalizers (`ignore_case`, `normalize`) on objects, and a profile's rule on a
 * field the typed desired source does not declare. Plus the boundary
 * behaviour the reference documents: tolerances are inclusive, and a relative tolerance of a
 * desired 0 accepts only 0.
 */
import { describe, expect, it } from 'vitest';
import type { IrComparator } from '../../../language/ir/ir-types.js';
import { diffRecords, policy, source } from './diff-fixture.js';

describe('unordered by a nested field', () => {
  it('pairs list elements on the value at the path, not on a field named like the path', async () => {
    const p = policy({ containers: { kind: 'unordered', by: 'meta.name' } });
    const desired = [{ id: 'a', containers: [{ meta: { name: 'web' }, image: 'nginx:1' }, { meta: { name: 'db' }, image: 'pg' }] }];
    const same = await diffRecords(p, desired, [{ id: 'a', containers: [{ meta: { name: 'db' }, image: 'pg' }, { meta: { name: 'web' }, image: 'nginx:1' }] }]);
    expect(same.items).toEqual([]);
    const changed = await diffRecords(p, desired, [{ id: 'a', containers: [{ meta: { name: 'db' }, image: 'pg' }, { meta: { name: 'web' }, image: 'nginx:2' }] }]);
    expect(changed.items[0].fields).toEqual([{ path: 'containers[meta.name=web].image', desired: 'nginx:1', actual: 'nginx:2' }]);
  });

  it('still reads a match field whose name holds a dot when the path leads nowhere', async () => {
    const p = policy({ rows: { kind: 'unordered', by: 'a.b' } });
    const result = await diffRecords(p, [{ id: 'a', rows: [{ 'a.b': 1, v: 1 }, { 'a.b': 2, v: 2 }] }], [{ id: 'a', rows: [{ 'a.b': 2, v: 2 }, { 'a.b': 1, v: 1 }] }]);
    expect(result.items).toEqual([]);
  });
});

describe('unordered lists with rules below them', () => {
  it('unordered by keeps pairing on the match field, and applies the named rules inside each element', async () => {
    const p = policy({ containers: { kind: 'unordered', by: 'name' }, 'containers.resources': { kind: 'ignore' } });
    const desired = [{ id: 'a', containers: [{ name: 'web', image: 'a', resources: 1 }, { name: 'db', image: 'b' }] }];
    const reordered = await diffRecords(p, desired, [{ id: 'a', containers: [{ name: 'db', image: 'b' }, { name: 'web', image: 'a', resources: 2 }] }]);
    expect(reordered.items).toEqual([]);
    const changed = await diffRecords(p, desired, [{ id: 'a', containers: [{ name: 'db', image: 'c' }, { name: 'web', image: 'a', resources: 2 }, { name: 'new' }] }]);
    expect(changed.items[0].fields).toEqual([
      { path: 'containers[name=db].image', desired: 'b', actual: 'c' },
      { path: 'containers[name=new]', desired: null, actual: { name: 'new' } },
    ]);
  });

  it('plain unordered stays a multiset comparison when a rule names a path below the list', async () => {
    const p = policy({ tags: { kind: 'unordered', by: null }, 'tags[0]': { kind: 'exact' } });
    const result = await diffRecords(p, [{ id: 'a', tags: ['x', 'y'] }], [{ id: 'a', tags: ['y', 'x'] }]);
    expect(result.items).toEqual([]);
    const changed = await diffRecords(p, [{ id: 'a', tags: ['x', 'y'] }], [{ id: 'a', tags: ['y', 'z'] }]);
    expect(changed.items[0].fields).toEqual([{ path: 'tags', desired: ['x', 'y'], actual: ['y', 'z'] }]);
  });
});

describe('normalizers on objects', () => {
  it('ignore_case compares a map of labels case-insensitively, as it does a list', async () => {
    const p = policy({ labels: { kind: 'ignore_case' }, tags: { kind: 'ignore_case' } });
    const same = await diffRecords(p, [{ id: 'a', labels: { env: 'Prod', team: { name: 'Ops' } }, tags: [{ k: 'A' }] }], [{ id: 'a', labels: { env: 'prod', team: { name: 'OPS' } }, tags: [{ k: 'a' }] }]);
    expect(same.items).toEqual([]);
    const changed = await diffRecords(p, [{ id: 'a', labels: { env: 'Prod' } }], [{ id: 'a', labels: { env: 'dev' } }]);
    expect(changed.items[0].fields).toEqual([{ path: 'labels', desired: { env: 'Prod' }, actual: { env: 'dev' } }]);
  });

  it('a field under a normalized parent with a nested rule gets the parent comparator at every depth', async () => {
    const p = policy({ meta: { kind: 'normalize', normalizers: [{ name: 'trim' }] }, 'meta.x': { kind: 'exact' } });
    const result = await diffRecords(p, [{ id: 'a', meta: { x: 1, s: ' a ', deep: { s: 'b ' } } }], [{ id: 'a', meta: { x: 1, s: 'a', deep: { s: 'b' } } }]);
    expect(result.items).toEqual([]);
  });

  it('keeps field names as they are and never touches the prototype', async () => {
    const p = policy({ m: { kind: 'normalize', normalizers: [{ name: 'lower' }] } });
    const d = JSON.parse('{"id":"a","m":{"__proto__":"X","Key":"V"}}') as Record<string, unknown>;
    const a = JSON.parse('{"id":"a","m":{"__proto__":"x","Key":"v"}}') as Record<string, unknown>;
    expect((await diffRecords(p, [d], [a])).items).toEqual([]);
    const other = JSON.parse('{"id":"a","m":{"__proto__":"x","key":"v"}}') as Record<string, unknown>;
    expect((await diffRecords(p, [d], [other])).items).toHaveLength(1);
  });
});

describe('profile rules and a typed desired source', () => {
  const cents = (): ReturnType<typeof policy> => {
    const p = policy();
    p.compare.rules = [
      { path: 'amount', comparator: { kind: 'within', absolute: 0.005 }, profile: 'money.cents', at: 'money.recon:16:3' },
      { path: 'currency', comparator: { kind: 'ignore_case' }, profile: 'money.cents', at: 'money.recon:17:3' },
    ];
    return p;
  };

  it('a profile rule on a field the typed desired source does not declare compares nothing', async () => {
    const d = source('desired', { fields: { id: 'string', amount: 'number' } });
    const result = await diffRecords(cents(), [{ id: 'a', amount: 10 }], [{ id: 'a', amount: 10.004, currency: 'EUR' }], d);
    expect(result.items).toEqual([]);
    expect(result.summary.unchanged).toBe(1);
  });

  it('applies where the typed desired source declares the field, and to untyped sources', async () => {
    const typed = source('desired', { fields: { id: 'string', amount: 'number', currency: 'string' } });
    expect((await diffRecords(cents(), [{ id: 'a', amount: 10, currency: 'eur' }], [{ id: 'a', amount: 10.004, currency: 'EUR' }], typed)).items).toEqual([]);
    const untyped = await diffRecords(cents(), [{ id: 'a', amount: 10 }], [{ id: 'a', amount: 10, currency: 'EUR' }]);
    expect(untyped.items[0].fields).toEqual([{ path: 'currency', desired: null, actual: 'EUR' }]);
  });

  it('a rule written in the policy on an undeclared field is still applied (the checker reports it)', async () => {
    const p = policy({ currency: { kind: 'ignore_case' } });
    const d = source('desired', { fields: { id: 'string', amount: 'number' } });
    const result = await diffRecords(p, [{ id: 'a', amount: 10 }], [{ id: 'a', amount: 10, currency: 'EUR' }], d);
    expect(result.items[0].diff).toEqual(['currency']);
  });
});

describe('tolerance boundaries', () => {
  const equal = async (comparator: IrComparator, d: unknown, a: unknown) => (await diffRecords(policy({ v: comparator }), [{ id: 'k', v: d }], [{ id: 'k', v: a }])).items.length === 0;

  it('a difference exactly at the tolerance is inside it; just beyond is outside', async () => {
    expect(await equal({ kind: 'within', absolute: 0.5 }, 1, 1.5)).toBe(true);
    expect(await equal({ kind: 'within', absolute: 0.5 }, -1, -1.5)).toBe(true);
    expect(await equal({ kind: 'within', absolute: 0.5 }, 1, 1.5000001)).toBe(false);
    expect(await equal({ kind: 'within', relative: 0.1 }, 100, 110)).toBe(true);
    expect(await equal({ kind: 'within', relative: 0.1 }, -100, -90)).toBe(true);
    expect(await equal({ kind: 'within', relative: 0.1 }, 100, 110.001)).toBe(false);
    expect(await equal({ kind: 'within', duration_ms: 60000 }, '2024-01-01T00:00:00Z', '2024-01-01T01:01:00+01:00')).toBe(true);
    expect(await equal({ kind: 'within', duration_ms: 60000 }, '2024-01-01T00:00:00Z', '2024-01-01T00:01:00.001Z')).toBe(false);
  });

  it('a relative tolerance of a desired 0 accepts only 0', async () => {
    expect(await equal({ kind: 'within', relative: 0.1 }, 0, 0)).toBe(true);
    expect(await equal({ kind: 'within', relative: 0.1 }, 0, 1e-9)).toBe(false);
  });
});
