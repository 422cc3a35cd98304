import { afterEach, describe, expect, it } from 'vitest';
import { FoldingRangeKind } from 'vscode-languageserver';
import { formatText } from '../../../language/formatter.js';
import { foldingRanges } from '../../../extension/server/features/folding.js';
import { formatDocument } from '../../../extension/server/features/formatting.js';
import { applyTextEdits, openFixture, type OpenedFixture } from '../../helpers/lsp-helpers.js';
import { SAMPLE } from './fixtures.js';

let fixture: OpenedFixture | undefined;
afterEach(() => fixture?.ws.remove());

const MESSY = `source   ledger{from csv("a.csv")   key id
fields {id:string amount:number}}
policy p{desired ledger actual ledger
compare{amount within 0.01}}
`;

describe('formatting', () => {
  it('gives the text `recon fmt` writes, as one edit', () => {
    const edits = formatDocument(MESSY);
    expect(edits).toHaveLength(1);
    expect(applyTextEdits(MESSY, edits)).toBe(formatText(MESSY).text);
    expect(applyTextEdits(MESSY, edits)).toContain('source ledger {\n  from csv("a.csv")\n  key id\n');
  });

  it('changes nothing in a canonical file, and leaves a file with syntax errors alone', () => {
    const canonical = formatText(SAMPLE).text;
    expect(formatDocument(canonical)).toEqual([]);
    expect(formatDocument('source ledger {\n  from csv(\n')).toEqual([]);
  });
});

describe('folding', () => {
  it('folds blocks that span lines, keeping the closing brace visible, and runs of comments and imports', () => {
    const text = `import "std/money"
import "std/money" as m2

# one
# two
source ledger {
  from csv("a.csv")
  key id
  fields {
    id: string
  }
}
let xs = [
  1,
  2,
]
let one = { a: 1 }
<|>`;
    fixture = openFixture(text);
    const ranges = foldingRanges(fixture.analysis).map((r) => [r.startLine, r.endLine, r.kind ?? null]);
    expect(ranges).toEqual([
      [0, 1, FoldingRangeKind.Imports],
      [3, 4, FoldingRangeKind.Comment],
      [5, 10, null],
      [8, 9, null],
      [12, 14, null],
    ]);
  });
});
