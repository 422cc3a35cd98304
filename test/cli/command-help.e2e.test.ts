/**
 * `recon COMMAND --help` (or `-h`) prints that command's usage and does nothing else. Before,
 * every command accepted the flag and ignored it: `recon fmt --help` rewrote the files of the
 * current folder, and `recon apply f.recon --help` applied — a user asking how a command works
 * must never have it act.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliTestFolders, csvText, makeWorkspace, runCli } from '../helpers/cli-helpers.js';

const keep = cliTestFolders();

const POLICY = `source wanted {
  from csv("desired.csv")
  key id
}
source live {
  from csv("actual.csv")
  key id
}
policy accounts {
  mode enforce
  desired wanted
  actual live
  remediate {
    on missing => create
  }
  schedule every 1h
}
`;

function workspace(): string {
  return keep(makeWorkspace({ 'a.recon': POLICY, 'ugly.recon': 'let   x =  1\n', 'desired.csv': csvText(['id'], [['a']]), 'actual.csv': 'id\n' }));
}

const COMMANDS: (readonly string[])[] = [
  ['check', '--help'],
  ['fmt', '--help'],
  ['fmt', '.', '-h'],
  ['compile', 'a.recon', '--help'],
  ['plan', '--help'],
  ['plan', 'a.recon', '--help'],
  ['test', '-h'],
  ['approve', '--help'],
  ['apply', 'a.recon', '--auto-approve', '--help'],
  ['watch', 'a.recon', '--help'],
  ['lsp', '--help'],
];

describe('recon COMMAND --help', () => {
  it.each(COMMANDS)('recon %s ... prints the usage, exit 0, and acts on nothing', async (...args) => {
    const dir = workspace();
    const result = await runCli([...args], { cwd: dir, timeoutMs: 15_000 });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(new RegExp(`^Usage: recon ${args[0]} `));
    expect(readFileSync(join(dir, 'ugly.recon'), 'utf8')).toBe('let   x =  1\n');
    expect(readFileSync(join(dir, 'actual.csv'), 'utf8')).toBe('id\n');
    expect(existsSync(join(dir, '.recon'))).toBe(false);
  });

  it('takes --help after -- as a positional argument, not as a request for help', async () => {
    const dir = workspace();
    const result = await runCli(['check', '--', '--help'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).not.toMatch(/Usage/);
  });
});
