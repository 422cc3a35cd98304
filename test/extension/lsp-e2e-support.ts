/**
 * What the end-to-end tests of the language server share: making sure the BUILT CLI bundle holds
 * the current server (and its worker), and starting it and connecting to it as an editor would.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { PublishDiagnosticsParams } from 'vscode-languageserver';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter, type ProtocolConnection } from 'vscode-languageserver-protocol/node';
import { CLI_BUNDLE, ensureCliBuilt, RECON_BIN, REPO_ROOT } from '../helpers/run-cli.js';
import { waitFor } from '../helpers/wait-for.js';
import { withRepoBuildLock } from '../helpers/repo-build-lock.js';

const WORKER_BUNDLE = join(REPO_ROOT, 'dist', 'drift-preview-worker.js');

function newest(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(info.mtimeMs, ...readdirSync(path).map((entry) => newest(join(path, entry))));
}

function serverBundleIsStale(): boolean {
  const serverSources = newest(join(REPO_ROOT, 'extension', 'server'));
  return !existsSync(CLI_BUNDLE) || !existsSync(WORKER_BUNDLE) || statSync(CLI_BUNDLE).mtimeMs < serverSources || statSync(WORKER_BUNDLE).mtimeMs < serverSources;
}

/**
 * Builds `dist/` (`npm run build`) when it is missing or older than the CLI's or the server's
 * sources; one test file builds under the repository's build lock (`repo-build-lock.ts`) while
 * the others wait.
 */
export async function ensureServerBuilt(): Promise<void> {
  await ensureCliBuilt();
  if (!serverBundleIsStale()) return;
  await withRepoBuildLock(() => {
    if (!serverBundleIsStale()) return;
    const result = spawnSync('npm', ['run', 'build'], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`npm run build failed:\n${result.stdout}${result.stderr}`);
  });
}

/** `node bin/recon.js lsp --stdio`, as an editor starts it. */
export function spawnServer(): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [RECON_BIN, 'lsp', '--stdio'], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** A spawned server and the client connection an editor would have to it (`startStdioSession`). */
export interface StdioSession {
  child: ChildProcessWithoutNullStreams;
  client: ProtocolConnection;
  /** Every `publishDiagnostics` received, in order. */
  diagnostics: PublishDiagnosticsParams[];
  /** What the server has written on stderr so far. */
  stderr(): string;
  /** Waits for `probe` (up to 15 s); a timeout names `what` and shows the server's stderr. */
  until<T>(probe: () => T | undefined, what: string): Promise<T>;
  /** Closes the connection, and stops the server if it still runs. */
  close(): void;
}

/**
 * Starts `recon lsp --stdio` and connects to it as an editor does: diagnostics collected, log
 * messages taken, capability registrations accepted; `configure` adds handlers before it listens.
 */
export function startStdioSession(configure: (client: ProtocolConnection) => void = () => undefined): StdioSession {
  const child = spawnServer();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const client = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const diagnostics: PublishDiagnosticsParams[] = [];
  client.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => void diagnostics.push(p));
  client.onNotification('window/logMessage', () => undefined);
  client.onRequest('client/registerCapability', () => null);
  configure(client);
  client.listen();
  return {
    child,
    client,
    diagnostics,
    stderr: () => stderr,
    until: (probe, what) => waitFor(probe, { what, timeoutMs: 15_000, detail: () => `server stderr:\n${stderr}` }),
    close() {
      client.dispose();
      if (child.exitCode === null) child.kill();
    },
  };
}

export { RECON_BIN, REPO_ROOT };
