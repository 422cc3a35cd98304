/**
 * The state directory (RUNTIME.md section 5): `--state-dir DIR`, default `.recon/` inside the
 * workspace root. Holds the audit log, tickets, metrics, locks and checkpoints.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The state directory for a workspace, created on first use. */
export function resolveStateDir(workspaceRoot: string, override?: string): string {
  const dir = override ? resolve(override) : join(workspaceRoot, '.recon');
  mkdirSync(dir, { recursive: true });
  return dir;
}
