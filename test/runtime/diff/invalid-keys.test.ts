import { describe, expect, it } from 'vitest';
import { diffSources } from '../../../runtime/diff/diff-sources.js';
import { diffRecords, OBSERVED_AT, policy, source, workspace } from './diff-fixture.js';

const typed = { id: 'string', qty: 'integer' } as const;

describe('a broken record withholds its key from the comparison', () => {
  it('a typo in a desired record does not make the actual record extra', async () => {
    const d = source('desired', { fields: typed });
    const a = source('actual', { fields: typed });
    const result = await diffRecords(policy(), [{ id: 'k1', qty: '7O' }, { id: 'k2', qty: 1 }], [{ id: 'k1', qty: 7 }, { id: 'k2', qty: 1 }], d, a);
    expect(result.items.map((i) => i.kind)).toEqual(['invalid']);
    expect(result.items[0]!.side).toBe('desired');
    expect(result.summary.extra).toBe(0);
  });

  it('a broken actual record does not make the desired record missing', async () => {
    const d = source('desired', { fields: typed });
    const a = source('actual', { fields: typed });
    const result = await diffRecords(policy(), [{ id: 'k1', qty: 7 }], [{ id: 'k1', qty: 'seven' }], d, a);
    expect(result.items.map((i) => `${i.kind}/${i.side}`)).toEqual(['invalid/actual']);
    expect(result.summary.missing).toBe(0);
  });

  it('a record without a key withholds nothing', async () => {
    const d = source('desired', { fields: typed });
    const a = source('actual', { fields: typed });
    const result = await diffRecords(policy(), [{ qty: 'x' }], [{ id: 'k9', qty: 1 }], d, a);
    expect(result.items.map((i) => i.kind).sort()).toEqual(['extra', 'invalid']);
  });

  it('behaves the same on the CSV fast path', async () => {
    const rows = (qty: string[]) => ['id,qty', ...qty.map((q, i) => `k${i},${q}`)].join('\n') + '\n';
    const ws = workspace({ 'd.csv': rows(['1', '7O', '3']), 'a.csv': rows(['1', '7', 'x']) });
    try {
      const d = source('desired', { kind: 'csv', path: 'd.csv', fields: typed });
      const a = source('actual', { kind: 'csv', path: 'a.csv', fields: typed });
      const ctx = { observedAt: OBSERVED_AT, env: {}, workspaceRoot: ws.root, trusted: true };
      const generic = await diffSources(policy(), d, a, { ...ctx, fastPath: { enabled: false } });
      let path = '';
      const fast = await diffSources(policy(), d, a, { ...ctx, fastPath: { minBytes: 0, workers: 0, report: (r) => (path = r.path) } });
      expect(generic.items.map((i) => `${i.kind}/${i.side}`)).toEqual(['invalid/desired', 'invalid/actual']);
      expect(fast.items).toEqual(generic.items);
      expect(fast.summary).toEqual(generic.summary);
      expect(path).toBe('fast');
    } finally {
      ws.cleanup();
    }
  });

  it('a CSV row broken by a stray delimiter or quote withholds the key its first fields hold', async () => {
    // k1: text after a closing quote (in a later field); k2: one field too many; k3: one too few;
    // k4: the quote breaks the key field itself, so its key is not guessed
    const desired = ['id,qty,memo', 'k1,1,"a"b', 'k2,2,x,y', 'k3,3', '"k"4,4,z', 'k5,5,ok'].join('\n') + '\n';
    const actual = ['id,qty,memo', 'k1,1,a', 'k2,2,x', 'k3,3,', 'k4,4,z', 'k5,5,ok'].join('\n') + '\n';
    const ws = workspace({ 'd.csv': desired, 'a.csv': actual });
    try {
      const d = source('desired', { kind: 'csv', path: 'd.csv' });
      const a = source('actual', { kind: 'csv', path: 'a.csv' });
      const ctx = { observedAt: OBSERVED_AT, env: {}, workspaceRoot: ws.root, trusted: true };
      let path = '';
      const result = await diffSources(policy(), d, a, { ...ctx, fastPath: { minBytes: 0, workers: 0, report: (r) => (path = r.path) } });
      expect(path).toBe('generic'); // malformed rows: the fast path leaves them to the generic one
      expect(result.items.map((i) => [i.kind, i.side, i.key])).toEqual([
        ['extra', null, { id: 'k4' }],
        ['invalid', 'desired', { id: 'k1' }],
        ['invalid', 'desired', { id: 'k2' }],
        ['invalid', 'desired', { id: 'k3' }],
        ['invalid', 'desired', null],
      ]);
      expect(result.items.slice(1).map((i) => i.desired)).toEqual([null, null, null, null]); // a guess is never compared
    } finally {
      ws.cleanup();
    }
  });
});
