import { describe, expect, it } from 'vitest';
import { decidePolicy } from '../../../runtime/decide/decider.js';
import type { PolicyPlan } from '../../../runtime/plan/change-plan.js';
import { canonicalJson } from '../../../runtime/plan/canonical-json.js';
import { buildChangePlan, hasDrift } from '../../../runtime/plan/plan-builder.js';
import { computeIrHash, computePlanHash } from '../../../runtime/plan/plan-hash.js';
import { changed, diffOf, extra, invalid, ir, missing, policy, rule } from '../decide/ir-fixture.js';

const rules = [
  rule({ on: 'missing', action: 'create' }),
  rule({ on: 'extra', action: 'ignore' }),
  rule({ on: 'changed', action: 'update' }),
];

function build(observedAt: string, order: 'forward' | 'reverse' = 'forward') {
  const p = policy(rules);
  const q = policy(rules, { name: 'another' });
  const items = [
    invalid('actual', 2, { id: 'x' }, 'duplicate key'),
    changed({ txn_id: 'c10', amount: 1 }, { txn_id: 'c10', amount: 2 }, ['amount']),
    changed({ txn_id: 'c9', amount: 1 }, { txn_id: 'c9', amount: 2 }, ['amount']),
    extra({ txn_id: 'e1', amount: 1, currency: 'EUR', status: 's' }),
    missing({ txn_id: 'b', amount: 1 }),
    missing({ txn_id: 'a', amount: 1 }),
  ];
  const doc = ir([p, q]);
  const plans: PolicyPlan[] = [
    decidePolicy(p, diffOf(order === 'forward' ? items : [...items].reverse()), { observedAt, ir: doc }),
    decidePolicy(q, diffOf([missing({ txn_id: 'z', amount: 1 })]), { observedAt, ir: doc }),
  ];
  return buildChangePlan(doc, order === 'forward' ? plans : [...plans].reverse(), observedAt);
}

describe('buildChangePlan', () => {
  it('sorts policies by declaration, items by kind (missing, extra, changed, invalid) then id', () => {
    const plan = build('2026-11-26T12:00:00Z');
    expect(plan.policies.map((p) => p.policy)).toEqual(['settlement_parity', 'another']);
    expect(plan.policies[0].items.map((i) => i.id)).toEqual([
      'settlement_parity/missing/a',
      'settlement_parity/missing/b',
      'settlement_parity/extra/e1',
      'settlement_parity/changed/c10',
      'settlement_parity/changed/c9',
      'settlement_parity/invalid/actual/2',
    ]);
  });

  it('writes the documented top-level keys in order', () => {
    const plan = build('2026-11-26T12:00:00Z');
    expect(Object.keys(plan)).toEqual(['version', 'plan_hash', 'ir_hash', 'observed_at', 'drift', 'ir', 'policies']);
    expect(plan.version).toBe(1);
    expect(plan.ir_hash).toBe(computeIrHash(plan.ir));
    expect(plan.plan_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('is byte-identical for the same input, whatever order the parts arrive in', () => {
    const a = JSON.stringify(build('2026-11-26T12:00:00Z'));
    const b = JSON.stringify(build('2026-11-26T12:00:00Z'));
    const c = JSON.stringify(build('2026-11-26T12:00:00Z', 'reverse'));
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it('plan_hash ignores observed_at but not the decisions', () => {
    const a = build('2026-11-26T12:00:00Z');
    const b = build('2027-01-01T00:00:00Z');
    expect(b.observed_at).not.toBe(a.observed_at);
    expect(b.plan_hash).toBe(a.plan_hash);
    const changedPlan = structuredClone(a);
    changedPlan.policies[0].items[0].gate = 'approval';
    expect(computePlanHash(changedPlan)).not.toBe(a.plan_hash);
    expect(computePlanHash(a)).toBe(a.plan_hash);
  });

  it('the hash survives a round trip through JSON', () => {
    const a = build('2026-11-26T12:00:00Z');
    const reread = JSON.parse(JSON.stringify(a));
    expect(computePlanHash(reread)).toBe(a.plan_hash);
  });

  it('drift: any item whose action is not ignore', () => {
    const plan = build('2026-11-26T12:00:00Z');
    expect(plan.drift).toBe(true);
    const quiet = policy([rule({ on: 'extra', action: 'ignore' })]);
    const doc = ir([quiet]);
    const only = buildChangePlan(doc, [decidePolicy(quiet, diffOf([extra({ txn_id: 'e', amount: 1, currency: 'EUR', status: 's' })]), { observedAt: 'x', ir: doc })], 'x');
    expect(only.drift).toBe(false);
    expect(hasDrift(only.policies)).toBe(false);
    expect(buildChangePlan(doc, [], 'x').drift).toBe(false);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and maps non-JSON values one fixed way', () => {
    expect(canonicalJson({ b: [{ d: 1, c: 2 }], a: undefined, e: new Date('2026-01-01T00:00:00Z'), f: NaN, g: 10n })).toBe(
      '{"b":[{"c":2,"d":1}],"e":"2026-01-01T00:00:00.000Z","f":null,"g":"10"}',
    );
  });
});

describe('buildChangePlan: items in their documented form', () => {
  it('keeps decided items as they are, and rewrites other forms in the documented order', () => {
    const p = policy(rules);
    const doc = ir([p]);
    const decided = decidePolicy(p, diffOf([missing({ txn_id: 'a', amount: 1 }), missing({ txn_id: 'b', amount: 2 })]), { observedAt: 'x', ir: doc });
    const [first, second] = decided.items;
    // an item as a hand-made or older producer might make it: other member order, flapping false, empty warnings, undefined message
    const odd = {
      effect: second!.effect,
      id: second!.id,
      kind: second!.kind,
      key: second!.key,
      side: second!.side,
      fields: second!.fields,
      action: second!.action,
      gate: second!.gate,
      approvers: second!.approvers,
      reason: { because: null, rule: second!.reason.rule, at: second!.reason.at, message: undefined },
      precondition: second!.precondition,
      flapping: false,
      warnings: [],
    } as unknown as (typeof decided.items)[number];
    decided.items = [first!, odd];
    const plan = buildChangePlan(doc, [decided], 'x');
    expect(plan.policies[0]!.items[0]).toBe(first);
    const rewritten = plan.policies[0]!.items[1]!;
    expect(rewritten).not.toBe(odd);
    expect(Object.keys(rewritten)).toEqual(['id', 'kind', 'key', 'side', 'fields', 'action', 'gate', 'approvers', 'reason', 'precondition', 'effect']);
    expect(Object.keys(rewritten.reason)).toEqual(['rule', 'at', 'because']);
    expect(plan.plan_hash).toBe(computePlanHash(plan));
  });
});
