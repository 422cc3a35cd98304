/**
 * The packaged extension, as the tests that need it share it: `npm run package` run under the
 * repository's build lock (`repo-build-lock.ts`: it empties and rewrites extension/dist/ and the
 * .vsix, so two test files packaging or building at once would read each other's half-written
 * files), and copies of what the .vsix holds taken under the same lock.
 *
 * Why a copy of the files `vsce ls` names rather than the worktree's extension/dist/: run in
 * place, the bundles find the repository's node_modules above them, so a package the .vsix lacks
 * would go unnoticed; the copy holds exactly what a user installs and nothing else.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../helpers/run-cli.js';
import { withRepoBuildLock } from '../helpers/repo-build-lock.js';

const EXTENSION = join(REPO_ROOT, 'extension');

/** The packaged extension: the .vsix (a copy of its own) and the files it holds, installed in a folder. */
export interface PackagedExtension {
  /** A copy of the .vsix, safe from later packaging. */
  vsix: string;
  /** The files of the .vsix, relative to its `extension/` folder (what `vsce ls` lists). */
  files: string[];
  /** A folder holding exactly those files, as VS Code installs them. */
  installDir: string;
  /**
   * esbuild's metafile of each bundle (keyed by the bundle's path in the .vsix), as the build left
   * them in extension/dist/metafiles.json (outside the .vsix); empty if the build wrote none.
   */
  metafiles: Record<string, { inputs: Record<string, unknown>; outputs: Record<string, unknown> }>;
  /** Removes the copies. */
  remove(): void;
}

/** Packages the working tree (`npm run package`) and copies out the .vsix and its files. */
export function packageExtension(): Promise<PackagedExtension> {
  return withRepoBuildLock(() => {
    execFileSync('npm', ['run', '--silent', 'package'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    const manifest = JSON.parse(readFileSync(join(EXTENSION, 'package.json'), 'utf8')) as { name: string; version: string };
    const vsce = join(REPO_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
    const listing = execFileSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: EXTENSION, encoding: 'utf8' });
    const files = listing.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    const root = mkdtempSync(join(tmpdir(), 'recon-vsix-'));
    const vsix = join(root, `${manifest.name}-${manifest.version}.vsix`);
    copyFileSync(join(EXTENSION, `${manifest.name}-${manifest.version}.vsix`), vsix);
    const installDir = join(root, 'extension');
    for (const file of files) {
      mkdirSync(dirname(join(installDir, file)), { recursive: true });
      copyFileSync(join(EXTENSION, file), join(installDir, file));
    }
    const metafilesPath = join(EXTENSION, 'dist', 'metafiles.json');
    const metafiles = existsSync(metafilesPath) ? (JSON.parse(readFileSync(metafilesPath, 'utf8')) as PackagedExtension['metafiles']) : {};
    return { vsix, files, installDir, metafiles, remove: () => rmSync(root, { recursive: true, force: true }) };
  });
}
