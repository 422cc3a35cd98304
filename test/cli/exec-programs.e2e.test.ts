/**
 * The programs of `exec` sources end with the run that started them: a `recon plan` stopped by
 * Ctrl-C (SIGINT) or SIGTERM while a program runs stops that program and what it started. The
 * programs run in their own process group (so a timeout can stop all of it), which the
 * terminal's Ctrl-C does not reach by itself.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliTestFolders, makeWorkspace, runCli, startCli, waitFor } from '../helpers/cli-helpers.js';

const keep = cliTestFolders();

/** Starts a grandchild, notes both pids, and hangs. */
const HANGS = `
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
writeFileSync('pids.txt', process.pid + ' ' + child.pid);
setTimeout(() => {}, 60000);
`;

const RECON = `
source wanted { from inline([{ id: "a" }]) key id }
source found { from exec("node", ["hangs.mjs"], timeout: 50s) key id }
policy p { desired wanted actual found }
`;

/** Whether a process runs (a zombie waiting for its reaper does not). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('exec programs and a stopped recon', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} to recon plan stops the program it is running, with everything the program started`, async () => {
      const dir = keep(makeWorkspace({ 'p.recon': RECON, 'hangs.mjs': HANGS }));
      const plan = startCli(['plan', 'p.recon'], { cwd: dir });
      await waitFor(() => existsSync(join(dir, 'pids.txt')) && readFileSync(join(dir, 'pids.txt'), 'utf8').includes(' '), 20_000, 'the program to start');
      const pids = readFileSync(join(dir, 'pids.txt'), 'utf8').split(' ').map(Number);
      plan.child.kill(signal);
      const exit = await plan.exited;
      expect(exit.signal).toBe(signal); // recon still ends as the signal says (exit status 128 + n)
      try {
        await waitFor(() => pids.every((pid) => !alive(pid)), 5000, 'the program and its child to stop');
      } finally {
        for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
      }
    });
  }

  it('a source that fails stops the program still reading the other side: the run ends at once', async () => {
    const failing = `
source wanted { from exec("node", ["-e", "process.exit(3)"]) key id }
source found { from exec("node", ["hangs.mjs"], timeout: 50s) key id }
policy p { desired wanted actual found }
`;
    const dir = keep(makeWorkspace({ 'p.recon': failing, 'hangs.mjs': HANGS }));
    const started = Date.now();
    const result = await runCli(['plan', 'p.recon'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('source wanted: node exited with code 3');
    expect(Date.now() - started).toBeLessThan(20_000);
    if (existsSync(join(dir, 'pids.txt'))) {
      const pids = readFileSync(join(dir, 'pids.txt'), 'utf8').split(' ').filter(Boolean).map(Number);
      try {
        await waitFor(() => pids.every((pid) => !alive(pid)), 5000, 'the program and its child to stop');
      } finally {
        for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
      }
    }
  }, 70_000);
});
