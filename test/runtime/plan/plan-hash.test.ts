import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChangePlan, PlanItem } from '../../../runtime/plan/change-plan.js';
import { computePlanHash } from '../../../runtime/plan/plan-hash.js';
import { renderFixturePlan } from '../render/render-fixture.js';
import { referencePlanHash } from './reference-canonical.js';

/** Values a plan item may carry in its fields, key and effect (JSON and the odd ones connectors give). */
const VALUE = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(-0, 1e21, 1e-7, Number.NaN, Infinity, 2n ** 64n, new Date(0), new Date('2026-11-26T12:00:00.123Z'), new Date(Number.NaN)),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('é', '😀', '\ud800', '\u2028', 'a"b', 'c\\d', '\n'),
);

const FIELD = fc.oneof(
  { weight: 6, arbitrary: fc.record({ path: fc.string(), desired: VALUE, actual: VALUE }) },
  // not the documented form: reordered, extra or missing members, undefined values
  { weight: 1, arbitrary: fc.record({ actual: VALUE, path: fc.string(), desired: VALUE }) },
  { weight: 1, arbitrary: fc.record({ path: fc.string(), desired: VALUE, actual: VALUE, extra: VALUE }) },
  { weight: 1, arbitrary: fc.record({ path: fc.string(), desired: VALUE }) },
  { weight: 1, arbitrary: fc.record({ path: fc.string(), desired: fc.constant(undefined), actual: VALUE }) },
  { weight: 1, arbitrary: VALUE },
);

const REASON = fc.oneof(
  { weight: 4, arbitrary: fc.record({ rule: fc.option(fc.nat()), at: fc.option(fc.string()), because: fc.option(fc.string()) }) },
  { weight: 4, arbitrary: fc.record({ rule: fc.option(fc.nat()), at: fc.option(fc.string()), because: fc.option(fc.string()), message: fc.string() }) },
  { weight: 1, arbitrary: fc.record({ rule: fc.option(fc.nat()), at: fc.option(fc.string()), because: fc.option(fc.string()), message: fc.constant(undefined) }) },
  { weight: 1, arbitrary: fc.record({ at: fc.string(), rule: fc.nat(), because: fc.constant(null) }) },
  { weight: 1, arbitrary: VALUE },
);

/** Items in the plan builder's form, and variations of it that must take the generic path. */
const ITEM = fc
  .record({
    id: fc.string({ unit: 'binary' }),
    kind: fc.constantFrom('missing', 'extra', 'changed', 'invalid'),
    key: fc.oneof(fc.constant(null), fc.dictionary(fc.string(), VALUE, { maxKeys: 3 })),
    side: fc.constantFrom(null, 'desired', 'actual'),
    fields: fc.array(FIELD, { maxLength: 5 }),
    action: fc.constantFrom('create', 'update', 'delete', 'ticket', 'ignore', 'report'),
    gate: fc.constantFrom('auto', 'approval', 'blocked', 'none'),
    approvers: fc.option(fc.string()),
    reason: REASON,
    precondition: fc.option(fc.string()),
    effect: fc.oneof(fc.constant(null), fc.record({ kind: fc.constant('http'), method: fc.string(), url: fc.string(), body: VALUE })),
    flapping: fc.option(fc.boolean(), { nil: undefined }),
    warnings: fc.option(fc.array(fc.string(), { maxLength: 2 }), { nil: undefined }),
    variation: fc.nat(6),
    extraValue: VALUE,
  })
  .map(({ flapping, warnings, variation, extraValue, ...documented }) => {
    const item: Record<string, unknown> = { ...documented };
    if (flapping !== undefined) item.flapping = flapping;
    if (warnings !== undefined) item.warnings = warnings;
    switch (variation) {
      case 1:
        item.extra = extraValue; // a member the plan builder never writes
        break;
      case 2:
        delete item.gate; // a member missing
        break;
      case 3:
        item.approvers = undefined; // present but undefined
        break;
      case 4: {
        const { id, ...rest } = item; // another member order
        return { ...rest, id };
      }
      case 5:
        item.effect = () => 1; // not JSON at all
        break;
      default:
        break;
    }
    return item;
  });

const PLAN = fc.record({
  version: fc.constant(1),
  plan_hash: fc.string(),
  ir_hash: fc.string(),
  observed_at: fc.string(),
  drift: fc.boolean(),
  ir: fc.jsonValue({ maxDepth: 3 }),
  policies: fc.array(
    fc.oneof(
      { weight: 8, arbitrary: fc.record({ policy: fc.string(), mode: fc.constantFrom('audit', 'enforce'), summary: fc.dictionary(fc.string(), fc.nat()), limits: fc.record({ exceeded: fc.boolean(), reasons: fc.array(fc.string()) }), items: fc.array(ITEM, { maxLength: 6 }) }) },
      { weight: 1, arbitrary: fc.record({ policy: fc.string(), items: VALUE, warnings: fc.array(fc.string()) }) },
      { weight: 1, arbitrary: VALUE },
    ),
    { maxLength: 3 },
  ),
});

describe('computePlanHash', () => {
  it('is the hash of before (canonical JSON of the plan less observed_at and plan_hash) on a decided plan', () => {
    const plan = renderFixturePlan();
    expect(computePlanHash(plan)).toBe(referencePlanHash(plan));
    expect(plan.plan_hash).toBe(referencePlanHash(plan));
    // flapping and warnings members, as markFlapping and the decider add them
    const items = plan.policies[0]!.items as PlanItem[];
    items[0] = { ...items[0]!, flapping: true, warnings: ['w1', 'w2'] };
    items[1] = { ...items[1]!, warnings: ['w'] };
    items[2] = { ...items[2]!, flapping: true };
    expect(computePlanHash(plan)).toBe(referencePlanHash(plan));
  });

  it('is the hash of before for any plan shape: documented items, odd items, odd policies, odd values', () => {
    fc.assert(
      fc.property(PLAN, (plan) => {
        expect(computePlanHash(plan as unknown as ChangePlan)).toBe(referencePlanHash(plan));
      }),
      { numRuns: 400 },
    );
  });

  it('ignores observed_at and plan_hash, and hashes any other top-level member', () => {
    const plan = renderFixturePlan();
    const base = computePlanHash(plan);
    expect(computePlanHash({ ...plan, observed_at: 'another time', plan_hash: 'x' })).toBe(base);
    const extended = { ...plan, note: 'added' } as unknown as ChangePlan;
    expect(computePlanHash(extended)).not.toBe(base);
    expect(computePlanHash(extended)).toBe(referencePlanHash(extended));
  });

  it('changes when anything an item shows changes, also deep inside its fields', () => {
    const plan = renderFixturePlan();
    const base = computePlanHash(plan);
    const item = plan.policies[0]!.items[0]!;
    // a field is replaced, not changed in place: the decider shares frozen fields between items
    const field = item.fields[0]!;
    item.fields[0] = { ...field, desired: { nested: [field.desired, 'x'] } };
    expect(computePlanHash(plan)).not.toBe(base);
    expect(computePlanHash(plan)).toBe(referencePlanHash(plan));
    item.fields[0] = field;
    expect(computePlanHash(plan)).toBe(base);
  });

  it('is the hash of before for long lists of items that repeat members, field names and reasons (and some that differ)', () => {
    // few values, so that consecutive items share kinds, actions, messages and the field name at
    // each position, with names and values that need escaping among them; long enough lists that
    // the item writer is warmed up on a sample first
    const text = fc.constantFrom('missing', 'a"b', 'é', 'c\\d', '\n', '😀', '\ud800', 'x'.repeat(40));
    const value = fc.oneof(text, fc.constantFrom(null, 0, -0, 1.5, Number.NaN, true, false), fc.constant(new Date(0)), fc.constant({ z: 1, a: [2] }));
    const field = fc.record({ path: fc.constantFrom('id', 'amount', 'a"b', 'é', 'c\\d'), desired: value, actual: value });
    const item = fc.record({
      id: text,
      kind: fc.constantFrom('missing', 'extra', 'changed'),
      key: fc.constantFrom(null, { id: 'k' }),
      side: fc.constantFrom(null, 'desired'),
      fields: fc.array(field, { maxLength: 4 }),
      action: fc.constantFrom('report', 'ignore', 'up"date'),
      gate: fc.constantFrom('none', 'auto'),
      approvers: fc.constantFrom(null, 'ops', 'ö'),
      reason: fc.record({ rule: fc.constantFrom(null, 1), at: fc.constantFrom(null, 'x.recon:1:1'), because: fc.constantFrom(null, 'b'), message: text }),
      precondition: fc.constantFrom(null, 'sha256:00'),
      effect: fc.constant(null),
    });
    fc.assert(
      fc.property(fc.array(item, { minLength: 150, maxLength: 400 }), fc.array(item, { maxLength: 5 }), (items, few) => {
        const plan = renderFixturePlan();
        plan.policies[0]!.items = items as unknown as PlanItem[];
        plan.policies.push({ ...plan.policies[0]!, policy: 'second', items: few as unknown as PlanItem[] });
        expect(computePlanHash(plan)).toBe(referencePlanHash(plan));
      }),
      { numRuns: 40 },
    );
  });

  it('is the hash of before when the texts reused from item to item (head, gate, kind, key, reason) change or cannot be reused', () => {
    // few values each, so consecutive items share some members and differ in others; values that
    // need escaping, that are not strings, or whose text `===` does not decide (NaN, -0, bigint)
    const item = fc.record({
      id: fc.constantFrom('a', 'b"c', 'é', '\ud800', 3),
      kind: fc.constantFrom('missing', 'changed', 'k"d', null),
      key: fc.constantFrom(null, { id: 'k' }, { id: 'a"b' }, { 'n"m': 'v' }, { id: 1 }, { id: undefined }, { b: 1, a: 2 }, { id: new Date(0) }, { id: 2n }, ['x']),
      side: fc.constantFrom(null, 'desired', -0),
      fields: fc.array(fc.record({ path: fc.constantFrom('id', 'a"b', 'x'), desired: fc.constantFrom('v', 'w"', null, 1.5), actual: fc.constantFrom('v', null, 'é') }), { maxLength: 3 }),
      action: fc.constantFrom('report', 'up"date', null, 5),
      gate: fc.constantFrom('none', 'auto', 'a"b'),
      approvers: fc.constantFrom(null, 'ops', 1),
      reason: fc.oneof(
        fc.record({ rule: fc.constantFrom(null, 1, 0, -0, Number.NaN, 2n), at: fc.constantFrom(null, 'x:1:1'), because: fc.constantFrom(null, 'b"c'), message: fc.constantFrom('m', 'n') }),
        fc.record({ rule: fc.constantFrom(null, 1), at: fc.constantFrom(null, 'x:1:1'), because: fc.constantFrom(null, 'b') }),
      ),
      precondition: fc.constantFrom(null, 'sha256:00', 'p"q', 7),
      effect: fc.constantFrom(null, null, { kind: 'ticket', title: 't' }, { title: 't', kind: 'ticket' }),
    });
    fc.assert(
      fc.property(fc.array(item, { minLength: 20, maxLength: 120 }), (items) => {
        const plan = renderFixturePlan();
        plan.policies[0]!.items = items as unknown as PlanItem[];
        expect(computePlanHash(plan)).toBe(referencePlanHash(plan));
      }),
      { numRuns: 150 },
    );
  });

  it('streams a large plan (many items) to the same hash', () => {
    const plan = renderFixturePlan();
    const items = plan.policies[0]!.items;
    plan.policies[0]!.items = Array.from({ length: 3000 }, (_, i) => ({ ...items[i % items.length]!, id: `p/changed/k${i}` }));
    expect(computePlanHash(plan)).toBe(referencePlanHash(plan));
  });
});
