/**
 * The progress bar of long observes (RUNTIME.md section 2) from the built command line, on a
 * terminal (a pseudo-terminal through util-linux `script`; skipped where it is missing), for a
 * plan that takes the CSV fast path (by `recon plan`, and by `recon apply` planning afresh): the
 * bar shows both sides' records, and nothing of it when stdout is not a terminal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFastPathFixture } from '../helpers/fast-path-fixture.js';
import { ensureCliBuilt, makeTempDir, removeTempDir, runCli, runCliInTty, TTY_AVAILABLE } from '../helpers/run-cli.js';

describe.skipIf(!TTY_AVAILABLE)('the observe progress bar on the CSV fast path', () => {
  let dir: string;
  beforeAll(async () => {
    await ensureCliBuilt();
    dir = makeTempDir();
    writeFastPathFixture(dir, { 'fast.recon': 'string' });
  });
  afterAll(() => removeTempDir(dir));

  it('shows on a terminal, counting the records read on each side', async () => {
    const result = await runCliInTty(['plan', 'fast.recon', '--format', 'text'], { cwd: dir, env: { RECON_TRACE: '1' } });
    expect(result.code, result.stdout).toBe(2);
    expect(result.stdout).toContain('diff path: fast');
    // 80,000 records a side, one range each (below the default range size): the bar starts at
    // the desired side's count (later counts may fall between two of the bar's redraws)
    expect(result.stdout).toMatch(/observing fast \[desired\] 80000 records/);
    expect(result.stdout).toContain('Recon plan');
  }, 70_000);

  it('shows while recon apply plans a file afresh', async () => {
    const result = await runCliInTty(['apply', 'fast.recon'], { cwd: dir });
    expect(result.code, result.stdout).not.toBe(1);
    expect(result.stdout).toMatch(/observing fast \[desired\] 80000 records/);
  }, 70_000);

  it('shows nothing when not on a terminal', async () => {
    const result = await runCli(['plan', 'fast.recon', '--format', 'text'], { cwd: dir });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toBe('');
    expect(result.stdout).not.toContain('observing');
  }, 70_000);
});
