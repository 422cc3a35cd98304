import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFastPathFixture } from '../../helpers/fast-path-fixture.js';
import { CLI_BUNDLE, RECON_BIN, ensureCliBuilt } from '../../helpers/run-cli.js';

/**
 * The fast path's worker threads inherit the process's Node flags. A flag that only a `node -e`
 * script accepts (`--input-type`) used to make every worker fail to start, and the diff fell back
 * to the generic path: the same plan, ten times slower. A V8 flag (`--max-old-space-size`) is
 * refused in a worker at once, and the diff ran on one thread. The phase trace shows which path
 * ran, and on how many workers.
 */
describe('the CSV fast path under node flags a worker cannot take', () => {
  let dir: string;
  beforeAll(async () => {
    await ensureCliBuilt();
    dir = mkdtempSync(join(tmpdir(), 'recon-worker-flags-'));
    writeFastPathFixture(dir, { 'flags.recon': 'string' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs `node ARGS` in the fixture's folder with the phase trace on. */
  const traced = (args: string[]) =>
    spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, RECON_TRACE: '1' }, maxBuffer: 1 << 26 });

  /** The plan came from the fast path, on worker threads where the machine has more than one core. */
  const expectFastPathOnWorkers = (result: ReturnType<typeof traced>) => {
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toContain('diff path: fast');
    expect(result.stderr).toContain('diff: scan desired');
    if (availableParallelism() > 1) {
      expect(result.stderr).toMatch(/diff workers: [2-9]/);
      expect(result.stderr).not.toContain('diff workers: none');
    }
    const plan = JSON.parse(result.stdout) as { policies: { summary: { missing: number; extra: number } }[] };
    expect(plan.policies[0]!.summary).toMatchObject({ missing: 10, extra: 10 });
  };

  it('still scans with its workers when the CLI runs inside `node --input-type=module -e`', () => {
    const script = `import(${JSON.stringify(pathToFileURL(CLI_BUNDLE).href)}).then((m) => m.main(['plan', 'flags.recon', '--format', 'json'])).then((code) => { process.exitCode = code; })`;
    expectFastPathOnWorkers(traced(['--input-type=module', '-e', script]));
  });

  it('still scans with its workers under a V8 flag, which Node refuses in a worker (`node --max-old-space-size=N`)', () => {
    const result = traced(['--max-old-space-size=2048', RECON_BIN, 'plan', 'flags.recon', '--format', 'json']);
    expectFastPathOnWorkers(result);
    if (availableParallelism() > 1) expect(result.stderr).toContain("diff workers: started without the process's Node flags");
  });
});
