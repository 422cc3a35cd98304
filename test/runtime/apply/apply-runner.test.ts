/**
 * The apply runner in process (runtime/apply/apply-runner.ts), on real workspaces on disk and the
 * real writers: crash recovery from the apply journal, "done" and "stale" with the policy's full
 * comparison rules, verification that catches a write that did not converge, and tickets.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiskModuleHost } from '../../../language/module-host.js';
import { compileFile } from '../../../language/pipeline.js';
import type { IrDocument } from '../../../language/ir/ir-types.js';
import { ApplyJournal } from '../../../runtime/apply/apply-journal.js';
import { runApply, type ApplyRunOptions } from '../../../runtime/apply/apply-runner.js';
import { defaultApplyServices } from '../../../runtime/apply/default-services.js';
import { runPlan } from '../../../runtime/plan/plan-runner.js';
import { readAuditLog } from '../../../runtime/state/audit-log.js';
import { appliedPerItem, csvText, jsonlText, makeWorkspace, readJsonl, removeTempDir } from '../../helpers/cli-helpers.js';
import { accountsPolicy } from '../../cli/apply-fixtures.js';
import { servicesWrappingSessions } from './wrapped-writers.js';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) removeTempDir(dir);
});

function compile(dir: string): IrDocument {
  const compiled = compileFile(join(dir, 'accounts.recon'), new DiskModuleHost());
  if (!compiled.ir) throw new Error(compiled.diagnostics.map((d) => d.message).join('\n'));
  return compiled.ir;
}

function workspace(actual: Record<string, unknown>[], desiredRows: (string | number)[][], policy = accountsPolicy()): string {
  const dir = makeWorkspace({
    'accounts.recon': policy,
    'data/desired.csv': csvText(['id', 'name', 'amount'], desiredRows),
    'data/actual.jsonl': jsonlText(actual),
  });
  made.push(dir);
  return dir;
}

function runOptions(dir: string, extra: Partial<ApplyRunOptions> = {}): ApplyRunOptions {
  return { workspaceRoot: dir, stateDir: join(dir, '.recon'), services: defaultApplyServices(), actor: 'tester', env: {}, ...extra };
}

function audit(dir: string) {
  return readAuditLog(join(dir, '.recon', 'audit.jsonl')).records;
}

describe('crash recovery', () => {
  it('records as applied the journal intents whose commit happened before the crash, and applies the rest once', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => [`k${i}`, `N${i}`, i]);
    // The crashed run committed k0..k4 (they are in the file) but died before its audit lines.
    const dir = workspace(rows.slice(0, 5).map(([id, name, amount]) => ({ id, name, amount })), rows);
    const ir = compile(dir);
    const crashedPlan = 'sha256:' + 'c'.repeat(64);
    const journal = ApplyJournal.forPolicy(join(dir, '.recon'), 'accounts', crashedPlan, 'crashed-run');
    journal.intent(rows.map(([id]) => `accounts/missing/${id}`), true);
    journal.close(false);

    const result = await runApply({ kind: 'file', ir }, runOptions(dir));
    expect(result.status).toBe('converged');
    expect(result.policies[0]!.recovered).toBe(5);
    expect(result.policies[0]!.counts).toEqual({ applied: 5 });
    const records = audit(dir);
    const recovered = records.filter((r) => r.event === 'applied' && r.detail?.recovered === true);
    expect(recovered.map((r) => r.item).sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4'].map((id) => `accounts/missing/${id}`));
    expect(recovered.every((r) => r.plan_hash === crashedPlan && r.detail?.from_run === 'crashed-run')).toBe(true);
    expect([...appliedPerItem(records).values()]).toEqual(Array(10).fill(1));
    expect(readJsonl(join(dir, 'data/actual.jsonl'))).toHaveLength(10);
    // The journal is settled: a second run recovers nothing.
    const again = await runApply({ kind: 'file', ir }, runOptions(dir));
    expect(again.policies[0]!.recovered).toBe(0);
    expect(again.status).toBe('no_drift');
  });

  it('settles the journal against a long history before the crash as against the crashed run alone: what any run recorded applied for that plan hash and policy is not recorded again', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => [`k${i}`, `N${i}`, i]);
    // Two crashed runs' intents (the older one's for k5): k0..k5 were committed, k6..k9 were not.
    const dir = workspace(rows.slice(0, 6).map(([id, name, amount]) => ({ id, name, amount })), rows);
    const ir = compile(dir);
    const crashedPlan = 'sha256:' + 'c'.repeat(64);
    const olderPlan = 'sha256:' + 'd'.repeat(64);
    const item = (id: string) => `accounts/missing/${id}`;
    const line = (fields: Record<string, unknown>) =>
      JSON.stringify({ ts: '2026-01-01T00:00:00.000Z', run_id: 'old', command: 'apply', policy: 'accounts', plan_hash: crashedPlan, item: null, event: 'planned', attempt: null, actor: 'ci', error: null, ...fields }) + '\n';
    // More than one of the readers' 4 MB pieces of unrelated history, with the few records that
    // matter spread through it.
    const matters: [number, string][] = [
      [1e6, line({ item: item('k1'), event: 'applied', attempt: 1 })], // an earlier run of the same plan applied k1
      [4.2e6, line({ policy: 'billing', item: item('k2'), event: 'applied' })], // another policy: does not count for accounts
      [6e6, line({ plan_hash: olderPlan, item: item('k3'), event: 'applied' })], // another plan hash: does not count
      [9e6, line({ item: item('k4'), event: 'failed', attempt: 1 })], // failed is not applied
    ];
    let log = '';
    for (let run = 0; log.length < 10_000_000; run++) {
      for (let i = 0; i < 20; i++) {
        const other = { run_id: `run-${run}`, policy: ['billing', 'users'][run % 2], plan_hash: `sha256:${String(run).padStart(64, '0')}`, item: `billing/changed/c${(run + i) % 500}` };
        log += line({ ...other, event: 'planned' }) + line({ ...other, event: 'applied', attempt: 1 }) + line({ ...other, event: 'converged' });
      }
      if (matters.length > 0 && log.length > matters[0]![0]) log += matters.shift()![1];
    }
    expect(matters).toEqual([]);
    // The crashed run recorded k0 in the audit log but died before the journal's `recorded` line.
    log += line({ run_id: 'crashed-run', item: item('k0'), event: 'applied', attempt: 1 });
    log += '{"ts":"2026-11-26T12:00:00Z","run_id":"torn","event":"appl';
    mkdirSync(join(dir, '.recon'), { recursive: true });
    writeFileSync(join(dir, '.recon', 'audit.jsonl'), log);
    const older = ApplyJournal.forPolicy(join(dir, '.recon'), 'accounts', olderPlan, 'older-run');
    older.intent([item('k5')], true);
    older.close(false);
    const journal = ApplyJournal.forPolicy(join(dir, '.recon'), 'accounts', crashedPlan, 'crashed-run');
    journal.intent(rows.filter(([id]) => id !== 'k5').map(([id]) => item(String(id))), true);
    journal.close(false);

    const result = await runApply({ kind: 'file', ir }, runOptions(dir));
    expect(result.policies[0]!.recovered).toBe(4);
    expect(result.policies[0]!.counts).toEqual({ applied: 4 });
    expect(result.status).toBe('converged');
    const recovered = audit(dir).filter((r) => r.event === 'applied' && r.detail?.recovered === true);
    expect(recovered.map((r) => [r.item, r.plan_hash, r.detail?.from_run])).toEqual([
      [item('k5'), olderPlan, 'older-run'],
      [item('k2'), crashedPlan, 'crashed-run'],
      [item('k3'), crashedPlan, 'crashed-run'],
      [item('k4'), crashedPlan, 'crashed-run'],
    ]);
    expect(recovered.every((r) => r.run_id === result.runId && r.policy === 'accounts' && r.event === 'applied')).toBe(true);
    expect(readJsonl(join(dir, 'data/actual.jsonl'))).toHaveLength(10);
    expect((await runApply({ kind: 'file', ir }, runOptions(dir))).policies[0]!.recovered).toBe(0);
  });
});

describe('done, stale and verify with the policy rules', () => {
  const desired = [
    ['a1', 'Alpha', 10],
    ['a3', 'Gamma', 30.5],
  ];

  it('counts an item done when its actual record now compares equal under the rules (amount within 0.01)', async () => {
    const dir = workspace([{ id: 'a1', name: 'Alpha', amount: 10 }, { id: 'a3', name: 'Gamma', amount: 99 }], desired);
    const ir = compile(dir);
    const plan = await runPlan(ir, { workspaceRoot: dir, env: {} });
    // Someone fixes a3 by hand, to within the tolerance.
    const actual = join(dir, 'data/actual.jsonl');
    writeFileSync(actual, readFileSync(actual, 'utf8').replace('"amount":99', '"amount":30.504'));
    const before = readFileSync(actual);
    const result = await runApply({ kind: 'plan', plan }, runOptions(dir));
    expect(result.policies[0]!.items).toEqual([expect.objectContaining({ id: 'accounts/changed/a3', outcome: 'done', verified: 'converged' })]);
    expect(result.status).toBe('converged');
    expect(readFileSync(actual).equals(before)).toBe(true);
  });

  it('skips as stale an item whose actual record changed to something else, and says so in the audit log', async () => {
    const dir = workspace([{ id: 'a1', name: 'Alpha', amount: 10 }, { id: 'a3', name: 'Gamma', amount: 99 }], desired);
    const ir = compile(dir);
    const plan = await runPlan(ir, { workspaceRoot: dir, env: {} });
    const actual = join(dir, 'data/actual.jsonl');
    writeFileSync(actual, readFileSync(actual, 'utf8').replace('"amount":99', '"amount":31'));
    const result = await runApply({ kind: 'plan', plan }, runOptions(dir));
    expect(result.policies[0]!.items[0]).toMatchObject({ outcome: 'stale', error: 'the actual record changed since the plan was made' });
    expect(result.status).toBe('drift');
    expect(readJsonl(actual).find((r) => r.id === 'a3')!.amount).toBe(31);
    expect(audit(dir).filter((r) => r.event === 'stale')).toHaveLength(1);
  });

  it('reports not_converged when the re-read record does not compare equal after the write', async () => {
    const dir = workspace([{ id: 'a1', name: 'Alpha', amount: 10 }, { id: 'a3', name: 'Gamma', amount: 99 }], desired);
    const ir = compile(dir);
    // A writer that writes a value off by one: the kind of partial update verify must catch.
    const skewed = servicesWrappingSessions({
      perform(session, action, signal) {
        const effect = action.effect.kind === 'file' ? { ...action.effect, record: { ...(action.effect.record as object), amount: 31.5 } } : action.effect;
        return session.perform({ ...action, effect }, signal);
      },
    });
    const result = await runApply({ kind: 'file', ir }, runOptions(dir, { services: skewed }));
    expect(result.policies[0]!.items[0]).toMatchObject({ outcome: 'applied', verified: 'not_converged' });
    expect(result.status).toBe('drift');
    const events = audit(dir).filter((r) => r.event === 'not_converged');
    expect(events).toHaveLength(1);
    expect(events[0]!.detail?.drift).toBe('changed');
  });
});

describe('tickets', () => {
  it('opens one ticket per item, reopens rather than duplicates, and resolves it once the item converged', async () => {
    const policy = accountsPolicy().replace('on extra => delete', 'on extra => ticket "Unexpected account ${key.id}"');
    const dir = workspace([{ id: 'a1', name: 'Alpha', amount: 10 }, { id: 'x9', name: 'Extra', amount: 1 }], [['a1', 'Alpha', 10]], policy);
    const ir = compile(dir);
    const first = await runApply({ kind: 'file', ir }, runOptions(dir));
    expect(first.policies[0]!.items).toEqual([expect.objectContaining({ id: 'accounts/extra/x9', outcome: 'ticket' })]);
    // Tickets do not count as drift that remains.
    expect(first.status).toBe('converged');
    await runApply({ kind: 'file', ir }, runOptions(dir));
    const openTickets = () => defaultApplyServices().tickets(join(dir, '.recon')).list().filter((t) => t.status === 'open').map((t) => t.id);
    expect(openTickets()).toEqual(['accounts/extra/x9']);
    const lines = readFileSync(join(dir, '.recon/tickets.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(audit(dir).filter((r) => r.event === 'applied' && r.detail?.action === 'ticket')).toHaveLength(1);
    // A ticket that stays open is not counted again in metrics.prom (it was 2 after two runs).
    const metrics = readFileSync(join(dir, '.recon/metrics.prom'), 'utf8');
    expect(metrics).toContain('recon_actions_total{action="ticket",outcome="ticket",policy="accounts"} 1\n');
    expect(metrics).toContain('ticket: a ticket opened or reopened');
    expect(metrics).not.toContain('skipped');
    // The extra record is removed by hand: the next run resolves the ticket.
    writeFileSync(join(dir, 'data/actual.jsonl'), jsonlText([{ id: 'a1', name: 'Alpha', amount: 10 }]));
    const third = await runApply({ kind: 'file', ir }, runOptions(dir));
    expect(third.status).toBe('no_drift');
    expect(openTickets()).toEqual([]);
    expect(defaultApplyServices().tickets(join(dir, '.recon')).get('accounts/extra/x9')).toMatchObject({ status: 'resolved', times_opened: 1 });
  });
});

describe('flapping', () => {
  it('marks an item that another writer keeps changing back, and warns in the summary', async () => {
    const dir = workspace([{ id: 'a1', name: 'Alpha', amount: 10 }], [['a1', 'Alpha', 10], ['a3', 'Gamma', 30.5]]);
    const ir = compile(dir);
    const actual = join(dir, 'data/actual.jsonl');
    for (let run = 0; run < 3; run++) {
      const result = await runApply({ kind: 'file', ir }, runOptions(dir));
      expect(result.policies[0]!.counts).toEqual({ applied: 1 });
      // The other writer deletes a3 again.
      writeFileSync(actual, jsonlText([{ id: 'a1', name: 'Alpha', amount: 10 }]));
    }
    // Each correction of the same plan's item has its own idempotency key (a replay keeps its key).
    const keys = audit(dir).filter((r) => r.event === 'applied' && r.item === 'accounts/missing/a3').map((r) => String(r.detail?.idempotency_key));
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(3);
    expect(keys[1]).toMatch(/\/accounts\/missing\/a3#2$/);
    const fourth = await runApply({ kind: 'file', ir }, runOptions(dir));
    expect(fourth.plan.policies[0]!.items[0]).toMatchObject({ id: 'accounts/missing/a3', flapping: true });
    const { renderApplyText } = await import('../../../runtime/apply/apply-summary.js');
    const identity = (text: string) => text;
    const text = renderApplyText(fourth, { red: identity, green: identity, yellow: identity, dim: identity, bold: identity });
    expect(text).toContain('another writer keeps changing it back (flapping)');
    expect(text).toContain('accounts/missing/a3');
  });
});
