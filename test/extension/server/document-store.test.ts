import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { DocumentStore } from '../../../extension/server/document-store.js';
import { makeWorkspace, type TestWorkspace } from '../../helpers/lsp-helpers.js';

const SHARED = `source ledger {
  from csv("ledger.csv")
  key id
  fields { id: string  amount: number }
}
`;
const MAIN = `import "./shared.recon" as shared

source gateway {
  from csv("gateway.csv")
  key id
  fields { id: string  amount: number }
}

policy p {
  desired shared.ledger
  actual gateway
}
`;

let ws: TestWorkspace;
afterEach(() => ws?.remove());

function codes(store: DocumentStore, uri: string): string[] {
  return store.analysis(uri)!.diagnostics.map((d) => d.code);
}

describe('DocumentStore', () => {
  it('checks a document once per version and answers from the cache until it changes', () => {
    ws = makeWorkspace({ 'shared.recon': SHARED, 'main.recon': MAIN });
    const store = new DocumentStore();
    const uri = ws.uri('main.recon');
    store.open(uri, MAIN, 1);
    const first = store.analysis(uri)!;
    expect(store.checks).toBe(1);
    expect(store.analysis(uri)).toBe(first);
    expect(first.index).toBe(first.index);
    expect(store.checks).toBe(1);
    store.change(uri, [{ text: MAIN.replace('actual gateway', 'actual gatewy') }], 2);
    expect(codes(store, uri)).toEqual(['unknown-source']);
    expect(store.checks).toBe(2);
    expect(store.analysis(uri)!.version).toBe(2);
  });

  it('applies incremental changes to the buffer', () => {
    ws = makeWorkspace({ 'shared.recon': SHARED });
    const store = new DocumentStore();
    const uri = ws.uri('main.recon');
    store.open(uri, MAIN, 1);
    const line = MAIN.split('\n').findIndex((l) => l.includes('actual gateway'));
    store.change(uri, [{ range: { start: { line, character: 9 }, end: { line, character: 16 } }, text: 'nowhere' }], 2);
    expect(store.document(uri)!.document.getText()).toContain('actual nowhere');
    expect(codes(store, uri)).toEqual(['unknown-source']);
  });

  it('keeps imports across open buffers in sync: an edit in the imported buffer re-checks its dependants', () => {
    ws = makeWorkspace({ 'shared.recon': SHARED, 'main.recon': MAIN });
    const store = new DocumentStore();
    const main = ws.uri('main.recon');
    const shared = ws.uri('shared.recon');
    store.open(main, MAIN, 1);
    store.open(shared, SHARED, 1);
    expect(codes(store, main)).toEqual([]);
    expect(store.dependants(ws.path('shared.recon')).map((d) => d.uri)).toEqual([main]);
    // rename the source in the (unsaved) imported buffer: the importing file now misses it
    store.change(shared, [{ text: SHARED.replace('source ledger', 'source books') }], 2);
    expect(codes(store, main)).toEqual(['unknown-source']);
    store.change(shared, [{ text: SHARED }], 3);
    expect(codes(store, main)).toEqual([]);
  });

  it('notices a file changed on disk by another tool, without a watcher event', () => {
    ws = makeWorkspace({ 'shared.recon': SHARED, 'main.recon': MAIN });
    const store = new DocumentStore();
    const main = ws.uri('main.recon');
    store.open(main, MAIN, 1);
    expect(codes(store, main)).toEqual([]);
    writeFileSync(ws.path('shared.recon'), SHARED.replace('source ledger', 'source ledger_renamed_on_disk'));
    expect(codes(store, main)).toEqual(['unknown-source']);
  });

  it('re-checks when an import that did not resolve appears', () => {
    ws = makeWorkspace({ 'main.recon': MAIN });
    const store = new DocumentStore();
    const main = ws.uri('main.recon');
    store.open(main, MAIN, 1);
    expect(codes(store, main)).toContain('import-not-found');
    ws.write('shared.recon', SHARED);
    expect(codes(store, main)).toEqual([]);
  });

  it('falls back to the disk when a buffer closes, and a reopened buffer is never served from the old cache', () => {
    ws = makeWorkspace({ 'shared.recon': SHARED, 'main.recon': MAIN });
    const store = new DocumentStore();
    const main = ws.uri('main.recon');
    const shared = ws.uri('shared.recon');
    store.open(main, MAIN, 1);
    store.open(shared, SHARED.replace('source ledger', 'source other'), 1);
    expect(codes(store, main)).toEqual(['unknown-source']);
    store.close(shared);
    expect(codes(store, main)).toEqual([]);
    store.close(main);
    store.open(main, MAIN.replace('actual gateway', 'actual nothing'), 1);
    expect(codes(store, main)).toEqual(['unknown-source']);
  });
});
