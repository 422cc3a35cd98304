/**
 * `recon apply` and `recon approve` end to end, through the built CLI (RUNTIME.md 2, 4, 5):
 * approval gates, stale evidence, limits, mode audit, idempotent re-runs, verification, locks and
 * retries through the fault-injection hook.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appliedPerItem, cliTestFolders, readAudit, readJsonl, runCli, snapshot, startCli, waitFor } from '../helpers/cli-helpers.js';
import { accountsWorkspace, bulkWorkspace } from './apply-fixtures.js';

const keep = cliTestFolders();
const workspace = keep;

function ids(path: string): string[] {
  return readJsonl(path).map((record) => String(record.id)).sort();
}

describe('approval flow', () => {
  it('waits for an approval (exit 3), refuses an outsider, and applies with a group member\'s approval', async () => {
    const dir = workspace(accountsWorkspace());
    const actual = join(dir, 'data/actual.jsonl');
    expect((await runCli(['plan', 'accounts.recon', '-o', 'plan.json'], { cwd: dir })).code).toBe(2);

    const first = await runCli(['apply', 'plan.json', '--format', 'json'], { cwd: dir });
    expect(first.code).toBe(3);
    const firstResult = JSON.parse(first.stdout);
    const outcome = (id: string) => firstResult.policies[0].items.find((item: { id: string }) => item.id === id);
    expect(outcome('accounts/missing/a2').outcome).toBe('waiting');
    expect(outcome('accounts/missing/a4')).toMatchObject({ outcome: 'applied', verified: 'converged' });
    expect(outcome('accounts/changed/a3')).toMatchObject({ outcome: 'applied', verified: 'converged' });
    expect(outcome('accounts/extra/x9')).toMatchObject({ outcome: 'applied', verified: 'converged' });
    expect(ids(actual)).toEqual(['a1', 'a3', 'a4']);

    // --auto-approve never approves an item restricted to a group.
    expect((await runCli(['apply', 'plan.json', '--auto-approve'], { cwd: dir })).code).toBe(3);

    // An outsider cannot approve, neither through `recon approve` ...
    const outsider = await runCli(['approve', 'plan.json', '--by', 'mallory@example.com', '--item', 'accounts/missing/a2', '-o', 'approvals.json'], { cwd: dir });
    expect(outsider.code).toBe(1);
    expect(outsider.stderr).toContain('mallory@example.com is not in group leads');
    expect(outsider.stderr.trim().split('\n')).toHaveLength(1);
    // ... nor by writing the approvals file by hand.
    const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8'));
    writeFileSync(
      join(dir, 'forged.json'),
      JSON.stringify({ version: 1, approvals: [{ plan_hash: plan.plan_hash, item: 'accounts/missing/a2', approver: 'mallory@example.com', approved_at: new Date().toISOString() }] }),
    );
    const forged = await runCli(['apply', 'plan.json', '--approvals', 'forged.json'], { cwd: dir });
    expect(forged.code).toBe(3);
    expect(forged.stdout).toContain('approval of accounts/missing/a2 by mallory@example.com refused');
    expect(ids(actual)).toEqual(['a1', 'a3', 'a4']);

    // An unknown item is refused.
    const unknown = await runCli(['approve', 'plan.json', '--by', 'alice@example.com', '--item', 'accounts/missing/zz'], { cwd: dir });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown item accounts/missing/zz');

    // A member of the group approves: the item goes through.
    const approve = await runCli(['approve', 'plan.json', '--by', 'alice@example.com', '-o', 'approvals.json'], { cwd: dir });
    expect(approve.code).toBe(0);
    expect(approve.stdout).toContain('accounts/missing/a2');
    const applied = await runCli(['apply', 'plan.json', '--approvals', 'approvals.json'], { cwd: dir });
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('converged');
    expect(ids(actual)).toEqual(['a1', 'a2', 'a3', 'a4']);

    const audit = readAudit(dir);
    expect(audit.filter((r) => r.event === 'approved' && r.item === 'accounts/missing/a2').map((r) => r.actor)).toContain('alice@example.com');
    // Every item was applied exactly once over the three applies.
    expect([...appliedPerItem(audit).entries()].sort()).toEqual([
      ['accounts/changed/a3', 1],
      ['accounts/extra/x9', 1],
      ['accounts/missing/a2', 1],
      ['accounts/missing/a4', 1],
    ]);

    // After apply, `recon plan` sees no drift.
    expect((await runCli(['plan', 'accounts.recon'], { cwd: dir })).code).toBe(0);

    // An approval for another plan hash does not count: a new plan with a new item waits again.
    writeFileSync(join(dir, 'data/desired.csv'), readFileSync(join(dir, 'data/desired.csv'), 'utf8') + 'a5,Epsilon,5000\n');
    const newPlan = await runCli(['apply', 'accounts.recon', '--approvals', 'approvals.json'], { cwd: dir });
    expect(newPlan.code).toBe(3);
    expect(newPlan.stdout).toMatch(/1 approval is for another plan/);
  }, 60_000);

  it('signs approvals with RECON_APPROVAL_KEY and rejects unsigned and tampered ones', async () => {
    const dir = workspace(accountsWorkspace());
    const env = { RECON_APPROVAL_KEY: 'correct horse battery staple' };
    await runCli(['plan', 'accounts.recon', '-o', 'plan.json'], { cwd: dir });
    await runCli(['approve', 'plan.json', '--by', 'bob@example.com', '-o', 'unsigned.json'], { cwd: dir });
    const unsigned = await runCli(['apply', 'plan.json', '--approvals', 'unsigned.json'], { cwd: dir, env });
    expect(unsigned.code).toBe(1);
    expect(unsigned.stderr).toContain('is not signed');

    expect((await runCli(['approve', 'plan.json', '--by', 'bob@example.com', '-o', 'signed.json'], { cwd: dir, env })).code).toBe(0);
    const signed = JSON.parse(readFileSync(join(dir, 'signed.json'), 'utf8'));
    expect(signed.approvals[0].signature).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    signed.approvals[0].approver = 'mallory@example.com';
    writeFileSync(join(dir, 'tampered.json'), JSON.stringify(signed));
    const tampered = await runCli(['apply', 'plan.json', '--approvals', 'tampered.json'], { cwd: dir, env });
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain('has a signature that does not match');
    expect(tampered.stderr).not.toMatch(/\n\s+at /);
    expect(ids(join(dir, 'data/actual.jsonl'))).toEqual(['a1', 'a3', 'x9']);

    const ok = await runCli(['apply', 'plan.json', '--approvals', 'signed.json'], { cwd: dir, env });
    expect(ok.code).toBe(0);
  }, 60_000);
});

describe('safety', () => {
  it('skips an item whose actual record changed since the plan (stale), applying the rest', async () => {
    const dir = workspace(accountsWorkspace());
    const actual = join(dir, 'data/actual.jsonl');
    await runCli(['plan', 'accounts.recon', '-o', 'plan.json'], { cwd: dir });
    // Someone edits a3 between the plan and the apply.
    writeFileSync(actual, readFileSync(actual, 'utf8').replace('"amount":99', '"amount":77'));
    const result = await runCli(['apply', 'plan.json', '--format', 'json'], { cwd: dir });
    expect(result.code).toBe(3); // a2 still waits; 3 precedes 2
    const items = JSON.parse(result.stdout).policies[0].items;
    expect(items.find((item: { id: string }) => item.id === 'accounts/changed/a3').outcome).toBe('stale');
    expect(readJsonl(actual).find((record) => record.id === 'a3')!.amount).toBe(77);
    expect(ids(actual)).toEqual(['a1', 'a3', 'a4']);
    const stale = readAudit(dir).filter((r) => r.event === 'stale');
    expect(stale.map((r) => r.item)).toEqual(['accounts/changed/a3']);
    expect(stale[0]!.error).toContain('changed since the plan');
  }, 30_000);

  it('exits 4 and writes nothing when a limit is exceeded (on_exceed abort)', async () => {
    const dir = workspace(accountsWorkspace({ limits: '    max_changes 1\n    on_exceed abort' }));
    const actual = join(dir, 'data/actual.jsonl');
    const before = snapshot(actual);
    await new Promise((done) => setTimeout(done, 20));
    const result = await runCli(['apply', 'accounts.recon', '--auto-approve'], { cwd: dir });
    expect(result.code).toBe(4);
    expect(result.stdout).toContain('max_changes 1');
    const after = snapshot(actual);
    expect(after.bytes.equals(before.bytes)).toBe(true);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(appliedPerItem(readAudit(dir)).size).toBe(0);
    const unknown = await runCli(['apply', 'accounts.recon', '--policy', 'acounts'], { cwd: dir });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown policy "acounts"');
  }, 30_000);

  it('never writes in mode audit (bytes and mtime unchanged), and reports drift (exit 2)', async () => {
    const dir = workspace(accountsWorkspace({ mode: 'audit' }));
    const actual = join(dir, 'data/actual.jsonl');
    const before = snapshot(actual);
    await new Promise((done) => setTimeout(done, 20));
    const result = await runCli(['apply', 'accounts.recon', '--auto-approve', '--format', 'json'], { cwd: dir });
    expect(result.code).toBe(2);
    const items = JSON.parse(result.stdout).policies[0].items as { outcome: string; action: string }[];
    expect(items.filter((item) => ['create', 'update', 'delete'].includes(item.action)).every((item) => item.outcome === 'blocked')).toBe(true);
    const after = snapshot(actual);
    expect(after.bytes.equals(before.bytes)).toBe(true);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    const audit = readAudit(dir);
    expect(appliedPerItem(audit).size).toBe(0);
    expect(audit.filter((r) => r.event === 'skipped').length).toBe(4);
  }, 30_000);

  it('does nothing on a second apply of the same plan (no write, no applied event)', async () => {
    const dir = workspace(accountsWorkspace());
    const actual = join(dir, 'data/actual.jsonl');
    await runCli(['plan', 'accounts.recon', '-o', 'plan.json'], { cwd: dir });
    await runCli(['approve', 'plan.json', '--by', 'alice@example.com', '-o', 'approvals.json'], { cwd: dir });
    expect((await runCli(['apply', 'plan.json', '--approvals', 'approvals.json'], { cwd: dir })).code).toBe(0);
    const before = snapshot(actual);
    const appliedBefore = appliedPerItem(readAudit(dir));
    await new Promise((done) => setTimeout(done, 20));
    const again = await runCli(['apply', 'plan.json', '--approvals', 'approvals.json', '--format', 'json'], { cwd: dir });
    expect(again.code).toBe(0);
    const items = JSON.parse(again.stdout).policies[0].items as { outcome: string; verified: string }[];
    expect(items.every((item) => item.outcome === 'done' && item.verified === 'converged')).toBe(true);
    const after = snapshot(actual);
    expect(after.bytes.equals(before.bytes)).toBe(true);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(appliedPerItem(readAudit(dir))).toEqual(appliedBefore);
    // And a fresh plan of the file finds nothing to do.
    const plan = await runCli(['plan', 'accounts.recon'], { cwd: dir });
    expect(plan.code).toBe(0);
  }, 30_000);

  it('lets one apply of a policy run at a time: the second exits 1 naming the holder', async () => {
    const dir = workspace(bulkWorkspace(40, { rate: '10/s' }));
    const first = startCli(['apply', 'accounts.recon'], { cwd: dir, env: { RECON_ACTOR: 'first-runner' } });
    await waitFor(() => readAudit(dir).some((r) => r.event === 'applied'), 20_000, 'the first apply to start applying');
    // A third one is ready to wait for the lock.
    const patient = startCli(['apply', 'accounts.recon', '--lock-timeout', '60s'], { cwd: dir, env: { RECON_ACTOR: 'patient-runner' } });
    const second = await runCli(['apply', 'accounts.recon'], { cwd: dir, env: { RECON_ACTOR: 'second-runner' } });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('first-runner');
    expect(second.stderr).toMatch(/lock/i);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    const done = await first.exited;
    expect(done.code).toBe(0);
    // The patient one got the lock after the first and found nothing left to do.
    const waited = await patient.exited;
    expect(waited.code).toBe(0);
    expect(waited.stdout).toContain('no drift');
    expect(ids(join(dir, 'data/actual.jsonl'))).toHaveLength(40);
    // Only the first run applied anything.
    const runs = new Set(readAudit(dir).filter((r) => r.event === 'applied').map((r) => r.run_id));
    expect(runs.size).toBe(1);
  }, 60_000);

  it('converges through a writer failing 30% of calls transiently, with the retries in the audit log and metrics', async () => {
    const dir = workspace(bulkWorkspace(100, { retry: '12 backoff 1ms..20ms', concurrency: 8 }));
    const result = await runCli(['apply', 'accounts.recon', '--format', 'json'], { cwd: dir, env: { RECON_FAULT_INJECTION: 'write:0.3,seed:42' } });
    expect(result.stderr).toContain('fault injection is on');
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.policies[0].counts).toEqual({ applied: 100 });
    const audit = readAudit(dir);
    const retried = audit.filter((r) => r.event === 'retried');
    // About 30% of 100 first attempts fail, and some retries fail again.
    expect(retried.length).toBeGreaterThan(15);
    expect(retried.length).toBe(json.policies[0].retries);
    expect(retried.every((r) => r.error?.includes('injected fault') && (r.attempt ?? 0) >= 1)).toBe(true);
    expect(audit.filter((r) => r.event === 'failed')).toHaveLength(0);
    const perItem = appliedPerItem(audit);
    expect(perItem.size).toBe(100);
    expect([...perItem.values()].every((count) => count === 1)).toBe(true);
    expect(readJsonl(join(dir, 'data/actual.jsonl'))).toHaveLength(100);
    const metrics = readFileSync(join(dir, '.recon/metrics.prom'), 'utf8');
    expect(metrics).toContain(`recon_retries_total{policy="accounts"} ${retried.length}`);
    expect(metrics).toContain('recon_actions_total{action="create",outcome="applied",policy="accounts"} 100');
    expect(metrics).toContain('recon_reconcile_total{outcome="converged",policy="accounts"} 1');
    expect(metrics).toMatch(/recon_time_to_converge_seconds\{policy="accounts"\} \d/);
    expect(metrics).toMatch(/recon_run_duration_seconds\{policy="accounts"\} \d/);
  }, 60_000);
});
