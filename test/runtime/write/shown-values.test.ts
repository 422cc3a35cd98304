/**
 * `itemRoots`: the roots a writer rebuilds from a plan item to fill in secrets behind `***` must
 * be the roots the plan's effect was built from — `key` named by the actual source written to,
 * also when the desired source names its key fields otherwise (keys pair by position).
 */
import { describe, expect, it } from 'vitest';
import type { IrSource } from '../../../language/ir/ir-types.js';
import type { PlanItem } from '../../../runtime/plan/change-plan.js';
import { itemRoots } from '../../../runtime/write/shown-values.js';

const SOURCE = { name: 'have', key: ['account', 'date'] } as unknown as IrSource;

function planItem(kind: PlanItem['kind'], key: Record<string, unknown>): PlanItem {
  return {
    id: `p/${kind}/a,1`,
    kind,
    key,
    side: null,
    fields: [{ path: 'total', desired: 5, actual: kind === 'changed' ? 9 : null }],
    action: 'update',
    gate: 'auto',
    approvers: null,
    reason: { rule: 1, at: 'p.recon:1:1', because: null },
    precondition: null,
    effect: null,
  };
}

describe('itemRoots', () => {
  it('names the key by the actual source for a changed item keyed by the desired source', () => {
    const roots = itemRoots(planItem('changed', { acct: 'a', day: 1 }), SOURCE);
    expect(roots.key).toEqual({ account: 'a', date: 1 });
    expect(roots.actual).toEqual({ account: 'a', date: 1, total: 9 });
    expect(roots.desired).toEqual({ acct: 'a', day: 1, total: 5 });
  });

  it('leaves a key already named by the actual source (an extra item), and works without a source', () => {
    const extra = planItem('extra', { account: 'a', date: 1 });
    expect(itemRoots(extra, SOURCE).key).toBe(extra.key);
    const changed = planItem('changed', { acct: 'a', day: 1 });
    expect(itemRoots(changed).key).toBe(changed.key);
  });
});
