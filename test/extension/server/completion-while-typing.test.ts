/**
 * Completion while a word is typed answers from the analysis of the text before the keystrokes;
 * these tests hold it to giving exactly what a fresh check of the current text gives.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { completion, completionAfterWordEdit } from '../../../extension/server/features/completion.js';
import { cursor, editedFixture, markAt, type TestWorkspace } from '../../helpers/lsp-helpers.js';
import type { DocumentStore } from '../../../extension/server/document-store.js';
import { SAMPLE, SAMPLE_DATA } from './fixtures.js';

let ws: TestWorkspace | undefined;
afterEach(() => ws?.remove());

const DECLS = SAMPLE.slice(0, SAMPLE.indexOf('# Every ledger entry'));
const inPolicy = (body: string) => `${DECLS}policy p {\n  desired ledger\n  actual gateway\n${body}\n}\n`;

/** Cursors in many completion contexts, each inside or at the end of a word. */
const CASES = [
  `${DECLS}\npo<|>`,
  'source s {\n  fr<|>\n}',
  inPolicy('  compare {\n    am<|>\n  }'),
  inPolicy('  remediate {\n    on missing when desired.am<|> > 1 => create\n  }'),
  inPolicy('  remediate {\n    on changed => upd<|>\n  }'),
  markAt(SAMPLE, 'desired led<|>ger'),
  markAt(SAMPLE, 'use ca<|>sh'),
  markAt(SAMPLE, 'from csv("data/gateway.csv", del<|>imiter'),
  markAt(SAMPLE, 'import "std/mo<|>ney"'),
  markAt(SAMPLE, 'desired [{ txn_id: "t1", amo<|>unt'),
  markAt(SAMPLE, 'on extra when actual.ori<|>gin'),
];

/** The store after `previous` was checked and then replaced by `current` (not checked yet). */
function typed(previous: string, current: string): { store: DocumentStore; uri: string } {
  ws?.remove();
  const fixture = editedFixture(previous, current, SAMPLE_DATA);
  ws = fixture.ws;
  return fixture;
}

/** Texts the current one may have come from by typing or erasing in the word at the cursor. */
function earlierTexts(text: string, offset: number): string[] {
  let start = offset;
  while (start > 0 && /[A-Za-z0-9_]/.test(text.charAt(start - 1))) start--;
  const before = text.slice(0, start);
  const after = text.slice(offset);
  const word = text.slice(start, offset);
  return [
    before + word.slice(0, -1) + after, // the last letter was typed
    before + after, // the whole word was typed
    before + word + 'x' + after, // a letter was erased
    before + 'zz9' + after, // the word was rewritten
  ];
}

describe('completion while a word is typed', () => {
  it('answers from the previous analysis exactly as a fresh check would', () => {
    let answered = 0;
    for (const marked of CASES) {
      const { text, offset } = cursor(marked);
      for (const previous of earlierTexts(text, offset)) {
        const { store, uri } = typed(previous, text);
        const stale = store.previousAnalysis(uri);
        expect(stale, marked).toBeDefined();
        const checks = store.checks;
        const quick = completionAfterWordEdit(stale!, store.document(uri)!.document, offset);
        expect(store.checks).toBe(checks);
        expect(quick, `${marked} from ${JSON.stringify(previous.slice(Math.max(0, offset - 20), offset + 5))}`).not.toBeNull();
        const fresh = completion(store.analysis(uri)!, offset);
        expect(quick, marked).toEqual(fresh);
        if (fresh.length > 0) answered++;
      }
    }
    expect(answered).toBeGreaterThan(CASES.length * 3);
  });

  it('leaves any other edit to a fresh check', () => {
    const { text, offset } = cursor(inPolicy('  remediate {\n    on missing when desired.<|>\n  }'));
    // a dot typed (not a word character)
    const dot = typed(text.slice(0, offset - 1) + text.slice(offset), text);
    expect(completionAfterWordEdit(dot.store.previousAnalysis(dot.uri)!, dot.store.document(dot.uri)!.document, offset)).toBeNull();
    // a word typed elsewhere than at the cursor
    const elsewhere = typed(text.replace('desired ledger', 'desired ledgerx'), text);
    expect(completionAfterWordEdit(elsewhere.store.previousAnalysis(elsewhere.uri)!, elsewhere.store.document(elsewhere.uri)!.document, offset)).toBeNull();
  });

  it('has no previous analysis when the current one is fresh, or when another file it read changed', () => {
    const { store, uri } = typed(SAMPLE, SAMPLE + '\n');
    expect(store.previousAnalysis(uri)).toBeDefined();
    store.analysis(uri);
    expect(store.previousAnalysis(uri)).toBeUndefined();
    ws!.write('shared.recon', 'let a = 1\n');
    const withImport = `import "./shared.recon"\n${SAMPLE}`;
    const second = typed(withImport, withImport + 'x');
    ws!.write('shared.recon', 'let a = 2\nlet b = 3\n');
    expect(second.store.previousAnalysis(second.uri)).toBeUndefined();
  });
});
