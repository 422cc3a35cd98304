/**
 * Running the BUILT `recon` command as a user runs it (`node bin/recon.js ...`), for the
 * end-to-end tests in `test/cli/` (ARCHITECTURE.md: "end-to-end tests that run the built CLI").
 *
 * Why the built bundle and a real process: exit codes, what goes to stdout versus stderr, colour
 * decisions, stack traces and the bundle's own start-up (stdlib lookup from `dist/`) only show in
 * a real process running `dist/cli.js`. `ensureCliBuilt` rebuilds the bundle once when it is older
 * than the sources, under a lock, so test files running in parallel never spawn a half-written
 * bundle.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The installed command's entry point. */
export const RECON_BIN = join(REPO_ROOT, 'bin', 'recon.js');
/** The bundle `npm run build` writes. */
export const CLI_BUNDLE = join(REPO_ROOT, 'dist', 'cli.js');

const SOURCE_FOLDERS = ['runtime', 'language'];
const SOURCE_FILES = ['scripts/build.mjs', 'package.json', 'bin/recon.js'];
const LOCK_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'recon-e2e-build.lock');
const LOCK_STALE_MS = 120_000;

function newestMtime(path: string): number {
  let info;
  try {
    info = statSync(path);
  } catch {
    return 0;
  }
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Whether `dist/cli.js` is missing or older than any source it is built from. */
export function cliBundleIsStale(): boolean {
  if (!existsSync(CLI_BUNDLE)) return true;
  const built = statSync(CLI_BUNDLE).mtimeMs;
  const sources = Math.max(...SOURCE_FOLDERS.map((f) => newestMtime(join(REPO_ROOT, f))), ...SOURCE_FILES.map((f) => newestMtime(join(REPO_ROOT, f))));
  return sources > built;
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/**
 * Builds `dist/cli.js` (`node scripts/build.mjs`) when it is stale. Safe to call from every test
 * file at once: one caller builds under a lock folder, the others wait for it. Call it in a
 * `beforeAll` (the build takes about a second).
 */
export async function ensureCliBuilt(): Promise<void> {
  if (!cliBundleIsStale()) return;
  mkdirSync(dirname(LOCK_DIR), { recursive: true });
  const deadline = Date.now() + LOCK_STALE_MS;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let age = 0;
      try {
        age = Date.now() - statSync(LOCK_DIR).mtimeMs;
      } catch {
        continue; // released between the two calls
      }
      if (age > LOCK_STALE_MS || Date.now() > deadline) rmSync(LOCK_DIR, { recursive: true, force: true });
      else await sleep(100);
    }
  }
  try {
    if (!cliBundleIsStale()) return; // another test file built it while we waited
    const result = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`building the CLI failed:\n${result.stdout}${result.stderr}`);
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

export interface CliResult {
  /** The exit code (null when killed by a signal). */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  /** The working folder (default: the repository root). */
  cwd?: string;
  /**
   * Variables added to the environment. `NO_COLOR`, `FORCE_COLOR` and `RECON_DEBUG` are removed
   * from the inherited environment so results do not depend on the shell running the tests; set
   * them here when a test is about them (`undefined` removes a variable).
   */
  env?: Record<string, string | undefined>;
  /** Killed after this many milliseconds (default 60 s). */
  timeoutMs?: number;
}

function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  delete env.RECON_DEBUG;
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

function collect(command: string, args: string[], options: RunCliOptions): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: options.cwd ?? REPO_ROOT, env: childEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      fail(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** Runs `node bin/recon.js ARGS` (the built CLI) and returns its exit code and output. */
export function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  return collect(process.execPath, [RECON_BIN, ...args], options);
}

/** Whether `runCliInTty` can run here (it needs util-linux `script`). */
export const TTY_AVAILABLE = existsSync('/usr/bin/script');

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs the built CLI with a pseudo-terminal as stdout and stderr (through `script`), so colour and
 * progress decisions that depend on a TTY can be tested. Both streams arrive in `stdout`, with
 * `\r\n` line ends.
 */
export function runCliInTty(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  const command = [process.execPath, RECON_BIN, ...args].map(shellQuote).join(' ');
  return collect('/usr/bin/script', ['-qec', command, '/dev/null'], options);
}

/** The payment settlement sample, as shipped. */
export const SETTLEMENT_SAMPLE = join(REPO_ROOT, 'samples', 'payment-settlement');

/**
 * A fresh temporary folder (removed by `removeTempDir`); with `copyFrom`, a copy of that folder
 * without its state directory (`.recon/`), so each test starts with no audit log.
 */
export function makeTempDir(copyFrom?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'recon-e2e-'));
  if (copyFrom) cpSync(copyFrom, dir, { recursive: true, filter: (src) => relative(copyFrom, src).split(sep)[0] !== '.recon' });
  return dir;
}

/** Removes a folder made by `makeTempDir`. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Matches an ANSI escape sequence (colour, cursor movement). */
export const ANSI_ESCAPE = new RegExp(`${String.fromCharCode(27)}\\[`);

/** Matches the look of a JavaScript stack trace line (`    at fn (file:line:col)`). */
export const STACK_TRACE_LINE = /^\s+at .+(\(|\s)(file:\/\/|\/|node:).+:\d+(:\d+)?\)?$/m;
