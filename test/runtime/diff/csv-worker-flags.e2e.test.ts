import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BUNDLE, RECON_BIN, ensureCliBuilt } from '../../helpers/run-cli.js';

/**
 * The fast path's worker threads inherit the process's Node flags. A flag that only a `node -e`
 * script accepts (`--input-type`) used to make every worker fail to start, and the diff fell back
 * to the generic path: the same plan, ten times slower. The phase trace shows which path ran.
 */
describe('the CSV fast path under node flags a worker cannot take', () => {
  let dir: string;
  beforeAll(async () => {
    await ensureCliBuilt();
    dir = mkdtempSync(join(tmpdir(), 'recon-worker-flags-'));
    const rows = (n: number, shift: number) => {
      const lines = ['id,amount,memo'];
      for (let i = 0; i < n; i++) lines.push(`K${String(i + shift).padStart(8, '0')},${(i % 997) + 0.25},${'memo text '.repeat(4)}`);
      return lines.join('\n') + '\n';
    };
    // 2 x ~5 MB: above the fast path's 8 MiB threshold
    writeFileSync(join(dir, 'desired.csv'), rows(80_000, 0));
    writeFileSync(join(dir, 'actual.csv'), rows(80_000, 10));
    writeFileSync(join(dir, 'recon.json'), '{}\n');
    writeFileSync(
      join(dir, 'flags.recon'),
      `source a {\n  from csv("desired.csv")\n  key id\n  fields { id: string  amount: number  memo: string }\n}\nsource b {\n  from csv("actual.csv")\n  key id\n  fields { id: string  amount: number  memo: string }\n}\npolicy flags {\n  mode audit\n  desired a\n  actual b\n}\n`,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('still scans with its workers when the CLI runs inside `node --input-type=module -e`', () => {
    const script = `import(${JSON.stringify(pathToFileURL(CLI_BUNDLE).href)}).then((m) => m.main(['plan', 'flags.recon', '--format', 'json'])).then((code) => { process.exitCode = code; })`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, RECON_TRACE: '1' },
      maxBuffer: 1 << 26,
    });
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toContain('diff path: fast');
    expect(result.stderr).toContain('diff: scan desired');
    expect(result.stderr).toMatch(/diff workers: [2-9]/);
    const plan = JSON.parse(result.stdout) as { policies: { summary: { missing: number; extra: number } }[] };
    expect(plan.policies[0]!.summary).toMatchObject({ missing: 10, extra: 10 });
  });

  it('still scans with its workers under a V8 flag, which Node refuses in a worker (`node --max-old-space-size=N`)', () => {
    const result = spawnSync(process.execPath, ['--max-old-space-size=2048', RECON_BIN, 'plan', 'flags.recon', '--format', 'json'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, RECON_TRACE: '1' },
      maxBuffer: 1 << 26,
    });
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toContain('diff path: fast');
    expect(result.stderr).toContain("diff workers: started without the process's Node flags");
    expect(result.stderr).toMatch(/diff workers: [2-9]/);
    expect(result.stderr).not.toContain('diff workers: none');
    const plan = JSON.parse(result.stdout) as { policies: { summary: { missing: number; extra: number } }[] };
    expect(plan.policies[0]!.summary).toMatchObject({ missing: 10, extra: 10 });
  });
});
