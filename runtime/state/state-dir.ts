/**
 * The state directory (RUNTIME.md section 5): `--state-dir DIR`, default `.recon/` inside the
 * workspace root. Holds the audit log, tickets, metrics, locks and checkpoints.
 *
 * Why it refuses symbolic links: the state files are appended to (`audit.jsonl`, whose lines
 * quote record keys) and rewritten (`metrics.prom` through a `.tmp` file) by every `recon plan`,
 * and a cloned repository can hold a `.recon/` of its own. A committed
 * `.recon/audit.jsonl -> ../../.bashrc` would make a dry run append text the data chose to a
 * file far outside the workspace; `.recon -> /elsewhere` would put every state file there. So
 * the default folder must stay inside the workspace root (its real path too), and no entry of
 * the state folder — whoever chose it — may be a symbolic link. A folder named by `--state-dir`
 * may itself be a link: the user chose it.
 */
import { lstatSync, mkdirSync, readdirSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isInside } from '../workspace/workspace-paths.js';

/** A state folder recon refuses to use; one clear line. */
export class StateDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateDirError';
  }
}

/** Throws when an entry below `dir` (the state files and folders) is a symbolic link. */
function refuseLinks(dir: string, top: string, shown: string = top): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) {
      throw new StateDirError(`the state folder ${top} holds a symbolic link, ${join(shown, entry.name)}; recon does not write its state through links (remove it)`);
    }
    if (entry.isDirectory()) refuseLinks(path, top, join(shown, entry.name));
  }
}

/** The state directory for a workspace, created on first use; see the module comment. */
export function resolveStateDir(workspaceRoot: string, override?: string): string {
  const dir = override ? resolve(override) : join(workspaceRoot, '.recon');
  if (!override && isLink(dir)) {
    const real = realpathOrNull(dir);
    const root = realpathOrNull(workspaceRoot) ?? resolve(workspaceRoot);
    if (real === null || !isInside(root, real)) {
      throw new StateDirError('the state folder .recon is a symbolic link that leads outside the workspace root; remove it, or choose a state folder with --state-dir');
    }
  }
  mkdirSync(dir, { recursive: true });
  refuseLinks(dir, override ? dir : '.recon');
  return dir;
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function realpathOrNull(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}
