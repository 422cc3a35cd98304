/**
 * `recon watch` end to end (RUNTIME.md 2, 5): plans and applies on the policy's schedule, serves
 * `/metrics` on 127.0.0.1, and on SIGTERM finishes the actions in flight, records them, and exits 0.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appliedPerItem, ensureCliBuilt, readAudit, readJsonl, removeTempDir, runCli, startCli, waitFor } from '../helpers/cli-helpers.js';
import { accountsWorkspace, bulkWorkspace } from './apply-fixtures.js';

const made: string[] = [];

beforeAll(async () => {
  await ensureCliBuilt();
}, 120_000);

afterAll(() => {
  for (const dir of made) removeTempDir(dir);
});

describe('recon watch', () => {
  it('applies on schedule, serves /metrics, and stops cleanly on SIGTERM without losing an action', async () => {
    const dir = bulkWorkspace(10, { rate: '20/s', schedule: '1s', concurrency: 2 });
    made.push(dir);
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

  it('refuses a file whose policies have no schedule', async () => {
    const dir = accountsWorkspace();
    made.push(dir);
    const result = await runCli(['watch', 'accounts.recon'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no policy of accounts.recon has a schedule');
    expect(readFileSync(join(dir, 'data/actual.jsonl'), 'utf8')).toContain('"x9"');
  });
});
