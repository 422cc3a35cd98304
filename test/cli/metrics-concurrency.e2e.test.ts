/**
 * `metrics.prom` counters stay counters when runs of one workspace finish at the same time
 * (RUNTIME.md section 5): every run's increment is kept, so a counter never goes down between two
 * scrapes — Prometheus would read a decrease as a restart and `rate()` would jump.
 */
import { describe, expect, it } from 'vitest';
import { MetricsStore } from '../../runtime/state/metrics-file.js';
import { cliTestFolders, makeWorkspace, startCli } from '../helpers/cli-helpers.js';
import { join } from 'node:path';

const keep = cliTestFolders();

const RECON = `
source wanted { from inline([{ id: "a", v: 1 }]) key id }
source found { from inline([{ id: "a", v: 2 }]) key id }
policy p { desired wanted actual found }
`;

describe('metrics of concurrent runs', () => {
  it('six plans at once count six runs', async () => {
    const dir = keep(makeWorkspace({ 'p.recon': RECON }));
    const runs = Array.from({ length: 6 }, () => startCli(['plan', 'p.recon'], { cwd: dir }));
    const exits = await Promise.all(runs.map((run) => run.exited));
    for (const exit of exits) expect(exit.stderr).toBe('');
    expect(exits.map((exit) => exit.code)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(MetricsStore.load(join(dir, '.recon')).get('recon_reconcile_total', { policy: 'p', outcome: 'drift' })).toBe(6);
  }, 60_000);
});
