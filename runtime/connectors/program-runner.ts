/**
 * Running a program for the `exec` connector and writer: never through a shell, bounded in time
 * and output, and its failures described in one secret-free line.
 *
 * Why this shape:
 * - No shell, ever: `spawn(program, argv, { shell: false })`. A record value such as
 *   `$(rm -rf /)` or `; touch pwned` reaches the program as one argument (or as stdin JSON),
 *   verbatim and inert.
 * - The program runs in its own process group (`detached`), so a timeout kills the program and
 *   everything it started (SIGTERM to the group, SIGKILL a moment later), not just the first
 *   process.
 * - Output is bounded (`MAX_STDOUT_BYTES`), stderr keeps its last `STDERR_KEEP_BYTES`; messages
 *   quote stderr trimmed to a few lines and scrubbed of every secret the source read.
 * - A program's run ends when the program exits: a process it left behind that still holds its
 *   output is stopped after `KILL_GRACE_MS` (without that, the run waited for it until the
 *   timeout and then failed a program that had succeeded).
 * - Its own process group keeps the program out of reach of the terminal's Ctrl-C, so recon
 *   stops the groups still running when recon itself ends (`process.exit`, or SIGINT, SIGTERM,
 *   SIGHUP that nothing else handles) — a stopped `recon plan` leaves no program behind. A
 *   command that handles the signal itself (`apply`, `watch`: the actions in flight finish) is
 *   left to do so.
 * - `WITHHELD_VARIABLES` (recon's approval signing key) never reach a program.
 */
import { constants as bufferConstants } from 'node:buffer';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { durationText } from './connector-support.js';
import type { SecretScrubber } from './secret-scrubber.js';

/**
 * A program that prints more than this is stopped (its output would not fit a plan anyway):
 * 512 MiB, or the longest text Node can hold when that is less (2^29 - 24 characters on 64-bit
 * V8, 24 bytes short of 512 MiB) — output between the two could not be decoded, and the read
 * failed with a confusing internal error instead of this limit's message.
 */
export const MAX_STDOUT_BYTES = Math.min(512 * 1024 * 1024, bufferConstants.MAX_STRING_LENGTH);
/** How much of stderr is kept (its end, where errors usually are). */
export const STDERR_KEEP_BYTES = 64 * 1024;
/** How long a program has after SIGTERM before SIGKILL. */
export const KILL_GRACE_MS = 1000;
/** Default limit of a program's run time when the source sets no `timeout`. */
export const DEFAULT_EXEC_TIMEOUT_MS = 60_000;

/**
 * Variables of recon's environment a program never gets: `RECON_APPROVAL_KEY` signs approvals
 * (`apply/approvals.ts`), and a program that had it — any script of a cloned workspace — could
 * forge the approvals it is meant to prove. Named here, not imported: connectors do not depend
 * on `apply/` (a test keeps the two names equal).
 */
export const WITHHELD_VARIABLES: readonly string[] = ['RECON_APPROVAL_KEY'];

export interface ProgramRun {
  /** The program: a name looked up on PATH, or a path (relative ones from `cwd`). */
  program: string;
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed; null: stdin is empty. */
  stdin: string | null;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface ProgramResult {
  /** The exit code, or null when a signal ended the program. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  /** The end of stderr, as text. */
  stderr: string;
  timedOut: boolean;
  cancelled: boolean;
  /** Set when the program printed more than `MAX_STDOUT_BYTES`. */
  overflow: boolean;
  /**
   * Set when the program's output never ended: a process it left behind kept the pipe open even
   * after being stopped. What was read may be cut short, so the run failed.
   */
  outputUnended?: boolean;
}

/** The program could not be started at all (not found, not executable). */
export class ProgramStartError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
    this.name = 'ProgramStartError';
  }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** The process groups of the programs running now (their leaders' pids). */
const runningGroups = new Set<number>();
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Stops every running program's group: recon is ending. */
function stopRunningGroups(): void {
  for (const pid of runningGroups) killGroup(pid, 'SIGTERM');
}

/**
 * A stop signal while programs run: when nothing else handles it, stop the programs and end as
 * the signal's default would (the handler is removed and the signal raised again); when a command
 * handles it (apply and watch let the actions in flight finish), leave the programs to finish.
 */
function onStopSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  stopRunningGroups();
  for (const name of STOP_SIGNALS) process.off(name, onStopSignal);
  process.kill(process.pid, signal);
}

function trackGroup(pid: number): void {
  if (runningGroups.size === 0) {
    process.on('exit', stopRunningGroups);
    for (const name of STOP_SIGNALS) process.on(name, onStopSignal);
  }
  runningGroups.add(pid);
}

function untrackGroup(pid: number | undefined): void {
  if (pid === undefined || !runningGroups.delete(pid) || runningGroups.size > 0) return;
  process.off('exit', stopRunningGroups);
  for (const name of STOP_SIGNALS) process.off(name, onStopSignal);
}

/**
 * Why a program cannot start before trying: an argument or program with a NUL byte (no program
 * can receive one; Node's own message would quote the value, which may be a secret). Null: none.
 */
function unstartable(run: ProgramRun): ProgramStartError | null {
  if (run.program.includes('\0')) return new ProgramStartError('the program name contains a NUL byte', 'ERR_NUL_BYTE');
  const bad = run.args.findIndex((arg) => arg.includes('\0'));
  if (bad >= 0) return new ProgramStartError(`argument ${bad + 1} contains a NUL byte, which no program can receive`, 'ERR_NUL_BYTE');
  return null;
}

/**
 * A start failure's code, made precise for a program named by path: EACCES on a folder is
 * EISDIR; ENOENT on a file that is there means its `#!` interpreter is missing (ENOINTERP).
 */
function startCode(error: NodeJS.ErrnoException, run: ProgramRun): string | null {
  if ((error.code === 'EACCES' || error.code === 'ENOENT') && run.program.includes('/')) {
    try {
      const found = statSync(path.resolve(run.cwd, run.program));
      if (error.code === 'EACCES' && found.isDirectory()) return 'EISDIR';
      if (error.code === 'ENOENT' && found.isFile()) return 'ENOINTERP';
    } catch {
      // Not there to look at: keep the code.
    }
  }
  return error.code ?? null;
}

/** The program's environment: recon's, less `WITHHELD_VARIABLES`. */
function programEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = { ...env };
  for (const name of WITHHELD_VARIABLES) delete result[name];
  return result;
}

/** Runs a program to its end (or its timeout) and collects its output. */
export function runProgram(run: ProgramRun): Promise<ProgramResult> {
  return new Promise((resolve, reject) => {
    const refused = unstartable(run);
    if (refused !== null) {
      reject(refused);
      return;
    }
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn(run.program, [...run.args], {
        cwd: run.cwd,
        env: programEnvironment(run.env),
        shell: false,
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (error) {
      reject(new ProgramStartError(error instanceof Error ? error.message : String(error), (error as NodeJS.ErrnoException).code ?? null));
      return;
    }
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = Buffer.alloc(0);
    let timedOut = false;
    let cancelled = false;
    let overflow = false;
    let outputUnended = false;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    let forceTimer: NodeJS.Timeout | undefined;
    let leftoverTimer: NodeJS.Timeout | undefined;
    if (child.pid !== undefined) trackGroup(child.pid);

    const stop = (): void => {
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
      // If a grandchild escaped the group and holds the pipes, give up on them.
      forceTimer = setTimeout(() => finish(null, 'SIGKILL'), KILL_GRACE_MS * 3);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, run.timeoutMs);
    const onAbort = (): void => {
      cancelled = true;
      stop();
    };
    run.signal?.addEventListener('abort', onAbort, { once: true });

    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      clearTimeout(forceTimer);
      clearTimeout(leftoverTimer);
      untrackGroup(child.pid);
      run.signal?.removeEventListener('abort', onAbort);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve({ exitCode: code, signal, stdout: Buffer.concat(stdout), stderr: stderr.toString('utf8'), timedOut, cancelled, overflow, ...(outputUnended ? { outputUnended } : {}) });
    };

    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > MAX_STDOUT_BYTES) {
        if (!overflow) {
          overflow = true;
          stop();
        }
        return;
      }
      stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = Buffer.concat([stderr, chunk]);
      if (stderr.length > STDERR_KEEP_BYTES) stderr = stderr.subarray(stderr.length - STDERR_KEEP_BYTES);
    });
    child.stdin.on('error', () => {
      // The program did not read its stdin (EPIPE): not a failure by itself.
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      untrackGroup(child.pid);
      run.signal?.removeEventListener('abort', onAbort);
      reject(new ProgramStartError(error.message, startCode(error, run)));
    });
    // The program has exited; its output ends when every process holding the pipes has closed
    // them. One it left behind that still holds them is stopped after a grace; the run then ends
    // at 'close', with the program's own exit, once everything written to the pipe is read (not
    // when the timer fires: a busy event loop runs timers before pending reads, and the output
    // would be cut short). Should the pipe still not end (a process that escaped the group), the
    // run fails rather than pass on output that may be incomplete.
    let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    child.once('exit', (code, signal) => {
      if (settled) return;
      exited = { code, signal };
      leftoverTimer = setTimeout(() => {
        killGroup(child.pid, 'SIGTERM');
        const pid = child.pid;
        setTimeout(() => killGroup(pid, 'SIGKILL'), KILL_GRACE_MS).unref();
        forceTimer = setTimeout(() => {
          outputUnended = true;
          finish(code, signal);
        }, KILL_GRACE_MS * 3);
      }, KILL_GRACE_MS);
    });
    child.once('close', (code, signal) => finish(exited?.code ?? code, exited?.signal ?? signal));
    if (run.signal?.aborted) onAbort();
    child.stdin.end(run.stdin ?? undefined);
  });
}

/** The last lines of stderr, trimmed and scrubbed, for a message (empty when there is none). */
export function stderrExcerpt(stderr: string, scrubber: SecretScrubber, maxLines = 5, maxChars = 600): string {
  const lines = scrubber.scrub(stderr).trim().split(/\r?\n/).map((line) => line.trimEnd()).filter((line) => line !== '');
  let text = lines.slice(-maxLines).join(' | ');
  if (text.length > maxChars) text = `…${text.slice(text.length - maxChars)}`;
  return text;
}

/** Why a program could not start, in words (`not found`, `permission denied`). */
export function startFailure(error: ProgramStartError, program: string, scrubber: SecretScrubber): string {
  const why =
    error.code === 'ENOENT'
      ? 'not found (is it installed and on PATH?)'
      : error.code === 'EACCES'
        ? 'permission denied (is it executable?)'
        : error.code === 'EISDIR'
          ? 'it is a folder, not a program'
          : error.code === 'ENOINTERP'
            ? 'the interpreter its #! line names was not found'
            : error.message;
  return scrubber.scrub(`cannot run ${program}: ${why}`);
}

/**
 * What went wrong with a finished run, or null when it succeeded (exit 0): timeout, cancelled,
 * too much output, killed by a signal, or a non-zero exit, with the end of stderr.
 */
export function runFailure(result: ProgramResult, program: string, timeoutMs: number, scrubber: SecretScrubber): string | null {
  const excerpt = stderrExcerpt(result.stderr, scrubber);
  const tail = excerpt ? `: ${excerpt}` : '';
  const name = scrubber.scrub(program);
  if (result.timedOut) return `${name} did not finish within ${durationText(timeoutMs)} (timeout; it was stopped)${tail}`;
  if (result.cancelled) return `${name} was cancelled`;
  if (result.overflow) return `${name} printed more than ${Math.round(MAX_STDOUT_BYTES / (1024 * 1024))} MiB; it was stopped`;
  if (result.outputUnended) return `${name} exited, but a process it started kept its output open even after being stopped; the output may be incomplete, so it is not used${tail}`;
  if (result.exitCode === 0) return null;
  if (result.exitCode === null) return `${name} was killed by ${result.signal ?? 'a signal'}${tail}`;
  return `${name} exited with code ${result.exitCode}${tail}`;
}

/**
 * The folder a source's programs run in: the folder of the `.recon` file that declares it (from
 * the source's `at`), inside the workspace; the workspace root when that is unknown or is no
 * folder of the workspace — a source of the standard library (`std/kubernetes.recon:66:3`) runs
 * its program in the workspace root, not in a `std/` folder that does not exist (spawning in a
 * missing folder fails as if the program were not installed).
 */
export function programFolder(workspaceRoot: string, sourceAt: string): string {
  const match = /^(.*):\d+:\d+$/.exec(sourceAt);
  if (!match) return workspaceRoot;
  const folder = path.resolve(workspaceRoot, path.dirname(match[1]));
  const relative = path.relative(workspaceRoot, folder);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return workspaceRoot;
  if (!existsSync(folder)) return workspaceRoot;
  return folder;
}
