/**
 * The `.recon` files of the workspace folders, for the features that look beyond open buffers:
 * references and rename across files, and workspace symbols.
 *
 * Why a bounded walk: a workspace may hold `node_modules`, build output or data folders with
 * thousands of files; the walk skips hidden folders and the usual heavy ones and stops at a cap,
 * so a request never stalls the server.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalPath } from '../../language/module-host.js';

/** Folders never searched for `.recon` files. */
const SKIPPED = new Set(['node_modules', 'dist', 'out', 'build', 'target', 'vendor', '__pycache__']);

/** At most this many files are considered. */
export const MAX_WORKSPACE_FILES = 5000;

/** Every `.recon` file below the roots (canonical absolute paths, sorted), skipping hidden and heavy folders. */
export function findWorkspaceReconFiles(roots: readonly string[], limit = MAX_WORKSPACE_FILES): string[] {
  const found = new Set<string>();
  const walk = (dir: string, depth: number): void => {
    if (found.size >= limit || depth > 20) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (found.size >= limit) return;
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED.has(entry.name)) walk(path, depth + 1);
      } else if (entry.isFile() && entry.name.endsWith('.recon')) {
        found.add(canonicalPath(path));
      }
    }
  };
  for (const root of roots) walk(root, 0);
  return [...found].sort();
}
