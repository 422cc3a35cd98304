/**
 * `within` on ledger totals through the built CLI: a five-cent drift on a total of 5e13 is
 * drift under `within 0.01` (the old floating-point slack, four units in the last place of 5e13 ≈
 * 0.044, called it equal), while differences of at most a cent are not — on the generic path
 * (small files, or `where`) and on the CSV fast path (big files), which must agree: the fast
 * path only skips pairs whose compared bytes are equal and leaves every other decision to the
 * comparators.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, runCli } from '../../helpers/run-cli.js';

/** [key, desired amount, actual amount]: only L1 drifts. */
const CASES: [string, string, string][] = [
  ['L1', '50000000000000.00', '50000000000000.05'],
  ['L2', '50000000000000.00', '50000000000000.01'],
  ['L3', '10.30', '10.29'],
  ['L4', '-0.004', '0.006'],
  ['L5', '-49999999999999.99', '-50000000000000.00'],
];

function reconFile(where: boolean): string {
  const fields = '  fields { id: string  amount: number  memo: string }\n';
  return (
    `source ledger {\n  from csv("desired.csv")\n  key id\n${fields}${where ? '  where true\n' : ''}}\n` +
    `source bank {\n  from csv("actual.csv")\n  key id\n${fields}}\n` +
    'policy totals {\n  mode audit\n  desired ledger\n  actual bank\n  compare {\n    amount within 0.01\n  }\n}\n'
  );
}

/** The two files: the cases, then `filler` rows equal on both sides (enough for the fast path). */
function writeFiles(dir: string, filler: number): void {
  const side = (column: 1 | 2) => {
    const lines = ['id,amount,memo', ...CASES.map((c) => `${c[0]},${c[column]},ledger total`)];
    for (let i = 0; i < filler; i++) lines.push(`F${String(i).padStart(7, '0')},${(i % 99_991) + 0.25},settled in full on the day`);
    return lines.join('\n') + '\n';
  };
  writeFileSync(join(dir, 'desired.csv'), side(1));
  writeFileSync(join(dir, 'actual.csv'), side(2));
}

interface PlanJson {
  policies: { summary: Record<string, number>; items: { kind: string; key: Record<string, unknown>; fields: unknown[] }[] }[];
}

describe('within on large ledger totals, through the CLI', () => {
  let dir: string;
  beforeAll(async () => {
    await ensureCliBuilt();
    dir = mkdtempSync(join(tmpdir(), 'recon-within-'));
    writeFileSync(join(dir, 'recon.json'), '{}\n');
    writeFileSync(join(dir, 'fast.recon'), reconFile(false));
    writeFileSync(join(dir, 'generic.recon'), reconFile(true));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const plan = (file: string) => runCli(['plan', file, '--format', 'json'], { cwd: dir, env: { RECON_TRACE: '1' } });

  const expectOnlyL1 = (stdout: string) => {
    const policy = (JSON.parse(stdout) as PlanJson).policies[0]!;
    expect(policy.summary).toMatchObject({ changed: 1, missing: 0, extra: 0, invalid: 0 });
    expect(policy.items.map((i) => [i.kind, i.key, i.fields])).toEqual([
      ['changed', { id: 'L1' }, [{ path: 'amount', desired: 50000000000000, actual: 50000000000000.05 }]],
    ]);
  };

  it('reports a five-cent drift on 5e13 and nothing within a cent (small files)', async () => {
    writeFiles(dir, 0);
    const result = await plan('fast.recon');
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('diff path: generic');
    expectOnlyL1(result.stdout);
    const text = await runCli(['plan', 'fast.recon'], { cwd: dir });
    expect(text.stdout).toContain('amount  50000000000000 → 50000000000000.05');
  }, 120_000);

  it('the CSV fast path decides the same as the generic path', async () => {
    writeFiles(dir, 110_000);
    const [fast, generic] = await Promise.all([plan('fast.recon'), plan('generic.recon')]);
    expect(fast.code, fast.stderr).toBe(2);
    expect(fast.stderr).toContain('diff path: fast');
    expect(generic.code, generic.stderr).toBe(2);
    expect(generic.stderr).toContain('diff path: generic');
    expectOnlyL1(fast.stdout);
    expectOnlyL1(generic.stdout);
  }, 120_000);
});
