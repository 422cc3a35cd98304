/**
 * The custom messages between the VS Code client and the Recon language server, as the client
 * sends them. Why a file of its own: the commands, the trust handling and the tests name the
 * same methods, and a typo in a method name fails silently (the server answers "method not found").
 *
 * The server documents these in extension/server/; the names here must match its handlers.
 */

/** Sent once the user grants trust to the workspace (trust can be granted, never revoked, in a running window). */
export const WORKSPACE_TRUST_NOTIFICATION = 'recon/workspaceTrust';

/** Runs observe + diff + decide for one policy (or every policy of a file) read-only, in the background. */
export const PREVIEW_DRIFT_REQUEST = 'recon/previewDrift';

/** Runs a file's `test` blocks (or one of them) with no I/O. */
export const RUN_TESTS_REQUEST = 'recon/runTests';

/** What the client sends with `recon/workspaceTrust`. */
export interface WorkspaceTrustParams {
  trusted: boolean;
}

/** What the client sends with `recon/previewDrift` (the server reads the time budget and record cap from the settings). */
export interface PreviewDriftParams {
  /** The `.recon` file (a `file:` URI); its current buffer is previewed, saved or not. */
  uri: string;
  /** One policy of that file; absent: every policy of the file. */
  policy?: string;
  /** Also render the whole plan as text into `rendered` ("Show plan"). */
  render?: 'markdown' | 'text';
}

/** What the client sends with `recon/runTests`. */
export interface RunTestsParams {
  uri: string;
  /** One test (its name); absent: every test of the file. */
  test?: string;
}

/** What the client tells the server at start (`initializationOptions`). */
export interface ClientInitializationOptions {
  /** `vscode.workspace.isTrusted` when the server starts. */
  trusted: boolean;
  /** The `recon` settings section, as VS Code holds it. */
  settings: unknown;
}

/**
 * The client's commands. Code lenses from the server name these, with one argument
 * `{ uri, policy }` or `{ uri, test }` (a command run from the palette has none and uses the
 * active editor). The server's own `workspace/executeCommand` commands are named
 * `recon.server.*`: VS Code allows one owner per command id.
 */
export const COMMANDS = {
  previewDrift: 'recon.previewDrift',
  showPlan: 'recon.showPlan',
  runTests: 'recon.runTests',
} as const;
