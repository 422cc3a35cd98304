/**
 * The built language server (`node bin/recon.js lsp --stdio`) after letters typed into a comment:
 * completion and hover asked right away (answered from the last analysis, `comment-edit.ts`) are
 * the answers it gives once the edit has been checked, an edited doc comment included, and the
 * diagnostics of every version are still published.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompletionItem, Hover, Position } from 'vscode-languageserver';
import { makeWorkspace, offsetOf, positionAt, type TestWorkspace } from '../helpers/lsp-helpers.js';
import { SAMPLE, SAMPLE_DATA } from './server/fixtures.js';
import { ensureServerBuilt, startStdioSession, type StdioSession } from './lsp-e2e-support.js';

let ws: TestWorkspace;
let session: StdioSession;

beforeAll(async () => {
  await ensureServerBuilt();
  ws = makeWorkspace({ ...SAMPLE_DATA, 'main.recon': SAMPLE });
  session = startStdioSession();
}, 120_000);

afterAll(() => {
  session?.close();
  ws?.remove();
});

describe('recon lsp --stdio (built) after an edit in a comment', () => {
  it('completes and hovers at once as it does after the check, with the doc comment as it reads now', async () => {
    await session.client.sendRequest('initialize', {
      processId: process.pid,
      rootUri: ws.uri(''),
      workspaceFolders: [{ uri: ws.uri(''), name: 'e2e' }],
      capabilities: {},
      // long enough that the requests right after an edit come before its check
      initializationOptions: { diagnosticsDelayMs: 400 },
    });
    await session.client.sendNotification('initialized', {});
    const uri = ws.uri('main.recon');
    await session.client.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'recon', version: 1, text: SAMPLE } });
    await session.until(() => session.diagnostics.find((d) => d.uri === uri && d.version === 1), 'the first diagnostics');

    const ask = async (positions: Position[]): Promise<unknown[]> => {
      const answers: unknown[] = [];
      for (const position of positions) {
        answers.push((await session.client.sendRequest('textDocument/completion', { textDocument: { uri }, position })) as CompletionItem[]);
        answers.push((await session.client.sendRequest('textDocument/hover', { textDocument: { uri }, position })) as Hover | null);
      }
      return answers;
    };
    // the doc comment of `source ledger`, and a comment inside a block on the line of a statement
    let text = SAMPLE.replace('    use cash\n', '    use cash # the profile\n');
    await session.client.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text }] });
    await session.until(() => session.diagnostics.find((d) => d.uri === uri && d.version === 2), 'the diagnostics of version 2');
    const edits = [
      { after: '# The ledger', insert: ' (kept by finance)' },
      { after: '# the', before: ' profile', insert: ' shared' },
      { after: '# ', before: 'Every ledger', insert: 'Nearly ' },
    ];
    let version = 2;
    const hovers: string[] = [];
    for (const edit of edits) {
      const at = offsetOf(text, edit.after + (edit.before ?? '')) + edit.after.length;
      const current = text.slice(0, at) + edit.insert + text.slice(at);
      const positions = [
        offsetOf(current, 'desired ledger') + 'desired led'.length,
        offsetOf(current, 'desired ledger') + 'desired '.length,
        offsetOf(current, 'use cash') + 'use ca'.length,
        offsetOf(current, 'policy settlement_parity') + 'policy sett'.length,
        offsetOf(current, 'status normalize') + 'status norm'.length,
        offsetOf(current, 'desired.amount') + 'desired.'.length,
        offsetOf(current, 'on extra =>') + 'on extra => '.length,
      ].map((o) => positionAt(current, o));
      version++;
      await session.client.sendNotification('textDocument/didChange', {
        textDocument: { uri, version },
        contentChanges: [{ range: { start: positionAt(text, at), end: positionAt(text, at) }, text: edit.insert }],
      });
      const quick = await ask(positions);
      const published = await session.until(() => session.diagnostics.find((d) => d.uri === uri && d.version === version), `the diagnostics of version ${version}`);
      expect(published.diagnostics).toEqual([]);
      expect(quick).toEqual(await ask(positions));
      // the hovers of the source and the policy right after the edit
      hovers.push(...[quick[1], quick[7]].map((h) => ((h as Hover).contents as { value: string }).value));
      text = current;
    }
    // the edited doc comments, as they read after each edit
    expect(hovers[0]).toContain('The ledger (kept by finance) of record.');
    expect(hovers[5]).toContain('Nearly Every ledger entry');
    expect(hovers[3]).not.toContain('Nearly');
  });
});
