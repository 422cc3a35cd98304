/**
 * `recon check`, `fmt` and `test` on paths that hold no `.recon` file: exit 1 with one clear
 * line, so a CI job pointed at the wrong folder fails instead of passing with "0 files checked".
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
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

describe('links named *.recon in a folder', () => {
  it('count as the files they point at (check and fmt see them); linked folders are not entered', async () => {
    const links = join(dir, 'links');
    mkdirSync(join(links, 'shared'), { recursive: true });
    mkdirSync(join(links, 'policies'));
    writeFileSync(join(links, 'shared', 'real.recon'), 'source  a {\n  from csv("a.csv")\n  key id\n}\n');
    symlinkSync('../shared/real.recon', join(links, 'policies', 'linked.recon'));
    symlinkSync('../shared', join(links, 'policies', 'shared-folder'));
    const check = await runCli(['check', 'policies'], { cwd: links });
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout + check.stderr).toContain('1 file checked');
    // the file and a link to it, both in the folders walked: checked once, under its own name
    const both = await runCli(['check', '.'], { cwd: links });
    expect(both.stdout + both.stderr).toContain('1 file checked');
    const fmt = await runCli(['fmt', 'policies'], { cwd: links });
    expect(fmt.code, fmt.stderr).toBe(0);
    expect(readFileSync(join(links, 'shared', 'real.recon'), 'utf8')).toBe('source a {\n  from csv("a.csv")\n  key id\n}\n');
  });

  it('a dangling one is an error naming it, not skipped', async () => {
    const dangling = join(dir, 'dangling');
    mkdirSync(dangling);
    writeFileSync(join(dangling, 'ok.recon'), 'source a {\n  from csv("a.csv")\n  key id\n}\n');
    symlinkSync('gone.recon', join(dangling, 'lost.recon'));
    const r = await runCli(['check', '.'], { cwd: dangling });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: lost.recon: a link to a file that does not exist');
  });
});
