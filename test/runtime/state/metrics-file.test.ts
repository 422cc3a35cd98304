/**
 * `metrics.prom` (RUNTIME.md section 5): the Prometheus text a run leaves, and its atomic save
 * when several processes of one workspace finish at the same time.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTsxScript } from '../../helpers/tsx-script.js';
import { METRICS_LOCK_FILE, MetricsStore } from '../../../runtime/state/metrics-file.js';
import { acquireLockFile } from '../../../runtime/state/lock-file.js';

const REPO = resolve(import.meta.dirname, '..', '..', '..');
const MODULE = join(REPO, 'runtime', 'state', 'metrics-file.ts');
const dirs: string[] = [];

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'recon-metrics-'));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A process that saves the metrics of `dir` `times` times, from START_AT (epoch ms) on. */
function saver(dir: string, times: number, startAt: number): Promise<{ code: number | null; stderr: string }> {
  const script = [
    `import { MetricsStore } from ${JSON.stringify(MODULE)};`,
    `while (Date.now() < ${startAt}) {}`,
    `for (let i = 0; i < ${times}; i++) {`,
    `  const store = MetricsStore.load(${JSON.stringify(dir)});`,
    `  store.set('recon_drift_items', { policy: 'p', kind: 'missing' }, i);`,
    `  store.save(${JSON.stringify(dir)});`,
    '}',
  ].join('\n');
  return runTsxScript(script);
}

describe('MetricsStore', () => {
  it('a lock held past the wait is a warning, not an error: the run goes on, its metrics unrecorded', async () => {
    const dir = stateDir();
    const held = await acquireLockFile(join(dir, METRICS_LOCK_FILE), { file: 'metrics.prom' }, () => 'held', { leaseMs: 60_000 });
    try {
      const warning = await MetricsStore.update(dir, (metrics) => metrics.inc('recon_reconcile_total', { policy: 'p', outcome: 'drift' }));
      expect(warning).toMatch(/^metrics\.prom is being updated by .+ \(pid \d+\) since .+; the run's metrics were not recorded$/);
      expect(readdirSync(dir).sort()).toEqual([METRICS_LOCK_FILE]);
    } finally {
      held.release();
    }
    expect(await MetricsStore.update(dir, (metrics) => metrics.inc('recon_reconcile_total', { policy: 'p', outcome: 'drift' }))).toBeNull();
    expect(readFileSync(join(dir, 'metrics.prom'), 'utf8')).toContain('recon_reconcile_total{outcome="drift",policy="p"} 1');
  }, 40_000);

  it('renders the families in Prometheus text and reads them back', () => {
    const dir = stateDir();
    const store = new MetricsStore();
    store.inc('recon_reconcile_total', { policy: 'p', outcome: 'drift' });
    store.set('recon_drift_items', { policy: 'p', kind: 'missing' }, 3);
    store.save(dir);
    const text = readFileSync(join(dir, 'metrics.prom'), 'utf8');
    expect(text).toContain('# TYPE recon_reconcile_total counter\nrecon_reconcile_total{outcome="drift",policy="p"} 1\n');
    expect(MetricsStore.load(dir).get('recon_drift_items', { kind: 'missing', policy: 'p' })).toBe(3);
  });

  it('saves from several processes at once without failing, and leaves no temporary file', async () => {
    const dir = stateDir();
    const startAt = Date.now() + 1500;
    const results = await Promise.all([0, 1, 2, 3].map(() => saver(dir, 300, startAt)));
    for (const result of results) {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    }
    expect(readdirSync(dir)).toEqual(['metrics.prom']);
    expect(MetricsStore.load(dir).get('recon_drift_items', { kind: 'missing', policy: 'p' })).toBe(299);
  }, 30_000);
});
