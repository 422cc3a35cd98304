/**
 * The documents the server knows: open editor buffers (with their versions) over the disk, and the
 * checked program of each file, cached until something it was built from changes.
 *
 * Why stamps: a file's program includes every module it imports. Each analysis remembers a stamp
 * of every file it read (the buffer version for an open file, mtime and size on disk otherwise,
 * and "absent" for an import that did not resolve); it is reused while all stamps still hold. So
 * hover and completion answer from the cache when nothing changed, an edit in an imported buffer
 * re-checks its dependants, and a file saved by another tool is noticed without a file watcher.
 */
import { statSync } from 'node:fs';
import { TextDocument, type TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import { stringText } from '../../language/ast-builder.js';
import { DiskModuleHost } from '../../language/module-host.js';
import { checkFile, type CheckOptions } from '../../language/pipeline.js';
import { resolveImportPath } from '../../language/program.js';
import { DocumentAnalysis } from './document-analysis.js';
import { pathToUri, uriToPath } from './uri-paths.js';

/** An open editor buffer. */
export interface OpenDocument {
  uri: string;
  /** Canonical absolute path (the module path the checker uses). */
  path: string;
  document: TextDocument;
  /** Distinguishes two openings of one file: versions restart when a file is reopened. */
  session: number;
}

export interface DocumentStoreOptions {
  /** The standard library folder (default: the package's `stdlib/`). */
  stdlibRoot?: string;
  /** Options of the checker (`today` for `until` expiry). */
  check?: CheckOptions;
}

/** Open buffers, the module host that serves them, and the cached analyses. */
export class DocumentStore {
  readonly host: DiskModuleHost;
  /** How many times the checker ran: tests assert that answers come from the cache. */
  checks = 0;
  private readonly byUri = new Map<string, OpenDocument>();
  private readonly byPath = new Map<string, OpenDocument>();
  private readonly analyses = new Map<string, DocumentAnalysis>();
  private sessions = 0;

  constructor(private readonly options: DocumentStoreOptions = {}) {
    this.host = options.stdlibRoot ? new DiskModuleHost(options.stdlibRoot) : new DiskModuleHost();
  }

  /** `textDocument/didOpen`. */
  open(uri: string, text: string, version: number, languageId = 'recon'): OpenDocument {
    const path = uriToPath(uri);
    const open: OpenDocument = { uri, path, document: TextDocument.create(uri, languageId, version, text), session: ++this.sessions };
    this.byUri.set(uri, open);
    this.byPath.set(path, open);
    this.host.setOverlay(path, text);
    return open;
  }

  /** `textDocument/didChange` (full or incremental changes). */
  change(uri: string, changes: TextDocumentContentChangeEvent[], version: number): OpenDocument | undefined {
    const open = this.byUri.get(uri);
    if (!open) return undefined;
    open.document = TextDocument.update(open.document, changes, version);
    this.host.setOverlay(open.path, open.document.getText());
    return open;
  }

  /** `textDocument/didClose`: the disk is the truth again. */
  close(uri: string): OpenDocument | undefined {
    const open = this.byUri.get(uri);
    if (!open) return undefined;
    this.byUri.delete(uri);
    this.byPath.delete(open.path);
    this.host.removeOverlay(open.path);
    return open;
  }

  document(uri: string): OpenDocument | undefined {
    return this.byUri.get(uri);
  }

  documentOfPath(path: string): OpenDocument | undefined {
    return this.byPath.get(path);
  }

  openDocuments(): OpenDocument[] {
    return [...this.byUri.values()];
  }

  /** The URI to answer with for a path: the client's own for an open buffer. */
  uriOf(path: string): string {
    return this.byPath.get(path)?.uri ?? pathToUri(path);
  }

  /** The analysis of an open document at its current version (checked now only when stale). */
  analysis(uri: string): DocumentAnalysis | undefined {
    const open = this.byUri.get(uri);
    return open ? this.analysisOfPath(open.path) : undefined;
  }

  /**
   * What a preview or a test run reads for `uri`: the open buffer, else the file on disk;
   * undefined when it is neither (checked as an empty text, it read "the file declares no policy").
   */
  runnableAnalysis(uri: string): DocumentAnalysis | undefined {
    const open = this.analysis(uri);
    if (open) return open;
    const path = uri.startsWith('file:') ? uriToPath(uri) : undefined;
    return path !== undefined && isFile(path) ? this.analysisOfPath(path) : undefined;
  }

  /** The analysis of any file, open or not (references, workspace symbols). */
  analysisOfPath(path: string): DocumentAnalysis {
    const cached = this.analyses.get(path);
    if (cached && this.isFresh(cached)) return cached;
    const open = this.byPath.get(path);
    const text = open?.document.getText();
    this.checks++;
    const checked = checkFile(path, this.host, text, this.options.check);
    const program = checked.program;
    const stamps = new Map<string, string>();
    for (const module of program.modules.values()) {
      if (module.isStdlib) continue;
      stamps.set(module.path, this.stamp(module.path));
      for (const imp of module.imports) {
        if (imp.module || imp.decl.path.missing) continue;
        const target = resolveImportPath(stringText(imp.decl.path), module.path, this.host);
        if (target && !stamps.has(target)) stamps.set(target, this.stamp(target));
      }
    }
    stamps.set(path, this.stamp(path));
    const entry = program.modules.get(path) ?? program.entry;
    const analysis = new DocumentAnalysis(open?.uri ?? pathToUri(path), path, open?.document.version ?? null, program, entry, stamps);
    this.analyses.set(path, analysis);
    return analysis;
  }

  /**
   * The last analysis of an open document when it is out of date only because the document
   * itself was edited since (every other file it read is unchanged), else undefined — also when it
   * is up to date. Requests that can tell an edit is harmless to them answer from it rather than
   * wait for a check (completion while a word is typed).
   */
  previousAnalysis(uri: string): DocumentAnalysis | undefined {
    const open = this.byUri.get(uri);
    if (!open) return undefined;
    const cached = this.analyses.get(open.path);
    if (!cached || cached.uri !== uri) return undefined;
    const own = cached.stamps.get(open.path);
    if (own === undefined || !own.startsWith(`v${open.session}:`) || own === this.stamp(open.path)) return undefined;
    for (const [path, stamp] of cached.stamps) {
      if (path !== open.path && this.stamp(path) !== stamp) return undefined;
    }
    return cached;
  }

  /** The cached analysis, fresh or not, without checking (for deciding what to re-check). */
  cachedAnalysis(path: string): DocumentAnalysis | undefined {
    return this.analyses.get(path);
  }

  /** Open documents (other than `path` itself) whose program read `path`: they need a re-check when it changes. */
  dependants(path: string): OpenDocument[] {
    const result: OpenDocument[] = [];
    for (const open of this.byUri.values()) {
      if (open.path === path) continue;
      const analysis = this.analyses.get(open.path);
      if (analysis?.stamps.has(path)) result.push(open);
    }
    return result;
  }

  /** A file changed on disk (a watched-file event): forget analyses built from it. */
  fileChanged(path: string): void {
    for (const [key, analysis] of this.analyses) {
      if (analysis.stamps.has(path) || key === path) this.analyses.delete(key);
    }
  }

  /** Forgets every analysis (the workspace root may have moved: a `recon.json` appeared or went). */
  clear(): void {
    this.analyses.clear();
  }

  private isFresh(analysis: DocumentAnalysis): boolean {
    for (const [path, stamp] of analysis.stamps) {
      if (this.stamp(path) !== stamp) return false;
    }
    return true;
  }

  /** What identifies a file's content: the buffer version when open, else mtime and size on disk. */
  private stamp(path: string): string {
    const open = this.byPath.get(path);
    if (open) return `v${open.session}:${open.document.version}`;
    try {
      const stat = statSync(path);
      return `m${stat.mtimeMs}:${stat.size}`;
    } catch {
      return 'absent';
    }
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
