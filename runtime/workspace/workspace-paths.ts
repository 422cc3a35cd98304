/**
 * Resolves root-relative paths from the IR to real files, refusing anything outside the
 * workspace root.
 *
 * Why: a `.recon` file (or an IR or plan handed to `recon apply`) names the files connectors read
 * and rewrite. LANGUAGE.md 2.1 says they may not leave the workspace root, so a policy cannot read
 * `../../etc/passwd` or rewrite a file elsewhere through a symbolic link. The check is lexical
 * (no `..` escape, no absolute path) and physical (`realpath` of the file, or of its nearest
 * existing ancestor when it does not exist yet, must lie inside the root's `realpath`).
 */
import { realpathSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import path from 'node:path';

/** A path the workspace may not use; the message is one clear line naming the path. */
export class WorkspacePathError extends Error {
  constructor(
    message: string,
    /** The path as written in the IR. */
    readonly requested: string,
  ) {
    super(message);
    this.name = 'WorkspacePathError';
  }
}

/** True when `candidate` is `root` or lies below it (both absolute; no links resolved here). */
export function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** The lexical part: an absolute path inside the root, or an error. */
function lexicalResolve(workspaceRoot: string, requested: string): string {
  if (typeof requested !== 'string' || requested.trim() === '') {
    throw new WorkspacePathError('a file path must not be empty', String(requested));
  }
  if (requested.includes('\0')) throw new WorkspacePathError(`the path ${JSON.stringify(requested)} contains a NUL character`, requested);
  if (path.isAbsolute(requested) || path.win32.isAbsolute(requested)) {
    throw new WorkspacePathError(
      `the path ${JSON.stringify(requested)} is absolute; paths must be relative to the workspace root`,
      requested,
    );
  }
  const root = path.resolve(workspaceRoot);
  const resolved = path.resolve(root, requested);
  if (!isInside(root, resolved)) {
    throw new WorkspacePathError(`the path ${JSON.stringify(requested)} leaves the workspace root ${root}`, requested);
  }
  return resolved;
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function physicalCheck(root: string, rootReal: string, resolved: string, requested: string, real: (p: string) => string | null): string {
  // The file, or its nearest existing ancestor (a file about to be created).
  let probe = resolved;
  let suffix = '';
  for (;;) {
    const probeReal = real(probe);
    if (probeReal !== null) {
      if (!isInside(rootReal, probeReal)) {
        throw new WorkspacePathError(
          `the path ${JSON.stringify(requested)} leads outside the workspace root ${root} (through a symbolic link to ${probeReal})`,
          requested,
        );
      }
      return suffix === '' ? probeReal : path.join(probeReal, suffix);
    }
    const parent = path.dirname(probe);
    if (parent === probe) return resolved;
    suffix = suffix === '' ? path.basename(probe) : path.join(path.basename(probe), suffix);
    probe = parent;
  }
}

/**
 * The absolute, symlink-free path of `requested` (relative to `workspaceRoot`), which may not
 * exist yet. Throws `WorkspacePathError` for absolute paths, `..` escapes and symbolic links that
 * lead outside the root.
 */
export async function resolveWorkspacePath(workspaceRoot: string, requested: string): Promise<string> {
  const resolved = lexicalResolve(workspaceRoot, requested);
  const root = path.resolve(workspaceRoot);
  const rootReal = await realpath(root).catch(() => root);
  // Collect the realpaths asynchronously, then run the same check synchronously over them.
  const cache = new Map<string, string | null>();
  let probe = resolved;
  for (;;) {
    try {
      cache.set(probe, await realpath(probe));
      break;
    } catch (error) {
      if (!isMissing(error)) throw error;
      cache.set(probe, null);
    }
    const parent = path.dirname(probe);
    if (parent === probe) break;
    probe = parent;
  }
  return physicalCheck(root, rootReal, resolved, requested, (p) => cache.get(p) ?? null);
}

/** Synchronous `resolveWorkspacePath`, for writers that must not yield between check and use. */
export function resolveWorkspacePathSync(workspaceRoot: string, requested: string): string {
  const resolved = lexicalResolve(workspaceRoot, requested);
  const root = path.resolve(workspaceRoot);
  let rootReal = root;
  try {
    rootReal = realpathSync(root);
  } catch {
    // A root that does not exist yet holds nothing to escape through.
  }
  return physicalCheck(root, rootReal, resolved, requested, (p) => {
    try {
      return realpathSync(p);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  });
}
