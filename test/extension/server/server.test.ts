import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createConnection, ProposedFeatures, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';
import { createProtocolConnection, type ProtocolConnection } from 'vscode-languageserver-protocol/node';
import type { CompletionItem, Hover, PublishDiagnosticsParams } from 'vscode-languageserver';
import { createReconServer, type ReconServer } from '../../../extension/server/server.js';
import { cursor, makeWorkspace, type TestWorkspace } from '../../helpers/lsp-helpers.js';
import { SAMPLE, SAMPLE_DATA } from './fixtures.js';
import { waitFor } from '../../helpers/wait-for.js';

let ws: TestWorkspace | undefined;
let client: ProtocolConnection | undefined;
afterEach(() => {
  client?.dispose();
  ws?.remove();
});

/** A server and a client connected in process, the client answering `workspace/configuration`. */
function connect(configuration: unknown): { server: ReconServer; client: ProtocolConnection; diagnostics: PublishDiagnosticsParams[]; refreshes: number[] } {
  const up = new PassThrough();
  const down = new PassThrough();
  const connection = createConnection(ProposedFeatures.all, new StreamMessageReader(up), new StreamMessageWriter(down));
  const server = createReconServer(connection, { today: '2026-01-15', observedAt: '2026-01-15T12:00:00Z' });
  connection.listen();
  client = createProtocolConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
  const diagnostics: PublishDiagnosticsParams[] = [];
  const refreshes: number[] = [];
  client.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => void diagnostics.push(p));
  client.onRequest('workspace/configuration', () => [configuration]);
  client.onRequest('client/registerCapability', () => null);
  client.onRequest('workspace/codeLens/refresh', () => void refreshes.push(Date.now()));
  client.listen();
  return { server, client, diagnostics, refreshes };
}

const until = <T>(probe: () => T | undefined, timeoutMs = 5000): Promise<T> => waitFor(probe, { timeoutMs });

describe('the server dispatcher', () => {
  it('serves a document over the protocol: settings, diagnostics, completion, hover, custom requests and trust', async () => {
    ws = makeWorkspace(SAMPLE_DATA);
    const { server, client: c, diagnostics, refreshes } = connect({ preview: { timeBudget: 30, recordCap: 50 } });
    const init = await c.sendRequest('initialize', {
      processId: null,
      rootUri: ws.uri(''),
      workspaceFolders: [{ uri: ws.uri(''), name: 'ws' }],
      capabilities: { workspace: { configuration: true, workspaceFolders: true, codeLens: { refreshSupport: true }, didChangeWatchedFiles: { dynamicRegistration: true } } },
      initializationOptions: { diagnosticsDelayMs: 10 },
    });
    expect((init as { capabilities: Record<string, unknown> }).capabilities).toMatchObject({ hoverProvider: true, renameProvider: { prepareProvider: true }, codeLensProvider: { resolveProvider: false } });
    await c.sendNotification('initialized', {});
    await until(() => (server.settings.preview.recordCap === 50 ? true : undefined));
    expect(server.settings.preview.timeBudgetMs).toBe(30_000);
    expect(server.trusted).toBe(false);
    expect(server.workspace.roots).toEqual([ws.root]);
    await c.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [{ uri: 'file:///tmp/another-folder', name: 'b' }], removed: [] } });
    await until(() => (server.workspace.roots.length === 2 ? true : undefined));
    await c.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [], removed: [{ uri: 'file:///tmp/another-folder', name: 'b' }] } });
    await until(() => (server.workspace.roots.length === 1 ? true : undefined));
    expect(server.workspace.roots).toEqual([ws.root]);

    const uri = ws.uri('main.recon');
    const broken = SAMPLE.replace('desired ledger', 'desired ledgr');
    await c.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'recon', version: 1, text: broken } });
    const published = await until(() => diagnostics.find((d) => d.uri === uri));
    expect(published.version).toBe(1);
    expect(published.diagnostics.map((d) => d.code)).toEqual(['unknown-source']);

    await c.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: SAMPLE }] });
    const clean = await until(() => diagnostics.find((d) => d.uri === uri && d.version === 2));
    expect(clean.diagnostics).toEqual([]);

    const { text, position } = cursor(SAMPLE.replace('desired.amount', 'desired.<|>amount'));
    expect(text).toBe(SAMPLE);
    const items = (await c.sendRequest('textDocument/completion', { textDocument: { uri }, position })) as CompletionItem[];
    expect(items.map((i) => i.label)).toEqual(['txn_id', 'amount', 'currency', 'status']);
    const hover = (await c.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: position.line, character: position.character + 2 } })) as Hover;
    expect((hover.contents as { value: string }).value).toContain('amount: number');

    const tests = (await c.sendRequest('recon/runTests', { uri })) as { passed: number; failed: number };
    expect(tests).toMatchObject({ passed: 1, failed: 0 });
    const viaCommand = (await c.sendRequest('workspace/executeCommand', { command: 'recon.server.runTests', arguments: [{ uri }] })) as { passed: number };
    expect(viaCommand.passed).toBe(1);
    await until(() => (refreshes.length >= 2 ? true : undefined));

    await c.sendNotification('recon/workspaceTrust', { trusted: true });
    await until(() => (server.trusted ? true : undefined));

    await c.sendNotification('textDocument/didClose', { textDocument: { uri } });
    await until(() => (diagnostics.at(-1)?.uri === uri && diagnostics.at(-1)?.diagnostics.length === 0 && diagnostics.at(-1)?.version === undefined ? true : undefined));
    expect(server.store.document(uri)).toBeUndefined();
  });

  it('answers a rename it refuses with the reason', async () => {
    ws = makeWorkspace();
    const { client: c } = connect({});
    await c.sendRequest('initialize', { processId: null, rootUri: null, capabilities: {} });
    await c.sendNotification('initialized', {});
    const uri = ws.uri('a.recon');
    await c.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'recon', version: 1, text: 'source s {\n  from csv("a.csv")\n  key id\n}\n' } });
    await expect(c.sendRequest('textDocument/prepareRename', { textDocument: { uri }, position: { line: 1, character: 8 } })).rejects.toThrow(/only sources, profiles, policies, lets, groups and import aliases can be renamed/);
    const edit = await c.sendRequest('textDocument/rename', { textDocument: { uri }, position: { line: 0, character: 8 }, newName: 'books' });
    expect(edit).toEqual({ changes: { [uri]: [{ range: { start: { line: 0, character: 7 }, end: { line: 0, character: 8 } }, newText: 'books' }] } });
  });
});
