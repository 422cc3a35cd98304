/**
 * Runs a TypeScript module text in a process of its own (`node --import tsx`), for tests that
 * need several real processes at once: concurrent writers of one file, locks held across
 * processes. Resolves with the exit code and stderr, whatever the code.
 */
import { spawn } from 'node:child_process';
import { REPO_ROOT } from './run-cli.js';

export function runTsxScript(script: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stderr }));
  });
}
