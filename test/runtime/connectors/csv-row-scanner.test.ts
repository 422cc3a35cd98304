import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createCsvConnectorWithChunkSize } from '../../../runtime/connectors/csv-connector.js';
import { createConnectorContext } from '../../../runtime/connectors/connector-registry.js';
import { CsvRowScanner, type ScannedRow } from '../../../runtime/connectors/csv-row-scanner.js';
import { makeSource, makeWorkspace, OBSERVED_AT, readAll } from './source-fixture.js';

function scan(text: string, cuts: number[] = []): ScannedRow[] {
  const scanner = new CsvRowScanner(44);
  const rows: ScannedRow[] = [];
  const sink = (row: ScannedRow) => rows.push({ ...row });
  let start = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < text.length)].sort((a, b) => a - b)) {
    scanner.scan(text.slice(start, cut), sink);
    start = cut;
  }
  scanner.scan(text.slice(start), sink);
  scanner.finish(sink);
  return rows;
}

describe('csv row scanner', () => {
  it('finds rows, field counts, lines and content ends', () => {
    const rows = scan('a,b\r\n"x\ny",2\n\nbad"",z\n"q"r,1\n"open');
    expect(rows.map((r) => [r.line, r.fields, r.error === null])).toEqual([
      [1, 2, true],
      [2, 2, true],
      [4, 1, true], // the blank line: empty content
      [5, 2, true], // a quote inside an unquoted field is text
      [6, 1, false],
      [7, 1, false],
    ]);
    expect(rows[0]).toMatchObject({ start: 0, contentEnd: 3, end: 5 });
    expect(rows[2].contentEnd).toBe(rows[2].start);
    expect(rows[5].error).toMatch(/unterminated quoted field/);
  });

  it('gives the same rows whatever the chunking (property)', () => {
    const piece = fc.constantFrom('a', ',', '"', '""', '\n', '\r\n', '\r', 'xyz', ' ', '"a,b"');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), fc.array(fc.nat({ max: 200 }), { maxLength: 10 }), (pieces, cuts) => {
        const text = pieces.join('');
        expect(scan(text, cuts)).toEqual(scan(text));
      }),
      { numRuns: 500 },
    );
  });
});

describe('csv connector chunking', () => {
  const ws = makeWorkspace({});
  afterAll(ws.cleanup);

  it('reads the same records and unreadable rows with tiny chunks as with large ones (property)', async () => {
    const piece = fc.constantFrom('a', 'b', ',', '"', '""', '\n', '\r\n', '"x\ny"', 'é', '😀', ',,');
    const source = makeSource('csv', 'c.csv');
    const context = createConnectorContext({ workspaceRoot: ws.root, trusted: true, observedAt: OBSERVED_AT });
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 30 }), fc.integer({ min: 1, max: 9 }), async (pieces, chunk) => {
        writeFileSync(path.join(ws.root, 'c.csv'), `id,v\n${pieces.join('')}`);
        // a quote left open before further lines stops the read: with the same error
        const outcome = (size: number) => readAll(createCsvConnectorWithChunkSize(size)(source, context)).catch((error: unknown) => (error as Error).message);
        const big = await outcome(1 << 20);
        const small = await outcome(chunk);
        if (typeof big === 'string' || typeof small === 'string') {
          expect(small).toEqual(big);
          return;
        }
        expect(small.records).toEqual(big.records);
        expect(small.origins).toEqual(big.origins);
        expect(small.unreadable).toEqual(big.unreadable);
      }),
      { numRuns: 200 },
    );
  });
});

describe('csv connector row length limit', () => {
  const ws = makeWorkspace({ 'long.csv': `id,v\na,1\nb,"${'x'.repeat(300)}\nmore"\nc,3\nd,"${'y'.repeat(300)}` });
  afterAll(ws.cleanup);

  it('reports a row longer than the limit as unreadable instead of buffering it', async () => {
    const context = createConnectorContext({ workspaceRoot: ws.root, trusted: true, observedAt: OBSERVED_AT });
    const result = await readAll(createCsvConnectorWithChunkSize(16, 100)(makeSource('csv', 'long.csv'), context));
    expect(result.records).toEqual([
      { id: 'a', v: '1' },
      { id: 'c', v: '3' },
    ]);
    expect(result.unreadable).toEqual([
      { origin: { position: 2, line: 3 }, error: 'long.csv:3: the row is longer than 100 characters (a stray quote?)' },
      { origin: { position: 4, line: 6 }, error: expect.stringMatching(/^long\.csv:6: unterminated quoted field/) },
    ]);
  });
});
