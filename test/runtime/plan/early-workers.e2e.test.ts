import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFastPathFixture } from '../../helpers/fast-path-fixture.js';
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
    writeFastPathFixture(dir, { 'fast.recon': 'string', 'unused.recon': 'json' });
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
