/**
 * Expands the PATHS of `recon check`, `fmt` and `test`: files as given, folders to every `.recon`
 * file below them (skipping dependency, VCS and state folders), sorted for stable output.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError } from './cli-error.js';

const SKIPPED_FOLDERS = new Set(['node_modules', '.git', '.recon', 'dist']);

export function findReconFiles(paths: string[]): string[] {
  const found = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) walk(join(dir, entry.name));
      } else if (entry.isFile() && entry.name.endsWith('.recon')) {
        found.add(join(dir, entry.name));
      }
    }
  };
  for (const path of paths.length > 0 ? paths : ['.']) {
    const absolute = resolve(path);
    let stats;
    try {
      stats = statSync(absolute);
    } catch {
      throw new CliError(`${path}: no such file or folder`);
    }
    if (stats.isDirectory()) walk(absolute);
    else found.add(absolute);
  }
  return [...found].sort();
}
