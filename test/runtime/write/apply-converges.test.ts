/**
 * End to end through the real pipeline: compile a policy, plan it on files, apply every acting
 * item's effect with the file writers, plan again — nothing may be left to do, and records the
 * plan did not touch keep their bytes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IrDocument } from '../../../language/ir/ir-types.js';
import { runPlan } from '../../../runtime/plan/plan-runner.js';
import { createWriter } from '../../../runtime/write/writer-registry.js';
import type { WriteAction } from '../../../runtime/write/writer.js';
import { compileOk } from '../../helpers/compile-helpers.js';
import { makeWorkspace, OBSERVED_AT } from '../connectors/source-fixture.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
});

const LEDGER = 'txn_id,amount,currency\nt1,10.00,EUR\nt2,20.50,USD\nt3,7.25,EUR\nt4,1.00,GBP\n';

function policyText(actualSource: string): string {
  return `
source ledger {
  from csv("data/ledger.csv")
  key txn_id
  fields { txn_id: string  amount: number  currency: string }
}
${actualSource}
policy parity {
  mode enforce
  desired ledger
  actual gateway
  compare { amount within 0.001 }
  remediate {
    on missing => create
    on extra => delete
    on changed => update
  }
}
`;
}

async function planApplyReplan(ir: IrDocument, root: string): Promise<{ acted: number; after: number }> {
  const plan = await runPlan(ir, { workspaceRoot: root, observedAt: OBSERVED_AT, env: {} });
  const policy = plan.policies[0];
  const source = ir.sources.find((candidate) => candidate.name === 'gateway')!;
  const writer = createWriter(source, { workspaceRoot: root, observedAt: OBSERVED_AT, env: {} });
  const session = await writer.open();
  const actions: WriteAction[] = policy.items
    .filter((item) => item.effect !== null && item.effect.kind === 'file')
    .map((item) => ({ item, effect: item.effect!, idempotencyKey: `${plan.plan_hash}/${item.id}` }));
  for (const action of actions) await session.perform(action);
  await session.commit();
  await session.close();
  const again = await runPlan(ir, { workspaceRoot: root, observedAt: OBSERVED_AT, env: {} });
  return { acted: actions.length, after: again.policies[0].items.filter((item) => item.action !== 'ignore').length };
}

describe('plan, apply with the file writers, plan again', () => {
  it('json with nested select paths and a write map converges; the untouched record keeps its bytes', async () => {
    const gateway = `{
  "settlements": [
    {
      "ref": { "id": "t1", "batch": 7 },
      "amount_cents": 1000,
      "currency": "EUR"
    },
    {
      "ref": { "id": "t2", "batch": 7 },
      "amount_cents": 2000,
      "currency": "usd",
      "memo": "kept"
    },
    {
      "ref": { "id": "t9", "batch": 8 },
      "amount_cents": 1,
      "currency": "EUR"
    }
  ]
}
`;
    const ws = makeWorkspace({ 'recon.json': '{}', 'data/ledger.csv': LEDGER, 'data/gateway.json': gateway });
    cleanups.push(ws.cleanup);
    const ir = compileOk(
      policyText(`
source gateway {
  from json("data/gateway.json", items: "settlements")
  key txn_id
  select {
    txn_id = ref.id
    amount = amount_cents / 100
    currency = upper(currency)
  }
  write { map { amount_cents = round(amount * 100, 0) } }
}`),
    );
    const { acted, after } = await planApplyReplan(ir, ws.root);
    expect(acted).toBe(4); // t2 changed, t3 and t4 missing, t9 extra
    expect(after).toBe(0);
    const text = readFileSync(path.join(ws.root, 'data/gateway.json'), 'utf8');
    expect(text.startsWith('{\n  "settlements": [\n    {\n      "ref": { "id": "t1", "batch": 7 },\n      "amount_cents": 1000,\n      "currency": "EUR"\n    },\n')).toBe(true);
    expect(text).toContain('"ref": { "id": "t2", "batch": 7 },\n      "amount_cents": 2050,\n      "currency": "usd",\n      "memo": "kept"');
    expect(text).not.toContain('t9');
  });

  for (const [kind, file, first, rest, expected] of [
    [
      'yaml',
      'data/gateway.yaml',
      '# gateway\n- id: t1   # first\n  amount: "10.00"\n  currency: EUR\n',
      '- id: t2\n  amount: "20"\n  currency: USD\n- id: t9\n  amount: "1"\n  currency: EUR\n',
      '- id: t2\n  amount: 20.5\n  currency: USD\n- id: t3\n  amount: 7.25\n  currency: EUR\n- id: t4\n  amount: 1\n  currency: GBP\n',
    ],
    [
      'jsonl',
      'data/gateway.jsonl',
      '{"id":"t1","amount":"10.00","currency":"EUR"}\n',
      '{"id":"t2","amount":"20","currency":"USD"}\n{"id":"t9","amount":"1","currency":"EUR"}\n',
      '{"id":"t2","amount":20.5,"currency":"USD"}\n{"id":"t3","amount":7.25,"currency":"EUR"}\n{"id":"t4","amount":1,"currency":"GBP"}\n',
    ],
    [
      'csv',
      'data/gateway.csv',
      'id,amount,currency\nt1,10.00,EUR\n',
      't2,20,USD\nt9,1,EUR\n',
      't2,20.5,USD\nt3,7.25,EUR\nt4,1,GBP\n',
    ],
  ] as const) {
    it(`${kind} converges, and the untouched first record keeps its bytes`, async () => {
      const ws = makeWorkspace({ 'recon.json': '{}', 'data/ledger.csv': LEDGER, [file]: first + rest });
      cleanups.push(ws.cleanup);
      const ir = compileOk(
        policyText(`
source gateway {
  from ${kind}("${file}")
  key txn_id
  select {
    txn_id = id
    amount = amount
    currency = currency
  }
  fields { txn_id: string  amount: number  currency: string }
}`),
      );
      const { acted, after } = await planApplyReplan(ir, ws.root);
      expect(acted).toBe(4);
      expect(after).toBe(0);
      expect(readFileSync(path.join(ws.root, file), 'utf8')).toBe(first + expected);
    });
  }
});
