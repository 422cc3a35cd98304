import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { IrDocument, IrPolicy, IrSource } from '../../../language/ir/ir-types.js';
import { PlanError, runPlan } from '../../../runtime/plan/plan-runner.js';
import { computePlanHash } from '../../../runtime/plan/plan-hash.js';
import { PLAN_FORMATS, renderPlan } from '../../../runtime/render/render-plan.js';
import { NO_LIMITS, policy, rule } from '../decide/ir-fixture.js';

const FILE = 'books.recon';

const ledger: IrSource = {
  name: 'ledger',
  connector: { kind: 'csv', path: 'data/ledger.csv', args: [], options: [], at: `${FILE}:2:3` },
  key: ['txn_id'],
  fields: [
    { name: 'txn_id', type: 'string' },
    { name: 'amount', type: 'number' },
    { name: 'currency', type: 'string' },
  ],
  select: null,
  where: { expr: { '!==': [{ var: 'currency' }, 'XXX'] }, at: `${FILE}:3:3` },
  write: null,
  writable: true,
  doc: null,
  at: `${FILE}:1:1`,
};

const books: IrSource = {
  ...ledger,
  name: 'books',
  connector: { kind: 'json', path: 'data/books.json', args: [], options: [], at: `${FILE}:6:3` },
  where: null,
  at: `${FILE}:5:1`,
};

function booksPolicy(overrides: Partial<IrPolicy> = {}): IrPolicy {
  return policy(
    [
      rule({ on: 'missing', action: 'create' }),
      rule({ on: 'extra', action: 'delete', approval: { required: true, group: 'payments_leads' } }),
      rule({ on: 'changed', action: 'update' }),
    ],
    {
      name: 'books_match',
      desired: 'ledger',
      actual: 'books',
      compare: {
        default: 'exact',
        rules: [{ path: 'amount', comparator: { kind: 'within', absolute: 0.005 }, profile: null, at: `${FILE}:12:5` }],
      },
      at: `${FILE}:10:1`,
      ...overrides,
    },
  );
}

function document(policies: IrPolicy[]): IrDocument {
  return { version: 1, file: FILE, sources: [books, ledger], groups: [], policies, tests: [] };
}

let root: string;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'recon-plan-runner-'));
  mkdirSync(path.join(root, 'data'));
  writeFileSync(
    path.join(root, 'data/ledger.csv'),
    'txn_id,amount,currency\nt1,10.00,EUR\nt2,20.5,EUR\nt3,30,USD\nt4,1,XXX\nt5,abc,EUR\n',
  );
  writeFileSync(
    path.join(root, 'data/books.json'),
    JSON.stringify([
      { txn_id: 't1', amount: 10.004, currency: 'EUR' },
      { txn_id: 't2', amount: 21, currency: 'EUR' },
      { txn_id: 'x9', amount: 5, currency: 'EUR' },
      { txn_id: 'd1', amount: 1, currency: 'EUR' },
      { txn_id: 'd1', amount: 2, currency: 'EUR' },
    ]),
  );
});

describe('runPlan over real files', () => {
  it('observes, diffs and decides every policy', async () => {
    const plan = await runPlan(document([booksPolicy()]), { workspaceRoot: root, observedAt: '2026-11-26T12:00:00Z' });
    expect(plan.drift).toBe(true);
    expect(plan.observed_at).toBe('2026-11-26T12:00:00Z');
    const [p] = plan.policies;
    expect(p.summary).toMatchObject({ missing: 1, extra: 1, changed: 1, invalid: 3, unchanged: 1 });
    expect(p.items.map((item) => [item.id, item.action, item.gate])).toEqual([
      ['books_match/missing/t3', 'create', 'auto'],
      ['books_match/extra/x9', 'delete', 'approval'],
      ['books_match/changed/t2', 'update', 'auto'],
      ['books_match/invalid/actual/4', 'report', 'none'],
      ['books_match/invalid/actual/5', 'report', 'none'],
      ['books_match/invalid/desired/5', 'report', 'none'],
    ]);
    const update = p.items.find((item) => item.id === 'books_match/changed/t2')!;
    expect(update.fields).toEqual([{ path: 'amount', desired: 20.5, actual: 21 }]);
    expect(update.effect).toEqual({
      kind: 'file',
      connector: 'json',
      path: 'data/books.json',
      op: 'update',
      key: { txn_id: 't2' },
      record: { txn_id: 't2', amount: 20.5 },
    });
    expect(update.precondition).toMatch(/^sha256:/);
    expect(p.items.find((item) => item.id === 'books_match/invalid/desired/5')!.reason.message).toContain('amount');
  });

  it('is reproducible: the same files give the same plan and hash, whatever the clock says', async () => {
    const a = await runPlan(document([booksPolicy()]), { workspaceRoot: root, observedAt: '2026-11-26T12:00:00Z' });
    const b = await runPlan(document([booksPolicy()]), { workspaceRoot: root, observedAt: '2026-11-27T08:30:00Z' });
    expect(b.plan_hash).toBe(a.plan_hash);
    expect(computePlanHash(JSON.parse(JSON.stringify(b)))).toBe(a.plan_hash);
    expect(JSON.stringify({ ...b, observed_at: a.observed_at })).toBe(JSON.stringify(a));
  });

  it('applies limits over the real counts', async () => {
    const plan = await runPlan(document([booksPolicy({ limits: { ...NO_LIMITS, max_ratio: 0.25 } })]), {
      workspaceRoot: root,
      observedAt: '2026-11-26T12:00:00Z',
    });
    // 3 acting items out of 4 desired records in scope (t4 is out of scope by `where`, t5 is invalid but counted)
    expect(plan.policies[0].limits.exceeded).toBe(true);
    expect(plan.policies[0].items.filter((item) => item.gate === 'blocked')).toHaveLength(3);
  });

  it('plans one policy with --policy, and names the known ones for an unknown name', async () => {
    const other = booksPolicy({ name: 'second' });
    const plan = await runPlan(document([booksPolicy(), other]), { workspaceRoot: root, policy: 'second', observedAt: 'x' });
    expect(plan.policies.map((p) => p.policy)).toEqual(['second']);
    await expect(runPlan(document([booksPolicy()]), { workspaceRoot: root, policy: 'nope' })).rejects.toThrow(
      new PlanError('unknown policy "nope" in books.recon (its policies: books_match)'),
    );
  });

  it('reports a source missing from the IR as one clear line', async () => {
    const broken = booksPolicy({ actual: 'ghost' });
    await expect(runPlan(document([broken]), { workspaceRoot: root })).rejects.toThrow(
      'books.recon:10:1: policy books_match: its actual source "ghost" is not in the IR',
    );
  });

  it('renders in every format', async () => {
    const plan = await runPlan(document([booksPolicy()]), { workspaceRoot: root, observedAt: '2026-11-26T12:00:00Z' });
    for (const format of PLAN_FORMATS) {
      expect(renderPlan(plan, format, { color: false }).length).toBeGreaterThan(100);
    }
  });

  it('defaults observed_at to now, to the second', async () => {
    const plan = await runPlan(document([booksPolicy()]), { workspaceRoot: root });
    expect(plan.observed_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });
});

describe('runPlan with a record cap (maxRecordsPerSource)', () => {
  const AT = '2026-11-26T12:00:00Z';

  it('stops reading each side at the cap and marks the policy plan as truncated, with a warning', async () => {
    const plan = await runPlan(document([booksPolicy()]), { workspaceRoot: root, observedAt: AT, maxRecordsPerSource: 2 });
    const [p] = plan.policies;
    expect([...p.truncated!].sort()).toEqual(['books', 'ledger']);
    expect(p.summary).toMatchObject({ desired: 2, actual: 2, unchanged: 1, changed: 1, missing: 0, extra: 0, invalid: 0 });
    expect(p.items.map((item) => item.id)).toEqual(['books_match/changed/t2']);
    expect(p.warnings).toHaveLength(2);
    expect(p.warnings).toContain(
      "the desired source 'ledger' has more than 2 records: reading stopped at the cap, so this plan covers only the records read (items and counts are partial)",
    );
    expect(p.warnings!.some((w) => w.startsWith("the actual source 'books' has more than 2 records"))).toBe(true);
    // the mark is part of the plan (and of its hash): a partial plan never passes for a whole one
    const whole = await runPlan(document([booksPolicy()]), { workspaceRoot: root, observedAt: AT });
    expect(whole.policies[0].truncated).toBeUndefined();
    expect(plan.plan_hash).not.toBe(whole.plan_hash);
    expect(JSON.parse(JSON.stringify(plan)).policies[0].truncated).toEqual(p.truncated);
  });

  it('leaves a source of exactly the cap whole: the plan is the uncapped plan', async () => {
    // books.json has 5 records; the ledger has 4 in scope (t4 is out of scope by `where`)
    const whole = await runPlan(document([booksPolicy()]), { workspaceRoot: root, observedAt: AT });
    const capped = await runPlan(document([booksPolicy()]), { workspaceRoot: root, observedAt: AT, maxRecordsPerSource: 5 });
    expect(capped.policies[0].truncated).toBeUndefined();
    expect(capped.plan_hash).toBe(whole.plan_hash);
    const tight = await runPlan(document([booksPolicy()]), { workspaceRoot: root, observedAt: AT, maxRecordsPerSource: 4 });
    expect(tight.policies[0].truncated).toEqual(['books']);
    expect(tight.policies[0].summary).toMatchObject({ desired: 4, actual: 4 });
  });

  it('really stops reading a large file at the cap (the connector is closed, not drained)', async () => {
    const lines = ['txn_id,amount,currency'];
    for (let i = 0; i < 200_000; i++) lines.push(`t${i},${i},EUR`);
    writeFileSync(path.join(root, 'data/big.csv'), lines.join('\n') + '\n');
    const big: IrSource = { ...ledger, name: 'big', connector: { ...ledger.connector, path: 'data/big.csv' }, where: null };
    const ir: IrDocument = { ...document([booksPolicy({ desired: 'big' })]), sources: [books, ledger, big] };
    let mostRead = 0;
    const plan = await runPlan(ir, {
      workspaceRoot: root,
      observedAt: AT,
      maxRecordsPerSource: 10,
      onProgress: (event) => {
        if (event.side === 'desired') mostRead = Math.max(mostRead, event.records);
      },
    });
    expect(plan.policies[0].truncated).toEqual(['big']);
    expect(plan.policies[0].summary.desired).toBe(10);
    expect(mostRead).toBeGreaterThanOrEqual(10);
    expect(mostRead).toBeLessThan(100_000);
  });

  it('skips the named policies and reports each policy plan as it is decided', async () => {
    const seen: string[] = [];
    const plan = await runPlan(document([booksPolicy(), booksPolicy({ name: 'second' }), booksPolicy({ name: 'third' })]), {
      workspaceRoot: root,
      observedAt: AT,
      skipPolicies: ['second'],
      onPolicyPlan: (p) => seen.push(`${p.policy}:${p.items.length}`),
    });
    expect(plan.policies.map((p) => p.policy)).toEqual(['books_match', 'third']);
    expect(seen).toEqual(['books_match:6', 'third:6']);
  });

  it('refuses a cap that is not a whole number of records', async () => {
    await expect(runPlan(document([booksPolicy()]), { workspaceRoot: root, maxRecordsPerSource: 2.5 })).rejects.toThrow(
      new PlanError('the record cap must be a whole number of records, not 2.5'),
    );
  });
});
