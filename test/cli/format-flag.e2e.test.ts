/**
 * `--format` is a flag of the commands that have formats (RUNTIME.md section 2: `check`, `plan`,
 * `apply`, `test`). Before, every command accepted it and the others ignored it:
 * `recon compile f.recon --format yaml` printed JSON and exited 0, as if the format had been
 * honoured. A flag that does nothing is refused with one line, like an unknown flag.
 */
import { describe, expect, it } from 'vitest';
import { cliTestFolders, makeWorkspace, runCli } from '../helpers/cli-helpers.js';

const keep = cliTestFolders();

describe('--format on a command without formats', () => {
  it.each([
    ['fmt', '--check', 'a.recon', '--format', 'json'],
    ['compile', 'a.recon', '--format', 'yaml'],
    ['approve', 'plan.json', '--by', 'alice@example.com', '--format', 'json'],
    ['watch', 'a.recon', '--format', 'json'],
    ['lsp', '--stdio', '--format', 'json'],
  ])('recon %s ... --format is refused, exit 1', async (...args) => {
    const dir = keep(makeWorkspace({ 'a.recon': 'let x = 1\n' }));
    const result = await runCli(args, { cwd: dir, timeoutMs: 15_000 });
    expect({ code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: recon ${args[0]}: --format is not an option of ${args[0]} (check, plan, apply and test have formats)\n`,
    });
  });

  it('is still taken by check', async () => {
    const dir = keep(makeWorkspace({ 'a.recon': 'let x = 1\n' }));
    const result = await runCli(['check', 'a.recon', '--format', 'json'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ files: 1, errors: 0 });
  });
});
