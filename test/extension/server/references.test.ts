import { afterEach, describe, expect, it } from 'vitest';
import { DocumentHighlightKind } from 'vscode-languageserver';
import { documentHighlights, references } from '../../../extension/server/features/references.js';
import { ReconWorkspace } from '../../../extension/server/workspace.js';
import { markAt, openFixture, type OpenedFixture } from '../../helpers/lsp-helpers.js';
import { MAIN, SHARED } from './navigation-fixture.js';

let fixture: OpenedFixture | undefined;
afterEach(() => fixture?.ws.remove());

const OTHER = `import "./shared.recon"

source books {
  from csv("books.csv")
  key txn_id
}

policy other {
  desired shared.ledger
  actual books
}
`;

/** `[file, line, character]` of each reference of what is at the `<|>` of `marked` (main.recon). */
function referencesAt(marked: string, includeDeclaration = true): [string, number, number][] {
  fixture?.ws.remove();
  fixture = openFixture(marked, { 'shared.recon': SHARED, 'other.recon': OTHER });
  const workspace = new ReconWorkspace(fixture.store);
  workspace.roots = [fixture.ws.root];
  return references(workspace, fixture.analysis, fixture.offset, includeDeclaration).map((l) => [l.uri.slice(l.uri.lastIndexOf('/') + 1), l.range.start.line, l.range.start.character]);
}

describe('find references', () => {
  it('finds a source everywhere it is named, across the files of the workspace', () => {
    const refs = referencesAt(markAt(MAIN, 'desired shared.led<|>ger'));
    expect(refs).toEqual([
      ['main.recon', 12, 17],
      ['other.recon', 8, 17],
      ['shared.recon', 5, 7],
    ]);
    expect(referencesAt(markAt(MAIN, 'desired shared.led<|>ger'), false)).toEqual([
      ['main.recon', 12, 17],
      ['other.recon', 8, 17],
    ]);
  });

  it('finds the same references from the declaration itself (in a file that is not open)', () => {
    fixture?.ws.remove();
    fixture = openFixture(markAt(SHARED, 'source led<|>ger'), { 'main.recon': MAIN, 'other.recon': OTHER }, 'shared.recon');
    const workspace = new ReconWorkspace(fixture.store);
    workspace.roots = [fixture.ws.root];
    const refs = references(workspace, fixture.analysis, fixture.offset, true).map((l) => l.uri.slice(l.uri.lastIndexOf('/') + 1));
    expect(refs).toEqual(['main.recon', 'other.recon', 'shared.recon']);
  });

  it('finds a policy named by tests, and an import alias in every qualified name', () => {
    expect(referencesAt(markAt(MAIN, 'policy pari<|>ty {'))).toEqual([
      ['main.recon', 11, 7],
      ['main.recon', 25, 9],
    ]);
    const alias = referencesAt(markAt(MAIN, 'as sha<|>red'));
    expect(alias.map(([f]) => f)).toEqual(['main.recon', 'main.recon', 'main.recon', 'main.recon', 'main.recon']);
    expect(alias.map(([, line]) => line)).toEqual([0, 12, 15, 19, 19]);
  });

  it('finds the uses of a field of a source', () => {
    const refs = referencesAt(markAt(MAIN, 'actual.amo<|>unt'));
    expect(refs).toEqual([
      ['main.recon', 7, 4],
      ['main.recon', 20, 27],
    ]);
  });

  it('finds the uses of a field in the files that import its source, asked at its declaration or at a use', () => {
    fixture?.ws.remove();
    fixture = openFixture(markAt(SHARED, 'amo<|>unt: number'), { 'main.recon': MAIN, 'other.recon': OTHER }, 'shared.recon');
    const workspace = new ReconWorkspace(fixture.store);
    workspace.roots = [fixture.ws.root];
    const at = (offset: number) => references(workspace, fixture!.analysis, offset, true).map((l) => [l.uri.slice(l.uri.lastIndexOf('/') + 1), l.range.start.line, l.range.start.character]);
    const expected = [
      ['shared.recon', 10, 4],
      ['main.recon', 16, 4],
      ['main.recon', 19, 28],
    ];
    expect(at(fixture.offset)).toEqual(expected);
    // from a use in main.recon: the same places
    expect(referencesAt(markAt(MAIN, 'desired.amo<|>unt')).sort()).toEqual([...expected].sort());
  });

  it('highlights the occurrences in the file, the declaration as a write', () => {
    fixture?.ws.remove();
    fixture = openFixture(markAt(MAIN, 'actual gate<|>way'), { 'shared.recon': SHARED });
    const highlights = documentHighlights(fixture.analysis, fixture.offset);
    expect(highlights.map((h) => [h.range.start.line, h.kind])).toEqual([
      [2, DocumentHighlightKind.Write],
      [13, DocumentHighlightKind.Read],
    ]);
  });
});
