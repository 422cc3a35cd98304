/**
 * The built language server driven over stdio exactly as an editor drives it: `node bin/recon.js
 * lsp --stdio`, spoken to with vscode-languageserver-protocol's own client connection.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompletionItem, Hover, Location, TextEdit, WorkspaceEdit } from 'vscode-languageserver';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import type { DriftPreviewResult } from '../../extension/server/features/drift-preview.js';
import { applyTextEdits, cursor, makeWorkspace, markAt, type TestWorkspace } from '../helpers/lsp-helpers.js';
import { SAMPLE, SAMPLE_DATA } from './server/fixtures.js';
import { runCli } from '../helpers/run-cli.js';
import { ensureServerBuilt, spawnServer, startStdioSession, type StdioSession } from './lsp-e2e-support.js';

let ws: TestWorkspace;
let session: StdioSession;

beforeAll(async () => {
  await ensureServerBuilt();
  ws = makeWorkspace({ ...SAMPLE_DATA, 'main.recon': SAMPLE });
  session = startStdioSession((client) => client.onRequest('workspace/configuration', () => [{ preview: { timeBudget: 20, recordCap: 1000 } }]));
}, 120_000);

afterAll(() => {
  session?.close();
  ws?.remove();
});

describe('recon lsp --stdio (built)', () => {
  it('initializes, checks as the file is edited, completes, hovers, navigates, renames, formats, previews drift and exits', async () => {
    const init = (await session.client.sendRequest('initialize', {
      processId: process.pid,
      rootUri: ws.uri(''),
      workspaceFolders: [{ uri: ws.uri(''), name: 'e2e' }],
      capabilities: { workspace: { configuration: true }, textDocument: { synchronization: { dynamicRegistration: false } } },
      initializationOptions: { diagnosticsDelayMs: 20 },
    })) as { capabilities: Record<string, unknown>; serverInfo: { name: string } };
    expect(init.serverInfo.name).toBe('recon');
    expect(init.capabilities).toMatchObject({ textDocumentSync: { openClose: true, change: 2 }, documentFormattingProvider: true, semanticTokensProvider: { full: true } });
    await session.client.sendNotification('initialized', {});

    // open a file with a misspelt source: the checker's diagnostic arrives, with its docs link
    const uri = ws.uri('main.recon');
    const broken = SAMPLE.replace('desired ledger', 'desired ledgr');
    await session.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'recon', version: 1, text: broken } });
    const first = await session.until(() => session.diagnostics.find((d) => d.uri === uri && d.version === 1), 'the first diagnostics');
    expect(first.diagnostics.map((d) => [d.code, d.message])).toEqual([['unknown-source', "unknown source 'ledgr'; did you mean 'ledger'?"]]);
    expect(first.diagnostics[0]!.codeDescription?.href).toMatch(/docs\/diagnostics\/unknown-source\.md$/);

    // its quick fix, applied as an incremental edit: the diagnostics clear
    const actions = (await session.client.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: first.diagnostics[0]!.range,
      context: { diagnostics: first.diagnostics },
    })) as { title: string; edit: WorkspaceEdit }[];
    expect(actions.map((a) => a.title)).toEqual(["Change to 'ledger'"]);
    const fix = actions[0]!.edit.changes![uri]![0]!;
    await session.client.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: fix.range, text: fix.newText }] });
    const second = await session.until(() => session.diagnostics.find((d) => d.uri === uri && d.version === 2), 'the diagnostics of version 2');
    expect(second.diagnostics).toEqual([]);

    // completion after desired. and hover on a field
    const marked = cursor(markAt(SAMPLE, 'desired.<|>amount'));
    const items = (await session.client.sendRequest('textDocument/completion', { textDocument: { uri }, position: marked.position })) as CompletionItem[];
    expect(items.map((i) => i.label)).toEqual(['txn_id', 'amount', 'currency', 'status']);
    const hover = (await session.client.sendRequest('textDocument/hover', { textDocument: { uri }, position: { ...marked.position, character: marked.position.character + 1 } })) as Hover;
    expect((hover.contents as { value: string }).value).toContain('**field** of source `ledger`');

    // definition of a source reference
    const ref = cursor(markAt(SAMPLE, 'actual gate<|>way'));
    const location = (await session.client.sendRequest('textDocument/definition', { textDocument: { uri }, position: ref.position })) as Location;
    expect(location.uri).toBe(uri);
    expect(location.range.start).toEqual(cursor(markAt(SAMPLE, 'source <|>gateway')).position);

    // rename the source everywhere in the file
    const edit = (await session.client.sendRequest('textDocument/rename', { textDocument: { uri }, position: ref.position, newName: 'settlements' })) as WorkspaceEdit;
    const renamed = applyTextEdits(SAMPLE, edit.changes![uri]!);
    expect(renamed).toContain('source settlements {');
    expect(renamed).toContain('actual settlements');
    expect(renamed).not.toContain('gateway {');

    // formatting: the same as recon fmt (a canonical file needs no edit; a messy one gets one)
    await session.client.sendNotification('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: [{ text: SAMPLE.replace('  mode enforce', 'mode    enforce') }] });
    const formatted = (await session.client.sendRequest('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } })) as TextEdit[];
    expect(formatted).toHaveLength(1);
    expect(formatted[0]!.newText).toContain('\n  mode enforce\n');
    await session.client.sendNotification('textDocument/didChange', { textDocument: { uri, version: 4 }, contentChanges: [{ text: formatted[0]!.newText }] });

    // drift preview of the sample against its CSV files, in the bundled worker
    const preview = (await session.client.sendRequest('recon/previewDrift', { uri, policy: 'settlement_parity' })) as DriftPreviewResult;
    expect(preview.status).toBe('ok');
    expect(preview.trusted).toBe(false);
    expect(preview.timeBudgetMs).toBe(20_000);
    expect(preview.recordCap).toBe(1000);
    expect(preview.policies[0]!.title).toBe('Drift: 2 missing · 2 extra · 1 changed');
    expect(preview.policies[0]!.items.map((i) => i.id)).toEqual([
      'settlement_parity/missing/t3',
      'settlement_parity/missing/t4',
      'settlement_parity/extra/t5',
      'settlement_parity/extra/t6',
      'settlement_parity/changed/t2',
    ]);
    const rule = preview.policies[0]!.items[0]!.reasonLocation!;
    expect(rule.uri).toBe(uri);
    expect(formatted[0]!.newText.split('\n')[rule.range.start.line]).toContain('on missing when desired.amount > big_payment');
    expect(readFileSync(ws.path('data/gateway.csv'), 'utf8')).toBe(SAMPLE_DATA['data/gateway.csv']);

    // the code lens now carries the counts
    const lenses = (await session.client.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as { command: { title: string } }[];
    expect(lenses.map((l) => l.command.title)).toEqual(['Preview drift · Drift: 2 missing · 2 extra · 1 changed', 'Run test']);

    // shutdown and exit: the process ends cleanly
    await session.client.sendRequest('shutdown');
    const exited = new Promise<number | null>((resolve) => session.child.on('exit', (code) => resolve(code)));
    await session.client.sendNotification('exit');
    expect(await exited).toBe(0);
    expect(session.stderr()).toBe('');
  });

  it('leaves when its client goes away without saying goodbye', async () => {
    const orphan = spawnServer();
    const exited = new Promise<number | null>((resolve) => orphan.on('exit', (code) => resolve(code)));
    const connection = createProtocolConnection(new StreamMessageReader(orphan.stdout), new StreamMessageWriter(orphan.stdin));
    connection.listen();
    await connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
    connection.dispose();
    orphan.stdin.end();
    expect(await exited).toBe(0);
  });

  it('asks for --stdio rather than waiting silently in a terminal', async () => {
    const result = await runCli(['lsp']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: recon lsp: pass --stdio (the language server speaks LSP on stdin and stdout)\n');
    expect(result.stdout).toBe('');
  });
});
