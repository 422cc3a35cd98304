/**
 * The fast path's byte scanner: its type checks never vouch for a value the read pipeline would
 * reject, its UTF-8 check agrees with a strict decoder, it finds rows, lines, keys and
 * fingerprints by field name whatever the column order or quoting, and `keyHashOf` gives the key
 * hash it computes on the way (the desired side's key table recomputes hashes with it).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IrFieldType } from '../../../language/ir/ir-types.js';
import {
  CHECK_BOOL,
  CHECK_DATETIME,
  CHECK_INTEGER,
  CHECK_NUMBER,
  checkBytes,
  CsvByteScanner,
  keyHashOf,
  ROW_SUSPECT,
  validUtf8,
  type RowBatch,
  type ScanPlan,
} from '../../../runtime/diff/csv-byte-scanner.js';
import { coerceValue } from '../../../runtime/observe/field-coercion.js';

const CHECKS: [number, IrFieldType][] = [
  [CHECK_NUMBER, 'number'],
  [CHECK_INTEGER, 'integer'],
  [CHECK_BOOL, 'bool'],
  [CHECK_DATETIME, 'datetime'],
];

const textish = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789-+.eE:TZ tfrueaslyno'.split('')), maxLength: 30 }),
  fc.constantFrom('2024-02-29', '2023-02-29', '2024-12-31T23:59:59Z', '2024-12-31T24:00:00Z', '2024-01-01T00:00:00.123456789Z', '0999-01-01', 'TRUE', 'False', '1', '0', '-0', '00012', '1234567890123456', '1e400'),
);

describe('type checks', () => {
  it('only vouch for values the read pipeline accepts', () => {
    fc.assert(
      fc.property(textish, fc.constantFrom(...CHECKS), (text, [code, type]) => {
        const bytes = Buffer.from(text, 'utf8');
        if (bytes.length > 0 && checkBytes(bytes, 0, bytes.length, code)) expect(coerceValue(text, type).ok).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('vouch for the common forms', () => {
    const ok = (text: string, code: number) => checkBytes(Buffer.from(text), 0, text.length, code);
    expect(ok('12.50', CHECK_NUMBER)).toBe(true);
    expect(ok('-3', CHECK_INTEGER)).toBe(true);
    expect(ok('true', CHECK_BOOL)).toBe(true);
    expect(ok('2026-11-26T12:00:00Z', CHECK_DATETIME)).toBe(true);
    expect(ok('2026-11-26T12:00:00.5', CHECK_DATETIME)).toBe(true);
    expect(ok('1e3', CHECK_NUMBER)).toBe(false);
    expect(ok('2026-02-30', CHECK_DATETIME)).toBe(false);
    // month lengths and leap years (day 29 to 31: the only days the month's length can refuse)
    for (const [text, valid] of [['2024-02-29', true], ['2023-02-29', false], ['2000-02-29', true], ['1900-02-29', false], ['2024-04-31', false], ['2024-04-30', true], ['2024-12-31', true]] as const) {
      expect(ok(text, CHECK_DATETIME), text).toBe(valid);
    }
  });
});

describe('UTF-8 check', () => {
  it('agrees with a strict decoder', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), (bytes) => {
        let strict = true;
        try {
          decoder.decode(bytes);
        } catch {
          strict = false;
        }
        expect(validUtf8(bytes, bytes.length)).toBe(strict);
      }),
      { numRuns: 5000 },
    );
    expect(validUtf8(Buffer.from('ké€😀'), Buffer.byteLength('ké€😀'))).toBe(true);
  });
});

interface Row {
  start: number;
  line: number;
  key: string;
  /** The key's length and packed words. */
  words: string;
  fp: string;
  suspect: boolean;
}

function scanAll(text: string, plan: ScanPlan, chunk = Infinity, generalOnly = false): { rows: Row[]; bail: string | null; general: number } {
  const buf = Buffer.from(text, 'utf8');
  const scanner = new CsvByteScanner(plan, 1, generalOnly);
  const rows: Row[] = [];
  const sink = {
    onRows(batch: RowBatch) {
      for (let k = 0; k < batch.count; k++) {
        const bytes = batch.keySource(k);
        rows.push({
          start: batch.start[k],
          line: batch.line[k],
          key: Buffer.from(bytes.subarray(batch.keyAt[k], batch.keyAt[k] + batch.keyLength[k])).toString('utf8'),
          words: `${batch.keyLength[k]}:${batch.keyWord0[k]}:${batch.keyWord1[k]}:${batch.keyWord2[k]}:${batch.keyHash[k]}`,
          fp: `${batch.fpLo[k]}:${batch.fpHi[k]}`,
          suspect: (batch.flags[k] & ROW_SUSPECT) !== 0,
        });
      }
    },
  };
  // Feed growing prefixes, as the file reader does with chunks.
  let pos = 0;
  for (let end = Math.min(chunk, buf.length); ; end = Math.min(end + chunk, buf.length)) {
    pos = scanner.scan(buf, pos, end, 0, end === buf.length, sink);
    if (scanner.bail !== null || end === buf.length) break;
  }
  return { rows, bail: scanner.bail, general: scanner.generalRows };
}

function plan(columns: number, fpSlot: number[], keyComponent: number[], check: number[] = []): ScanPlan {
  return {
    delimiter: 44,
    columns,
    fpSlot: Int32Array.from(fpSlot),
    fpSlots: Math.max(0, ...fpSlot) + 1,
    keyComponent: Int32Array.from(keyComponent),
    keyComponents: Math.max(0, ...keyComponent) + 1,
    check: Uint8Array.from({ length: columns }, (_, i) => check[i] ?? 0),
  };
}

describe('the scanner', () => {
  it('finds rows, lines, keys; skips blank lines; unquotes', () => {
    const text = 'k1,"a ""b"""\r\n\r\n"k\n2",x\nk3,\n';
    for (const chunk of [Infinity, 1, 3, 7]) {
      const { rows, bail } = scanAll(text, plan(2, [-1, 0], [0, -1]), chunk);
      expect(bail).toBeNull();
      expect(rows.map((r) => [r.start, r.line, r.key])).toEqual([
        [0, 1, 'k1'],
        [16, 3, 'k\n2'],
        [24, 5, 'k3'],
      ]);
    }
  });

  it('fingerprints fields by name, whatever the column order and quoting', () => {
    const a = scanAll('id,x,y\nk,1,two\n', plan(3, [-1, 0, 1], [0, -1, -1])).rows[1];
    const b = scanAll('y,id,x\n"two",k,"1"\n', plan(3, [1, -1, 0], [-1, 0, -1])).rows[1];
    const c = scanAll('y,id,x\ntwo,k,2\n', plan(3, [1, -1, 0], [-1, 0, -1])).rows[1];
    expect(b.fp).toBe(a.fp);
    expect(c.fp).not.toBe(a.fp);
    // Moving a value to the neighbouring field changes the fingerprint.
    const d = scanAll('id,x,y\nk,,1two\n', plan(3, [-1, 0, 1], [0, -1, -1])).rows[1];
    expect(d.fp).not.toBe(a.fp);
  });

  it('marks rows the pipeline must judge, and gives up on malformed rows', () => {
    const typed = plan(2, [-1, 0], [0, -1], [0, CHECK_NUMBER]);
    expect(scanAll('k,1.5\nk2,1e3\n,2\n', typed).rows.map((r) => r.suspect)).toEqual([false, true, true]);
    expect(scanAll('k,1\nk2,2,3\n', typed).bail).toMatch(/3 fields where the header has 2 \(line 2\)/);
    expect(scanAll('k,"1"x\n', typed).bail).toMatch(/text after a closing quote/);
    expect(scanAll('k,"1\n', typed).bail).toMatch(/unterminated/);
  });
});

describe('the two row loops', () => {
  // Field values, from plain to everything that sends a row to the general loop.
  const values = ['', 'a', 'abc', 'ab', '12', '-3.5', '1e3', '007', 'true', 'FALSE', '2024-02-29', '2023-02-29', '2024-01-01T10:20:30Z', 'é', 'x,y', 'say "hi"', '"', 'line\nbreak', 'cr\rin', 'end\r', ' pad '];
  const field = fc.record({ value: fc.constantFrom(...values), quote: fc.boolean() });
  const caseArbitrary = fc.integer({ min: 2, max: 5 }).chain((columns) =>
    fc.record({
      columns: fc.constant(columns),
      rows: fc.array(
        fc.record({
          fields: fc.array(field, { minLength: columns, maxLength: columns }),
          extraField: fc.constantFrom(0, 0, 0, 0, 0, 0, 0, 0, 1, -1),
          blankBefore: fc.boolean(),
        }),
        { maxLength: 12 },
      ),
      crlf: fc.boolean(),
      trailing: fc.boolean(),
      fp: fc.array(fc.boolean(), { minLength: columns, maxLength: columns }),
      slotOrder: fc.shuffledSubarray([0, 1, 2, 3, 4, 5], { minLength: 6, maxLength: 6 }),
      keyColumns: fc.shuffledSubarray([...Array(columns).keys()], { minLength: 1, maxLength: 2 }),
      checks: fc.array(fc.constantFrom(0, 0, CHECK_NUMBER, CHECK_INTEGER, CHECK_BOOL, CHECK_DATETIME), { minLength: columns, maxLength: columns }),
    }),
  );

  type LoopCase = typeof caseArbitrary extends fc.Arbitrary<infer T> ? T : never;

  function csvText(c: LoopCase): string {
    const eol = c.crlf ? '\r\n' : '\n';
    const lines: string[] = [];
    for (const row of c.rows) {
      if (row.blankBefore) lines.push('');
      let fields = row.fields;
      if (row.extraField > 0) fields = [...fields, { value: 'z', quote: false }];
      if (row.extraField < 0) fields = fields.slice(1);
      lines.push(
        fields
          .map(({ value, quote }) => {
            const needs = value.includes(',') || value.includes('"') || value.includes('\n') || value.includes('\r');
            return quote || needs ? `"${value.replace(/"/g, '""')}"` : value;
          })
          .join(','),
      );
    }
    return lines.join(eol) + (c.trailing ? eol : '');
  }

  function casePlan(c: LoopCase): ScanPlan {
    let slot = 0;
    const fpSlot = c.fp.map((on) => (on ? c.slotOrder[slot++] : -1));
    const keyComponent = Array.from({ length: c.columns }, (_, col) => c.keyColumns.indexOf(col));
    return {
      delimiter: 44,
      columns: c.columns,
      fpSlot: Int32Array.from(fpSlot),
      fpSlots: 6,
      keyComponent: Int32Array.from(keyComponent),
      keyComponents: c.keyColumns.length,
      check: Uint8Array.from(c.checks),
    };
  }

  it('give the same rows, keys, fingerprints and verdicts', () => {
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const text = csvText(c);
        const plan = casePlan(c);
        const { rows, bail } = scanAll(text, plan, Infinity, true);
        for (const chunk of [Infinity, 5, 64]) expect(scanAll(text, plan, chunk)).toMatchObject({ rows, bail });
      }),
      { numRuns: 3000 },
    );
  });

  it('take the common shapes in the specialised loop', () => {
    // A quoted field without escapes, a CRLF line end, a blank line, typed values: all plain.
    const text = 'k1,"a, b",12\r\n\r\nk2,c,-3.5\r\n';
    const p = plan(3, [-1, 0, 1], [0, -1, -1], [0, 0, CHECK_NUMBER]);
    const fast = scanAll(text, p);
    expect(fast.general).toBe(0);
    expect(fast).toMatchObject({ rows: scanAll(text, p, Infinity, true).rows, bail: null });
    expect(fast.rows.map((r) => [r.start, r.line, r.key, r.suspect])).toEqual([
      [0, 1, 'k1', false],
      [16, 3, 'k2', false],
    ]);
    // An escaped quote goes to the general loop, with the fingerprint of the same text unquoted.
    const escaped = scanAll('k1,"a ""b""",12\n', p);
    expect(escaped.general).toBe(1);
    const unquoted = scanAll('k1,a "b",12\n', p);
    expect(unquoted.general).toBe(0);
    expect(escaped.rows[0].fp).toBe(unquoted.rows[0].fp);
  });

  it('agree on long and short keys over many batches', () => {
    const lines: string[] = [];
    for (let i = 0; i < 2000; i++) lines.push(`${'k'.repeat(1 + (i % 20))}${i},${i % 7},x${i}`);
    const text = lines.join('\n') + '\n';
    for (const p of [plan(3, [-1, 0, 1], [0, -1, -1], [0, CHECK_INTEGER, 0]), plan(3, [-1, 0, 1], [0, -1, 1])]) {
      const fast = scanAll(text, p);
      expect(fast.rows).toHaveLength(2000);
      expect(fast.general).toBe(0);
      expect(fast.rows).toEqual(scanAll(text, p, Infinity, true).rows);
    }
  });
});

describe('keyHashOf', () => {
  it('is the key hash the scanner computes, for every key shape and in both loops', () => {
    // Plain, quoted, escaped, empty, non-ASCII, long (> 12 bytes) and multi-line keys.
    const shapes = ['k1', '"quoted"', '"a ""b"" c"', '', 'ké€😀', 'a-key-longer-than-twelve-bytes', '"line\nbreak"', 'x'.repeat(300)];
    const single = plan(3, [-1, 0, -1], [0, -1, -1]);
    const composite = plan(3, [-1, 0, -1], [0, -1, 1]); // two key components (0xFF between)
    for (const scanPlan of [single, composite]) {
      const keys = shapes;
      const text = keys.map((key, i) => `${key},${i},z${i}\n`).join('');
      for (const generalOnly of [false, true]) {
        const buf = Buffer.from(text, 'utf8');
        const scanner = new CsvByteScanner(scanPlan, 1, generalOnly);
        let seen = 0;
        scanner.scan(buf, 0, buf.length, 0, true, {
          onRows(batch: RowBatch) {
            for (let k = 0; k < batch.count; k++) {
              expect(keyHashOf(batch.keySource(k), batch.keyAt[k], batch.keyLength[k])).toBe(batch.keyHash[k]);
              seen++;
            }
          },
        });
        expect(scanner.bail).toBeNull();
        expect(seen).toBe(keys.length);
      }
    }
    // A slice of a larger array hashes like the bytes alone.
    const bytes = Buffer.from('--abc--');
    expect(keyHashOf(bytes, 2, 3)).toBe(keyHashOf(Buffer.from('abc'), 0, 3));
    expect(keyHashOf(bytes, 2, 3)).not.toBe(keyHashOf(Buffer.from('abd'), 0, 3));
  });
});

describe('composite keys', () => {
  const composite = plan(3, [-1, 0, -1], [0, -1, 1]); // columns 0 and 2 make the key (0xFF between)

  it('take non-ASCII components (each is checked as UTF-8 on its own; the 0xFF between is not text)', () => {
    const text = 'Zo\u00eb,1,Malm\u00f6\n"\u00dcn\u00efcode ""q""",2,\u20ac\nplain,3,ascii\n';
    for (const generalOnly of [false, true]) {
      const buf = Buffer.from(text, 'utf8');
      const scanner = new CsvByteScanner(composite, 1, generalOnly);
      const keys: string[] = [];
      scanner.scan(buf, 0, buf.length, 0, true, {
        onRows(batch: RowBatch) {
          for (let k = 0; k < batch.count; k++) {
            const source = batch.keySource(k);
            const bytes = Buffer.from(source.subarray(batch.keyAt[k], batch.keyAt[k] + batch.keyLength[k]));
            keys.push(bytes.toString('latin1').split('\xff').map((part) => Buffer.from(part, 'latin1').toString('utf8')).join('|'));
          }
        },
      });
      expect(scanner.bail).toBeNull();
      expect(keys).toEqual(['Zo\u00eb|Malm\u00f6', '\u00dcn\u00efcode "q"|\u20ac', 'plain|ascii']);
    }
  });

  it('still leave a component that is not valid UTF-8 to the generic path', () => {
    for (const bad of [Buffer.from([0xc3]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xff])]) {
      const buf = Buffer.concat([Buffer.from('ok,1,fine\nk'), bad, Buffer.from(',2,v\n')]);
      for (const generalOnly of [false, true]) {
        const scanner = new CsvByteScanner(composite, 1, generalOnly);
        scanner.scan(buf, 0, buf.length, 0, true, { onRows() {} });
        expect(scanner.bail).toMatch(/not valid UTF-8/);
      }
    }
  });
});
