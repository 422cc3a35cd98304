/**
 * Approvals (runtime/apply/approvals.ts): bound to plan hash + item + approver, group membership
 * from the plan's IR, --auto-approve never for restricted items, HMAC signatures.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTsxScript } from '../../helpers/tsx-script.js';
import type { IrDocument } from '../../../language/ir/ir-types.js';
import {
  appendApprovals,
  ApprovalError,
  approvalRefusal,
  createApprovals,
  loadApprovals,
  resolveApprovals,
  signApproval,
  verifyApproval,
} from '../../../runtime/apply/approvals.js';
import type { ChangePlan, PlanItem } from '../../../runtime/plan/change-plan.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function planItem(id: string, gate: PlanItem['gate'], approvers: string | null): PlanItem {
  return {
    id,
    kind: 'missing',
    key: { id },
    side: null,
    fields: [],
    action: 'create',
    gate,
    approvers,
    reason: { rule: 1, at: 'a.recon:1:1', because: null, ...(gate === 'blocked' ? { message: 'blocked: the policy is in mode audit (never acts)' } : {}) },
    precondition: null,
    effect: null,
  };
}

function plan(hash = 'sha256:' + '1'.repeat(64)): ChangePlan {
  const ir = { version: 1, file: 'a.recon', sources: [], groups: [{ name: 'leads', members: ['alice@example.com', 'Bob@Example.com'], at: 'a.recon:1:1' }], policies: [], tests: [] } as unknown as IrDocument;
  return {
    version: 1,
    plan_hash: hash,
    ir_hash: 'sha256:' + '2'.repeat(64),
    observed_at: '2026-11-26T12:00:00Z',
    drift: true,
    ir,
    policies: [
      {
        policy: 'p',
        mode: 'enforce',
        summary: { desired: 3, actual: 0, unchanged: 0, missing: 3, extra: 0, changed: 0, invalid: 0 },
        limits: { exceeded: false, reasons: [] },
        items: [planItem('p/missing/big', 'approval', 'leads'), planItem('p/missing/open', 'approval', null), planItem('p/missing/auto', 'auto', null), planItem('p/missing/audit', 'blocked', null)],
      },
    ],
  };
}

describe('who may approve', () => {
  it('admits members of the item group (case-insensitively) and anyone for an item without a group', () => {
    const p = plan();
    const [big, open, auto, audit] = p.policies[0]!.items;
    expect(approvalRefusal(p.ir, big!, 'alice@example.com')).toBeNull();
    expect(approvalRefusal(p.ir, big!, 'bob@example.com')).toBeNull();
    expect(approvalRefusal(p.ir, big!, 'mallory@example.com')).toBe('mallory@example.com is not in group leads (alice@example.com, Bob@Example.com), which must approve item p/missing/big');
    expect(approvalRefusal(p.ir, open!, 'mallory@example.com')).toBeNull();
    expect(approvalRefusal(p.ir, auto!, 'alice@example.com')).toContain('does not need approval');
    expect(approvalRefusal(p.ir, audit!, 'alice@example.com')).toContain('is blocked');
    expect(approvalRefusal(p.ir, { ...big!, approvers: 'ghosts' }, 'alice@example.com')).toContain('does not declare');
  });
});

describe('createApprovals', () => {
  it('approves every waiting item the approver may approve, bound to the plan hash', () => {
    const p = plan();
    const records = createApprovals(p, 'alice@example.com', { now: new Date('2026-11-26T12:30:00Z') });
    expect(records).toEqual([
      { plan_hash: p.plan_hash, item: 'p/missing/big', approver: 'alice@example.com', approved_at: '2026-11-26T12:30:00.000Z' },
      { plan_hash: p.plan_hash, item: 'p/missing/open', approver: 'alice@example.com', approved_at: '2026-11-26T12:30:00.000Z' },
    ]);
    expect(createApprovals(p, 'mallory@example.com').map((r) => r.item)).toEqual(['p/missing/open']);
  });

  it('refuses an unknown item, an outsider for a restricted item, and a missing approver', () => {
    const p = plan();
    expect(() => createApprovals(p, 'alice@example.com', { items: ['p/missing/nope'] })).toThrow(ApprovalError);
    expect(() => createApprovals(p, 'alice@example.com', { items: ['p/missing/nope'] })).toThrow('unknown item p/missing/nope');
    expect(() => createApprovals(p, 'mallory@example.com', { items: ['p/missing/big'] })).toThrow('not in group leads');
    expect(() => createApprovals(p, '  ')).toThrow('--by');
    const onlyRestricted = plan();
    onlyRestricted.policies[0]!.items = [planItem('p/missing/big', 'approval', 'leads')];
    expect(() => createApprovals(onlyRestricted, 'mallory@example.com')).toThrow('may approve none of the 1 waiting item');
  });
});

describe('resolveApprovals', () => {
  it('counts an approval only for its plan hash, its item and an admitted approver', () => {
    const p = plan();
    const other = 'sha256:' + '9'.repeat(64);
    const at = '2026-11-26T12:00:00Z';
    const resolved = resolveApprovals(
      p,
      [
        { plan_hash: other, item: 'p/missing/big', approver: 'alice@example.com', approved_at: at },
        { plan_hash: p.plan_hash, item: 'p/missing/big', approver: 'mallory@example.com', approved_at: at },
        { plan_hash: p.plan_hash, item: 'p/missing/gone', approver: 'alice@example.com', approved_at: at },
        { plan_hash: p.plan_hash, item: 'p/missing/open', approver: 'carol@example.com', approved_at: at },
      ],
      false,
    );
    expect([...resolved.approvedBy]).toEqual([['p/missing/open', 'carol@example.com']]);
    expect(resolved.rejected.map((r) => r.reason)).toEqual([
      expect.stringContaining('for another plan'),
      expect.stringContaining('not in group leads'),
      'the plan has no item p/missing/gone',
    ]);
  });

  it('--auto-approve approves items without a group, never a restricted one', () => {
    const resolved = resolveApprovals(plan(), [], true);
    expect([...resolved.approvedBy]).toEqual([['p/missing/open', 'auto-approve']]);
  });
});

describe('signed approvals', () => {
  const key = 'k3y';

  it('signs with HMAC-SHA256 over the record and detects any change', () => {
    const [record] = createApprovals(plan(), 'alice@example.com', { items: ['p/missing/big'], key });
    expect(record!.signature).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(record!.signature).toBe(signApproval(record!, key));
    expect(verifyApproval(record!, key)).toBe(true);
    expect(verifyApproval(record!, 'another key')).toBe(false);
    expect(verifyApproval({ ...record!, item: 'p/missing/open' }, key)).toBe(false);
    expect(verifyApproval({ ...record!, approved_at: '2030-01-01T00:00:00Z' }, key)).toBe(false);
    expect(verifyApproval({ ...record!, signature: undefined }, key)).toBe(false);
  });

  it('loads a file only when every record verifies, and appends without repeats', () => {
    const dir = mkdtempSync(join(tmpdir(), 'recon-approvals-'));
    dirs.push(dir);
    const file = join(dir, 'approvals.json');
    const p = plan();
    appendApprovals(file, createApprovals(p, 'alice@example.com', { key }));
    appendApprovals(file, createApprovals(p, 'alice@example.com', { key }));
    appendApprovals(file, createApprovals(p, 'bob@example.com', { items: ['p/missing/big'], key }));
    const loaded = loadApprovals(file, key);
    expect(loaded.map((r) => `${r.item} ${r.approver}`)).toEqual(['p/missing/big alice@example.com', 'p/missing/open alice@example.com', 'p/missing/big bob@example.com']);
    expect(() => loadApprovals(file, 'wrong')).toThrow('approval #1 (item p/missing/big by alice@example.com) has a signature that does not match');
    const document = JSON.parse(readFileSync(file, 'utf8'));
    delete document.approvals[2].signature;
    writeFileSync(file, JSON.stringify(document));
    expect(() => loadApprovals(file, key)).toThrow('approval #3 (item p/missing/big by bob@example.com) is not signed');
    expect(loadApprovals(file, null)).toHaveLength(3);
    writeFileSync(file, '{"approvals": [{"item": 3}]}');
    expect(() => loadApprovals(file, null)).toThrow('approval #1 is malformed');
    writeFileSync(file, 'not json');
    expect(() => loadApprovals(file, null)).toThrow('not valid JSON');
  });
});

/** A process that appends `times` approvals (one per call) to `file`, from START_AT (epoch ms) on. */
function appender(file: string, who: string, times: number, startAt: number): Promise<{ code: number | null; stderr: string }> {
  const module = resolve(import.meta.dirname, '..', '..', '..', 'runtime', 'apply', 'approvals.ts');
  const script = [
    `import { appendApprovals } from ${JSON.stringify(module)};`,
    `while (Date.now() < ${startAt}) {}`,
    `for (let i = 0; i < ${times}; i++) {`,
    `  appendApprovals(${JSON.stringify(file)}, [{ plan_hash: 'sha256:1', item: 'p/missing/' + i, approver: ${JSON.stringify(who)}, approved_at: '2026-11-26T12:00:00Z' }]);`,
    '}',
  ].join('\n');
  return runTsxScript(script);
}

describe('appendApprovals writing the file', () => {
  it('does not write through a symbolic link at the old temporary name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'recon-approvals-'));
    dirs.push(dir);
    const file = join(dir, 'approvals.json');
    writeFileSync(join(dir, 'victim'), 'untouched');
    symlinkSync(join(dir, 'victim'), `${file}.tmp`);
    appendApprovals(file, createApprovals(plan(), 'alice@example.com'));
    expect(readFileSync(join(dir, 'victim'), 'utf8')).toBe('untouched');
    expect(loadApprovals(file, null)).toHaveLength(2);
  });

  it('lets several processes append at once without failing, leaving no temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recon-approvals-'));
    dirs.push(dir);
    const file = join(dir, 'approvals.json');
    const startAt = Date.now() + 1500;
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((who) => appender(file, who, 150, startAt)));
    for (const result of results) {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    }
    expect(readdirSync(dir)).toEqual(['approvals.json']);
    expect(loadApprovals(file, null).length).toBeGreaterThan(0);
  }, 30_000);
});
