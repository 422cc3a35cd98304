/**
 * The fast path's byte scanner: its type checks never vouch for a value the read pipeline would
 * reject, its UTF-8 check agrees with a strict decoder, and it finds rows, lines, keys and
 * fingerprints by field name whatever the column order or quoting.
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
  validUtf8,
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
  fp: string;
  suspect: boolean;
}

function scanAll(text: string, plan: ScanPlan, chunk = Infinity): { rows: Row[]; bail: string | null } {
  const buf = Buffer.from(text, 'utf8');
  const scanner = new CsvByteScanner(plan, 1);
  const rows: Row[] = [];
  const sink = {
    row(s: CsvByteScanner) {
      rows.push({
        start: s.rowStart,
        line: s.rowLine,
        key: Buffer.from(s.keyBytes.subarray(0, s.keyLength)).toString('utf8'),
        fp: `${s.fpLo}:${s.fpHi}`,
        suspect: s.suspect,
      });
    },
  };
  // Feed growing prefixes, as the file reader does with chunks.
  let pos = 0;
  for (let end = Math.min(chunk, buf.length); ; end = Math.min(end + chunk, buf.length)) {
    pos = scanner.scan(buf, pos, end, 0, end === buf.length, sink);
    if (scanner.bail !== null || end === buf.length) break;
  }
  return { rows, bail: scanner.bail };
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
