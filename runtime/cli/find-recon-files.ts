/**
 * Expands the PATHS of `recon check`, `fmt` and `test`: files as given, folders to every `.recon`
 * file below them (skipping dependency, VCS and state folders), sorted for stable output.
 * Finding no file at all is an error (exit 1): a CI job pointed at the wrong folder would
 * otherwise report "0 files checked" and pass without checking anything (as eslint refuses
 * "No files matching the pattern").
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
  const roots = paths.length > 0 ? paths : ['.'];
  for (const path of roots) {
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
  if (found.size === 0) throw new CliError(`no .recon file found in ${roots.join(', ')}`);
  return [...found].sort();
}
