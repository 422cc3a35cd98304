/**
 * A realistic plan for the renderer tests: two policies, every kind, every gate, a secret header
 * (its value must never appear), and hostile text (HTML, markdown and workflow-command syntax) in
 * keys, values and reasons.
 */
import { decidePolicy } from '../../../runtime/decide/decider.js';
import type { ChangePlan } from '../../../runtime/plan/change-plan.js';
import { buildChangePlan } from '../../../runtime/plan/plan-builder.js';
import { changed, diffOf, extra, invalid, ir, missing, NO_LIMITS, policy, rule } from '../decide/ir-fixture.js';

export const SECRET = 'tok-SECRET-98765';
export const HOSTILE_KEY = '<script>alert("x")</script>|`code`';
export const HOSTILE_MEMO = '<img src=x onerror=alert(1)> | **bold** ::error::%0A\nnext line';

export function renderFixturePlan(): ChangePlan {
  const parity = policy(
    [
      rule({ on: 'missing', when: { '>': [{ var: 'desired.amount' }, 10000] }, action: 'create', approval: { required: true, group: 'payments_leads' } }),
      rule({ on: 'missing', action: 'create' }),
      rule({ on: 'extra', when: { '===': [{ var: 'actual.status' }, 'manual'] }, action: 'ignore', because: 'manual entries are tolerated' }),
      rule({ on: 'extra', action: 'ticket', title: { concat: ['Unexpected settlement ', { var: 'key.txn_id' }] } }),
      rule({ on: 'changed', action: 'update' }),
    ],
    { severity: 'medium' },
  );
  const guarded = policy([rule({ on: 'any', action: 'delete' })], {
    name: 'cleanup_guard',
    mode: 'audit',
    limits: { ...NO_LIMITS, max_deletes: 0 },
    at: 'payments.recon:60:1',
  });
  const doc = ir([parity, guarded]);
  const observedAt = '2026-11-26T12:00:00Z';
  const env = { GATEWAY_TOKEN: SECRET };
  const parityPlan = decidePolicy(
    parity,
    diffOf(
      [
        missing({ txn_id: 't-big', amount: 20000, currency: 'EUR', status: 'settled' }),
        missing({ txn_id: 't-small', amount: 12.5, currency: 'EUR', status: 'settled' }),
        extra({ txn_id: 'm1', amount: 1, currency: 'EUR', status: 'manual' }),
        extra({ txn_id: 'x/1,2', amount: 2, currency: 'EUR', status: 'pending' }),
        changed(
          { txn_id: HOSTILE_KEY, amount: 3, currency: 'EUR', status: HOSTILE_MEMO },
          { txn_id: HOSTILE_KEY, amount: 2, currency: 'EUR', status: 'ok' },
          ['amount', 'status'],
        ),
        invalid('actual', 7, { id: null, amount_cents: 'abc' }, 'key field txn_id is empty'),
      ],
      1000,
    ),
    { observedAt, ir: doc, env },
  );
  const guardedPlan = decidePolicy(
    guarded,
    diffOf([extra({ txn_id: 'old-1', amount: 5, currency: 'EUR', status: 'stale' })], 10),
    { observedAt, ir: doc, env },
  );
  return buildChangePlan(doc, [parityPlan, guardedPlan], observedAt);
}
