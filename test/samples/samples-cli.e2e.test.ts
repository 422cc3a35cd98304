/**
 * The words, run as a user would with the built CLI: `recon check samples stdlib` is
 * clean, `recon test samples` passes, and the samples are in canonical layout.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, REPO_ROOT, runCli } from '../helpers/run-cli.js';

describe('the samples and the standard library through the CLI', () => {
  beforeAll(async () => {
    await ensureCliBuilt();
  }, 120_000);

  it('recon check samples stdlib: no errors, no warnings', async () => {
    const result = await runCli(['check', 'samples', 'stdlib'], { cwd: REPO_ROOT });
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/ 0 errors, 0 warnings/);
    expect(result.code).toBe(0);
  });

  it('recon test samples: every test passes', async () => {
    const result = await runCli(['test', 'samples'], { cwd: REPO_ROOT });
    expect(result.stdout).toMatch(/^\d+ passed, 0 failed$/m);
    expect(result.stdout).not.toMatch(/FAIL/);
    expect(result.code).toBe(0);
  });

  it('recon fmt --check samples stdlib: already canonical', async () => {
    const result = await runCli(['fmt', '--check', 'samples', 'stdlib'], { cwd: REPO_ROOT });
    expect(result.stdout).toBe('');
    expect(result.code).toBe(0);
  });
});
