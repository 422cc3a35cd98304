/**
 * Diagnostics as you type: the same checker and codes as `recon check`, published for every open
 * document shortly after its last edit, and again for every open document that imports a file
 * that changed (an edit in another buffer, a save by another tool, a file created or deleted).
 *
 * Why debounced: checking on every keystroke wastes work the next keystroke throws away; a short
 * delay (120 ms by default) publishes once typing pauses. Requests (hover, completion) never wait
 * for it: they check the current version themselves when needed, and the result is cached for
 * both.
 */
import { dirname, relative } from 'node:path';
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic, type DiagnosticRelatedInformation } from 'vscode-languageserver';
import type { Module } from '../../../language/program.js';
import type { DocumentAnalysis } from '../document-analysis.js';
import type { DocumentStore } from '../document-store.js';
import { spanRange, toLspDiagnostic, toRange } from '../lsp-conversions.js';
import { pathToUri } from '../uri-paths.js';

/**
 * The LSP diagnostics of a file: its own module's, then one error on each import whose module
 * (or a module it imports in turn) has errors (`importedErrors`).
 */
export function documentDiagnostics(analysis: DocumentAnalysis, docsLink: (code: string) => string | null): LspDiagnostic[] {
  return [...analysis.diagnostics.map((d) => toLspDiagnostic(d, analysis.lines, docsLink)), ...importedErrors(analysis, docsLink)];
}

/**
 * One error on the path of each import through which errors of other files are reached: the
 * first error's code and message prefixed by its `file:line:col` (relative to this file's
 * folder), how many more there are, and every one of them as related information.
 *
 * Why: `recon check main.recon` fails on an error in a module that main.recon imports, and so do
 * plan and previews; an editor that showed main.recon clean (the imported file being closed, its
 * diagnostics nowhere) would hide why. The errors themselves belong to their file (and show
 * there when it is open); this says where this file pulls them in. Warnings of imported files
 * are not repeated (they do not fail the check). Carries no quick fix: the repair is in the
 * other file.
 */
export function importedErrors(analysis: DocumentAnalysis, docsLink: (code: string) => string | null): LspDiagnostic[] {
  const result: LspDiagnostic[] = [];
  const here = dirname(analysis.path);
  for (const imp of analysis.module.imports) {
    if (!imp.module || imp.decl.path.missing) continue;
    const errors: { module: Module; start: number; end: number; code: string; message: string }[] = [];
    const seen = new Set<string>([analysis.path]);
    const visit = (module: Module): void => {
      if (seen.has(module.path)) return;
      seen.add(module.path);
      const own = [...module.diagnostics].filter((d) => d.severity === 'error').sort((a, b) => a.start - b.start || a.end - b.end);
      for (const d of own) errors.push({ module, start: d.start, end: d.end, code: d.code, message: d.message });
      for (const next of module.imports) if (next.module) visit(next.module);
    };
    visit(imp.module);
    if (errors.length === 0) continue;
    const where = (e: (typeof errors)[number]): string => {
      const { line, column } = e.module.lines.lineColumn(e.start);
      return `${relative(here, e.module.path).replace(/\\/g, '/')}:${line}:${column}`;
    };
    const first = errors[0]!;
    const more = errors.length - 1;
    const related: DiagnosticRelatedInformation[] = errors.map((e) => ({
      location: { uri: pathToUri(e.module.path), range: toRange(e.module.lines, e.start, e.end) },
      message: `${e.message} [${e.code}]`,
    }));
    const diagnostic: LspDiagnostic = {
      range: spanRange(analysis.lines, imp.decl.path),
      severity: DiagnosticSeverity.Error,
      code: first.code,
      source: 'recon',
      message: `in imported ${where(first)}: ${first.message}${more > 0 ? ` (and ${more} more error${more === 1 ? '' : 's'} in imported files)` : ''}`,
      relatedInformation: related,
    };
    const href = docsLink(first.code);
    if (href) diagnostic.codeDescription = { href };
    result.push(diagnostic);
  }
  return result;
}

export interface PublishTarget {
  sendDiagnostics(params: { uri: string; version?: number; diagnostics: LspDiagnostic[] }): void | Promise<void>;
}

/** Schedules re-checks of open documents and publishes their diagnostics. */
export class DiagnosticsPublisher {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly store: DocumentStore,
    private readonly target: PublishTarget,
    private readonly docsLink: (code: string) => string | null,
    /** Milliseconds between the last change and the check. */
    public delayMs = 120,
    /** Where a failure of the checker itself is reported (it never takes the server down). */
    private readonly logError: (message: string) => void = () => {},
  ) {}

  /** A document (or a file it may import) changed: re-check it and its open dependants soon. */
  changed(path: string, uri?: string): void {
    const targets = new Set<string>();
    if (uri) targets.add(uri);
    for (const open of this.store.dependants(path)) targets.add(open.uri);
    for (const target of targets) this.schedule(target);
  }

  /** Re-checks every open document soon (settings or trust changed, a watched file event). */
  all(): void {
    for (const open of this.store.openDocuments()) this.schedule(open.uri);
  }

  schedule(uri: string): void {
    const previous = this.timers.get(uri);
    if (previous) clearTimeout(previous);
    this.timers.set(
      uri,
      setTimeout(() => {
        this.timers.delete(uri);
        this.publish(uri);
      }, this.delayMs),
    );
  }

  /** Checks (when stale) and publishes one open document now. */
  publish(uri: string): void {
    let analysis;
    try {
      analysis = this.store.analysis(uri);
    } catch (error) {
      this.logError(`recon: checking ${uri} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return;
    }
    if (!analysis) return;
    void this.target.sendDiagnostics({
      uri,
      ...(analysis.version !== null ? { version: analysis.version } : {}),
      diagnostics: documentDiagnostics(analysis, this.docsLink),
    });
  }

  /** A closed document: clear its diagnostics and forget its timer. */
  closed(uri: string): void {
    const timer = this.timers.get(uri);
    if (timer) clearTimeout(timer);
    this.timers.delete(uri);
    void this.target.sendDiagnostics({ uri, diagnostics: [] });
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
