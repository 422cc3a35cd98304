import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditLog, readAuditLog, type AuditRecord } from '../../../runtime/state/audit-log.js';
import { computePlanHash } from '../../../runtime/plan/plan-hash.js';
import { flappingSubject, flappingSubjects, markFlapping, readFlappingHistory } from '../../../runtime/state/flapping.js';
import { markPlanFlapping, recordPlannedEvents } from '../../../runtime/state/plan-recording.js';
import { renderText } from '../../../runtime/render/text-renderer.js';
import { renderFixturePlan } from '../render/render-fixture.js';

function record(run: string, policy: string, item: string | null, event: AuditRecord['event']): AuditRecord {
  return { ts: '2026-11-26T12:00:00Z', run_id: run, command: 'apply', policy, plan_hash: null, item, event, attempt: 1, actor: null, error: null };
}

/** `runs` runs of `policy`; in the runs listed in `appliedIn` (0-based), `item` was applied. */
function history(policy: string, runs: number, item: string, appliedIn: number[], prefix = 'r'): AuditRecord[] {
  const records: AuditRecord[] = [];
  for (let run = 0; run < runs; run++) {
    const id = `${prefix}${String(run).padStart(2, '0')}`;
    records.push(record(id, policy, item, 'planned'));
    if (appliedIn.includes(run)) records.push(record(id, policy, item, 'applied'), record(id, policy, item, 'converged'));
  }
  return records;
}

describe('flapping', () => {
  it('an item is one subject whatever its kind; invalid items are none', () => {
    expect(flappingSubject('parity/missing/t1')).toBe('parity/t1');
    expect(flappingSubject('parity/changed/t1')).toBe('parity/t1');
    expect(flappingSubject('parity/extra/a%2Fb,c')).toBe('parity/a%2Fb,c');
    expect(flappingSubject('parity/invalid/actual/3')).toBeNull();
    expect(flappingSubject('nonsense')).toBeNull();
  });

  it('three corrections within the last ten runs flap; two do not; older ones fall out of the window', () => {
    expect(flappingSubjects('p', history('p', 10, 'p/changed/t1', [1, 5, 9]))).toEqual(new Set(['p/t1']));
    expect(flappingSubjects('p', history('p', 10, 'p/changed/t1', [5, 9]))).toEqual(new Set());
    // Runs 0 and 1 are outside the last ten of twelve runs.
    expect(flappingSubjects('p', history('p', 12, 'p/changed/t1', [0, 1, 11]))).toEqual(new Set());
    expect(flappingSubjects('p', history('p', 12, 'p/changed/t1', [2, 3, 11]))).toEqual(new Set(['p/t1']));
  });

  it('counts a run once per item, counts create and update of one key together, and keeps policies apart', () => {
    const repeated = [
      record('a', 'p', 'p/changed/t1', 'applied'),
      record('a', 'p', 'p/changed/t1', 'applied'),
      record('a', 'p', 'p/changed/t1', 'applied'),
    ];
    expect(flappingSubjects('p', repeated)).toEqual(new Set());
    const mixed = [
      record('a', 'p', 'p/missing/t1', 'applied'),
      record('b', 'p', 'p/changed/t1', 'applied'),
      record('c', 'p', 'p/missing/t1', 'applied'),
    ];
    expect(flappingSubjects('p', mixed)).toEqual(new Set(['p/t1']));
    // Another policy's runs do not push p's runs out of p's window, and its corrections are its own.
    const others = history('q', 20, 'q/changed/t1', [], 'q');
    expect(flappingSubjects('p', [...mixed, ...others])).toEqual(new Set(['p/t1']));
    expect(flappingSubjects('q', [...mixed, ...others])).toEqual(new Set());
    // Failed attempts are not corrections.
    expect(flappingSubjects('p', mixed.map((r) => ({ ...r, event: 'failed' as const })))).toEqual(new Set());
  });

  it('markFlapping marks the items, keeps their key order, updates the plan hash and the text output warns', () => {
    const plan = renderFixturePlan();
    const policy = plan.policies[0];
    const target = policy.items.find((item) => item.kind === 'missing' && item.action === 'create')!;
    const [, , key] = target.id.split('/');
    const records = [
      ...history(policy.policy, 4, `${policy.policy}/missing/${key}`, [0, 2]),
      record('r03', policy.policy, `${policy.policy}/changed/${key}`, 'applied'),
    ];
    const before = plan.plan_hash;
    const ids = markFlapping(plan, records);
    expect(ids).toEqual([target.id]);
    const marked = plan.policies[0].items.find((item) => item.id === target.id)!;
    expect(marked.flapping).toBe(true);
    const keys = Object.keys(marked);
    expect(keys.indexOf('flapping')).toBe(keys.indexOf('effect') + 1);
    expect(plan.policies[0].items.filter((item) => item.flapping)).toHaveLength(1);
    expect(plan.plan_hash).not.toBe(before);
    expect(plan.plan_hash).toBe(computePlanHash(plan));

    const text = renderText(plan);
    expect(text).toContain(`  warning: 1 item flapping (${key}): corrected 3+ times in the last ten runs — two writers are fighting over it`);
    expect(text).toContain('flapping: corrected 3+ times in the last ten runs — two writers are fighting over it');

    // Without the history, nothing flaps and the hash is back to the original.
    expect(markFlapping(plan, [])).toEqual([]);
    expect(plan.policies[0].items.some((item) => 'flapping' in item)).toBe(false);
    expect(plan.plan_hash).toBe(before);
  });
});

/**
 * A state dir whose audit log holds `runs` runs of the fixture plan's policies, written the way
 * `recon plan` / `recon apply` write them: the plan's `planned` records in batches, then the
 * `applied` records of the runs in `appliedIn` for `item` (another policy's runs interleaved).
 */
function stateWithHistory(runs: number, item: string, appliedIn: number[]): { dir: string; plan: ReturnType<typeof renderFixturePlan> } {
  const dir = mkdtempSync(join(tmpdir(), 'recon-flapping-'));
  const plan = renderFixturePlan();
  const policy = plan.policies[0]!.policy;
  for (let run = 0; run < runs; run++) {
    const runId = `run-${String(run).padStart(3, '0')}`;
    recordPlannedEvents(dir, plan, { command: 'apply', runId, actor: run % 2 === 0 ? null : 'ci' });
    const log = AuditLog.inStateDir(dir, false);
    if (appliedIn.includes(run)) {
      log.append({ ...record(runId, policy, item, 'applied'), ts: `2026-11-26T12:00:${String(run % 60).padStart(2, '0')}Z` });
      log.append({ ...record(runId, policy, item, 'converged'), ts: `2026-11-26T12:01:${String(run % 60).padStart(2, '0')}Z` });
    }
    // a plan of another policy only, between the runs
    log.append(record(`other-${run}`, 'other_policy', 'other_policy/changed/x', 'planned'));
    log.close();
  }
  return { dir, plan };
}

describe('reading only the tail of the audit log', () => {
  it('finds the same flapping items as reading the whole log', () => {
    const target = renderFixturePlan().policies[0]!.items.find((i) => i.kind === 'changed')!;
    for (const appliedIn of [[1, 5, 9], [20, 25, 29], [18, 22, 29], [2, 3, 29], []]) {
      const { dir, plan } = stateWithHistory(30, target.id, appliedIn);
      try {
        const path = AuditLog.inStateDir(dir).path;
        const policies = plan.policies.map((p) => p.policy);
        const full = readAuditLog(path).records;
        for (const chunkBytes of [512, 4096, undefined]) {
          const tail = readFlappingHistory(path, policies, chunkBytes);
          for (const policy of policies) expect(flappingSubjects(policy, tail), `${appliedIn} ${chunkBytes}`).toEqual(flappingSubjects(policy, full));
        }
        expect(markPlanFlapping(dir, plan)).toEqual(flappingSubjects(plan.policies[0]!.policy, full).size > 0 ? [target.id] : []);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it("stops once each policy's last ten runs are covered: older history is never read", () => {
    const target = renderFixturePlan().policies[0]!.items.find((i) => i.kind === 'changed')!;
    const { dir, plan } = stateWithHistory(60, target.id, [52, 55, 58]);
    try {
      const path = AuditLog.inStateDir(dir).path;
      const policies = plan.policies.map((p) => p.policy);
      const tail = readFlappingHistory(path, policies, 2048);
      const runs = new Set(tail.map((r) => r.run_id));
      // the last ten runs (and the one before, which tells where they begin) — not the forty before
      for (let run = 50; run < 60; run++) expect(runs.has(`run-${String(run).padStart(3, '0')}`)).toBe(true);
      for (let run = 0; run < 45; run++) expect(runs.has(`run-${String(run).padStart(3, '0')}`)).toBe(false);
      // and of the lines it read, it kept only the ones that matter: not one per planned item
      const plannedPerRun = plan.policies.reduce((n, p) => n + p.items.length, 0);
      expect(tail.length).toBeLessThan(runs.size * plannedPerRun);
      expect(flappingSubjects(policies[0]!, tail)).toEqual(flappingSubjects(policies[0]!, readAuditLog(path).records));
      expect(flappingSubjects(policies[0]!, tail).size).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('tolerates a torn last line and lines that are not JSON', () => {
    const target = renderFixturePlan().policies[0]!.items.find((i) => i.kind === 'changed')!;
    const { dir, plan } = stateWithHistory(5, target.id, [1, 2, 4]);
    try {
      const path = AuditLog.inStateDir(dir).path;
      const text = readFileSync(path, 'utf8').split('\n');
      text.splice(3, 0, 'not json at all', '{"ts":"2026-11-26T12:00:00Z","run_id":"run-000","item":');
      writeFileSync(path, text.join('\n') + '{"ts":"2026-11-26T12:00:0');
      expect(markPlanFlapping(dir, plan)).toEqual([target.id]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads an applied record that repeats the previous line up to its item (same time, run and plan)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'recon-flapping-'));
    try {
      const plan = renderFixturePlan();
      const policy = plan.policies[0]!.policy;
      const [first, second] = plan.policies[0]!.items.filter((i) => i.kind !== 'invalid');
      const log = AuditLog.inStateDir(dir, false);
      for (const run of ['a', 'b', 'c']) {
        const same = { ...record(run, policy, null, 'applied'), ts: '2026-11-26T12:00:00.000Z', plan_hash: 'sha256:1' };
        log.appendMany([
          { ...same, item: first!.id },
          { ...same, item: second!.id },
        ]);
      }
      log.close();
      expect(markPlanFlapping(dir, plan)).toEqual([first!.id, second!.id]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an empty or missing log flaps nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'recon-flapping-'));
    try {
      const plan = renderFixturePlan();
      const before = plan.plan_hash;
      expect(markPlanFlapping(dir, plan)).toEqual([]);
      writeFileSync(AuditLog.inStateDir(dir).path, '');
      expect(markPlanFlapping(dir, plan)).toEqual([]);
      expect(plan.plan_hash).toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs that found no drift count among the last ten: three corrections spread over many clean runs do not flap', () => {
    const dir = mkdtempSync(join(tmpdir(), 'recon-flapping-'));
    try {
      const plan = renderFixturePlan();
      const policy = plan.policies[0]!.policy;
      const item = plan.policies[0]!.items.find((i) => i.kind === 'changed')!.id;
      const clean = { ...plan, policies: [{ ...plan.policies[0]!, items: [] }] };
      const log = AuditLog.inStateDir(dir, false);
      let run = 0;
      for (let correction = 0; correction < 3; correction++) {
        log.append(record(`fix${correction}`, policy, item, 'applied'));
        log.close();
        // the other writer sets it back only every so often; the runs between find nothing
        for (let i = 0; i < 6; i++) recordPlannedEvents(dir, clean, { command: 'watch', runId: `clean${run++}` });
      }
      log.close();
      const cleanLine = readAuditLog(AuditLog.inStateDir(dir).path).records.find((r) => r.run_id === 'clean0')!;
      expect(cleanLine).toMatchObject({ event: 'planned', item: null, policy, detail: { items: 0 } });
      // three corrections, but only one within the policy's last ten runs
      expect(markPlanFlapping(dir, plan)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
