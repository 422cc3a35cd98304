/**
 * Worker threads started ahead (`startFastPathPool`): started only for a policy that may take
 * the CSV fast path, used by `diffSources` with the same result as the generic path, and closed
 * in every case — used, not used (the fast path turned out not to apply), or never reached.
 */
import { describe, expect, it } from 'vitest';
import type { IrSource } from '../../../language/ir/ir-types.js';
import { FastWorkerPool } from '../../../runtime/diff/csv-worker-pool.js';
import { diffSources, startFastPathPool, type DiffPathReport } from '../../../runtime/diff/diff-sources.js';
import { OBSERVED_AT, policy, source, workspace } from './diff-fixture.js';

function files(): Record<string, string> {
  const desired = ['id,amount,currency'];
  const actual = ['currency,amount,id'];
  for (let i = 0; i < 2000; i++) {
    desired.push(`k${i},${(i % 89) + 0.5},EUR`);
    if (i % 100 !== 7) actual.push(`${i % 60 === 0 ? 'usd' : 'EUR'},${(i % 89) + 0.5 + (i % 45 === 0 ? 1 : 0)},k${i}`);
  }
  actual.push('EUR,1,k9999');
  return { 'desired.csv': desired.join('\n') + '\n', 'actual.csv': actual.join('\n') + '\n' };
}

const typed = { id: 'string', amount: 'number', currency: 'string' } as const;

/** The typed desired file, the untyped actual one, and a policy comparing currency ignoring case. */
function csvPolicy() {
  return {
    d: source('desired', { kind: 'csv', path: 'desired.csv', fields: typed }),
    a: source('actual', { kind: 'csv', path: 'actual.csv' }),
    p: policy({ currency: { kind: 'ignore_case' } }),
  };
}

describe('worker threads started ahead of the fast path', () => {
  const ctx = (root: string) => ({ observedAt: OBSERVED_AT, env: {}, workspaceRoot: root, trusted: true });

  it('start only for a policy that may take the fast path', async () => {
    const ws = workspace(files());
    try {
      const { d, a, p } = csvPolicy();
      const inline = source('inline', { kind: 'inline' });
      const none = [
        startFastPathPool(p, d, a, { ...ctx(ws.root), fastPath: { enabled: false, minBytes: 0, workers: 2 } }),
        startFastPathPool(p, d, inline, { ...ctx(ws.root), fastPath: { minBytes: 0, workers: 2 } }),
        // the default threshold (8 MiB) is far above these files
        startFastPathPool(p, d, a, { ...ctx(ws.root), fastPath: { workers: 2 } }),
        startFastPathPool(p, d, a, { ...ctx(ws.root), fastPath: { minBytes: 0, workers: 1 } }),
        startFastPathPool(p, { ...d, where: { expr: true, at: 'test.recon:1:1' } } as IrSource, a, { ...ctx(ws.root), fastPath: { minBytes: 0, workers: 2 } }),
        startFastPathPool(policy({ amount: { kind: 'by', expr: true } as never }), d, a, { ...ctx(ws.root), fastPath: { minBytes: 0, workers: 2 } }),
      ];
      expect(none).toEqual([null, null, null, null, null, null]);
      const pool = startFastPathPool(p, d, a, { ...ctx(ws.root), fastPath: { minBytes: 0, workers: 2 } });
      expect(pool).not.toBeNull();
      expect(pool!.threaded).toBe(true);
      // Closed while its workers still boot: it ends at once.
      await pool!.close();
      expect(pool!.threaded).toBe(false);
      await pool!.close();
    } finally {
      ws.cleanup();
    }
  });

  it('are used by diffSources (same result as the generic path) and closed after', async () => {
    const ws = workspace(files());
    try {
      const { d, a, p } = csvPolicy();
      const generic = await diffSources(p, d, a, { ...ctx(ws.root), fastPath: { enabled: false } });
      for (const eager of [false, true]) {
        const settings = { minBytes: 0, workers: 2, minRangeBytes: 1000, eager };
        const pool = startFastPathPool(p, d, a, { ...ctx(ws.root), fastPath: settings });
        expect(pool?.threaded).toBe(true);
        let report: DiffPathReport | null = null;
        const fast = await diffSources(p, d, a, { ...ctx(ws.root), fastPath: { ...settings, pool: pool!, report: (r) => (report = r) } });
        expect(report).toEqual({ path: 'fast', reason: null });
        expect(fast).toEqual(generic);
        expect(pool!.threaded).toBe(false);
      }
    } finally {
      ws.cleanup();
    }
  }, 60_000);

  it('are closed by diffSources when the fast path turns out not to apply', async () => {
    const ws = workspace(files());
    try {
      // A json field is only seen when planning: the pool starts, then goes unused.
      const d = source('desired', { kind: 'csv', path: 'desired.csv', fields: { ...typed, currency: 'json' } });
      const a = source('actual', { kind: 'csv', path: 'actual.csv' });
      const p = policy();
      const generic = await diffSources(p, d, a, { ...ctx(ws.root), fastPath: { enabled: false } });
      const pool = startFastPathPool(p, d, a, { ...ctx(ws.root), fastPath: { minBytes: 0, workers: 2 } });
      expect(pool?.threaded).toBe(true);
      let report: DiffPathReport | null = null;
      const result = await diffSources(p, d, a, { ...ctx(ws.root), fastPath: { minBytes: 0, workers: 2, pool: pool!, report: (r) => (report = r) } });
      expect(report).toEqual({ path: 'generic', reason: 'source desired declares a json field' });
      expect(result).toEqual(generic);
      expect(pool!.threaded).toBe(false);
    } finally {
      ws.cleanup();
    }
  });

  it('run tasks only once every worker listens on the channel', async () => {
    // Many pools, tasks sent at once: a range handed over before another worker listened
    // would be lost, and the diff would wait for it forever (the test would time out).
    const ws = workspace(files());
    try {
      const { d, a, p } = csvPolicy();
      const generic = await diffSources(p, d, a, { ...ctx(ws.root), fastPath: { enabled: false } });
      const reports: DiffPathReport[] = [];
      const runs = await Promise.all(
        [3, 4].map((workers) =>
          diffSources(p, d, a, {
            ...ctx(ws.root),
            fastPath: { minBytes: 0, workers, minRangeBytes: 500, pool: FastWorkerPool.start(workers), report: (r) => reports.push(r) },
          }),
        ),
      );
      expect(reports).toEqual([
        { path: 'fast', reason: null },
        { path: 'fast', reason: null },
      ]);
      for (const run of runs) expect(run).toEqual(generic);
    } finally {
      ws.cleanup();
    }
  }, 60_000);
});
