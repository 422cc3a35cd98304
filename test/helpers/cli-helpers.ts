/**
 * Helpers for the end-to-end tests of `recon apply`, `recon approve` and `recon watch`: small
 * workspaces in temporary folders, the built CLI run in the foreground or in the background (to
 * kill it, or to race two of them), and readers for what a run leaves behind (the actual file,
 * the audit log).
 *
 * Why on top of `run-cli.ts`: that file builds and runs the bundle; these add what tests of
 * acting commands need — a process handle to SIGKILL mid-run, and assertions on files byte for
 * byte (mode audit must never write).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { readAuditLog, type AuditRecord } from '../../runtime/state/audit-log.js';
import { ensureCliBuilt, makeTempDir, RECON_BIN, REPO_ROOT, removeTempDir, type CliResult } from './run-cli.js';

export { ensureCliBuilt, makeTempDir, removeTempDir, runCli, RECON_BIN, type CliResult } from './run-cli.js';

/**
 * A fresh workspace: a temporary folder with `recon.json` and the given files (paths relative
 * to it). Returns its absolute path.
 */
export function makeWorkspace(files: Record<string, string>): string {
  const dir = makeTempDir();
  writeFileSync(join(dir, 'recon.json'), '{}\n');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/**
 * The temporary folders of one test file (or `describe` block) that runs the built CLI: the
 * bundle is built before its tests if it must be, and every folder given to the returned `keep`
 * is removed after them. Call it at the top level of the file or block.
 */
export function cliTestFolders(): (dir: string) => string {
  const made: string[] = [];
  beforeAll(async () => {
    await ensureCliBuilt();
  }, 120_000);
  afterAll(() => {
    for (const dir of made) removeTempDir(dir);
  });
  return (dir) => {
    made.push(dir);
    return dir;
  };
}

/** A CSV text from a header and rows (no quoting needed by the tests' values). */
export function csvText(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return [header.join(','), ...rows.map((row) => row.join(','))].join('\n') + '\n';
}

/** A JSON Lines text from records. */
export function jsonlText(records: readonly Record<string, unknown>[]): string {
  return records.map((record) => JSON.stringify(record) + '\n').join('');
}

/** The records of a JSON Lines file (blank lines skipped). */
export function readJsonl(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The bytes and modification time of a file, to prove that nothing wrote it. */
export function snapshot(path: string): { bytes: Buffer; mtimeMs: number } {
  return { bytes: readFileSync(path), mtimeMs: statSync(path).mtimeMs };
}

/** The audit records of a workspace's state directory (a torn last line is skipped, as the product does). */
export function readAudit(workspace: string): AuditRecord[] {
  return readAuditLog(join(workspace, '.recon', 'audit.jsonl')).records;
}

/** How many `applied` events each item has in the audit log (all plans, all runs). */
export function appliedPerItem(records: readonly AuditRecord[], options: { action?: string } = {}): Map<string, number> {
  const counts = new Map<string, number>();
  for (const record of records) {
    if (record.event !== 'applied' || record.item === null) continue;
    if (options.action && record.detail?.action !== options.action) continue;
    counts.set(record.item, (counts.get(record.item) ?? 0) + 1);
  }
  return counts;
}

/** A CLI process running in the background. */
export interface BackgroundCli {
  child: ChildProcess;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when the process exits (code null when killed by a signal). */
  exited: Promise<CliResult & { signal: NodeJS.Signals | null }>;
}

/** Starts `node bin/recon.js ARGS` in the background (the built CLI), without colour or debug output. */
export function startCli(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): BackgroundCli {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  delete env.RECON_DEBUG;
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const child = spawn(process.execPath, [RECON_BIN, ...args], { cwd: options.cwd ?? REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<CliResult & { signal: NodeJS.Signals | null }>((done, fail) => {
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Polls `condition` every 25 ms until it holds; fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs: number, what = 'a condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 25));
  }
}

/**
 * Runs the built CLI on a pseudo-terminal (util-linux `script`), typing `answer` once the output
 * contains `prompt`: for the interactive approval prompt and the progress bar. Both streams
 * arrive in `stdout`.
 */
export function runCliInTtyWithInput(
  args: string[],
  prompt: string,
  answer: string,
  options: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<CliResult> {
  const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, RECON_BIN, ...args].map(quote).join(' ');
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  delete env.CI;
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const child = spawn('/usr/bin/script', ['-qec', command, '/dev/null'], { cwd: options.cwd ?? REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let typed = false;
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (!typed && stdout.includes(prompt)) {
      typed = true;
      child.stdin!.write(answer);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}
