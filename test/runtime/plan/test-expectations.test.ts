import { describe, expect, it } from 'vitest';
import type { IrTest } from '../../../language/ir/ir-types.js';
import { decidePolicy } from '../../../runtime/decide/decider.js';
import { checkExpectations, formatTestKey } from '../../../runtime/plan/test-expectations.js';
import { changed, diffOf, extra, invalid, ir, missing, policy, rule } from '../decide/ir-fixture.js';

const p = policy([
  rule({ on: 'missing', when: { '>': [{ var: 'desired.amount' }, 10000] }, action: 'create', approval: { required: true, group: 'payments_leads' } }),
  rule({ on: 'missing', action: 'create' }),
  rule({ on: 'extra', action: 'ignore' }),
  rule({ on: 'changed', action: 'update' }),
]);

function planOf(items: Parameters<typeof diffOf>[0]) {
  return decidePolicy(p, diffOf(items), { observedAt: '2026-11-26T12:00:00Z', ir: ir([p]), applyLimits: false });
}

function test(expectation: IrTest['expect']): IrTest {
  return { name: 't', policy: p.name, desired: [], actual: [], expect: expectation, at: 'payments.recon:90:1' };
}

const at = 'payments.recon:92:5';

describe('checkExpectations', () => {
  it('no_drift passes with only ignored items and fails listing the drift', () => {
    expect(checkExpectations(test({ no_drift: true }), planOf([extra({ txn_id: 'e', amount: 1, currency: 'EUR', status: 's' })]))).toEqual([]);
    const failures = checkExpectations(test({ no_drift: true }), planOf([missing({ txn_id: 't1', amount: 5 })]));
    expect(failures).toEqual(['expected no drift, found 1 item: missing "t1" → create (payments.recon:90:1)']);
  });

  it('counts kinds exactly, and `ignored` counts ignore actions', () => {
    const plan = planOf([
      missing({ txn_id: 'a', amount: 1 }),
      extra({ txn_id: 'b', amount: 1, currency: 'EUR', status: 's' }),
      invalid('desired', 4, { amount: 1 }, 'key field txn_id is absent'),
    ]);
    const ok = test({ no_drift: false, counts: [{ kind: 'missing', count: 1, at }, { kind: 'ignored', count: 1, at }, { kind: 'invalid', count: 1, at }], actions: [] });
    expect(checkExpectations(ok, plan)).toEqual([]);
    const bad = test({ no_drift: false, counts: [{ kind: 'changed', count: 2, at }, { kind: 'missing', count: 0, at }], actions: [] });
    expect(checkExpectations(bad, plan)).toEqual([
      `expected changed 2, got 0 (${at})`,
      `expected missing 0, got 1: missing "a" → create (${at})`,
    ]);
  });

  it('action on KEY: right action and no approval gate', () => {
    const plan = planOf([missing({ txn_id: 't2', amount: 20000 }), missing({ txn_id: 't3', amount: 1 })]);
    const pass = test({
      no_drift: false,
      counts: [],
      actions: [
        { action: 'create', key: 't2', requires_approval: true, at },
        { action: 'create', key: 't3', requires_approval: false, at },
      ],
    });
    expect(checkExpectations(pass, plan)).toEqual([]);
    const fail = test({
      no_drift: false,
      counts: [],
      actions: [
        { action: 'create', key: 't2', requires_approval: false, at },
        { action: 'create', key: 't3', requires_approval: true, at },
        { action: 'delete', key: 't3', requires_approval: false, at },
        { action: 'create', key: 'nope', requires_approval: false, at },
      ],
    });
    expect(checkExpectations(fail, plan)).toEqual([
      `expected action create on "t2", but it requires approval from payments_leads (rule 1 at payments.recon:30:5); write "requires approval" to expect that (${at})`,
      `expected action create on "t3" requires approval, but it is not gated by approval (gate auto; rule 2 at payments.recon:31:5) (${at})`,
      `expected action delete on "t3", got create (rule 2 at payments.recon:31:5) (${at})`,
      `expected action create on "nope", but no item has that key (items: "t2", "t3") (${at})`,
    ]);
  });

  it('matches composite keys written as lists and numbers as numbers', () => {
    const composite = { ...changed({ txn_id: 'x', amount: 1 }, { txn_id: 'x', amount: 2 }, ['amount']), key: { account: 'acme', day: '2026-11-01' }, keyValues: ['acme', '2026-11-01'] };
    const numeric = { ...missing({ txn_id: 42, amount: 1 }) };
    const plan = planOf([composite, numeric]);
    const t = test({
      no_drift: false,
      counts: [],
      actions: [
        { action: 'update', key: ['acme', '2026-11-01'], requires_approval: false, at },
        { action: 'create', key: 42, requires_approval: false, at },
      ],
    });
    expect(checkExpectations(t, plan)).toEqual([]);
    expect(formatTestKey(['acme', 1])).toBe('["acme", 1]');
  });
});
