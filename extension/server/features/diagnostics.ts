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
import type { Diagnostic as LspDiagnostic } from 'vscode-languageserver';
import type { DocumentAnalysis } from '../document-analysis.js';
import type { DocumentStore } from '../document-store.js';
import { toLspDiagnostic } from '../lsp-conversions.js';

/** The LSP diagnostics of a file's own module. */
export function documentDiagnostics(analysis: DocumentAnalysis, docsLink: (code: string) => string | null): LspDiagnostic[] {
  return analysis.diagnostics.map((d) => toLspDiagnostic(d, analysis.lines, docsLink));
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
