import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, RECON_BIN } from '../../helpers/run-cli.js';

/**
 * `runPlan` starts the CSV fast path's worker threads as soon as the IR shows a policy that may
 * take it, before reading the files' headers. When planning then finds the fast path does not
 * apply (a `json` field, seen only then), the workers must end at once: the process exits when
 * the plan is printed, with the generic path's plan.
 */
describe('worker threads started ahead of the fast path, from the command line', () => {
  let dir: string;
  beforeAll(async () => {
    await ensureCliBuilt();
    dir = mkdtempSync(join(tmpdir(), 'recon-early-workers-'));
    const rows = (n: number, shift: number) => {
      const lines = ['id,amount,memo'];
      for (let i = 0; i < n; i++) lines.push(`K${String(i + shift).padStart(8, '0')},${(i % 997) + 0.25},${'memo text '.repeat(4)}`);
      return lines.join('\n') + '\n';
    };
    // 2 x ~4.6 MB: above the fast path's 8 MiB threshold
    writeFileSync(join(dir, 'desired.csv'), rows(80_000, 0));
    writeFileSync(join(dir, 'actual.csv'), rows(80_000, 10));
    writeFileSync(join(dir, 'recon.json'), '{}\n');
    const file = (memo: string) =>
      `source a {\n  from csv("desired.csv")\n  key id\n  fields { id: string  amount: number  memo: ${memo} }\n}\nsource b {\n  from csv("actual.csv")\n  key id\n  fields { id: string  amount: number  memo: string }\n}\npolicy early {\n  mode audit\n  desired a\n  actual b\n}\n`;
    writeFileSync(join(dir, 'fast.recon'), file('string'));
    writeFileSync(join(dir, 'unused.recon'), file('json'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const plan = (file: string) =>
    spawnSync(process.execPath, [RECON_BIN, 'plan', file, '--format', 'json'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, RECON_TRACE: '1' },
      maxBuffer: 1 << 26,
      // Workers left running would keep the process alive until this kills it.
      timeout: 60_000,
    });

  it('uses them on the fast path', () => {
    const result = plan('fast.recon');
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toContain('diff path: fast');
    const parsed = JSON.parse(result.stdout) as { policies: { summary: { missing: number; extra: number } }[] };
    expect(parsed.policies[0]!.summary).toMatchObject({ missing: 10, extra: 10 });
  }, 70_000);

  it('ends them when the fast path turns out not to apply, and the process exits', () => {
    const result = plan('unused.recon');
    expect(result.signal, 'the process had to be killed').toBeNull();
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toContain('diff path: generic (source a declares a json field)');
    // (the memo column is not JSON: every desired record is invalid)
    const parsed = JSON.parse(result.stdout) as { policies: { summary: { desired: number; actual: number } }[] };
    expect(parsed.policies[0]!.summary).toMatchObject({ desired: 80_000, actual: 80_000 });
  }, 70_000);
});
