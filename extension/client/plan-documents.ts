/**
 * Read-only virtual documents (`recon-plan:` URIs) that hold a change plan (as `recon plan`
 * prints it). Why virtual:
 * "Show plan" must not write a file into the workspace, and a read-only editor gives search,
 * folding and copy for free; VS Code never offers to save it.
 */
import * as vscode from 'vscode';

export const PLAN_SCHEME = 'recon-plan';

/** Serves the text of each plan document and tells open editors when it changes. */
export class PlanDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  /**
   * Stores `text` (a rendered plan, `txt`, or a preview result as `json`) under a URI named after
   * `source` (a `.recon` file) and returns that URI; the extension picks the document's language.
   */
  put(source: vscode.Uri, text: string, extension: 'txt' | 'json'): vscode.Uri {
    const name = source.path.split('/').pop() ?? 'plan';
    const uri = vscode.Uri.from({ scheme: PLAN_SCHEME, path: `/${name}.plan.${extension}`, query: source.toString() });
    this.texts.set(uri.toString(), text);
    this.changed.fire(uri);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? 'This plan is no longer available: run "Recon: Show plan" again.\n';
  }

  dispose(): void {
    this.changed.dispose();
    this.texts.clear();
  }
}
