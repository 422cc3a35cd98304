import { describe, expect, it } from 'vitest';
import type { IrDocument, IrTest } from '../../../language/ir/ir-types.js';
import { runTests } from '../../../runtime/plan/plan-runner.js';
import { renderJunit } from '../../../runtime/render/junit.js';
import { GATEWAY, LEDGER, NO_LIMITS, policy, rule } from '../decide/ir-fixture.js';

/** The settlement_parity policy of LANGUAGE.md 2.3 (the parts its tests exercise). */
const parity = policy(
  [
    rule({ on: 'missing', when: { '>': [{ var: 'desired.amount' }, 10000] }, action: 'create', approval: { required: true, group: 'payments_leads' } }),
    rule({ on: 'missing', action: 'create' }),
    rule({ on: 'extra', when: { '===': [{ var: 'actual.origin' }, 'manual'] }, action: 'ignore', because: 'manual entries are tolerated', until: '2030-12-31' }),
    rule({ on: 'extra', action: 'ticket', title: { concat: ['Unexpected settlement ', { var: 'key.txn_id' }] } }),
    rule({ on: 'changed', when: { only: [{ var: 'diff' }, 'booked_at'] }, action: 'ticket', title: 'Booking time drift' }),
    rule({ on: 'changed', action: 'update' }),
  ],
  {
    compare: {
      default: 'exact',
      rules: [
        { path: 'amount', comparator: { kind: 'within', absolute: 0.005 }, profile: 'cash', at: 'payments.recon:40:5' },
        { path: 'currency', comparator: { kind: 'ignore_case' }, profile: 'cash', at: 'payments.recon:41:5' },
      ],
    },
    // limits that every test below would exceed: tests must not apply them
    limits: { ...NO_LIMITS, max_changes: 0 },
  },
);

const at = (line: number) => `payments.recon:${line}:5`;

function doc(tests: IrTest[]): IrDocument {
  return { version: 1, file: 'payments.recon', sources: [LEDGER, GATEWAY], groups: [], policies: [parity], tests };
}

const rounding: IrTest = {
  name: 'tolerated rounding is not drift',
  policy: 'settlement_parity',
  desired: [{ txn_id: 't1', amount: 10.0, currency: 'EUR', total: 10 }],
  actual: [{ txn_id: 't1', amount: 10.004, currency: 'eur', total: 10 }],
  expect: { no_drift: true },
  at: 'payments.recon:70:1',
};

const bigPayment: IrTest = {
  name: 'a big missing payment waits for a lead',
  policy: 'settlement_parity',
  desired: [{ txn_id: 't2', amount: 20000, currency: 'EUR' }],
  actual: [],
  expect: {
    no_drift: false,
    counts: [{ kind: 'missing', count: 1, at: at(80) }],
    actions: [{ action: 'create', key: 't2', requires_approval: true, at: at(81) }],
  },
  at: 'payments.recon:77:1',
};

describe('runTests', () => {
  it('passes the examples of LANGUAGE.md 2.4 with no I/O (the actual side is an http source)', async () => {
    const results = await runTests(doc([rounding, bigPayment]), { observedAt: '2026-11-26T12:00:00Z', env: {} });
    expect(results.map((r) => [r.name, r.passed, r.failures])).toEqual([
      ['tolerated rounding is not drift', true, []],
      ['a big missing payment waits for a lead', true, []],
    ]);
    expect(results[1].plan?.limits.exceeded).toBe(false);
  });

  it('applies fields coercion and where to the test records, but not select', async () => {
    const typed: IrTest = {
      name: 'coerced',
      policy: 'settlement_parity',
      desired: [{ txn_id: 't3', amount: '12.50', currency: 'EUR' }],
      actual: [{ txn_id: 't3', amount: 12.5, currency: 'EUR' }],
      expect: { no_drift: true },
      at: 'payments.recon:90:1',
    };
    const [result] = await runTests(doc([typed]), { observedAt: '2026-11-26T12:00:00Z' });
    expect(result.failures).toEqual([]);
    expect(result.passed).toBe(true);
  });

  it('reports every failed expectation clearly', async () => {
    const wrong: IrTest = {
      ...bigPayment,
      name: 'wrong expectations',
      desired: [{ txn_id: 't2', amount: 5, currency: 'EUR' }],
      actual: [{ txn_id: 'z', origin: 'manual' }],
      expect: {
        no_drift: false,
        counts: [{ kind: 'missing', count: 2, at: at(80) }, { kind: 'ignored', count: 1, at: at(82) }],
        actions: [{ action: 'create', key: 't2', requires_approval: true, at: at(81) }],
      },
    };
    const [result] = await runTests(doc([wrong]), { observedAt: '2026-11-26T12:00:00Z' });
    expect(result.passed).toBe(false);
    expect(result.failures).toEqual([
      'expected missing 2, got 1: missing "t2" → create (payments.recon:80:5)',
      'expected action create on "t2" requires approval, but it is not gated by approval (gate auto; rule 2 at payments.recon:31:5) (payments.recon:81:5)',
    ]);
  });

  it('reads until against observed_at', async () => {
    const manual: IrTest = {
      name: 'manual entries are tolerated',
      policy: 'settlement_parity',
      desired: [],
      actual: [{ txn_id: 'm', origin: 'manual' }],
      expect: { no_drift: true },
      at: 'payments.recon:95:1',
    };
    expect((await runTests(doc([manual]), { observedAt: '2030-12-31T23:00:00Z' }))[0].passed).toBe(true);
    const [late] = await runTests(doc([manual]), { observedAt: '2031-01-01T00:00:00Z' });
    expect(late.passed).toBe(false);
    expect(late.failures[0]).toBe('expected no drift, found 1 item: extra "m" → ticket (payments.recon:95:1)');
    expect(late.warnings[0]).toContain('expired after 2030-12-31');
  });

  it('a test of an unknown policy is an error, not a crash; only= picks tests by name', async () => {
    const ghost: IrTest = { ...rounding, name: 'ghost', policy: 'nope' };
    const results = await runTests(doc([rounding, ghost]));
    expect(results[1]).toMatchObject({ passed: false, error: 'payments.recon:70:1: test "ghost" names the unknown policy "nope"' });
    expect((await runTests(doc([rounding, ghost]), { only: 'ghost' })).map((r) => r.name)).toEqual(['ghost']);
  });

  it('writes JUnit XML with a testcase per test, failures and errors escaped', async () => {
    const failing: IrTest = { ...bigPayment, name: 'fails <&> "quoted"', desired: [{ txn_id: 't2', amount: 5 }] };
    const ghost: IrTest = { ...rounding, name: 'ghost', policy: 'nope' };
    const results = await runTests(doc([rounding, failing, ghost]), { observedAt: '2026-11-26T12:00:00Z' });
    const xml = renderJunit(results);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="recon" tests="3" failures="1" errors="1"')).toBe(true);
    expect(xml).toContain('<testsuite name="payments.recon" tests="3" failures="1" errors="1" skipped="0"');
    expect(xml).toMatch(/<testcase name="tolerated rounding is not drift" classname="payments.recon.settlement_parity" time="\d+\.\d{3}" file="payments.recon" line="70"\/>/);
    expect(xml).toContain('name="fails &lt;&amp;&gt; &quot;quoted&quot;"');
    expect(xml).toContain('<failure message="expected action create on &quot;t2&quot; requires approval, but it is not gated by approval');
    expect(xml).toContain('<error message="payments.recon:70:1: test &quot;ghost&quot; names the unknown policy &quot;nope&quot;" type="error">');
    expect(xml.match(/<testcase /g)).toHaveLength(3);
    expect(xml.match(/<\/testcase>/g)).toHaveLength(2);
    expect(xml.trimEnd().endsWith('</testsuites>')).toBe(true);
  });
});
