import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decidePolicy, observedDate, ruleExpired, SharedFields, startPolicyDecision } from '../../../runtime/decide/decider.js';
import type { IrSource } from '../../../language/ir/ir-types.js';
import type { PlanItem } from '../../../runtime/plan/change-plan.js';
import { BOOKS, changed, diffOf, extra, GATEWAY, invalid, ir, LEDGER, missing, NO_LIMITS, policy, rule } from './ir-fixture.js';

const observedAt = '2026-11-26T12:00:00Z';
const env = { GATEWAY_TOKEN: 'tok-SECRET-123' };

function decide(p: ReturnType<typeof policy>, items: Parameters<typeof diffOf>[0], desired?: number) {
  return decidePolicy(p, diffOf(items, desired), { observedAt, ir: ir([p]), env });
}

function byId(items: PlanItem[], id: string): PlanItem {
  const found = items.find((item) => item.id === id);
  if (!found) throw new Error(`no item ${id} in ${items.map((i) => i.id).join(', ')}`);
  return found;
}

const bigWhen = { '>': [{ var: 'desired.amount' }, 10000] };

describe('decidePolicy: rules', () => {
  it('tries rules in order: the first whose kind and when match decides', () => {
    const p = policy([
      rule({ on: 'missing', when: bigWhen, action: 'create', approval: { required: true, group: 'payments_leads' } }),
      rule({ on: 'missing', action: 'create' }),
      rule({ on: 'changed', action: 'update' }),
    ]);
    const plan = decide(p, [
      missing({ txn_id: 't1', amount: 20000, currency: 'EUR' }),
      missing({ txn_id: 't2', amount: 5, currency: 'EUR' }),
    ]);
    const big = byId(plan.items, 'settlement_parity/missing/t1');
    expect(big.action).toBe('create');
    expect(big.gate).toBe('approval');
    expect(big.approvers).toBe('payments_leads');
    expect(big.reason).toEqual({ rule: 1, at: 'payments.recon:30:5', because: null });
    const small = byId(plan.items, 'settlement_parity/missing/t2');
    expect(small.gate).toBe('auto');
    expect(small.approvers).toBeNull();
    expect(small.reason.rule).toBe(2);
  });

  it('an earlier unconditional rule wins over a later one of the same kind', () => {
    const p = policy([rule({ on: 'extra', action: 'delete' }), rule({ on: 'extra', action: 'ignore' })]);
    const plan = decide(p, [extra({ txn_id: 'x1', amount: 1, currency: 'EUR', status: 'ok' })]);
    expect(plan.items[0].action).toBe('delete');
    expect(plan.items[0].reason.rule).toBe(1);
  });

  it('"any" matches every kind but invalid; invalid items are always report', () => {
    const p = policy([rule({ on: 'any', action: 'ticket', title: { concat: ['Drift on ', { var: 'key.txn_id' }] } })]);
    const plan = decide(p, [
      missing({ txn_id: 'm1', amount: 1 }),
      extra({ txn_id: 'e1', amount: 2, currency: 'EUR', status: 'x' }),
      changed({ txn_id: 'c1', amount: 1 }, { txn_id: 'c1', amount: 2 }, ['amount']),
      invalid('desired', 3, { txn_id: '', amount: 1 }, 'key field txn_id is empty'),
    ]);
    for (const id of ['settlement_parity/missing/m1', 'settlement_parity/extra/e1', 'settlement_parity/changed/c1']) {
      const item = byId(plan.items, id);
      expect(item.action).toBe('ticket');
      expect(item.gate).toBe('auto');
    }
    expect(byId(plan.items, 'settlement_parity/changed/c1').effect).toEqual({ kind: 'ticket', title: 'Drift on c1' });
    const bad = byId(plan.items, 'settlement_parity/invalid/desired/3');
    expect(bad.action).toBe('report');
    expect(bad.gate).toBe('none');
    expect(bad.side).toBe('desired');
    expect(bad.reason.rule).toBeNull();
    expect(bad.reason.message).toContain('key field txn_id is empty');
    expect(bad.effect).toBeNull();
  });

  it('defaults to report (rule null) when no rule matches', () => {
    const p = policy([rule({ on: 'missing', when: bigWhen, action: 'create' })]);
    const plan = decide(p, [missing({ txn_id: 't1', amount: 1 })]);
    expect(plan.items[0]).toMatchObject({ action: 'report', gate: 'none', approvers: null, effect: null });
    expect(plan.items[0].reason).toMatchObject({ rule: null, at: null, because: null });
  });

  it('uses diff, key, desired and actual in when; only() and changed() see the differing paths', () => {
    const p = policy([
      rule({ on: 'changed', when: { only: [{ var: 'diff' }, 'status'] }, action: 'ticket', title: { concat: ['Status of ', { var: 'key.txn_id' }] } }),
      rule({ on: 'changed', when: { '===': [{ var: 'actual.currency' }, 'USD'] }, action: 'ignore', because: 'USD is handled elsewhere' }),
      rule({ on: 'changed', action: 'update' }),
    ]);
    const plan = decide(p, [
      changed({ txn_id: 'a', status: 'ok', currency: 'EUR' }, { txn_id: 'a', status: 'KO', currency: 'EUR' }, ['status']),
      changed({ txn_id: 'b', amount: 1, currency: 'EUR' }, { txn_id: 'b', amount: 2, currency: 'USD' }, ['amount', 'currency']),
      changed({ txn_id: 'c', amount: 1, status: 'ok' }, { txn_id: 'c', amount: 2, status: 'ko' }, ['amount', 'status']),
    ]);
    expect(byId(plan.items, 'settlement_parity/changed/a').action).toBe('ticket');
    const b = byId(plan.items, 'settlement_parity/changed/b');
    expect(b.action).toBe('ignore');
    expect(b.gate).toBe('none');
    expect(b.reason.because).toBe('USD is handled elsewhere');
    expect(byId(plan.items, 'settlement_parity/changed/c').action).toBe('update');
  });

  it('a when that fails to evaluate is false and leaves a warning on the item', () => {
    const p = policy([
      rule({ on: 'missing', when: { '>': [{ '*': [{ var: 'desired.currency' }, 2] }, 1] }, action: 'create' }),
      rule({ on: 'missing', action: 'ticket', title: 'fallback' }),
    ]);
    const plan = decide(p, [missing({ txn_id: 't1', amount: 1, currency: 'EUR' })]);
    expect(plan.items[0].action).toBe('ticket');
    expect(plan.items[0].warnings?.[0]).toMatch(/^rule 1 \(payments\.recon:30:5\): condition could not be evaluated, taken as false/);
  });

  it('until: the rule matches through its day and no longer after it, with a warning', () => {
    const p = policy([
      rule({ on: 'extra', action: 'ignore', because: 'tolerated', until: '2026-11-26' }),
      rule({ on: 'extra', action: 'ticket', title: 'unexpected' }),
    ]);
    const items = [extra({ txn_id: 'x', amount: 1, currency: 'EUR', status: 'ok' })];
    const onTheDay = decidePolicy(p, diffOf(items), { observedAt: '2026-11-26T23:59:59Z', ir: ir([p]), env });
    expect(onTheDay.items[0].action).toBe('ignore');
    expect(onTheDay.items[0].warnings).toBeUndefined();
    const dayAfter = decidePolicy(p, diffOf(items), { observedAt: '2026-11-27T00:00:00Z', ir: ir([p]), env });
    expect(dayAfter.items[0].action).toBe('ticket');
    expect(dayAfter.items[0].warnings).toEqual(['rule 1 (payments.recon:30:5) expired after 2026-11-26: the exception no longer applies']);
  });

  it('compares until with the UTC date of observed_at', () => {
    expect(observedDate('2026-11-27T00:30:00+02:00')).toBe('2026-11-26');
    const r = { ...rule({ on: 'extra', action: 'ignore', until: '2026-11-26' }), index: 1, at: 'f:1:1' };
    expect(ruleExpired(r, '2026-11-27T00:30:00+02:00')).toBe(false);
    expect(ruleExpired(r, '2026-11-27T00:30:00Z')).toBe(true);
  });

  it('gates: none for ignore/report, approval when required (with or without a group), ticket auto or approval', () => {
    const p = policy([
      rule({ on: 'missing', action: 'create', approval: { required: true, group: null } }),
      rule({ on: 'extra', action: 'ticket', title: 't', approval: { required: true, group: 'payments_leads' } }),
      rule({ on: 'changed', action: 'report', because: 'look at it' }),
    ]);
    const plan = decide(p, [
      missing({ txn_id: 'm', amount: 1 }),
      extra({ txn_id: 'e', amount: 1, currency: 'EUR', status: 's' }),
      changed({ txn_id: 'c', amount: 1 }, { txn_id: 'c', amount: 2 }, ['amount']),
    ]);
    expect(byId(plan.items, 'settlement_parity/missing/m')).toMatchObject({ gate: 'approval', approvers: null });
    expect(byId(plan.items, 'settlement_parity/extra/e')).toMatchObject({ action: 'ticket', gate: 'approval', approvers: 'payments_leads' });
    expect(byId(plan.items, 'settlement_parity/changed/c')).toMatchObject({ action: 'report', gate: 'none', reason: { rule: 3, because: 'look at it' } });
  });
});

describe('decidePolicy: mode and limits', () => {
  const acting = [
    rule({ on: 'missing', action: 'create' }),
    rule({ on: 'extra', action: 'delete' }),
    rule({ on: 'changed', action: 'ticket', title: 'look' }),
  ];
  const items = () => [
    missing({ txn_id: 'm1', amount: 1 }),
    missing({ txn_id: 'm2', amount: 2 }),
    extra({ txn_id: 'e1', amount: 1, currency: 'EUR', status: 's' }),
    changed({ txn_id: 'c1', amount: 1 }, { txn_id: 'c1', amount: 2 }, ['amount']),
  ];

  it('mode audit blocks every acting item, keeps tickets and the decision itself', () => {
    const plan = decide(policy(acting, { mode: 'audit' }), items());
    expect(plan.mode).toBe('audit');
    expect(plan.items.filter((i) => i.gate === 'blocked').map((i) => i.id).sort()).toEqual([
      'settlement_parity/extra/e1',
      'settlement_parity/missing/m1',
      'settlement_parity/missing/m2',
    ]);
    const create = byId(plan.items, 'settlement_parity/missing/m1');
    expect(create.action).toBe('create');
    expect(create.reason.message).toContain('mode audit');
    expect(byId(plan.items, 'settlement_parity/changed/c1').gate).toBe('auto');
    expect(plan.limits.exceeded).toBe(false);
  });

  it('max_changes with on_exceed abort blocks every acting item and the tickets ("nothing of that policy is applied"), and says why', () => {
    const plan = decide(policy(acting, { limits: { ...NO_LIMITS, max_changes: 2 } }), items(), 100);
    expect(plan.limits.exceeded).toBe(true);
    expect(plan.limits.reasons).toEqual(['max_changes 2: 3 acting items are planned (create, update, delete)']);
    const gates = Object.fromEntries(plan.items.map((i) => [i.id, i.gate]));
    expect(gates).toEqual({
      'settlement_parity/missing/m1': 'blocked',
      'settlement_parity/missing/m2': 'blocked',
      'settlement_parity/extra/e1': 'blocked',
      'settlement_parity/changed/c1': 'blocked',
    });
    expect(byId(plan.items, 'settlement_parity/changed/c1').action).toBe('ticket');
    expect(byId(plan.items, 'settlement_parity/changed/c1').reason.message).toContain('on_exceed abort');
  });

  it('exactly at the limit is not exceeded', () => {
    const plan = decide(policy(acting, { limits: { ...NO_LIMITS, max_changes: 3 } }), items(), 100);
    expect(plan.limits.exceeded).toBe(false);
    expect(plan.items.every((i) => i.gate === 'auto')).toBe(true);
  });

  it('max_changes with on_exceed approve gates every acting item behind approval', () => {
    const plan = decide(policy(acting, { limits: { ...NO_LIMITS, max_changes: 1, on_exceed: 'approve' } }), items(), 100);
    expect(plan.limits.exceeded).toBe(true);
    expect(plan.items.filter((i) => i.action !== 'ticket').every((i) => i.gate === 'approval')).toBe(true);
    expect(byId(plan.items, 'settlement_parity/changed/c1').gate).toBe('auto');
    expect(byId(plan.items, 'settlement_parity/missing/m1').reason.message).toContain('on_exceed approve');
  });

  it('max_deletes counts deletes only (abort and approve)', () => {
    const abort = decide(policy(acting, { limits: { ...NO_LIMITS, max_deletes: 0 } }), items(), 100);
    expect(abort.limits.reasons).toEqual(['max_deletes 0: 1 delete is planned']);
    expect(byId(abort.items, 'settlement_parity/missing/m1').gate).toBe('blocked');
    const approve = decide(policy(acting, { limits: { ...NO_LIMITS, max_deletes: 0, on_exceed: 'approve' } }), items(), 100);
    expect(byId(approve.items, 'settlement_parity/extra/e1').gate).toBe('approval');
    const fine = decide(policy(acting, { limits: { ...NO_LIMITS, max_deletes: 1 } }), items(), 100);
    expect(fine.limits.exceeded).toBe(false);
  });

  it('max_ratio divides acting items by the desired records in scope', () => {
    const over = decide(policy(acting, { limits: { ...NO_LIMITS, max_ratio: 0.1 } }), items(), 20);
    expect(over.limits.reasons).toEqual(['max_ratio 10%: 3 acting items are 15% of 20 desired records']);
    // the three acting items and the ticket
    expect(over.items.filter((i) => i.gate === 'blocked')).toHaveLength(4);
    const under = decide(policy(acting, { limits: { ...NO_LIMITS, max_ratio: 0.1 } }), items(), 30);
    expect(under.limits.exceeded).toBe(false);
    const approve = decide(policy(acting, { limits: { ...NO_LIMITS, max_ratio: 0.1, on_exceed: 'approve' } }), items(), 20);
    expect(approve.items.filter((i) => i.gate === 'approval')).toHaveLength(3);
  });

  it('max_ratio with zero desired records: any action exceeds it, none does not', () => {
    const p = policy([rule({ on: 'extra', action: 'delete' })], { limits: { ...NO_LIMITS, max_ratio: 0.5 } });
    const plan = decide(p, [extra({ txn_id: 'e', amount: 1, currency: 'EUR', status: 's' })], 0);
    expect(plan.summary.desired).toBe(0);
    expect(plan.limits.exceeded).toBe(true);
    expect(plan.limits.reasons[0]).toContain('no desired record is in scope');
    expect(plan.items[0].gate).toBe('blocked');
    const quiet = decide(policy([rule({ on: 'extra', action: 'ignore' })], { limits: { ...NO_LIMITS, max_ratio: 0.5 } }), [extra({ txn_id: 'e', amount: 1, currency: 'EUR', status: 's' })], 0);
    expect(quiet.limits.exceeded).toBe(false);
  });

  it('limits are not applied when applyLimits is false (recon test)', () => {
    const p = policy(acting, { limits: { ...NO_LIMITS, max_changes: 0 } });
    const plan = decidePolicy(p, diffOf(items()), { observedAt, ir: ir([p]), env, applyLimits: false });
    expect(plan.limits.exceeded).toBe(false);
    expect(plan.items.some((i) => i.gate === 'blocked')).toBe(false);
  });

  it('approval rules stay approval under on_exceed approve and become blocked under abort', () => {
    const rules = [rule({ on: 'missing', action: 'create', approval: { required: true, group: 'payments_leads' } })];
    const approve = decide(policy(rules, { limits: { ...NO_LIMITS, max_changes: 0, on_exceed: 'approve' } }), [missing({ txn_id: 'm', amount: 1 })], 10);
    expect(approve.items[0]).toMatchObject({ gate: 'approval', approvers: 'payments_leads' });
    const abort = decide(policy(rules, { limits: { ...NO_LIMITS, max_changes: 0 } }), [missing({ txn_id: 'm', amount: 1 })], 10);
    expect(abort.items[0].gate).toBe('blocked');
  });
});

describe('decidePolicy: effects and preconditions', () => {
  const writes = [
    rule({ on: 'missing', action: 'create' }),
    rule({ on: 'changed', action: 'update' }),
    rule({ on: 'extra', action: 'delete' }),
  ];

  it('http: the request with the evaluated URL, the raw body through select and map, secrets as ***', () => {
    const plan = decide(policy(writes), [
      missing({ txn_id: 't1', amount: 12.5, currency: 'EUR', status: 'settled' }),
      changed(
        { txn_id: 't2', amount: 3, currency: 'EUR', status: 'ok' },
        { txn_id: 't2', amount: 2, currency: 'EUR', status: 'ok' },
        ['amount'],
      ),
      extra({ txn_id: 't3', amount: 1, currency: 'EUR', status: 'x' }),
    ]);
    const create = byId(plan.items, 'settlement_parity/missing/t1');
    expect(create.effect).toEqual({
      kind: 'http',
      method: 'POST',
      url: 'http://127.0.0.1:8080/settlements',
      headers: { Authorization: 'Bearer ***', 'Content-Type': 'application/json' },
      body: { id: 't1', amount_cents: 1250, currency: 'EUR', status: 'settled' },
    });
    const update = byId(plan.items, 'settlement_parity/changed/t2');
    expect(update.effect).toEqual({
      kind: 'http',
      method: 'PATCH',
      url: 'http://127.0.0.1:8080/settlements/t2',
      headers: { Authorization: 'Bearer ***', 'Content-Type': 'application/json' },
      body: { id: 't2', amount_cents: 300 },
    });
    const del = byId(plan.items, 'settlement_parity/extra/t3');
    expect(del.effect).toEqual({
      kind: 'http',
      method: 'DELETE',
      url: 'http://127.0.0.1:8080/settlements/t3',
      headers: { Authorization: 'Bearer ***' },
      body: null,
    });
    expect(JSON.stringify(plan)).not.toContain('tok-SECRET-123');
  });

  it('file connectors: the raw record of a create, key + changed fields of an update, the key of a delete', () => {
    const p = policy(writes, { actual: 'books' });
    const plan = decidePolicy(
      p,
      diffOf([
        missing({ txn_id: 'n1', amount: 4, currency: 'EUR', status: 'open' }),
        changed({ txn_id: 'n2', amount: 5, currency: 'EUR', status: 'open' }, { txn_id: 'n2', amount: 6, currency: 'EUR', status: 'closed' }, ['amount', 'status'], { txn_id: 'n2', amount: '6', currency: 'EUR', status: 'closed' }),
        extra({ txn_id: 'n3', amount: 1, currency: 'EUR', status: 'x' }, { txn_id: 'n3', amount: '1', currency: 'EUR', status: 'x' }),
      ]),
      { observedAt, ir: ir([p], [LEDGER, GATEWAY, BOOKS]), env },
    );
    expect(byId(plan.items, 'settlement_parity/missing/n1').effect).toEqual({
      kind: 'file',
      connector: 'csv',
      path: 'data/books.csv',
      op: 'create',
      key: { txn_id: 'n1' },
      record: { txn_id: 'n1', amount: 4, currency: 'EUR', status: 'open' },
    });
    expect(byId(plan.items, 'settlement_parity/changed/n2').effect).toEqual({
      kind: 'file',
      connector: 'csv',
      path: 'data/books.csv',
      op: 'update',
      key: { txn_id: 'n2' },
      record: { txn_id: 'n2', amount: 5, status: 'open' },
    });
    expect(byId(plan.items, 'settlement_parity/extra/n3').effect).toEqual({
      kind: 'file',
      connector: 'csv',
      path: 'data/books.csv',
      op: 'delete',
      key: { txn_id: 'n3' },
      record: { txn_id: 'n3' },
    });
  });

  it('exec: argv from the write op, the record on stdin', () => {
    const execSource: IrSource = {
      ...GATEWAY,
      name: 'tool',
      connector: { kind: 'exec' as const, args: ['tool'], options: [], at: 'payments.recon:40:3' },
      select: null,
      write: {
        ops: [
          { op: 'create' as const, exec: { command: 'bin/put', args: ['--id', { var: 'key.txn_id' }, { concat: ['--token=', { secret: ['GATEWAY_TOKEN'] }] }] }, at: 'payments.recon:41:5' },
        ],
        map: [],
        at: 'payments.recon:40:9',
      },
    };
    const p = policy([rule({ on: 'missing', action: 'create' })], { actual: 'tool' });
    const plan = decidePolicy(p, diffOf([missing({ txn_id: 'x9', amount: 1 })]), { observedAt, ir: ir([p], [LEDGER, execSource]), env });
    expect(plan.items[0].effect).toEqual({
      kind: 'exec',
      argv: ['bin/put', '--id', 'x9', '--token=***'],
      stdin: { txn_id: 'x9', amount: 1 },
    });
  });

  it('precondition: sha256 of the canonical actual raw record, null when there is none', () => {
    const raw = { id: 'e', currency: 'EUR', amount_cents: 100, status: 's' };
    const reordered = { status: 's', amount_cents: 100, currency: 'EUR', id: 'e' };
    const p = policy([rule({ on: 'extra', action: 'delete' }), rule({ on: 'missing', action: 'create' })]);
    const a = decide(p, [extra({ txn_id: 'e', amount: 1, currency: 'EUR', status: 's' }, raw), missing({ txn_id: 'm', amount: 1 })]);
    const b = decide(p, [extra({ txn_id: 'e', amount: 1, currency: 'EUR', status: 's' }, reordered)]);
    const c = decide(p, [extra({ txn_id: 'e', amount: 1, currency: 'EUR', status: 's' }, { ...raw, status: 't' })]);
    const pre = byId(a.items, 'settlement_parity/extra/e').precondition;
    expect(pre).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.items[0].precondition).toBe(pre);
    expect(c.items[0].precondition).not.toBe(pre);
    expect(byId(a.items, 'settlement_parity/missing/m').precondition).toBeNull();
  });

  it('missing and extra items show the whole record as fields', () => {
    const plan = decide(policy([]), [missing({ txn_id: 'm', amount: 7 }), extra({ txn_id: 'e', amount: 1, currency: 'EUR', status: 's' })]);
    expect(byId(plan.items, 'settlement_parity/missing/m').fields).toEqual([
      { path: 'txn_id', desired: 'm', actual: null },
      { path: 'amount', desired: 7, actual: null },
    ]);
    expect(byId(plan.items, 'settlement_parity/extra/e').fields[1]).toEqual({ path: 'amount', desired: null, actual: 1 });
  });

  it('missing and extra items of repeating values share frozen fields, never merging different values (property)', () => {
    // values that look alike but differ: types, empty text and null, -0 and 0, normal forms, case
    const lookalikes = ['1', 1, '', null, 0, -0, false, 'false', '\u00e9', 'e\u0301', 'EUR', 'eur', 'a'.repeat(65), 'a'.repeat(64), 1.5, '1.5'];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('missing', 'extra'), fc.constantFrom(...lookalikes), fc.constantFrom(...lookalikes)), { minLength: 1, maxLength: 60 }),
        (rows) => {
          const items = rows.map(([kind, a, b], i) => (kind === 'missing' ? missing({ txn_id: `k${i}`, a, b }) : extra({ txn_id: `k${i}`, a, b })));
          const plan = decide(policy([]), items);
          expect(plan.items.length).toBe(rows.length);
          const seen = new Map<unknown, unknown>();
          for (const planItem of plan.items) {
            const i = Number(planItem.id.slice(planItem.id.lastIndexOf('/') + 2));
            const [kind, a, b] = rows[i]!;
            const side = kind === 'missing' ? 'desired' : 'actual';
            const other = kind === 'missing' ? 'actual' : 'desired';
            expect(planItem.fields.map((field) => field.path)).toEqual(['txn_id', 'a', 'b']);
            for (const [field, value] of [[planItem.fields[1]!, a], [planItem.fields[2]!, b]] as const) {
              // the very value (Object.is: -0 stays -0, '1' stays text), the other side null
              expect(Object.is(field[side], value)).toBe(true);
              expect(field[other]).toBeNull();
              // one field object stands for one value only
              const before = seen.get(field);
              if (before !== undefined) expect(Object.is(before, value)).toBe(true);
              seen.set(field, value);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('SharedFields: one frozen field per repeating value and position, none for -0, long texts or a position of too many values', () => {
    const shared = new SharedFields();
    const first = shared.field(1, 'currency', 'EUR', true);
    expect(shared.field(1, 'currency', 'EUR', true)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first).toEqual({ path: 'currency', desired: 'EUR', actual: null });
    // the actual side, another position or another path: fields of their own
    expect(shared.field(1, 'currency', 'EUR', false)).toEqual({ path: 'currency', desired: null, actual: 'EUR' });
    expect(shared.field(2, 'currency', 'EUR', true)).not.toBe(first);
    expect(shared.field(1, 'status', 'EUR', true)).toEqual({ path: 'status', desired: 'EUR', actual: null });
    expect(shared.field(3, 'n', -0, true)).not.toBe(shared.field(3, 'n', -0, true));
    expect(Object.is(shared.field(3, 'n', -0, true).desired, -0)).toBe(true);
    expect(shared.field(3, 'n', 0, true)).toBe(shared.field(3, 'n', 0, true));
    const long = 'x'.repeat(65);
    expect(shared.field(4, 'memo', long, true)).not.toBe(shared.field(4, 'memo', long, true));
    const record = { id: 1 };
    expect(shared.field(5, 'o', record, true).desired).toBe(record);
    expect(shared.field(5, 'o', record, true)).not.toBe(shared.field(5, 'o', record, true));
    // a position of ever new values stops being shared, and stays correct
    for (let i = 0; i < 600; i++) expect(shared.field(6, 'id', `id${i}`, true).desired).toBe(`id${i}`);
    expect(shared.field(6, 'id', 'id1', true)).not.toBe(shared.field(6, 'id', 'id1', true));
    // up to 256 values a position shares them all; the 257th closes it (its field not kept)
    const kept = Array.from({ length: 256 }, (_, i) => shared.field(7, 'code', `c${i}`, false));
    expect(shared.field(7, 'code', 'c5', false)).toBe(kept[5]);
    const closing = shared.field(7, 'code', 'c256', false);
    expect(closing).toEqual({ path: 'code', desired: null, actual: 'c256' });
    expect(shared.field(7, 'code', 'c256', false)).not.toBe(closing);
    expect(shared.field(7, 'code', 'c5', false)).not.toBe(kept[5]);
    expect(shared.field(7, 'code', 'c5', false)).toEqual(kept[5]);
    // the desired side's position 7 is a slot of its own, still open
    expect(shared.field(7, 'code', 'c5', true)).toBe(shared.field(7, 'code', 'c5', true));
  });

  it('a write to a source that cannot be written has no effect and says why', () => {
    const inline = { ...LEDGER, name: 'fixed', connector: { kind: 'inline' as const, args: [[]], options: [], at: 'payments.recon:50:3' }, writable: false };
    const p = policy([rule({ on: 'missing', action: 'create' })], { actual: 'fixed' });
    const plan = decidePolicy(p, diffOf([missing({ txn_id: 'm', amount: 1 })]), { observedAt, ir: ir([p], [LEDGER, inline]), env });
    expect(plan.items[0].effect).toBeNull();
    expect(plan.items[0].warnings?.[0]).toContain('cannot be written');
  });
});

describe('decidePolicy: item ids', () => {
  it('gives every item the id itemId gives, also for keys that need encoding or are not text', async () => {
    const { itemId } = await import('../../../runtime/plan/item-id.js');
    const p = policy([]);
    const keys: unknown[][] = [['plain'], ['a/b'], ['x,y'], ['100%'], [''], [42], [true], [null], [new Date(0)], ['t1', 7], [{ nested: 'v' }]];
    const items = keys.map((values, i) => {
      const base = missing({ txn_id: `k${i}`, amount: 1 });
      base.keyValues = values;
      return base;
    });
    const withoutValues = missing({ txn_id: 'from-key', amount: 1 });
    withoutValues.keyValues = null;
    const decided = decide(p, [...items, withoutValues, invalid('actual', 3, { id: 'x' }, 'bad')]).items;
    keys.forEach((values, i) => {
      expect(decided[i]!.id).toBe(itemId(p.name, { kind: 'missing', keyValues: values, side: null, position: null }));
    });
    expect(decided[keys.length]!.id).toBe(`${p.name}/missing/from-key`);
    expect(decided.at(-1)!.id).toBe(`${p.name}/invalid/actual/3`);
    expect(decided[1]!.id).toBe(`${p.name}/missing/a%2Fb`);
  });

  it('without rules every item is report, and no rule data is needed', () => {
    const decided = decide(policy([]), [missing({ txn_id: 'm', amount: 1 }), changed({ txn_id: 'c', amount: 1 }, { txn_id: 'c', amount: 2 }, ['amount'])]).items;
    for (const item of decided) {
      expect(item.action).toBe('report');
      expect(item.gate).toBe('none');
      expect(item.reason).toEqual({ rule: null, at: null, because: null, message: 'no remediation rule matched: report' });
      expect(Object.keys(item)).toEqual(['id', 'kind', 'key', 'side', 'fields', 'action', 'gate', 'approvers', 'reason', 'precondition', 'effect']);
    }
  });
});

describe('startPolicyDecision', () => {
  it('deciding item by item, then finishing, is decidePolicy (mode and limits included)', () => {
    const p = policy([rule({ on: 'missing', action: 'create' }), rule({ on: 'changed', action: 'update' }), rule({ on: 'extra', action: 'delete' })], {
      limits: { ...NO_LIMITS, max_changes: 2, on_exceed: 'approve' },
    });
    const items = [
      missing({ txn_id: 'm1', amount: 1, currency: 'EUR' }),
      extra({ txn_id: 'e1', amount: 2, currency: 'EUR', status: 'x' }),
      changed({ txn_id: 'c1', amount: 1 }, { txn_id: 'c1', amount: 2 }, ['amount']),
    ];
    const diff = diffOf(items);
    const whole = decidePolicy(p, diff, { observedAt, ir: ir([p]), env });
    const decision = startPolicyDecision(p, { observedAt, ir: ir([p]), env });
    const stepwise = decision.finish(items.map((item) => decision.decide(item)), diff.summary);
    expect(stepwise).toEqual(whole);
    expect(whole.limits.exceeded).toBe(true);
    expect(whole.items.every((item) => item.gate === 'approval')).toBe(true);
  });
});
