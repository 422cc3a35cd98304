import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic } from 'vscode-languageserver';
import { DiskModuleHost } from '../../../language/module-host.js';
import { checkFile } from '../../../language/pipeline.js';
import { DocumentStore } from '../../../extension/server/document-store.js';
import { codeActions } from '../../../extension/server/features/code-actions.js';
import { DiagnosticsPublisher, documentDiagnostics } from '../../../extension/server/features/diagnostics.js';
import { docsLinker } from '../../../extension/server/server-settings.js';
import { makeWorkspace, offsetOf, positionAt, type TestWorkspace } from '../../helpers/lsp-helpers.js';
import { SAMPLE, SAMPLE_DATA } from './fixtures.js';

let ws: TestWorkspace;
afterEach(() => ws?.remove());

const BROKEN = `source ledger {
  from csvv("ledger.csv")
  key id
}
policy p {
  desired ledgr
  actual ledger
  severity hihg
  compare {
    amount withn 0.1
  }
}
`;

describe('diagnostics as you type', () => {
  it('are the diagnostics `recon check` reports for the file, same codes and ranges', () => {
    ws = makeWorkspace({ 'main.recon': BROKEN });
    const expected = checkFile(ws.path('main.recon'), new DiskModuleHost()).diagnostics;
    const store = new DocumentStore();
    store.open(ws.uri('main.recon'), BROKEN, 1);
    const lsp = documentDiagnostics(store.analysis(ws.uri('main.recon'))!, docsLinker());
    expect(expected.length).toBeGreaterThanOrEqual(4);
    expect(lsp.map((d) => d.code)).toEqual(expected.map((d) => d.code));
    expect(lsp.map((d) => d.message)).toEqual(expected.map((d) => d.message));
    const unknownSource = lsp.find((d) => d.code === 'unknown-source')!;
    const at = offsetOf(BROKEN, 'ledgr');
    expect(unknownSource.range).toEqual({ start: positionAt(BROKEN, at), end: positionAt(BROKEN, at + 5) });
    expect(unknownSource.severity).toBe(DiagnosticSeverity.Error);
    expect(unknownSource.source).toBe('recon');
  });

  it('link each code to its documentation page, by default inside the package, or under docsBaseUrl', () => {
    ws = makeWorkspace({ 'main.recon': BROKEN });
    const store = new DocumentStore();
    store.open(ws.uri('main.recon'), BROKEN, 1);
    const analysis = store.analysis(ws.uri('main.recon'))!;
    const local = documentDiagnostics(analysis, docsLinker());
    for (const d of local) {
      expect(d.codeDescription?.href).toMatch(new RegExp(`^file://.*/docs/diagnostics/${String(d.code)}\\.md$`));
      expect(existsSync(fileURLToPath(d.codeDescription!.href)), d.codeDescription!.href).toBe(true);
    }
    const remote = documentDiagnostics(analysis, docsLinker('https://example.com/recon/docs/diagnostics/'));
    expect(remote[0]!.codeDescription?.href).toBe(`https://example.com/recon/docs/diagnostics/${String(remote[0]!.code)}.md`);
  });

  it('a clean file has none; warnings are warnings', () => {
    ws = makeWorkspace({ ...SAMPLE_DATA, 'main.recon': SAMPLE });
    const store = new DocumentStore({ check: { today: '2026-01-15' } });
    store.open(ws.uri('main.recon'), SAMPLE, 1);
    expect(documentDiagnostics(store.analysis(ws.uri('main.recon'))!, docsLinker())).toEqual([]);
    const expiring = SAMPLE.replace('because "manual entries are tolerated"', 'because "manual entries are tolerated" until "2020-01-01"');
    store.change(ws.uri('main.recon'), [{ text: expiring }], 2);
    const warnings = documentDiagnostics(store.analysis(ws.uri('main.recon'))!, docsLinker());
    expect(warnings.map((d) => [d.code, d.severity])).toEqual([['until-expired', DiagnosticSeverity.Warning]]);
  });

  it('are published after a pause in typing, for the edited buffer and the open buffers that import it', async () => {
    ws = makeWorkspace({ 'shared.recon': 'source ledger {\n  from csv("a.csv")\n  key id\n}\n' });
    const main = 'import "./shared.recon" as shared\npolicy p {\n  desired shared.ledger\n  actual shared.ledger\n}\n';
    ws.write('main.recon', main);
    const store = new DocumentStore();
    const published: { uri: string; version?: number; diagnostics: LspDiagnostic[] }[] = [];
    const publisher = new DiagnosticsPublisher(store, { sendDiagnostics: (p) => void published.push(p) }, docsLinker(), 20);
    const mainOpen = store.open(ws.uri('main.recon'), main, 1);
    publisher.changed(mainOpen.path, mainOpen.uri);
    const sharedOpen = store.open(ws.uri('shared.recon'), 'source ledger {\n  from csv("a.csv")\n  key id\n}\n', 1);
    publisher.changed(sharedOpen.path, sharedOpen.uri);
    await new Promise((r) => setTimeout(r, 60));
    expect(published.map((p) => [p.uri, p.diagnostics.length])).toEqual(
      expect.arrayContaining([
        [ws.uri('main.recon'), 0],
        [ws.uri('shared.recon'), 0],
      ]),
    );
    published.length = 0;
    // several quick edits of the imported buffer: one publication each, for it and for main
    for (let v = 2; v <= 4; v++) {
      store.change(sharedOpen.uri, [{ text: `source books${v} {\n  from csv("a.csv")\n  key id\n}\n` }], v);
      publisher.changed(sharedOpen.path, sharedOpen.uri);
    }
    await new Promise((r) => setTimeout(r, 60));
    expect(published.map((p) => p.uri).sort()).toEqual([ws.uri('main.recon'), ws.uri('shared.recon')].sort());
    const forMain = published.find((p) => p.uri === ws.uri('main.recon'))!;
    expect(forMain.diagnostics.map((d) => d.code)).toEqual(['unknown-source', 'unknown-source']);
    publisher.closed(sharedOpen.uri);
    expect(published.at(-1)).toEqual({ uri: sharedOpen.uri, diagnostics: [] });
    publisher.dispose();
  });
});

describe('errors of imported files', () => {
  it('show on the import that reaches them (directly or through another import), as `recon check` fails on them', () => {
    ws = makeWorkspace({
      'shared/types.recon': 'source ledger {\n  from csv("../a.csv")\n  key id\n  fields {\n    id: strin\n    n: numbr\n  }\n}\n',
      'shared/mid.recon': 'import "./types.recon" as types\nlet x = 1\n',
      'ok.recon': 'let y = 2\n',
    });
    const main = 'import "./shared/mid.recon" as mid\nimport "./ok.recon" as ok\n';
    ws.write('main.recon', main);
    const expected = checkFile(ws.path('main.recon'), new DiskModuleHost()).diagnostics.filter((d) => d.severity === 'error');
    expect(expected.map((d) => d.code)).toEqual(['unknown-type', 'unknown-type']);
    const store = new DocumentStore();
    store.open(ws.uri('main.recon'), main, 1);
    const analysis = store.analysis(ws.uri('main.recon'))!;
    const lsp = documentDiagnostics(analysis, docsLinker());
    expect(lsp).toHaveLength(1);
    const at = offsetOf(main, '"./shared/mid.recon"');
    expect(lsp[0]!.range).toEqual({ start: positionAt(main, at), end: positionAt(main, at + '"./shared/mid.recon"'.length) });
    expect(lsp[0]!.severity).toBe(DiagnosticSeverity.Error);
    expect(lsp[0]!.code).toBe('unknown-type');
    expect(lsp[0]!.message).toBe("in imported shared/types.recon:5:9: unknown type 'strin'; did you mean 'string'? (and 1 more error in imported files)");
    expect(lsp[0]!.relatedInformation?.map((r) => [r.location.uri, r.location.range.start])).toEqual([
      [ws.uri('shared/types.recon'), { line: 4, character: 8 }],
      [ws.uri('shared/types.recon'), { line: 5, character: 7 }],
    ]);
    expect(lsp[0]!.data).toBeUndefined();
    // no quick fix on the import: the repair is in the other file
    expect(codeActions(analysis, at + 2, at + 2, () => null)).toEqual([]);
  });
});
