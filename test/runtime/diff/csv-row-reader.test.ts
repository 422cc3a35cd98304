/**
 * Re-reading rows by offset gives, for every row, exactly what the connector's parser gives for
 * that row alone: rows in any order and repeated, quotes with escapes and line breaks, CRLF and
 * bare CR, rows longer than a read chunk, rows far apart and close together, a last row without a
 * line end, one-column files.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { csvParser } from '../../../runtime/connectors/csv-parser.js';
import {
  forEachRowAt,
  offsetOrder,
  parseRowBytes,
  RawRowBuilder,
  readRowBytes,
  readRowsAt,
  releaseRows,
  StringInterner,
  toRawRecord,
  type CsvRecordShape,
} from '../../../runtime/diff/csv-row-reader.js';

const dir = mkdtempSync(path.join(tmpdir(), 'recon-row-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;

/** A cell as CSV writes it; a quote inside a field (not at its start) may stay bare. */
function csvCell(value: string): string {
  return /[,\r\n]/.test(value) || value.startsWith('"') ? `"${value.replaceAll('"', '""')}"` : value;
}

interface Written {
  file: string;
  size: number;
  /** Byte offset of each data row, and its text (without line end) as written. */
  starts: number[];
  texts: string[];
}

function writeRows(rows: string[][], eol: string, trailingEol: boolean, delimiter = ','): Written {
  const file = path.join(dir, `f${++fileCount}.csv`);
  const header = rows[0].map((_, i) => `c${i}`).join(delimiter);
  const parts = [header + eol];
  let size = Buffer.byteLength(parts[0]);
  const starts: number[] = [];
  const texts: string[] = [];
  rows.forEach((row, i) => {
    starts.push(size);
    const line = row.map((cell) => (cell === '' ? '' : csvCell(cell))).join(delimiter);
    texts.push(line);
    const part = line + (i < rows.length - 1 || trailingEol ? eol : '');
    parts.push(part);
    size += Buffer.byteLength(part);
  });
  writeFileSync(file, parts.join(''));
  return { file, size, starts, texts };
}

const parsers = new Map<string, ReturnType<typeof csvParser>>();

/** What the connector's parser gives for one row's text alone (the reference). */
function parseAlone(text: string, shape: CsvRecordShape): string[] {
  const id = `${shape.names.length}/${shape.delimiter}/${shape.rowDelimiter}`;
  let parser = parsers.get(id);
  if (parser === undefined) {
    parser = csvParser(shape.names.length, shape.delimiter, shape.rowDelimiter);
    parsers.set(id, parser);
  }
  const rows: string[][] = [];
  parser.stringArrs(text + (shape.names.length === 1 ? shape.delimiter : '') + shape.rowDelimiter, (row: string[]) => {
    rows.push(row);
  });
  expect(rows).toHaveLength(1);
  return rows[0];
}

const cellArbitrary = fc.oneof(
  fc.constantFrom('', 'a', 'EUR', '10.50', 'x y', 'a,b', 'say "hi"', 'mid"quote', 'line\nbreak', 'cr\rhere', 'ké', '€', '"', '""', ' lead'),
  fc.string({ maxLength: 12 }),
);

function shapeOf(columns: number, eol: string, delimiter = ','): CsvRecordShape {
  return { names: Array.from({ length: columns }, (_, i) => `c${i}`), delimiter, rowDelimiter: eol };
}

describe('re-reading CSV rows by offset', () => {
  it('gives each row as the parser gives it alone, in the order asked, repeats included (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).chain((columns) =>
          fc.record({
            rows: fc.array(fc.array(cellArbitrary, { minLength: columns, maxLength: columns }), { minLength: 1, maxLength: 30 }),
            eol: fc.constantFrom('\n', '\r\n'),
            trailingEol: fc.boolean(),
            picks: fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
          }),
        ),
        ({ rows, eol, trailingEol, picks }) => {
          // A bare CR in a CRLF file splits the row for the parser: the scanner never hands such rows over.
          if (eol === '\r\n') rows = rows.map((row) => row.map((cell) => cell.replaceAll('\r', '')));
          const written = writeRows(rows, eol, trailingEol);
          const shape = shapeOf(rows[0].length, eol);
          const wanted = picks.map((p) => p % rows.length);
          const offsets = Float64Array.from(wanted, (i) => written.starts[i]);
          const expected = wanted.map((i) => parseAlone(written.texts[i], shape));
          const got: string[][] = new Array(wanted.length);
          forEachRowAt(written.file, written.size, shape, offsets, (values, index) => {
            got[index] = values.slice(0, Math.max(shape.names.length, 2));
          });
          expect(got).toEqual(expected);
          expect(readRowsAt(written.file, written.size, shape, offsets)).toEqual(expected.map((values) => toRawRecord(shape.names, values)));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reads rows longer than a chunk, rows across chunk ends and many chunks', () => {
    const rows: string[][] = [];
    for (let i = 0; i < 3000; i++) {
      const long = i % 500 === 7 ? 'x'.repeat(150_000 + i) : `v${i}`;
      const quoted = i % 97 === 3 ? `q "${i}"\nnext, line ${'y'.repeat(i % 700)}` : 'plain';
      rows.push([`k${i}`, long, quoted, 'z'.repeat(i % 1000)]);
    }
    const written = writeRows(rows, '\r\n', false, ';');
    const shape = shapeOf(4, '\r\n', ';');
    const wanted = Array.from({ length: 3000 }, (_, i) => (i * 7919) % 3000).filter((i) => i % 3 !== 1);
    const offsets = Float64Array.from(wanted, (i) => written.starts[i]);
    const expected = wanted.map((i) => parseAlone(written.texts[i], shape));
    const got: string[][] = new Array(wanted.length);
    forEachRowAt(written.file, written.size, shape, offsets, (values, index) => {
      got[index] = values.slice(0, 4);
    });
    expect(got).toEqual(expected);
  });

  it('reads rows far apart and rows close together in one file', () => {
    const rows: string[][] = [];
    for (let i = 0; i < 30_000; i++) rows.push([`k${i}`, i % 13 === 0 ? `"q, ${i}"` : `${i * 7}`, 'x'.repeat(i % 150)]);
    const written = writeRows(rows, '\n', true);
    const shape = shapeOf(3, '\n');
    // Every 300th row (tens of KiB apart), then a dense run, then sparse again, in any order.
    const wanted = [...Array.from({ length: 100 }, (_, i) => i * 300), ...Array.from({ length: 2000 }, (_, i) => 12_000 + i)].reverse();
    const offsets = Float64Array.from(wanted, (i) => written.starts[i]);
    const expected = wanted.map((i) => parseAlone(written.texts[i], shape));
    const got: string[][] = new Array(wanted.length);
    forEachRowAt(written.file, written.size, shape, offsets, (values, index) => {
      got[index] = values.slice(0, 3);
    });
    expect(got).toEqual(expected);
  });

  it('keeps a byte-order mark at the start of a row (only the file start has one)', () => {
    const written = writeRows(
      [
        ['\ufeffa', 'b'],
        ['c', 'd'],
      ],
      '\n',
      true,
    );
    const shape = shapeOf(2, '\n');
    const got: string[][] = [];
    forEachRowAt(written.file, written.size, shape, [written.starts[0], written.starts[1]], (values, index) => {
      got[index] = values.slice(0, 2);
    });
    expect(got).toEqual([
      ['\ufeffa', 'b'],
      ['c', 'd'],
    ]);
  });

  it('keeps it in rows parsed in later slices too (rows are decoded about 64 KB at a time)', () => {
    const rows = Array.from({ length: 3000 }, (_, i) => [`\ufeffk${i}`, 'v'.repeat(60 + (i % 40))]);
    const written = writeRows(rows, '\r\n', false);
    const shape = shapeOf(2, '\r\n');
    const got: string[][] = new Array(rows.length);
    forEachRowAt(written.file, written.size, shape, written.starts, (values, index) => {
      got[index] = values.slice(0, 2);
    });
    expect(got).toEqual(rows);
  });

  it('ends every slice with a row delimiter: last fields quoted (escapes, line breaks) and one-column rows across slices', () => {
    for (const eol of ['\n', '\r\n']) {
      const quotedLast = (i: number) => (i % 3 === 0 ? `tail "${i}"` : i % 3 === 1 ? `two\nlines, ${i}` : `ends with ""`);
      const two = Array.from({ length: 4000 }, (_, i) => [`k${i}`, quotedLast(i) + 'w'.repeat(i % 50)]);
      const one = Array.from({ length: 4000 }, (_, i) => [i % 2 === 0 ? `"${i}" said` : `, ${i}`]);
      for (const rows of [two, one]) {
        const written = writeRows(rows, eol, false);
        const shape = shapeOf(rows[0].length, eol);
        const expected = rows.map((_, i) => parseAlone(written.texts[i], shape));
        const got: string[][] = new Array(rows.length);
        let calls = 0;
        forEachRowAt(written.file, written.size, shape, written.starts, (values, index) => {
          calls++;
          got[index] = values.slice(0, 2);
        });
        expect(calls).toBe(rows.length);
        expect(got).toEqual(expected);
      }
    }
  });

  it('reads nothing for no offsets', () => {
    const written = writeRows([['a', 'b']], '\n', true);
    const shape = shapeOf(2, '\n');
    let calls = 0;
    forEachRowAt(written.file, written.size, shape, [], () => calls++);
    parseRowBytes(readRowBytes(written.file, written.size, shape, new Float64Array(0)), shape, () => calls++);
    expect(calls).toBe(0);
  });

  it('reports a file that vanished', () => {
    const shape = shapeOf(2, '\n');
    expect(() => readRowBytes(path.join(dir, 'missing.csv'), 100, shape, [10])).toThrow();
  });
});

describe('rows of two files in one text', () => {
  it('puts the lead rows first or before the rows leadBefore names, each row read with its follower, parsed as each file alone (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }).chain((columns) =>
          fc.record({
            a: fc.array(fc.array(cellArbitrary, { minLength: columns, maxLength: columns }), { minLength: 1, maxLength: 20 }),
            b: fc.array(fc.array(cellArbitrary, { minLength: columns, maxLength: columns }), { minLength: 1, maxLength: 20 }),
            eol: fc.constantFrom('\n', '\r\n'),
            picksA: fc.array(fc.nat(), { minLength: 1, maxLength: 25 }),
            picksB: fc.array(fc.nat(), { minLength: 1, maxLength: 25 }),
            lead: fc.nat(),
            follow: fc.array(fc.integer({ min: -3, max: 40 }), { maxLength: 25 }),
            // where the lead rows go (past the rows read: after the last); null: all first
            leadAt: fc.option(fc.array(fc.nat(30), { maxLength: 25 })),
          }),
        ),
        ({ a, b, eol, picksA, picksB, lead, follow, leadAt }) => {
          if (eol === '\r\n') {
            a = a.map((row) => row.map((cell) => cell.replaceAll('\r', '')));
            b = b.map((row) => row.map((cell) => cell.replaceAll('\r', '')));
          }
          const shape = shapeOf(a[0].length, eol);
          const wa = writeRows(a, eol, true);
          const wb = writeRows(b, eol, false);
          const wantedB = picksB.map((p) => p % b.length);
          const rowsB = readRowBytes(wb.file, wb.size, shape, Float64Array.from(wantedB, (i) => wb.starts[i]));
          // Text row k of rowsB is the row asked for as index rowsB.order[k].
          const textOfB = (k: number) => wb.texts[wantedB[rowsB.order[k]]];
          const wantedA = picksA.map((p) => p % a.length);
          const leadRows = Int32Array.from({ length: lead % (wantedB.length + 1) }, (_, j) => (j * 7) % wantedB.length);
          const followers = Int32Array.from(wantedA, (_, i) => {
            const f = follow[i] ?? -1;
            return f < 0 ? -1 : f % wantedB.length;
          });
          const leadBefore = leadAt === null ? undefined : Int32Array.from(leadRows, (_, j) => leadAt[j] ?? 40).sort();
          const joined = readRowBytes(wa.file, wa.size, shape, Float64Array.from(wantedA, (i) => wa.starts[i]), {
            rows: rowsB,
            lead: leadRows,
            leadBefore,
            follow: followers,
          });
          const expected: string[][] = [];
          let nextLead = 0;
          const leadsUpTo = (row: number) => {
            while (nextLead < leadRows.length && (leadBefore === undefined ? 0 : leadBefore[nextLead]) <= row) {
              expected.push(parseAlone(textOfB(leadRows[nextLead++]), shape));
            }
          };
          joined.order.forEach((index, row) => {
            leadsUpTo(row);
            expected.push(parseAlone(wa.texts[wantedA[index]], shape));
            if (followers[index] >= 0) expected.push(parseAlone(textOfB(followers[index]), shape));
          });
          leadsUpTo(Infinity);
          const got: string[][] = [];
          expect(joined.starts.length).toBe(expected.length);
          parseRowBytes(joined, shape, (values, row) => {
            expect(row).toBe(got.length);
            got.push(values.slice(0, Math.max(shape.names.length, 2)));
          });
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('gives back the memory of rows no longer needed (they are then empty)', () => {
    const written = writeRows([['a', 'b'], ['c', 'd']], '\n', true);
    const rows = readRowBytes(written.file, written.size, shapeOf(2, '\n'), Float64Array.from(written.starts));
    expect(Buffer.from(rows.bytes).toString('utf8')).toBe('\na,b\nc,d\n');
    expect([...rows.starts]).toEqual([1, 5]);
    releaseRows(rows);
    expect(rows.bytes.length).toBe(0);
  });
});

describe('offsetOrder', () => {
  it('orders indexes by offset, equal offsets by index, up to 2^53 (property)', () => {
    const offset = fc.oneof(fc.nat(3000), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.constantFrom(0, 2 ** 32 - 1, 2 ** 32, 2 ** 33 + 5, 2 ** 53 - 1));
    fc.assert(
      fc.property(fc.array(offset, { maxLength: 200 }), (offsets) => {
        const expected = offsets.map((_, i) => i).sort((a, b) => offsets[a] - offsets[b] || a - b);
        expect([...offsetOrder(offsets)]).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});

describe('RawRowBuilder', () => {
  it('builds the raw record toRawRecord builds, leaving each column value in place (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.oneof(fc.constantFrom('', 'EUR', 'x'), fc.string({ maxLength: 30 })), { minLength: 3, maxLength: 3 }), { maxLength: 300 }),
        fc.constantFrom(['id', 'amount', 'currency'], ['b', 'a', 'constructor']),
        (rows, names) => {
          const builder = new RawRowBuilder(names);
          for (const row of rows) {
            const values: (string | undefined)[] = [...row];
            const raw = builder.build(values);
            const expected = toRawRecord(names, row);
            expect(raw).toEqual(expected);
            expect(Object.keys(raw)).toEqual(Object.keys(expected));
            names.forEach((name, i) => expect(values[i]).toBe(Object.prototype.hasOwnProperty.call(expected, name) ? expected[name] : undefined));
          }
        },
      ),
    );
  });

  it('normalize then record (the raw record made later, from the values left) give what build gives (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.oneof(fc.constantFrom('', 'EUR', 'eur', '1', '01', 'e\u0301', '\u00e9', ' x'), fc.string({ maxLength: 30 })), { minLength: 3, maxLength: 3 }), {
          maxLength: 300,
        }),
        fc.constantFrom(['id', 'amount', 'currency'], ['b', 'a', 'constructor']),
        (rows, names) => {
          const built = new RawRowBuilder(names);
          const split = new RawRowBuilder(names);
          // every row normalised first, the raw records made afterwards: each from its own values
          const kept = rows.map((row) => {
            const values: (string | undefined)[] = [...row];
            split.normalize(values);
            return values;
          });
          rows.forEach((row, r) => {
            const values: (string | undefined)[] = [...row];
            const expected = built.build(values);
            expect(kept[r]).toEqual(values);
            const raw = split.record(kept[r]!);
            expect(Object.entries(raw)).toEqual(Object.entries(expected));
            // interning never merges different texts ('1' and '01', the two forms of é, cases)
            names.forEach((name, i) => {
              const cell = row[i]!;
              expect(kept[r]![i]).toBe(cell === '' ? undefined : cell);
            });
          });
        },
      ),
    );
  });

  it('takes __proto__ and index-like column names as fields', () => {
    for (const names of [['__proto__', 'a'], ['2', '1', 'a']]) {
      const builder = new RawRowBuilder(names);
      const raw = builder.build(names.map((_, i) => `v${i}`));
      const expected = toRawRecord(
        names,
        names.map((_, i) => `v${i}`),
      );
      expect(Object.getPrototypeOf(raw)).toBe(Object.prototype);
      expect(Object.keys(raw)).toEqual(Object.keys(expected));
      expect(Object.entries(raw)).toEqual(Object.entries(expected));
    }
  });
});

describe('RawRowBuilder with texts of their own', () => {
  it('builds the same raw records, every text equal to the value read (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.oneof(fc.constantFrom('', 'EUR', 'x', 'a text of twenty char', 'ap-southeast-1x'), fc.string({ maxLength: 40 })), { minLength: 3, maxLength: 3 }), { maxLength: 200 }),
        (rows) => {
          const names = ['id', 'memo', 'region'];
          const builder = new RawRowBuilder(names, true);
          const line = rows.map((row) => row.join('|')).join('\n');
          let at = 0;
          for (const row of rows) {
            // Values cut from one long text, as the parser gives them.
            const values: (string | undefined)[] = row.map((cell) => {
              const value = line.slice(at, at + cell.length);
              at += cell.length + 1;
              return value;
            });
            expect(builder.build(values)).toEqual(toRawRecord(names, row));
          }
        },
      ),
    );
  });
});

describe('StringInterner', () => {
  it.each([
    ['no room made', () => new StringInterner()],
    ['room for two columns (a third added when met)', () => new StringInterner(2)],
  ])('returns equal text, shared for repeated short values of a column (%s)', (_, make) => {
    const interner = make();
    const fresh = (text: string) => [...text].join('');
    const first = interner.intern(0, fresh('settled'));
    for (let i = 0; i < 5000; i++) {
      const value = fresh(['settled', 'pending', 'failed', `id${i}`][i % 4]);
      expect(interner.intern(0, value)).toBe(value);
    }
    expect(interner.intern(0, fresh('settled'))).toBe(first);
    // A column of distinct values stops being interned, and stays correct.
    for (let i = 0; i < 10_000; i++) expect(interner.intern(1, `u${i}`)).toBe(`u${i}`);
    const long = 'x'.repeat(100);
    expect(interner.intern(2, long)).toBe(long);
  });
});
