import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../../runtime/state/audit-log.js';
import { computePlanHash } from '../../../runtime/plan/plan-hash.js';
import { flappingSubject, flappingSubjects, markFlapping } from '../../../runtime/state/flapping.js';
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
