/**
 * `recon check`, `fmt` and `test` on paths that hold no `.recon` file: exit 1 with one clear
 * line, so a CI job pointed at the wrong folder fails instead of passing with "0 files checked".
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, makeTempDir, removeTempDir, runCli, STACK_TRACE_LINE } from '../helpers/run-cli.js';

let dir: string;

beforeAll(async () => {
  await ensureCliBuilt();
  dir = makeTempDir();
  mkdirSync(join(dir, 'empty'));
  mkdirSync(join(dir, 'other'));
  writeFileSync(join(dir, 'other', 'notes.md'), '# not a policy\n');
  mkdirSync(join(dir, 'other', 'node_modules'));
  writeFileSync(join(dir, 'other', 'node_modules', 'dep.recon'), 'source a {\n  from csv("a.csv")\n  key id\n}\n');
}, 120_000);

afterAll(() => removeTempDir(dir));

describe('no .recon file to work on', () => {
  for (const command of [['check'], ['fmt'], ['fmt', '--check'], ['test']]) {
    it(`recon ${command.join(' ')} on a folder without .recon files exits 1 with one line`, async () => {
      const r = await runCli([...command, 'empty', 'other'], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe('error: no .recon file found in empty, other');
      expect(r.stderr).not.toMatch(STACK_TRACE_LINE);
    });
  }

  it('recon check with no PATHS in a folder without .recon files names the current folder', async () => {
    const r = await runCli(['check'], { cwd: join(dir, 'empty') });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: no .recon file found in .');
  });
});
