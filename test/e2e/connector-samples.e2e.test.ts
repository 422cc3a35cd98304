/**
 * The connector samples as shipped: `recon check` is clean and `recon test` passes for each, with
 * nothing running (tests need no database, server or program), and each README says how to start
 * what the sample needs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, REPO_ROOT, runCli } from '../helpers/run-cli.js';

const SAMPLES = [
  { folder: 'postgres-etl-parity', needs: ['./start-postgres.sh', 'ETL_DATABASE_URL'] },
  { folder: 'identity-sync-http', needs: ['node server.mjs', 'IDENTITY_API_TOKEN'] },
  { folder: 'exec-kubectl', needs: ['fake-kubectl', 'PATH='] },
];

beforeAll(async () => {
  await ensureCliBuilt();
}, 120_000);

describe.each(SAMPLES)('samples/$folder', { timeout: 120_000 }, ({ folder, needs }) => {
  const dir = join(REPO_ROOT, 'samples', folder);

  it('checks clean', async () => {
    const result = await runCli(['check', '.'], { cwd: dir });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout + result.stderr).toMatch(/0 errors, 0 warnings/);
  });

  it('passes its tests, without any I/O', async () => {
    const result = await runCli(['test', '.'], { cwd: dir, env: { PATH: '/nonexistent-bin:' + (process.env.PATH ?? ''), ETL_DATABASE_URL: undefined, IDENTITY_API_TOKEN: undefined } });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/[1-9]\d* passed, 0 failed/);
    expect(existsSync(join(dir, '.recon'))).toBe(false);
  });

  it('has a README that says how to start what it needs, and a recon.json', () => {
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    for (const text of needs) expect(readme).toContain(text);
    expect(existsSync(join(dir, 'recon.json'))).toBe(true);
  });
});
