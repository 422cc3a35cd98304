/**
 * How the language layer reads files: a small host interface, never `fs` directly.
 *
 * Why: the language server feeds unsaved editor buffers, tests feed strings, and the CLI reads the
 * disk; all three run the same pipeline through this interface (ARCHITECTURE.md, language/).
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeSource } from './source-decoding.js';

export interface ModuleHost {
  /** The text of an absolute path, or undefined when there is no such file. */
  readFile(path: string): string | undefined;
  /** Whether a file exists (used to find `recon.json`). */
  fileExists(path: string): boolean;
  /** Absolute path of the standard library folder (`std/x` is `<stdlibRoot>/x.recon`). */
  readonly stdlibRoot: string;
  /**
   * Where the bytes of a file last read stop being UTF-8 (`readFile` returned U+FFFD there), so
   * the loader can report it; undefined for UTF-8 files, and for hosts that serve strings.
   */
  notUtf8?(path: string): { offset: number; byte: number | null } | undefined;
}

/** The `stdlib/` folder shipped with this package, found from this file's location (source or bundle). */
export function defaultStdlibRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'stdlib')) && existsSync(join(dir, 'package.json'))) return join(dir, 'stdlib');
    dir = dirname(dir);
  }
  return resolve('stdlib');
}

/** Reads the disk, with optional in-memory overlays (unsaved buffers, test inputs) that win over it. */
export class DiskModuleHost implements ModuleHost {
  private readonly overlays = new Map<string, string>();
  private readonly notUtf8Files = new Map<string, { offset: number; byte: number | null }>();

  constructor(readonly stdlibRoot: string = defaultStdlibRoot()) {}

  /** Serves `text` for `path` instead of the disk (editor buffers). */
  setOverlay(path: string, text: string): void {
    this.overlays.set(resolve(path), text);
  }

  removeOverlay(path: string): void {
    this.overlays.delete(resolve(path));
  }

  readFile(path: string): string | undefined {
    const overlay = this.overlays.get(resolve(path));
    if (overlay !== undefined) return overlay;
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch {
      return undefined;
    }
    const decoded = decodeSource(bytes);
    if (decoded.notUtf8) this.notUtf8Files.set(resolve(path), decoded.notUtf8);
    else this.notUtf8Files.delete(resolve(path));
    return decoded.text;
  }

  notUtf8(path: string): { offset: number; byte: number | null } | undefined {
    return this.overlays.has(resolve(path)) ? undefined : this.notUtf8Files.get(resolve(path));
  }

  fileExists(path: string): boolean {
    return this.overlays.has(resolve(path)) || existsSync(path);
  }
}

/** A host over a map of files only (tests): paths are absolute keys. */
export class MemoryModuleHost implements ModuleHost {
  constructor(
    private readonly files: Record<string, string>,
    readonly stdlibRoot: string = defaultStdlibRoot(),
  ) {}

  readFile(path: string): string | undefined {
    return this.files[path] ?? (path.startsWith(this.stdlibRoot) ? new DiskModuleHost(this.stdlibRoot).readFile(path) : undefined);
  }

  fileExists(path: string): boolean {
    return path in this.files;
  }
}

/**
 * The workspace root of a file: the nearest folder at or above the file's folder holding
 * `recon.json`, else the file's own folder (LANGUAGE.md 2.1, RUNTIME.md 2).
 */
export function findWorkspaceRoot(filePath: string, host: Pick<ModuleHost, 'fileExists'>): string {
  const start = dirname(resolve(filePath));
  let dir = start;
  for (;;) {
    if (host.fileExists(join(dir, 'recon.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return start;
    dir = parent;
  }
}

/** Resolves symlinks where the file exists, so two spellings of one module are one module. */
export function canonicalPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}
