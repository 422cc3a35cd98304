/**
 * The VS Code side of Recon: starts the bundled language server (dist/server.mjs, the same server
 * as `recon lsp --stdio`), keeps it told whether the workspace is trusted, and turns its custom
 * requests into the commands "Recon: Preview drift", "Recon: Show plan" and "Recon: Run tests".
 *
 * Everything about the language (diagnostics, hover, completion, code lenses, formatting, ...)
 * lives in the server; this file only wires VS Code to it, so other editors get the same features.
 */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node.js';
import { PlanDocuments, PLAN_SCHEME } from './plan-documents.js';
import { testReportLines } from './preview-html.js';
import { PreviewPanel } from './preview-panel.js';
import {
  COMMANDS,
  PREVIEW_DRIFT_REQUEST,
  RUN_TESTS_REQUEST,
  WORKSPACE_TRUST_NOTIFICATION,
  type ClientInitializationOptions,
  type PreviewDriftParams,
  type RunTestsParams,
  type WorkspaceTrustParams,
} from './recon-protocol.js';

let client: LanguageClient | undefined;

/** The `recon` settings as plain data (what the server's `parseSettings` reads). */
function reconSettings(): { preview: { timeBudget: number; recordCap: number } } {
  const config = vscode.workspace.getConfiguration('recon');
  return {
    preview: {
      timeBudget: config.get<number>('preview.timeBudget', 10),
      recordCap: config.get<number>('preview.recordCap', 100_000),
    },
  };
}

/** Which file and which policy/test a command is about: from its arguments (code lens) or the active editor. */
function commandTarget(args: unknown[]): { uri: vscode.Uri; name?: string } | undefined {
  const [first, second] = args;
  let uri: vscode.Uri | undefined;
  let name = typeof second === 'string' ? second : undefined;
  if (first instanceof vscode.Uri) uri = first;
  else if (typeof first === 'string') uri = vscode.Uri.parse(first);
  else if (first !== null && typeof first === 'object') {
    const record = first as Record<string, unknown>;
    if (typeof record.uri === 'string') uri = vscode.Uri.parse(record.uri);
    for (const key of ['policy', 'test', 'name']) if (name === undefined && typeof record[key] === 'string') name = record[key] as string;
  }
  if (!uri) {
    const editor = vscode.window.activeTextEditor;
    if (editor?.document.languageId === 'recon') uri = editor.document.uri;
  }
  return uri ? { uri, name } : undefined;
}

function fileName(uri: vscode.Uri): string {
  return uri.path.split('/').pop() ?? uri.toString();
}

/** Runs a request with a cancellable progress notification; undefined when cancelled or failed (the user is told why). */
async function withServer<T>(title: string, run: (client: LanguageClient, token: vscode.CancellationToken) => Promise<T>): Promise<T | undefined> {
  const current = client;
  if (!current || !current.isRunning()) {
    void vscode.window.showErrorMessage('Recon: the language server is not running (see the "Recon" output).');
    return undefined;
  }
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (_progress, token) => {
    try {
      return await run(current, token);
    } catch (error) {
      if (!token.isCancellationRequested) {
        void vscode.window.showErrorMessage(`Recon: ${error instanceof Error ? error.message : String(error)}`);
      }
      return undefined;
    }
  });
}

function previewParams(uri: vscode.Uri, policy: string | undefined, render?: 'text'): PreviewDriftParams {
  return { uri: uri.toString(), ...(policy !== undefined ? { policy } : {}), ...(render ? { render } : {}) };
}

function needTarget(args: unknown[]): { uri: vscode.Uri; name?: string } | undefined {
  const target = commandTarget(args);
  if (!target) void vscode.window.showInformationMessage('Recon: open a .recon file first.');
  return target;
}

/** Called by VS Code when a `.recon` file opens (activation event `onLanguage:recon`). */
export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const serverModule = context.asAbsolutePath('dist/server.mjs');
  // stdio: the transport `recon lsp --stdio` serves, so the bundled and the CLI server start alike.
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.stdio },
    debug: { module: serverModule, transport: TransportKind.stdio, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'recon' },
      { scheme: 'untitled', language: 'recon' },
    ],
    // A function, so a restarted server is told the trust of that moment, not of the first start.
    initializationOptions: (): ClientInitializationOptions => ({ trusted: vscode.workspace.isTrusted, settings: reconSettings() }),
    synchronize: {
      configurationSection: 'recon',
      fileEvents: vscode.workspace.createFileSystemWatcher('**/{*.recon,recon.json}'),
    },
  };
  client = new LanguageClient('recon', 'Recon', serverOptions, clientOptions);

  const panel = new PreviewPanel();
  const plans = new PlanDocuments();
  const testOutput = vscode.window.createOutputChannel('Recon Tests');
  context.subscriptions.push(panel, plans, testOutput, vscode.workspace.registerTextDocumentContentProvider(PLAN_SCHEME, plans));

  // Trust is granted once in a running window (revoking it reloads the window): re-tell the server.
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      const params: WorkspaceTrustParams = { trusted: true };
      if (client?.isRunning()) void client.sendNotification(WORKSPACE_TRUST_NOTIFICATION, params);
    }),
  );

  context.subscriptions.push(
    vscode.commands.registerCommand(COMMANDS.previewDrift, async (...args: unknown[]) => {
      const target = needTarget(args);
      if (!target) return;
      const label = target.name ?? fileName(target.uri);
      const result = await withServer(`Recon: previewing drift of ${label}…`, (c, token) =>
        c.sendRequest<unknown>(PREVIEW_DRIFT_REQUEST, previewParams(target.uri, target.name), token),
      );
      if (result !== undefined) panel.show(`Drift preview: ${label}`, result);
    }),
    vscode.commands.registerCommand(COMMANDS.showPlan, async (...args: unknown[]) => {
      const target = needTarget(args);
      if (!target) return;
      const result = await withServer(`Recon: planning ${fileName(target.uri)} (read-only)…`, (c, token) =>
        c.sendRequest<unknown>(PREVIEW_DRIFT_REQUEST, previewParams(target.uri, target.name, 'text'), token),
      );
      if (result === undefined) return;
      // The server renders the plan as `recon plan` prints it (no colour); without a rendering
      // (the preview did not complete) the result itself is shown, status and message included.
      const rendered = (result as { rendered?: unknown }).rendered;
      const document = await vscode.workspace.openTextDocument(
        typeof rendered === 'string' ? plans.put(target.uri, rendered, 'txt') : plans.put(target.uri, `${JSON.stringify(result, null, 2)}\n`, 'json'),
      );
      await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
    }),
    vscode.commands.registerCommand(COMMANDS.runTests, (...args: unknown[]) => runTests(args, testOutput)),
  );

  await client.start();
}

async function runTests(args: unknown[], output: vscode.OutputChannel): Promise<void> {
  const target = needTarget(args);
  if (!target) return;
  const params: RunTestsParams = { uri: target.uri.toString(), test: target.name };
  const result = await withServer(`Recon: running ${target.name ? `test "${target.name}"` : `the tests of ${fileName(target.uri)}`}…`, (c, token) =>
    c.sendRequest<unknown>(RUN_TESTS_REQUEST, params, token),
  );
  if (result === undefined) return;
  const report = testReportLines(result);
  const status = (result as { status?: unknown }).status;
  output.clear();
  output.appendLine(`${fileName(target.uri)}${target.name ? ` — ${target.name}` : ''}`);
  for (const line of report.lines) output.appendLine(line);
  output.show(true);
  const summary = `Recon tests: ${report.passed} passed, ${report.failed} failed`;
  if (status !== undefined && status !== 'ok') void vscode.window.showErrorMessage(`Recon tests did not run: ${report.lines[0] ?? status}`);
  else if (report.failed > 0) void vscode.window.showErrorMessage(summary);
  else void vscode.window.showInformationMessage(summary);
}

/** Called by VS Code on shutdown: stop the server so it does not outlive the window. */
export function deactivate(): Promise<void> | undefined {
  return client?.stop();
}
