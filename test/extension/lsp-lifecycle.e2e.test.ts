/**
 * The built language server as a protocol peer (`node bin/recon.js lsp --stdio`): LSP's lifecycle
 * rules (before `initialize`, a second `initialize`, after `shutdown`, `exit` with and without
 * `shutdown`) and input no editor should send but a broken one might (unknown methods, invalid
 * JSON, parameters of the wrong shape), after which it must keep serving with a clean stdout.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ResponseError } from 'vscode-languageserver-protocol';
import { makeWorkspace, type TestWorkspace } from '../helpers/lsp-helpers.js';
import { ensureServerBuilt, startStdioSession, type StdioSession } from './lsp-e2e-support.js';

let session: StdioSession | undefined;
let ws: TestWorkspace | undefined;

beforeAll(async () => {
  await ensureServerBuilt();
}, 120_000);

afterEach(() => {
  session?.close();
  ws?.remove();
  session = undefined;
  ws = undefined;
});

const TEXT = 'let a = 1\n';

/** The error a request is answered with (fails when it is answered with a result). */
async function errorOf(request: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    const result = await request;
    throw new Error(`expected an error, got the result ${JSON.stringify(result)}`);
  } catch (error) {
    if (!(error instanceof ResponseError)) throw error;
    return { code: error.code, message: error.message };
  }
}

function exitCode(s: StdioSession): Promise<number | null> {
  return new Promise((resolve) => {
    if (s.child.exitCode !== null) resolve(s.child.exitCode);
    else s.child.on('exit', (code) => resolve(code));
  });
}

async function initialize(s: StdioSession, root: TestWorkspace): Promise<void> {
  await s.client.sendRequest('initialize', { processId: process.pid, rootUri: root.uri(''), capabilities: {}, initializationOptions: { diagnosticsDelayMs: 0 } });
  await s.client.sendNotification('initialized', {});
}

describe('recon lsp --stdio: the LSP lifecycle', () => {
  it('answers a request before initialize with ServerNotInitialized and drops notifications but exit', async () => {
    ws = makeWorkspace({ 'main.recon': TEXT });
    session = startStdioSession();
    const uri = ws.uri('main.recon');
    const early = await errorOf(session.client.sendRequest('textDocument/documentSymbol', { textDocument: { uri } }));
    expect(early.code).toBe(-32002);
    // a document opened before initialize is not known afterwards: the notification was dropped
    await session.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'recon', version: 1, text: TEXT } });
    await initialize(session, ws);
    expect(await session.client.sendRequest('textDocument/documentSymbol', { textDocument: { uri } })).toEqual([]);
    await session.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'recon', version: 1, text: TEXT } });
    expect(await session.client.sendRequest('textDocument/documentSymbol', { textDocument: { uri } })).toMatchObject([{ name: 'a' }]);
  });

  it('refuses a second initialize with InvalidRequest', async () => {
    ws = makeWorkspace();
    session = startStdioSession();
    await initialize(session, ws);
    const again = await errorOf(session.client.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} }));
    expect(again.code).toBe(-32600);
  });

  it('answers requests after shutdown with InvalidRequest, ignores notifications, and exits with 0 on exit', async () => {
    ws = makeWorkspace({ 'main.recon': TEXT });
    session = startStdioSession();
    await initialize(session, ws);
    expect(await session.client.sendRequest('shutdown')).toBeNull();
    const late = await errorOf(session.client.sendRequest('workspace/symbol', { query: '' }));
    expect(late.code).toBe(-32600);
    const uri = ws.uri('main.recon');
    await session.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'recon', version: 1, text: 'sourc x\n' } });
    await new Promise((r) => setTimeout(r, 300));
    expect(session.diagnostics.filter((d) => d.uri === uri)).toEqual([]);
    const exited = exitCode(session);
    await session.client.sendNotification('exit');
    expect(await exited).toBe(0);
  });

  it('exits with 1 on exit without shutdown, also before initialize', async () => {
    ws = makeWorkspace();
    session = startStdioSession();
    await initialize(session, ws);
    const exited = exitCode(session);
    await session.client.sendNotification('exit');
    expect(await exited).toBe(1);
    session.close();
    session = startStdioSession();
    const early = exitCode(session);
    await session.client.sendNotification('exit');
    expect(await early).toBe(1);
  });
});

describe('recon lsp --stdio: input a client should not send', () => {
  it('answers unknown requests with MethodNotFound, ignores unknown notifications and invalid JSON, and answers malformed parameters with empty results, still serving with a clean stdout', async () => {
    ws = makeWorkspace({ 'main.recon': TEXT });
    session = startStdioSession();
    const streamErrors: unknown[] = [];
    session.client.onError((e) => void streamErrors.push(e));
    await initialize(session, ws);
    const uri = ws.uri('main.recon');
    await session.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'recon', version: 1, text: TEXT } });

    expect((await errorOf(session.client.sendRequest('recon/noSuchThing', {}))).code).toBe(-32601);
    await session.client.sendNotification('recon/noSuchNotification', {});
    const body = '{"jsonrpc":"2.0","id":999,"method":';
    session.child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);

    const hover = (params: unknown) => session!.client.sendRequest('textDocument/hover', params);
    expect(await hover({ textDocument: { uri }, position: { line: 9999, character: 0 } })).toBeNull();
    expect(await hover({ textDocument: { uri }, position: { line: -1, character: -5 } })).not.toBeUndefined();
    expect(await hover({ textDocument: { uri }, position: { line: 0, character: 9999 } })).not.toBeUndefined();
    expect(await hover({ textDocument: { uri: 'untitled:never-opened' }, position: { line: 0, character: 0 } })).toBeNull();
    expect(await hover({ textDocument: { uri: 'http://example.com/a.recon' }, position: { line: 0, character: 0 } })).toBeNull();
    expect(await session.client.sendRequest('textDocument/documentSymbol', { textDocument: { uri: ws.uri('never-opened.recon') } })).toEqual([]);
    // a change of a document never opened, a file URI Node cannot turn into a path: logged, not fatal
    await session.client.sendNotification('textDocument/didChange', { textDocument: { uri: ws.uri('never-opened.recon'), version: 2 }, contentChanges: [{ text: 'x' }] });
    await session.client.sendNotification('textDocument/didOpen', { textDocument: { uri: 'file://server/share/a.recon', languageId: 'recon', version: 1, text: TEXT } });

    expect(await session.client.sendRequest('textDocument/documentSymbol', { textDocument: { uri } })).toMatchObject([{ name: 'a' }]);
    expect(session.child.exitCode).toBeNull();
    expect(streamErrors).toEqual([]);
    expect(session.stderr()).toBe('');
  });
});

describe('recon lsp --stdio: previews and test runs of a file that is neither open nor on disk', () => {
  it('answers InvalidParams naming the document, not "the file declares no policy"', async () => {
    ws = makeWorkspace();
    session = startStdioSession();
    await initialize(session, ws);
    for (const [method, params] of [
      ['recon/previewDrift', { uri: ws.uri('gone.recon') }],
      ['recon/runTests', { uri: ws.uri('gone.recon') }],
      ['recon/previewDrift', { uri: ws.uri('') }],
    ] as const) {
      const error = await errorOf(session.client.sendRequest(method, params));
      expect(error.code).toBe(-32602);
      expect(error.message).toContain(`unknown document ${params.uri}`);
    }
  });
});
