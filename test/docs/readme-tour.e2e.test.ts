/**
 * Walks the README as a new user would: a clean clone of the committed tree, `npm ci`, then the
 * set-up command and every command of the five-minute tour, each with the exit code the README
 * promises (plan: 2, there is drift in the sample; everything else: 0).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '../..');
const readme = readFileSync(join(REPO, 'README.md'), 'utf8');

/** The `node bin/recon.js ...` commands of the README's shell blocks, in order. */
function readmeCommands(): string[] {
  const commands: string[] = [];
  for (const block of readme.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.split('\n')) {
      const command = line.replace(/\s+#.*$/, '').trim();
      const recon = /node bin\/recon\.js .*/.exec(command);
      if (recon) commands.push(recon[0]);
    }
  }
  return commands;
}

function expectedExit(command: string): number {
  return / plan /.test(command) ? 2 : 0;
}

const commands = readmeCommands();
let clone = '';

describe('the README tour on a clean clone', () => {
  beforeAll(() => {
    clone = mkdtempSync(join(tmpdir(), 'recon-readme-'));
    execFileSync('git', ['clone', '--quiet', '--depth', '1', `file://${REPO}`, clone]);
    execFileSync('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: clone, stdio: 'pipe', timeout: 600_000 });
  }, 620_000);

  afterAll(() => {
    if (clone) rmSync(clone, { recursive: true, force: true });
  });

  it('has a set-up command and a tour to walk', () => {
    expect(readme.split('\n').slice(0, 6).join('\n')).toMatch(/npm ci/);
    expect(readme.split('\n').slice(0, 6).join('\n')).toMatch(/npm test/);
    expect(commands.length).toBeGreaterThanOrEqual(5);
    expect(existsSync(join(clone, 'dist', 'cli.js'))).toBe(true);
  });

  it.each(commands)('%s', (command) => {
    const [, , ...args] = command.split(/\s+/).filter((word) => word !== '>' && !word.endsWith('.html'));
    const result = spawnSync(process.execPath, ['bin/recon.js', ...args], { cwd: clone, encoding: 'utf8', timeout: 120_000 });
    expect({ code: result.status, stderr: result.stderr.slice(-500) }).toEqual({ code: expectedExit(command), stderr: expect.any(String) });
    expect(result.stderr).not.toMatch(/^\s+at .*\(.*:\d+:\d+\)$/m);
  });
});
