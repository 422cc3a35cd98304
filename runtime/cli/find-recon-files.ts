/**
 * Expands the PATHS of `recon check`, `fmt` and `test`: files as given, folders to every `.recon`
 * file below them (skipping dependency, VCS and state folders), sorted for stable output.
 * Finding no file at all is an error (exit 1): a CI job pointed at the wrong folder would
 * otherwise report "0 files checked" and pass without checking anything (as eslint refuses
 * "No files matching the pattern").
 *
 * A link named `*.recon` inside a folder counts as the file it points at, as naming it on the
 * command line does: a folder of links into shared policies would otherwise be checked as
 * holding nothing. A dangling one is an error, not skipped, for the same reason. Linked folders
 * are not entered (no cycles, and a folder walk stays below the folder given).
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
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
      } else if (entry.isSymbolicLink() && entry.name.endsWith('.recon')) {
        const link = join(dir, entry.name);
        let target;
        try {
          target = statSync(link);
        } catch {
          throw new CliError(`${relative(process.cwd(), link) || link}: a link to a file that does not exist`);
        }
        if (target.isFile()) found.add(link);
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
  return onePathPerFile([...found].sort());
}

/**
 * One path per file: a file reached also through a link (or a link named twice) is checked,
 * formatted and tested once, under its own name when the walk found that, else the first link.
 */
function onePathPerFile(paths: string[]): string[] {
  const byFile = new Map<string, string>();
  for (const path of paths) {
    const real = realpathSync(path);
    const kept = byFile.get(real);
    if (kept === undefined || (kept !== real && path === real)) byFile.set(real, path);
  }
  const keep = new Set(byFile.values());
  return paths.filter((path) => keep.has(path));
}
