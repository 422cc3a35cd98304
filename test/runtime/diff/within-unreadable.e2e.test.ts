/**
 * `within` on values it cannot read, through the built CLI: `booked_at within 5` on ISO text and
 * `amount within 2m` on numbers still report the records as changed, and the plan's policy
 * `warnings` say why once per rule (a count, an example and a hint) — in the JSON plan and in
 * the text view, on the generic path (small files, or `where`) and the CSV fast path (big files)
 * alike. A policy whose rules fit the values has no warnings.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, runCli } from '../../helpers/run-cli.js';

/** [key, desired booked_at, actual booked_at, desired amount, actual amount]. */
const CASES: [string, string, string, string, string][] = [
  ['T1', '2024-05-01T10:00:00Z', '2024-05-01T10:00:03Z', '10', '11'],
  ['T2', '2024-05-01T11:00:00Z', '2024-05-01T11:00:04Z', '20', '20'],
  ['T3', '2024-05-01T12:00:00Z', '2024-05-01T12:00:00Z', '30', '30.5'],
  ['T4', '2024-05-01T13:00:00Z', '2024-05-01T13:09:00Z', '40', '40'],
];

function reconFile(rules: string, where: boolean): string {
  const side = (name: string, file: string) => `source ${name} {\n  from csv("${file}")\n  key id\n${where && name === 'ledger' ? '  where true\n' : ''}}\n`;
  return `${side('ledger', 'desired.csv')}${side('bank', 'actual.csv')}policy bookings {\n  mode audit\n  desired ledger\n  actual bank\n  compare {\n${rules}  }\n}\n`;
}

const WRONG = '    booked_at within 5\n    amount within 2m\n';
const RIGHT = '    booked_at within 5s\n    amount within 2\n';

/** The two files: the cases, then `filler` rows equal on both sides (enough for the fast path). */
function writeFiles(dir: string, filler: number): void {
  const side = (at: 1 | 2, amount: 3 | 4) => {
    const lines = ['id,booked_at,amount,memo', ...CASES.map((c) => `${c[0]},${c[at]},${c[amount]},ledger booking`)];
    for (let i = 0; i < filler; i++) lines.push(`F${String(i).padStart(7, '0')},2024-06-01T00:00:00Z,${(i % 99_991) + 0.25},settled in full on the day`);
    return lines.join('\n') + '\n';
  };
  writeFileSync(join(dir, 'desired.csv'), side(1, 3));
  writeFileSync(join(dir, 'actual.csv'), side(2, 4));
}

interface PlanJson {
  policies: { summary: Record<string, number>; warnings?: string[]; items: { kind: string; key: Record<string, unknown>; fields: { path: string }[] }[] }[];
}

const AT_WARNING =
  'booked_at within 5 (wrong.recon:14:5) compares numbers, but 3 records have values that are not numbers ' +
  '(e.g. desired "2024-05-01T10:00:00Z" (string)): they are reported as changed; for datetimes write a duration: booked_at within 5s';
const AMOUNT_WARNING =
  'amount within 2m (wrong.recon:15:5) compares datetimes, but 2 records have values that are not datetimes ' +
  '(e.g. desired "10" (string)): they are reported as changed; for numbers write amount within N or within N%';

describe('within on values it cannot read, through the CLI', () => {
  let dir: string;
  beforeAll(async () => {
    await ensureCliBuilt();
    dir = mkdtempSync(join(tmpdir(), 'recon-within-unreadable-'));
    writeFileSync(join(dir, 'recon.json'), '{}\n');
    writeFileSync(join(dir, 'wrong.recon'), reconFile(WRONG, false));
    writeFileSync(join(dir, 'wrong-generic.recon'), reconFile(WRONG, true));
    writeFileSync(join(dir, 'right.recon'), reconFile(RIGHT, false));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const plan = (file: string, format = 'json') => runCli(['plan', file, '--format', format], { cwd: dir, env: { RECON_TRACE: '1' } });
  const policyOf = (stdout: string) => (JSON.parse(stdout) as PlanJson).policies[0]!;

  it('warns once per rule with a count, an example and a hint; the items stay changed; none when the rules fit (small files)', async () => {
    writeFiles(dir, 0);
    const result = await plan('wrong.recon');
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('diff path: generic');
    const policy = policyOf(result.stdout);
    expect(policy.summary).toMatchObject({ changed: 4, unchanged: 0 });
    expect(policy.items.map((i) => [i.key, i.fields.map((f) => f.path)])).toEqual([
      [{ id: 'T1' }, ['booked_at', 'amount']],
      [{ id: 'T2' }, ['booked_at']],
      [{ id: 'T3' }, ['amount']],
      [{ id: 'T4' }, ['booked_at']],
    ]);
    expect(policy.warnings).toEqual([AT_WARNING, AMOUNT_WARNING]);
    const text = await runCli(['plan', 'wrong.recon'], { cwd: dir });
    expect(text.stdout).toContain(`  warning: ${AT_WARNING}\n`);
    // rules that fit the values: no warning
    const right = await plan('right.recon');
    expect(right.code, right.stderr).toBe(2);
    const fitting = policyOf(right.stdout);
    // only T4's nine minutes are beyond 5s; amounts differ by at most 1
    expect(fitting.items.map((i) => [i.key, i.fields.map((f) => f.path)])).toEqual([[{ id: 'T4' }, ['booked_at']]]);
    expect(fitting.warnings).toBeUndefined();
  }, 120_000);

  it('the CSV fast path warns as the generic path does', async () => {
    writeFiles(dir, 110_000);
    const [fast, generic, right] = await Promise.all([plan('wrong.recon'), plan('wrong-generic.recon'), plan('right.recon')]);
    expect(fast.code, fast.stderr).toBe(2);
    expect(fast.stderr).toContain('diff path: fast');
    expect(generic.stderr).toContain('diff path: generic');
    expect(policyOf(fast.stdout).warnings).toEqual([AT_WARNING, AMOUNT_WARNING]);
    expect(policyOf(generic.stdout).warnings).toEqual([AT_WARNING.replace('wrong.recon:14', 'wrong-generic.recon:15'), AMOUNT_WARNING.replace('wrong.recon:15', 'wrong-generic.recon:16')]);
    expect(policyOf(fast.stdout).items).toEqual(policyOf(generic.stdout).items);
    expect(right.stderr).toContain('diff path: fast');
    expect(policyOf(right.stdout).warnings).toBeUndefined();
  }, 180_000);
});
