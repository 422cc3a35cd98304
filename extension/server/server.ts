/**
 * The Recon language server: a thin dispatcher from LSP messages to one feature module each
 * (ARCHITECTURE.md convention 9). It owns the shared state — the document store, the workspace
 * folders, the settings, workspace trust — and nothing else; every answer is computed in
 * `features/`.
 *
 * Custom protocol (documented in extension/server/README.md):
 * - request `recon/previewDrift` `{ uri, policy?, render? }` → `DriftPreviewResult`;
 * - request `recon/runTests` `{ uri, test? }` → `RunTestsResult`;
 * - notification `recon/workspaceTrust` `{ trusted }` (the client says the workspace is trusted);
 * - commands `recon.server.previewDrift` and `recon.server.runTests` (the same as the requests,
 *   for clients that only speak `workspace/executeCommand`).
 */
import {
  CodeActionKind,
  createConnection,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  ErrorCodes,
  LSPErrorCodes,
  ProposedFeatures,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
  TextDocumentSyncKind,
  type CancellationToken,
  type Connection,
  type InitializeParams,
  type InitializeResult,
  type Position,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { DocumentAnalysis } from './document-analysis.js';
import { DocumentStore } from './document-store.js';
import { codeActions } from './features/code-actions.js';
import { codeLenses } from './features/code-lens.js';
import { completion, completionAfterCommentEdit, completionAfterWordEdit } from './features/completion.js';
import { definition } from './features/definition.js';
import { DiagnosticsPublisher } from './features/diagnostics.js';
import { documentSymbols } from './features/document-symbols.js';
import { DriftPreviewer, PREVIEW_DRIFT_METHOD, type DriftPreviewParams } from './features/drift-preview.js';
import { foldingRanges } from './features/folding.js';
import { formatDocument } from './features/formatting.js';
import { hover, hoverAfterCommentEdit } from './features/hover.js';
import { documentHighlights, references } from './features/references.js';
import { prepareRename, rename, RenameError } from './features/rename.js';
import { RUN_TESTS_METHOD, TestRunner, type RunTestsParams } from './features/run-test.js';
import { SEMANTIC_TOKEN_LEGEND, semanticTokens } from './features/semantic-tokens.js';
import { workspaceSymbols } from './features/workspace-symbols.js';
import { lifecycleGate } from './lifecycle-gate.js';
import { DEFAULT_SETTINGS, docsLinker, parseSettings, type ReconInitializationOptions, type ServerSettings } from './server-settings.js';
import { uriToPath } from './uri-paths.js';
import { ReconWorkspace } from './workspace.js';

/** The notification by which a client tells the server whether the workspace is trusted. */
export const WORKSPACE_TRUST_NOTIFICATION = 'recon/workspaceTrust';
/** Commands the server executes itself (`workspace/executeCommand`). */
export const SERVER_COMMANDS = { previewDrift: 'recon.server.previewDrift', runTests: 'recon.server.runTests' } as const;

export const SERVER_VERSION = '0.1.0';

export interface ReconServerOptions {
  /** The standard library folder (default: the package's `stdlib/`). */
  stdlibRoot?: string;
  /** `YYYY-MM-DD` for `until` expiry (tests pin it); default today. */
  today?: string;
  /** The instant previews and test runs read (tests pin it); default now. */
  observedAt?: string;
}

/** The running server's state, for tests that look inside. */
export interface ReconServer {
  store: DocumentStore;
  workspace: ReconWorkspace;
  readonly settings: ServerSettings;
  readonly trusted: boolean;
}

function abortSignalOf(token: CancellationToken | undefined): AbortSignal | undefined {
  if (!token) return undefined;
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  else token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

/** Wires every handler onto `connection` (which the caller then `listen()`s to). */
export function createReconServer(connection: Connection, options: ReconServerOptions = {}): ReconServer {
  const store = new DocumentStore({ ...(options.stdlibRoot ? { stdlibRoot: options.stdlibRoot } : {}), check: options.today ? { today: options.today } : {} });
  const workspace = new ReconWorkspace(store);
  let settings: ServerSettings = DEFAULT_SETTINGS;
  let trusted = false;
  let docsLink = docsLinker();
  let configurationSupport = false;
  let codeLensRefresh = false;
  let watchRegistration = false;
  let foldersSupport = false;
  const publisher = new DiagnosticsPublisher(
    store,
    { sendDiagnostics: (p) => connection.sendDiagnostics(p) },
    (code) => docsLink(code),
    120,
    (message) => connection.console.error(message),
  );
  const previews = new DriftPreviewer(store);
  const tests = new TestRunner(store);

  /** Runs a request handler on the document's current analysis; a feature's failure is logged, never fatal. */
  const withDocument = <T>(uri: string, fallback: T, run: (analysis: DocumentAnalysis) => T): T => {
    try {
      const analysis = store.analysis(uri);
      if (!analysis) return fallback;
      return run(analysis);
    } catch (error) {
      if (error instanceof ResponseError) throw error;
      connection.console.error(`recon: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return fallback;
    }
  };
  const offsetOf = (analysis: DocumentAnalysis, position: Position): number => analysis.lines.offset(position);
  /**
   * A request's answer from the document's last analysis, when it is out of date only by edits
   * of the document that `answer` can tell leave its answer unchanged; undefined (check, then
   * answer) when it cannot, or when the analysis is up to date.
   */
  const fromPrevious = <T>(uri: string, position: Position, answer: (previous: DocumentAnalysis, document: TextDocument, offset: number) => T | undefined): T | undefined => {
    const open = store.document(uri);
    const previous = open ? store.previousAnalysis(uri) : undefined;
    if (!open || !previous) return undefined;
    try {
      return answer(previous, open.document, open.document.offsetAt(position));
    } catch (error) {
      connection.console.error(`recon: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return undefined;
    }
  };

  const refreshLenses = (): void => {
    if (codeLensRefresh) void connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
  };

  const loadSettings = async (): Promise<void> => {
    if (!configurationSupport) return;
    try {
      const raw: unknown = await connection.workspace.getConfiguration({ section: 'recon' });
      settings = parseSettings(raw);
    } catch {
      // a client that cannot answer keeps the defaults
    }
  };

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const init = (params.initializationOptions ?? {}) as ReconInitializationOptions;
    trusted = init.trusted === true;
    docsLink = docsLinker(typeof init.docsBaseUrl === 'string' ? init.docsBaseUrl : undefined);
    if (init.settings !== undefined) settings = parseSettings(init.settings);
    if (typeof init.diagnosticsDelayMs === 'number' && init.diagnosticsDelayMs >= 0) publisher.delayMs = init.diagnosticsDelayMs;
    const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    workspace.roots = folders.filter((uri) => uri.startsWith('file:')).map(uriToPath);
    const caps = params.capabilities;
    configurationSupport = caps.workspace?.configuration === true;
    codeLensRefresh = caps.workspace?.codeLens?.refreshSupport === true;
    watchRegistration = caps.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    foldersSupport = caps.workspace?.workspaceFolders === true;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        hoverProvider: true,
        completionProvider: { triggerCharacters: ['.', '/', '"'] },
        definitionProvider: true,
        referencesProvider: true,
        documentHighlightProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: true,
        workspaceSymbolProvider: true,
        documentFormattingProvider: true,
        semanticTokensProvider: { legend: SEMANTIC_TOKEN_LEGEND, full: true },
        foldingRangeProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        codeLensProvider: { resolveProvider: false },
        executeCommandProvider: { commands: [SERVER_COMMANDS.previewDrift, SERVER_COMMANDS.runTests] },
        ...(foldersSupport ? { workspace: { workspaceFolders: { supported: true, changeNotifications: true } } } : {}),
      },
      serverInfo: { name: 'recon', version: SERVER_VERSION },
    };
  });

  connection.onInitialized(() => {
    if (configurationSupport) {
      void connection.client.register(DidChangeConfigurationNotification.type, { section: 'recon' }).catch(() => undefined);
      void loadSettings();
    }
    if (foldersSupport) {
      connection.workspace.onDidChangeWorkspaceFolders(({ added, removed }) => {
        const gone = new Set(removed.map((f) => uriToPath(f.uri)));
        const roots = workspace.roots.filter((r) => !gone.has(r));
        for (const folder of added) if (folder.uri.startsWith('file:')) roots.push(uriToPath(folder.uri));
        workspace.roots = [...new Set(roots)];
      });
    }
    if (watchRegistration) {
      void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.recon' }, { globPattern: '**/recon.json' }] }).catch(() => undefined);
    }
  });

  connection.onDidChangeConfiguration((params) => {
    const raw = (params.settings as { recon?: unknown } | null | undefined)?.recon;
    if (raw !== undefined) settings = parseSettings(raw);
    else void loadSettings();
  });

  connection.onNotification(WORKSPACE_TRUST_NOTIFICATION, (params: { trusted?: unknown }) => {
    trusted = params?.trusted === true;
    refreshLenses();
  });

  // ------------------------------------------------------------ documents

  connection.onDidOpenTextDocument(({ textDocument }) => {
    const open = store.open(textDocument.uri, textDocument.text, textDocument.version, textDocument.languageId);
    publisher.changed(open.path, open.uri);
  });
  connection.onDidChangeTextDocument(({ textDocument, contentChanges }) => {
    const open = store.change(textDocument.uri, contentChanges, textDocument.version);
    if (open) publisher.changed(open.path, open.uri);
  });
  connection.onDidCloseTextDocument(({ textDocument }) => {
    const open = store.close(textDocument.uri);
    publisher.closed(textDocument.uri);
    if (open) publisher.changed(open.path);
  });
  connection.onDidChangeWatchedFiles(({ changes }) => {
    for (const change of changes) {
      if (!change.uri.startsWith('file:')) continue;
      const path = uriToPath(change.uri);
      // an open buffer wins over the disk; other files are re-read by their stamps
      if (!store.documentOfPath(path)) {
        publisher.changed(path);
        store.fileChanged(path);
      }
      if (path.endsWith('recon.json')) {
        // the workspace root of every file may have moved: check everything again
        store.clear();
        publisher.all();
      }
    }
  });

  // ------------------------------------------------------------ language features

  // while a word is typed, or a comment edited, the last analysis answers (no check of the whole file per keystroke)
  connection.onHover(({ textDocument, position }) => {
    const quick = fromPrevious(textDocument.uri, position, hoverAfterCommentEdit);
    return quick !== undefined ? quick : withDocument(textDocument.uri, null, (a) => hover(a, offsetOf(a, position)));
  });
  connection.onCompletion(
    ({ textDocument, position }) =>
      fromPrevious(textDocument.uri, position, (p, d, o) => completionAfterWordEdit(p, d, o) ?? completionAfterCommentEdit(p, d, o) ?? undefined) ??
      withDocument(textDocument.uri, [], (a) => completion(a, offsetOf(a, position))),
  );
  connection.onDefinition(({ textDocument, position }) => withDocument(textDocument.uri, null, (a) => definition(a, offsetOf(a, position), store)));
  connection.onReferences(({ textDocument, position, context }) =>
    withDocument(textDocument.uri, [], (a) => references(workspace, a, offsetOf(a, position), context.includeDeclaration)),
  );
  connection.onDocumentHighlight(({ textDocument, position }) => withDocument(textDocument.uri, [], (a) => documentHighlights(a, offsetOf(a, position))));
  connection.onPrepareRename(({ textDocument, position }) =>
    withDocument(textDocument.uri, null, (a) => {
      try {
        return prepareRename(a, offsetOf(a, position));
      } catch (error) {
        if (error instanceof RenameError) throw new ResponseError(LSPErrorCodes.RequestFailed, error.message);
        throw error;
      }
    }),
  );
  connection.onRenameRequest(({ textDocument, position, newName }) =>
    withDocument(textDocument.uri, null, (a) => {
      try {
        return rename(workspace, a, offsetOf(a, position), newName);
      } catch (error) {
        if (error instanceof RenameError) throw new ResponseError(LSPErrorCodes.RequestFailed, error.message);
        throw error;
      }
    }),
  );
  connection.onDocumentSymbol(({ textDocument }) => withDocument(textDocument.uri, [], documentSymbols));
  connection.onWorkspaceSymbol(({ query }) => {
    try {
      return workspaceSymbols(workspace, query);
    } catch (error) {
      connection.console.error(`recon: workspace symbols: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    }
  });
  connection.onDocumentFormatting(({ textDocument }) => {
    const open = store.document(textDocument.uri);
    return open ? formatDocument(open.document.getText()) : [];
  });
  connection.languages.semanticTokens.on(({ textDocument }) => withDocument(textDocument.uri, { data: [] }, semanticTokens));
  connection.onFoldingRanges(({ textDocument }) => withDocument(textDocument.uri, [], foldingRanges));
  connection.onCodeAction(({ textDocument, range }) =>
    withDocument(textDocument.uri, [], (a) => codeActions(a, a.lines.offset(range.start), a.lines.offset(range.end), (code) => docsLink(code))),
  );
  connection.onCodeLens(({ textDocument }) => withDocument(textDocument.uri, [], (a) => codeLenses(a, previews, tests)));

  // ------------------------------------------------------------ running: previews and tests

  /** What a preview or a test run reads (`DocumentStore.runnableAnalysis`); a URI that is neither open nor a file is InvalidParams. */
  const runnableAnalysis = (uri: string): DocumentAnalysis => {
    const analysis = store.runnableAnalysis(uri);
    if (!analysis) throw new ResponseError(ErrorCodes.InvalidParams, `unknown document ${uri}: it is neither open nor a file on disk`);
    return analysis;
  };

  const previewDrift = async (params: DriftPreviewParams, token?: CancellationToken) => {
    if (!params || typeof params.uri !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'recon/previewDrift needs { uri, policy? }');
    const analysis = runnableAnalysis(params.uri);
    const signal = abortSignalOf(token);
    const result = await previews.preview(analysis, params, {
      trusted,
      timeBudgetMs: settings.preview.timeBudgetMs,
      recordCap: settings.preview.recordCap,
      ...(signal ? { signal } : {}),
      ...(options.observedAt ? { observedAt: options.observedAt } : {}),
    });
    refreshLenses();
    return result;
  };
  const runTests = async (params: RunTestsParams) => {
    if (!params || typeof params.uri !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'recon/runTests needs { uri, test? }');
    const analysis = runnableAnalysis(params.uri);
    const result = await tests.run(analysis, params, options.observedAt);
    refreshLenses();
    return result;
  };
  connection.onRequest(PREVIEW_DRIFT_METHOD, (params: DriftPreviewParams, token: CancellationToken) => previewDrift(params, token));
  connection.onRequest(RUN_TESTS_METHOD, (params: RunTestsParams) => runTests(params));
  connection.onExecuteCommand(async ({ command, arguments: args }, token) => {
    const first = (args?.[0] ?? {}) as DriftPreviewParams & RunTestsParams;
    if (command === SERVER_COMMANDS.previewDrift) return previewDrift(first, token);
    if (command === SERVER_COMMANDS.runTests) return runTests(first);
    throw new ResponseError(ErrorCodes.MethodNotFound, `unknown command ${command}`);
  });

  connection.onShutdown(() => {
    publisher.dispose();
    previews.dispose();
  });

  return {
    store,
    workspace,
    get settings() {
      return settings;
    },
    get trusted() {
      return trusted;
    },
  };
}

/**
 * Serves LSP on this process's stdin and stdout until the client disconnects (`recon lsp
 * --stdio`). Anything written to the console goes to the client's log, never onto stdout, where
 * it would corrupt the protocol stream. LSP's lifecycle rules (nothing before `initialize`, nothing
 * but `exit` after `shutdown`) are enforced on the messages read (`lifecycle-gate.ts`). Resolves
 * when the input ends.
 */
export function startStdioServer(options: ReconServerOptions = {}): Promise<void> {
  const writer = new StreamMessageWriter(process.stdout);
  const connection = createConnection(ProposedFeatures.all, lifecycleGate(new StreamMessageReader(process.stdin), writer), writer);
  const toClient = (level: 'log' | 'info' | 'warn' | 'error') => (...args: unknown[]) => {
    const text = args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
    connection.console[level](text);
  };
  console.log = toClient('log');
  console.info = toClient('info');
  console.warn = toClient('warn');
  console.error = toClient('error');
  console.debug = toClient('log');
  createReconServer(connection, options);
  connection.listen();
  return new Promise((resolve) => {
    process.stdin.on('end', () => resolve());
    process.stdin.on('close', () => resolve());
  });
}
