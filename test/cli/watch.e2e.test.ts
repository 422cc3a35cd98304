/**
 * `recon watch` end to end (RUNTIME.md 2, 5): plans and applies on the policy's schedule, serves
 * `/metrics` on 127.0.0.1, and on SIGTERM finishes the actions in flight, records them, and exits 0.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appliedPerItem, cliTestFolders, readAudit, readJsonl, runCli, startCli, waitFor } from '../helpers/cli-helpers.js';
import { accountsWorkspace, bulkWorkspace } from './apply-fixtures.js';

const SETTLE_MS = 1500;

const keep = cliTestFolders();

describe('recon watch', () => {
  it('applies on schedule, serves /metrics, and stops cleanly on SIGTERM without losing an action', async () => {
    const dir = bulkWorkspace(10, { rate: '20/s', schedule: '1s', concurrency: 2 });
    keep(dir);
    const watch = startCli(['watch', 'accounts.recon', '--metrics-port', '0'], { cwd: dir });
    try {
      await waitFor(() => /metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/.test(watch.stderr()), 20_000, 'the metrics address');
      const url = /(http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(watch.stderr())![1]!;
      await waitFor(() => watch.stdout().includes('accounts: converged'), 20_000, 'the first run to converge');
      await waitFor(() => watch.stdout().includes('accounts: no drift'), 20_000, 'a second, scheduled run');
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const text = await response.text();
      expect(text).toContain('recon_reconcile_total{outcome="converged",policy="accounts"} 1');
      expect(text).toMatch(/recon_reconcile_total\{outcome="no_drift",policy="accounts"\} [1-9]/);
      expect(text).toContain('recon_actions_total{action="create",outcome="applied",policy="accounts"} 10');
      expect((await fetch(url.replace('/metrics', '/other'))).status).toBe(404);

      // More work arrives; stop in the middle of applying it.
      const rows = Array.from({ length: 200 }, (_, i) => `m${String(i).padStart(4, '0')},More ${i},${i}\n`).join('');
      appendFileSync(join(dir, 'data/desired.csv'), rows);
      await waitFor(() => readAudit(dir).filter((r) => r.event === 'applied').length >= 30, 30_000, 'the new actions to start');
      watch.child.kill('SIGTERM');
      const exit = await watch.exited;
      expect(exit.code).toBe(0);
      expect(exit.stderr).toContain('finishing the actions in flight');
      expect(exit.stderr).toContain('stopped');
    } finally {
      watch.child.kill('SIGKILL');
    }
    // Every record in the file was recorded as applied exactly once, and the rest were not started.
    const records = readJsonl(join(dir, 'data/actual.jsonl'));
    expect(records.length).toBeLessThan(210);
    const applied = appliedPerItem(readAudit(dir));
    expect(applied.size).toBe(records.length);
    expect([...applied.values()].every((count) => count === 1)).toBe(true);
    // A later apply finishes the job.
    const finish = await runCli(['apply', 'accounts.recon'], { cwd: dir, timeoutMs: 60_000 });
    expect(finish.code).toBe(0);
    expect(readJsonl(join(dir, 'data/actual.jsonl'))).toHaveLength(210);
  }, 120_000);

  it('stops cleanly (exit 0) once the reader of its output goes away, as `recon watch FILE | head -1` does', async () => {
    const dir = bulkWorkspace(2, { schedule: '1s' });
    keep(dir);
    const watch = startCli(['watch', 'accounts.recon'], { cwd: dir });
    try {
      await waitFor(() => watch.stdout().includes('accounts: converged'), 20_000, 'the first run');
      // The reader closes the pipe: the next run's line finds no reader (before: it ran on forever).
      watch.child.stdout!.destroy();
      const exit = await Promise.race([watch.exited, new Promise<null>((done) => setTimeout(() => done(null), 20_000))]);
      expect(exit).not.toBeNull();
      expect(exit!.code).toBe(0);
      expect(exit!.stderr).toContain('standard output was closed: finishing the actions in flight, then stopping');
      expect(exit!.stderr).toContain('recon watch: stopped');
      expect(exit!.stderr).not.toContain('EPIPE');
    } finally {
      watch.child.kill('SIGKILL');
    }
  }, 60_000);

  it('refuses a file whose policies have no schedule', async () => {
    const dir = accountsWorkspace();
    keep(dir);
    const result = await runCli(['watch', 'accounts.recon'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no policy of accounts.recon has a schedule');
    expect(readFileSync(join(dir, 'data/actual.jsonl'), 'utf8')).toContain('"x9"');
  });

  it('waits a schedule longer than a timer can hold (24.8 days) instead of running without pause', async () => {
    const dir = bulkWorkspace(2, { schedule: '30d' });
    keep(dir);
    const watch = startCli(['watch', 'accounts.recon'], { cwd: dir });
    try {
      await waitFor(() => watch.stdout().includes('accounts: converged'), 20_000, 'the first run');
      await new Promise((done) => setTimeout(done, SETTLE_MS));
      watch.child.kill('SIGTERM');
      const exit = await watch.exited;
      expect(exit.code).toBe(0);
      expect(exit.stdout.trim().split('\n')).toHaveLength(1);
      expect(exit.stderr).toContain('accounts every 30d');
      expect(exit.stderr).not.toContain('TimeoutOverflowWarning');
    } finally {
      watch.child.kill('SIGKILL');
    }
  }, 60_000);

  it('a policy locked by a manual apply: the run is skipped, counted as an error, and the watch goes on', async () => {
    const dir = bulkWorkspace(2, { schedule: '1s' });
    keep(dir);
    // a lock held by a live process of this host (this test's), as a running `recon apply` holds it
    mkdirSync(join(dir, '.recon/locks'), { recursive: true });
    const now = Date.now();
    writeFileSync(
      join(dir, '.recon/locks/accounts.lock'),
      JSON.stringify({ policy: 'accounts', owner: `olga@${hostname()}`, host: hostname(), pid: process.pid, started: new Date(now).toISOString(), lease_expires: new Date(now + 600_000).toISOString(), token: 't' }),
    );
    const watch = startCli(['watch', 'accounts.recon'], { cwd: dir });
    try {
      await waitFor(() => (watch.stderr().match(/is being applied by olga@/g) ?? []).length >= 2, 20_000, 'two skipped runs');
      watch.child.kill('SIGTERM');
      const exit = await watch.exited;
      expect(exit.code).toBe(0);
      const line = exit.stderr.split('\n').find((text) => text.includes('is being applied by'))!;
      expect(line).toContain('this run is skipped, the next one tries again');
      // `recon watch` has no --lock-timeout: the hint `recon apply` gives would mislead here
      expect(line).not.toContain('--lock-timeout');
      expect(readFileSync(join(dir, '.recon/metrics.prom'), 'utf8')).toMatch(/recon_reconcile_total\{outcome="error",policy="accounts"\} [2-9]/);
    } finally {
      watch.child.kill('SIGKILL');
    }
  }, 60_000);

  it('counts its own earlier corrections at every run: reverted drift is corrected again under the next idempotency key', async () => {
    const dir = bulkWorkspace(2, { schedule: '1s' });
    keep(dir);
    const actual = join(dir, 'data/actual.jsonl');
    const converged = (text: string): number => (text.match(/accounts: converged/g) ?? []).length;
    const watch = startCli(['watch', 'accounts.recon'], { cwd: dir });
    try {
      for (let run = 1; run <= 3; run++) {
        await waitFor(() => converged(watch.stdout()) >= run, 20_000, `correction ${run}`);
        // the other writer undoes the correction: the next plan is the same plan (same hash)
        if (run < 3) writeFileSync(actual, '');
      }
      watch.child.kill('SIGTERM');
      expect((await watch.exited).code).toBe(0);
    } finally {
      watch.child.kill('SIGKILL');
    }
    // Each run read the apply history the earlier runs of this same process appended to the log.
    const applied = readAudit(dir).filter((r) => r.event === 'applied' && r.item === 'accounts/missing/k0000');
    expect(new Set(applied.map((r) => r.plan_hash)).size).toBe(1);
    expect(applied.map((r) => String(r.detail?.idempotency_key).replace(/^.*\/k0000/, 'k0000'))).toEqual(['k0000', 'k0000#2', 'k0000#3']);
    expect(readJsonl(actual).map((r) => r.id)).toEqual(['k0000', 'k0001']);
  }, 60_000);

  it('warns on stderr when an item flaps: another writer keeps setting it back', async () => {
    const dir = accountsWorkspace({ schedule: '1h' });
    keep(dir);
    const actual = join(dir, 'data/actual.jsonl');
    const drifted = readFileSync(actual, 'utf8');
    // three corrections of a3 by `recon apply`, each undone by the other writer
    for (let i = 0; i < 3; i++) {
      // exit 3: a2 waits for a lead's approval, the rest is applied
      expect((await runCli(['apply', 'accounts.recon', '--auto-approve'], { cwd: dir, timeoutMs: 60_000 })).code).toBe(3);
      writeFileSync(actual, drifted);
    }
    const watch = startCli(['watch', 'accounts.recon', '--auto-approve'], { cwd: dir });
    try {
      await waitFor(() => /accounts: waiting approval/.test(watch.stdout()), 20_000, 'the watch run');
      watch.child.kill('SIGTERM');
      const exit = await watch.exited;
      expect(exit.code).toBe(0);
      expect(exit.stderr).toMatch(/warning: accounts: \d+ items? flapping \([^)]*accounts\/changed\/a3[^)]*\): corrected 3\+ times in the last ten runs — two writers are fighting over/);
    } finally {
      watch.child.kill('SIGKILL');
    }
  }, 120_000);
});
