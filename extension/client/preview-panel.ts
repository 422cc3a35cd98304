/**
 * The drift preview panel: one webview beside the editor, reused for every preview, that shows the
 * counts and a table of the items. Why a webview: a table of hundreds of items with colours per
 * kind reads far better than text; the page runs no script (see preview-html.ts).
 */
import * as vscode from 'vscode';
import { renderPreviewHtml } from './preview-html.js';

/** Shows previews; keeps a single panel alive while it is open. */
export class PreviewPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;

  /** Shows `result` under `heading`, opening the panel beside the active editor if needed. */
  show(heading: string, result: unknown): void {
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel('recon.preview', heading, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
        enableScripts: false,
        enableFindWidget: true,
        retainContextWhenHidden: false,
        localResourceRoots: [],
      });
      this.panel.onDidDispose(() => {
        this.panel = undefined;
      });
    }
    this.panel.title = heading;
    this.panel.webview.html = renderPreviewHtml(result, heading, this.panel.webview.cspSource);
    this.panel.reveal(undefined, true);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
