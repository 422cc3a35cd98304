import { constants as bufferConstants } from 'node:buffer';
import { chmodSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { APPROVAL_KEY_ENV } from '../../../runtime/apply/approvals.js';
import { MAX_STDOUT_BYTES, ProgramStartError, runFailure, runProgram, startFailure, WITHHELD_VARIABLES } from '../../../runtime/connectors/program-runner.js';
import { SecretScrubber } from '../../../runtime/connectors/secret-scrubber.js';
import { makeWorkspace } from './source-fixture.js';

/** Prints `[]`, leaves a process behind that holds its stdout, and exits 0 at once. */
const LEAVES_CHILD = `
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: ['ignore', 'inherit', 'ignore'] });
writeFileSync('left.pid', String(child.pid));
process.stdout.write('[]');
process.exit(0);
`;

/** Like LEAVES_CHILD, but the process it leaves escapes its group (a session of its own): stopping the group does not end it. */
const LEAVES_ESCAPED_CHILD = LEAVES_CHILD.replace("{ stdio: ['ignore', 'inherit', 'ignore'] }", "{ stdio: ['ignore', 'inherit', 'ignore'], detached: true }");

/** Prints the variables it was given, as JSON. */
const PRINT_ENV = `process.stdout.write(JSON.stringify({ approval: process.env.RECON_APPROVAL_KEY ?? null, other: process.env.OTHER_VAR ?? null }));`;

/** Whether a process runs (a zombie waiting for its reaper does not). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('program runner', () => {
  let cleanup: (() => void) | null = null;
  afterEach(() => {
    cleanup?.();
    cleanup = null;
  });
  const workspace = (files: Record<string, string>): string => {
    const ws = makeWorkspace(files);
    cleanup = ws.cleanup;
    return ws.root;
  };
  const run = (cwd: string, program: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 10_000) =>
    runProgram({ program, args, cwd, env, stdin: null, timeoutMs });

  it('a program that exits while a process it started holds its output: its own exit counts, the leftover is stopped', async () => {
    const root = workspace({ 'leaves.mjs': LEAVES_CHILD });
    const started = Date.now();
    const result = await run(root, process.execPath, ['leaves.mjs']);
    expect(Date.now() - started).toBeLessThan(6000);
    expect(runFailure(result, 'leaves.mjs', 10_000, new SecretScrubber())).toBeNull();
    expect(result.stdout.toString()).toBe('[]');
    const left = Number(readFileSync(path.join(root, 'left.pid'), 'utf8'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(alive(left)).toBe(false);
  });

  it('a left-behind process that outlives being stopped keeps the output open: the run fails, its output is not used', async () => {
    const root = workspace({ 'escapes.mjs': LEAVES_ESCAPED_CHILD });
    let left = 0;
    try {
      const result = await run(root, process.execPath, ['escapes.mjs']);
      left = Number(readFileSync(path.join(root, 'left.pid'), 'utf8'));
      expect(result.outputUnended).toBe(true);
      expect(runFailure(result, 'escapes.mjs', 10_000, new SecretScrubber())).toBe(
        'escapes.mjs exited, but a process it started kept its output open even after being stopped; the output may be incomplete, so it is not used',
      );
    } finally {
      if (left > 0 && alive(left)) process.kill(left, 'SIGKILL');
    }
  }, 20_000);

  it('an argument with a NUL byte: a clear start failure that does not quote the value', async () => {
    const root = workspace({});
    const error = (await run(root, 'echo', ['ok', 'to\0ken-s3cr3t']).catch((e: unknown) => e)) as ProgramStartError;
    expect(error).toBeInstanceOf(ProgramStartError);
    const message = startFailure(error, 'echo', new SecretScrubber());
    expect(message).toBe('cannot run echo: argument 2 contains a NUL byte, which no program can receive');
    expect(message).not.toContain('s3cr3t');
  });

  it('a folder named as the program: says it is a folder', async () => {
    const root = workspace({ 'tools/readme.txt': 'x' });
    const error = (await run(root, './tools', []).catch((e: unknown) => e)) as ProgramStartError;
    expect(error).toBeInstanceOf(ProgramStartError);
    expect(startFailure(error, './tools', new SecretScrubber())).toBe('cannot run ./tools: it is a folder, not a program');
  });

  it('stops a program before its output is longer than a text Node can decode', () => {
    // Output of 2^29 - 24 .. 2^29 bytes was kept but could not become a string: the read failed
    // with "Cannot read properties of null (reading 'line')" (checked by hand with a 512 MiB printer).
    expect(MAX_STDOUT_BYTES).toBeLessThanOrEqual(bufferConstants.MAX_STRING_LENGTH);
    const result = { exitCode: null, signal: 'SIGTERM' as const, stdout: Buffer.alloc(0), stderr: '', timedOut: false, cancelled: false, overflow: true };
    expect(runFailure(result, 'big', 1000, new SecretScrubber())).toBe('big printed more than 512 MiB; it was stopped');
  });

  it('a script whose #! interpreter is missing: says so, not that the script is not found', async () => {
    const root = workspace({ 'tool.sh': '#!/usr/bin/no-such-interpreter-recon\n' });
    chmodSync(path.join(root, 'tool.sh'), 0o755);
    const error = (await run(root, './tool.sh', []).catch((e: unknown) => e)) as ProgramStartError;
    expect(error).toBeInstanceOf(ProgramStartError);
    expect(startFailure(error, './tool.sh', new SecretScrubber())).toBe('cannot run ./tool.sh: the interpreter its #! line names was not found');
    const missing = (await run(root, './absent.sh', []).catch((e: unknown) => e)) as ProgramStartError;
    expect(startFailure(missing, './absent.sh', new SecretScrubber())).toBe('cannot run ./absent.sh: not found (is it installed and on PATH?)');
  });

  it("never hands recon's approval signing key to a program; other variables pass", async () => {
    expect(WITHHELD_VARIABLES).toContain(APPROVAL_KEY_ENV);
    const root = workspace({ 'env.mjs': PRINT_ENV });
    const result = await run(root, process.execPath, ['env.mjs'], { ...process.env, RECON_APPROVAL_KEY: 'hmac-s3cr3t', OTHER_VAR: 'kept' });
    expect(JSON.parse(result.stdout.toString())).toEqual({ approval: null, other: 'kept' });
  });
});
