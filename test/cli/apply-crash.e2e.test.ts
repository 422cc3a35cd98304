/**
 * Crash safety of `recon apply` (RUNTIME.md 4: "after a crash (kill -9) the next apply re-plans,
 * and the result converges with no action applied twice for the same plan and item").
 *
 * A real, slow writer: 1,000 creates into a JSON Lines file at `rate 50/s` (about 20 s). The
 * apply is killed with SIGKILL in the middle, a torn line is left at the end of the audit log (as
 * a crash mid-write would), and the apply is run again. Afterwards every record is in the file
 * exactly once and the audit log holds exactly one `applied` event per item over both runs.
 */
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appliedPerItem, cliTestFolders, readAudit, readJsonl, runCli, startCli, waitFor } from '../helpers/cli-helpers.js';
import { bulkWorkspace } from './apply-fixtures.js';

const keep = cliTestFolders();

function expectEachRecordOnce(dir: string, count: number): void {
  const records = readJsonl(join(dir, 'data/actual.jsonl'));
  const ids = records.map((record) => String(record.id));
  expect(ids).toHaveLength(count);
  expect(new Set(ids).size).toBe(count);
  for (const record of records) expect(record).toEqual({ id: record.id, name: `Name ${Number(String(record.id).slice(1))}`, amount: Number(String(record.id).slice(1)) % 1000 });
}

async function killMidway(dir: string, args: string[], atLeast: number, total: number): Promise<number> {
  const run = startCli(args, { cwd: dir });
  await waitFor(() => readAudit(dir).filter((r) => r.event === 'applied').length >= atLeast, 60_000, `${atLeast} applied events`);
  run.child.kill('SIGKILL');
  const exit = await run.exited;
  expect(exit.signal).toBe('SIGKILL');
  const written = readJsonl(join(dir, 'data/actual.jsonl')).length;
  expect(written).toBeGreaterThanOrEqual(atLeast);
  expect(written).toBeLessThan(total);
  // A crash in the middle of an audit line leaves it torn: the next run must cope.
  appendFileSync(join(dir, '.recon/audit.jsonl'), '{"ts":"2026-11-26T12:00:00Z","run_id":"torn","event":"appl');
  return written;
}

describe('apply after kill -9', () => {
  it('re-applying the saved plan applies every one of 1,000 actions exactly once', async () => {
    const dir = bulkWorkspace(1000, { rate: '50/s', concurrency: 8 });
    keep(dir);
    expect((await runCli(['plan', 'accounts.recon', '-o', 'plan.json'], { cwd: dir })).code).toBe(2);
    const before = await killMidway(dir, ['apply', 'plan.json'], 250, 1000);

    const rerun = await runCli(['apply', 'plan.json', '--format', 'json'], { cwd: dir, timeoutMs: 90_000 });
    expect(rerun.code).toBe(0);
    const result = JSON.parse(rerun.stdout).policies[0];
    expect(result.counts.done + result.counts.applied).toBe(1000);
    expect(result.counts.done).toBe(before);
    expect(result.counts.applied).toBe(1000 - before);
    expect(result.items.every((item: { verified: string }) => item.verified === 'converged')).toBe(true);

    expectEachRecordOnce(dir, 1000);
    // A kill in the middle of a rewrite leaves its temporary file; the next write removes it.
    expect(readdirSync(join(dir, 'data')).sort()).toEqual(['actual.jsonl', 'desired.csv']);
    const audit = readAudit(dir);
    const applied = appliedPerItem(audit);
    expect(applied.size).toBe(1000);
    expect([...applied.values()].filter((count) => count !== 1)).toEqual([]);
    // Both runs applied part of the work, for the same plan.
    const runs = new Set(audit.filter((r) => r.event === 'applied').map((r) => r.run_id));
    expect(runs.size).toBeGreaterThanOrEqual(2);
    expect(new Set(audit.filter((r) => r.event === 'applied').map((r) => r.plan_hash)).size).toBe(1);
    expect(readFileSync(join(dir, '.recon/audit.jsonl'), 'utf8')).toContain('"run_id":"torn"');
    // The plan of the file now shows no drift.
    expect((await runCli(['plan', 'accounts.recon'], { cwd: dir })).code).toBe(0);
  }, 180_000);

  it('re-planning the file after the kill applies only what is left, each item once', async () => {
    const dir = bulkWorkspace(300, { rate: '50/s', concurrency: 4 });
    keep(dir);
    await killMidway(dir, ['apply', 'accounts.recon'], 60, 300);
    const rerun = await runCli(['apply', 'accounts.recon'], { cwd: dir, timeoutMs: 90_000 });
    expect(rerun.code).toBe(0);
    expectEachRecordOnce(dir, 300);
    expect(readdirSync(join(dir, 'data')).sort()).toEqual(['actual.jsonl', 'desired.csv']);
    const applied = appliedPerItem(readAudit(dir));
    expect(applied.size).toBe(300);
    expect([...applied.values()].filter((count) => count !== 1)).toEqual([]);
  }, 120_000);
});
