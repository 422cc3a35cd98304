/**
 * One lock for the test files that rebuild the checkout's bundles: `npm run build` (the language
 * server's tests, when the bundle is stale) and `npm run package` (the .vsix tests, which empty
 * and rewrite extension/dist/). Vitest runs test files in parallel; two of them building at once,
 * or one reading files another is rewriting, fail in ways that have nothing to do with the code.
 *
 * A folder made with `mkdir` (atomic) in node_modules/.cache; a lock older than `staleMs` (its
 * holder was killed) is taken over.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './run-cli.js';

const LOCK_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'recon-repo-build.lock');

/** Runs `work` while holding the lock (see the module comment), and releases it after. */
export async function withRepoBuildLock<T>(work: () => T, staleMs = 300_000): Promise<T> {
  mkdirSync(join(REPO_ROOT, 'node_modules', '.cache'), { recursive: true });
  const deadline = Date.now() + staleMs;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      break;
    } catch {
      if (Date.now() > deadline) rmSync(LOCK_DIR, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    return work();
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}
