/**
 * Completion and hover right after an edit inside a comment answer from the analysis of the text
 * before the edit (`comment-edit.ts`). These tests hold the recognition to what the lexer and the
 * parser say, and the answers to exactly what a fresh check of the current text gives.
 */
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { CompletionItem, Hover, MarkupContent, Position, PublishDiagnosticsParams } from 'vscode-languageserver';
import { createConnection, ProposedFeatures, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node';
import { createProtocolConnection, type ProtocolConnection } from 'vscode-languageserver-protocol/node';
import { commentEdit } from '../../../extension/server/comment-edit.js';
import type { DocumentStore } from '../../../extension/server/document-store.js';
import { completion, completionAfterCommentEdit } from '../../../extension/server/features/completion.js';
import { hover, hoverAfterCommentEdit } from '../../../extension/server/features/hover.js';
import type * as A from '../../../language/ast.js';
import { lex } from '../../../language/lexer.js';
import { createReconServer, type ReconServer } from '../../../extension/server/server.js';
import { editedFixture, makeWorkspace, offsetOf, positionAt, type TestWorkspace } from '../../helpers/lsp-helpers.js';
import { SAMPLE, SAMPLE_DATA } from './fixtures.js';
import { waitFor } from '../../helpers/wait-for.js';

let ws: TestWorkspace | undefined;
let client: ProtocolConnection | undefined;
afterEach(() => {
  client?.dispose();
  client = undefined;
  ws?.remove();
});

/**
 * The sample with comments in every kind of place: between declarations, doc comments (one and
 * two lines), trailing a statement, between the statements of blocks, inside nodes whose text
 * hover quotes (a group's list, a `from` call, a let's value), inside a test's records, and a
 * last comment without a line break after it.
 */
const COMMENTED = SAMPLE.replace('let big_payment = 10000', '# Payments above this need approval:\n#   ask a lead.\nlet big_payment = 10000')
  .replace('group payments_leads = ["alice@example.com"]', 'group payments_leads = [\n  "alice@example.com" # the lead\n]\n\nlet ratio = 2 * # a factor\n  3')
  .replace('  key txn_id\n  fields {\n    txn_id: string\n    amount: number', '  key txn_id # the key\n  fields {\n    txn_id: string\n    # in euros\n    amount: number')
  .replace('  from csv("data/gateway.csv", delimiter: ",")', '  from csv("data/gateway.csv", # the export\n    delimiter: ",")')
  .replace('  amount within 0.005\n', '  amount within 0.005\n  # currencies are codes\n')
  .replace('    use cash\n', '    use cash # the profile\n')
  .replace('    on missing => create\n', '    # small ones too\n    on missing => create\n')
  .replace('  desired [{ txn_id: "t1",', '  desired [{ # one record\n    txn_id: "t1",')
  .replace('import "std/money"\n', 'import "std/money"\n\n# Settlement checks.\n') + '# the end';

/** The store after `previous` was checked and then replaced by `current` (not checked yet). */
function edited(previous: string, current: string): { store: DocumentStore; uri: string } {
  ws?.remove();
  const fixture = editedFixture(previous, current, SAMPLE_DATA);
  ws = fixture.ws;
  return fixture;
}

/** The recognised edit from `previous` to `current`, or null. */
function recognise(previous: string, current: string) {
  const { store, uri } = edited(previous, current);
  return commentEdit(store.previousAnalysis(uri)!, store.document(uri)!.document);
}

/** `text` with `insert` put at `offset` in place of `remove` characters. */
function splice(text: string, offset: number, remove: number, insert: string): string {
  return text.slice(0, offset) + insert + text.slice(offset + remove);
}

describe('commentEdit: which edits lie inside one comment', () => {
  it('recognises letters typed, erased or replaced inside a line comment, and maps offsets across', () => {
    const at = offsetOf(COMMENTED, '# the key') + '# the'.length;
    const typed = recognise(COMMENTED, splice(COMMENTED, at, 0, 'xy'))!;
    expect(typed).not.toBeNull();
    expect(typed.region).toEqual({ start: at, beforeEnd: at, afterEnd: at + 2 });
    expect(typed.comment).toEqual({ start: at - '# the'.length, end: at - '# the'.length + '# thexy key'.length });
    // before the comment: the same offset; after it: shifted back by the growth
    expect(typed.previousOffset(10)).toBe(10);
    const later = offsetOf(COMMENTED, 'profile cash');
    expect(typed.previousOffset(later + 2)).toBe(later);
    // inside the edited comment: left to a check
    expect(typed.previousOffset(at + 1)).toBeNull();
    expect(typed.currentRange({ start: { line: 0, character: 1 }, end: { line: 60, character: 0 } }).end).toEqual({ line: 60, character: 0 });

    expect(recognise(COMMENTED, splice(COMMENTED, at, 4, ''))).not.toBeNull();
    expect(recognise(COMMENTED, splice(COMMENTED, at, 2, 'a "quote" { and } ${ brace'))).not.toBeNull();
    // a comment typed into at the very end of the file
    expect(recognise(COMMENTED, COMMENTED + '!')).not.toBeNull();
    // a '#' typed right before a comment's own '#' keeps it one comment
    expect(recognise(COMMENTED, splice(COMMENTED, at - '# the'.length, 0, '#'))).not.toBeNull();
  });

  it('recognises equal texts (a version that changed nothing)', () => {
    const same = recognise(COMMENTED, COMMENTED)!;
    expect(same.region).toBeNull();
    expect(same.previousOffset(42)).toBe(42);
  });

  it('refuses edits that break out of the comment: a line break, the # erased, code typed after it', () => {
    const at = offsetOf(COMMENTED, '# the key') + '# the'.length;
    expect(recognise(COMMENTED, splice(COMMENTED, at, 0, '\n'))).toBeNull();
    expect(recognise(COMMENTED, splice(COMMENTED, at, 0, '\r'))).toBeNull();
    expect(recognise(COMMENTED, splice(COMMENTED, at - '# the'.length, 1, ''))).toBeNull();
    expect(recognise(COMMENTED, splice(COMMENTED, at - '# the'.length, 1, '/'))).toBeNull();
    // the line break after the comment replaced: the next line joins the comment
    const end = offsetOf(COMMENTED, '# the key\n') + '# the key'.length;
    expect(recognise(COMMENTED, splice(COMMENTED, end, 1, ' '))).toBeNull();
    expect(recognise(COMMENTED, splice(COMMENTED, end, 0, '\nkey x'))).toBeNull();
  });

  it('refuses edits in code, in strings that hold a #, and edits spanning two tokens', () => {
    const code = offsetOf(COMMENTED, 'key txn_id # the key');
    expect(recognise(COMMENTED, splice(COMMENTED, code + 4, 0, 'x'))).toBeNull();
    // right before the comment (in the space between code and comment)
    expect(recognise(COMMENTED, splice(COMMENTED, code + 'key txn_id'.length, 0, 'y'))).toBeNull();
    const text = 'let a = "x # not a comment"\n# a comment\nlet b = 1\n';
    expect(recognise(text, text.replace('# not', '# nut'))).toBeNull();
    expect(recognise(text, text.replace('# a comment', '# a commentx'))).not.toBeNull();
    // two comments edited at once, and an edit from a comment into the code after it
    const first = offsetOf(COMMENTED, '# the key') + 2;
    const second = offsetOf(COMMENTED, '# in euros') + 2;
    expect(recognise(COMMENTED, splice(splice(COMMENTED, second, 0, 'x'), first, 0, 'x'))).toBeNull();
    expect(recognise(COMMENTED, splice(COMMENTED, first, '# the key\n  fields'.length - 2, 'x'))).toBeNull();
  });

  it('refuses comments inside nodes whose text hover quotes, and takes those between statements', () => {
    const inside = (comment: string): boolean => recognise(COMMENTED, COMMENTED.replace(comment, `${comment}x`)) !== null;
    expect(inside('# the lead')).toBe(false); // in a group's members
    expect(inside('# a factor')).toBe(false); // in a let's value
    expect(inside('# the export')).toBe(false); // in a from call
    expect(inside('# one record')).toBe(false); // in a test's records
    expect(inside('# the key')).toBe(true); // trailing a statement
    expect(inside('# in euros')).toBe(true); // between fields
    expect(inside('# currencies are codes')).toBe(true); // between a profile's rules
    expect(inside('# the profile')).toBe(true); // in a compare block
    expect(inside('# small ones too')).toBe(true); // in a remediate block
    expect(inside('# Settlement checks.')).toBe(true); // between declarations
    expect(inside('# the end')).toBe(true);
  });

  it('gives an edited doc comment as the parser reads it now, every other declaration its own', () => {
    const docs = (text: string): Map<string, string | null> => {
      const { store, uri } = edited(text, text);
      return new Map(store.analysis(uri)!.module.parsed.ast.declarations.map((d) => [d.kind === 'Import' ? 'import' : d.kind === 'Test' ? 'test' : d.name.text, d.doc]));
    };
    // each case: the text after the edit, and how many declarations' docs it changes
    const cases: [string, number][] = [
      [COMMENTED.replace('#   ask a lead.', '#   ask a lead first.'), 1],
      [COMMENTED.replace('#   ask a lead.', '#   ask a lead.   '), 0], // trailing blanks are not part of the doc
      [COMMENTED.replace('# Payments above', '#Payments above'), 0], // nor is one blank after the #
      [COMMENTED.replace('# Payments above', '#  Payments above'), 1],
      [COMMENTED.replace('# Payments above this need approval:', '#'), 1],
      [COMMENTED.replace('# The ledger of record.', '# The ledger of record, from the bank.'), 1],
      [COMMENTED.replace('# Every ledger entry', '# Each ledger entry'), 1],
      [COMMENTED.replace('# Settlement checks.', '# Settlement checks!'), 0], // not a doc comment (a blank line follows)
    ];
    for (const [current, changes] of cases) {
      const expected = docs(current);
      const { edit, decls } = recognisedDecls(COMMENTED, current);
      expect(edit, current.slice(0, 80)).not.toBeNull();
      let changed = 0;
      for (const [name, decl] of decls) {
        expect(edit!.docOf(decl), name).toBe(expected.get(name));
        if (decl.doc !== expected.get(name)) changed++;
      }
      expect(changed, current.slice(0, 80)).toBe(changes);
    }
  });
});

/** The declarations of the previous analysis by name, with the recognised edit. */
function recognisedDecls(previous: string, current: string): { edit: ReturnType<typeof commentEdit>; decls: Map<string, A.Decl> } {
  const { store, uri } = edited(previous, current);
  const analysis = store.previousAnalysis(uri)!;
  const edit = commentEdit(analysis, store.document(uri)!.document);
  const decls = new Map(analysis.module.parsed.ast.declarations.map((d) => [d.kind === 'Import' ? 'import' : d.kind === 'Test' ? 'test' : d.name.text, d as A.Decl]));
  return { edit, decls };
}

/** Offsets to ask at: the start, middle and end of every token, and inside every comment. */
function probeOffsets(text: string): number[] {
  const lexed = lex(text);
  const offsets = new Set<number>();
  for (const t of [...lexed.tokens, ...lexed.comments]) {
    const end = t.startOffset + t.image.length;
    offsets.add(t.startOffset).add(end).add((t.startOffset + end) >> 1);
  }
  return [...offsets].filter((o) => o >= 0 && o <= text.length).sort((a, b) => a - b);
}

const valueOf = (h: Hover | null | undefined): string => ((h?.contents as MarkupContent | undefined)?.value ?? '');

describe('completion and hover after a comment edit', () => {
  it('answer from the previous analysis exactly as a fresh check would, for an edit in each comment', () => {
    const comments = lex(COMMENTED).comments;
    let recognised = 0;
    let answered = 0;
    let docShown = 0;
    for (const comment of comments) {
      const inner = comment.startOffset + Math.min(2, comment.image.length);
      for (const current of [splice(COMMENTED, inner, 0, 'Zq'), splice(COMMENTED, comment.startOffset + 1, comment.image.length - 1, '')]) {
        const { store, uri } = edited(COMMENTED, current);
        const previous = store.previousAnalysis(uri)!;
        const document = store.document(uri)!.document;
        if (!commentEdit(previous, document)) continue;
        recognised++;
        const quick: unknown[] = [];
        const offsets = probeOffsets(current);
        const checks = store.checks;
        for (const offset of offsets) {
          quick.push(completionAfterCommentEdit(previous, document, offset), hoverAfterCommentEdit(previous, document, offset));
        }
        expect(store.checks).toBe(checks);
        const fresh = store.analysis(uri)!;
        offsets.forEach((offset, i) => {
          const where = `${JSON.stringify(current.slice(comment.startOffset, comment.startOffset + 20))} at ${offset}`;
          const items = quick[2 * i];
          const hovered = quick[2 * i + 1] as Hover | null | undefined;
          if (items === null) {
            // only inside the edited comment is the shortcut refused
            expect(hovered, where).toBeUndefined();
            return;
          }
          expect(items, where).toEqual(completion(fresh, offset));
          expect(hovered, where).toEqual(hover(fresh, offset));
          if (hovered) answered++;
          if (valueOf(hovered).includes('Zq')) docShown++;
        });
      }
    }
    // the comments inside quoted nodes are refused; all the others, with both edits
    expect(recognised).toBe(2 * (comments.length - 4));
    expect(answered).toBeGreaterThan(100);
    // edited doc comments are shown as they read now
    expect(docShown).toBeGreaterThan(0);
  });

  it('shows an edited doc comment in hover and completion as it reads now', () => {
    const current = COMMENTED.replace('# The ledger of record.', '# The ledger of record, kept by finance.');
    const { store, uri } = edited(COMMENTED, current);
    const previous = store.previousAnalysis(uri)!;
    const document = store.document(uri)!.document;
    const name = offsetOf(current, 'desired ledger') + 'desired led'.length;
    expect(valueOf(hoverAfterCommentEdit(previous, document, name))).toContain('The ledger of record, kept by finance.');
    const items = completionAfterCommentEdit(previous, document, offsetOf(current, 'desired ledger') + 'desired '.length)!;
    expect(items.find((i) => i.label === 'ledger')?.documentation).toEqual({ kind: 'markdown', value: 'The ledger of record, kept by finance.' });
    // the previous analysis itself still reads the old text
    expect(valueOf(hover(previous, offsetOf(COMMENTED, 'desired ledger') + 'desired led'.length))).toContain('The ledger of record.');
  });
});

describe('the dispatcher after a comment edit', () => {
  /** A server and a client connected in process; diagnostics wait `delayMs` after the last edit. */
  async function serve(text: string, delayMs: number): Promise<{ server: ReconServer; c: ProtocolConnection; uri: string; diagnostics: PublishDiagnosticsParams[] }> {
    ws = makeWorkspace({ ...SAMPLE_DATA, 'main.recon': text });
    const up = new PassThrough();
    const down = new PassThrough();
    const connection = createConnection(ProposedFeatures.all, new StreamMessageReader(up), new StreamMessageWriter(down));
    const server = createReconServer(connection, { today: '2026-01-15' });
    connection.listen();
    const c = createProtocolConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
    client = c;
    const diagnostics: PublishDiagnosticsParams[] = [];
    c.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => void diagnostics.push(p));
    c.listen();
    await c.sendRequest('initialize', { processId: null, rootUri: ws.uri(''), capabilities: {}, initializationOptions: { diagnosticsDelayMs: delayMs } });
    await c.sendNotification('initialized', {});
    const uri = ws.uri('main.recon');
    await c.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'recon', version: 1, text } });
    await until(() => diagnostics.find((d) => d.version === 1));
    return { server, c, uri, diagnostics };
  }

  const until = <T>(probe: () => T | undefined): Promise<T> => waitFor(probe);

  /** Completion and hover at each position, in order. */
  async function ask(c: ProtocolConnection, uri: string, positions: Position[]): Promise<unknown[]> {
    const answers: unknown[] = [];
    for (const position of positions) {
      answers.push((await c.sendRequest('textDocument/completion', { textDocument: { uri }, position })) as CompletionItem[]);
      answers.push((await c.sendRequest('textDocument/hover', { textDocument: { uri }, position })) as Hover | null);
    }
    return answers;
  }

  it('answers completion and hover without a check, as a check would, and still publishes diagnostics of the new version', async () => {
    // a delay long enough that the requests right after the edit come before its check
    const { server, c, uri, diagnostics } = await serve(COMMENTED, 1500);
    const doc = COMMENTED.indexOf('# The ledger of record.');
    const current = splice(COMMENTED, doc + '# The ledger'.length, 0, ' (kept by finance)');
    // after the comment, on its line and further down; before it
    const positions = [
      offsetOf(current, 'desired ledger') + 'desired led'.length,
      offsetOf(current, 'desired ledger') + 'desired '.length,
      offsetOf(current, 'desired.amount') + 'desired.'.length,
      offsetOf(current, 'from csv') + 'from cs'.length,
      offsetOf(current, 'big_payment =') + 3,
      doc,
    ].map((o) => positionAt(current, o));
    await ask(c, uri, positions); // the index of version 1 is built
    const checks = server.store.checks;
    await c.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: positionAt(COMMENTED, doc + '# The ledger'.length), end: positionAt(COMMENTED, doc + '# The ledger'.length) }, text: ' (kept by finance)' }],
    });
    const quick = await ask(c, uri, positions);
    expect(server.store.checks).toBe(checks);
    expect(valueOf(quick[1] as Hover)).toContain('The ledger (kept by finance) of record.');
    // the check still runs, and publishes the diagnostics of version 2
    const published = await until(() => diagnostics.find((d) => d.version === 2));
    expect(published.diagnostics).toEqual([]);
    expect(server.store.checks).toBe(checks + 1);
    expect(quick).toEqual(await ask(c, uri, positions));
  });

  it('checks first after an edit that breaks out of a comment', async () => {
    const { server, c, uri } = await serve(COMMENTED, 300);
    const at = offsetOf(COMMENTED, '# the key') + '# the'.length;
    const position = positionAt(COMMENTED, offsetOf(COMMENTED, 'desired ledger') + 'desired '.length);
    await ask(c, uri, [position]);
    const checks = server.store.checks;
    await c.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: positionAt(COMMENTED, at), end: positionAt(COMMENTED, at) }, text: '\n  where true' }] });
    const [items] = (await ask(c, uri, [{ ...position, line: position.line + 1 }])) as CompletionItem[][];
    expect(server.store.checks).toBe(checks + 1);
    expect(items!.map((i) => i.label)).toContain('ledger');
  });
});
