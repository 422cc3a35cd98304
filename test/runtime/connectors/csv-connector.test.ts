import { symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../runtime/connectors/connector.js';
import { BATCH_SIZE } from '../../../runtime/connectors/connector-support.js';
import { connectorFor, makeSource, makeWorkspace, readAll } from './source-fixture.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function workspace(files: Record<string, string>) {
  const ws = makeWorkspace(files);
  cleanups.push(ws.cleanup);
  return ws.root;
}

async function readCsv(content: string, options: Record<string, unknown> = {}) {
  const root = workspace({ 'data/file.csv': content });
  return readAll(connectorFor(makeSource('csv', 'data/file.csv', { options: options as never }), root));
}

describe('csv connector', () => {
  it('reads rows as text records named by the header, with their lines', async () => {
    const result = await readCsv('id,amount,memo\nt1,10.50,"hello, world"\nt2,3,"say ""hi"""\n');
    expect(result.records).toEqual([
      { id: 't1', amount: '10.50', memo: 'hello, world' },
      { id: 't2', amount: '3', memo: 'say "hi"' },
    ]);
    expect(result.origins).toEqual([
      { position: 1, line: 2 },
      { position: 2, line: 3 },
    ]);
    expect(result.unreadable).toEqual([]);
  });

  it('leaves an empty cell absent, quoted or not', async () => {
    const result = await readCsv('id,a,b\nt1,,""\n');
    expect(result.records).toEqual([{ id: 't1' }]);
    expect(Object.keys(result.records[0])).toEqual(['id']);
  });

  it('keeps line breaks inside quotes and counts lines across them', async () => {
    const result = await readCsv('id,memo\nt1,"line one\nline two"\nt2,x\n');
    expect(result.records).toEqual([
      { id: 't1', memo: 'line one\nline two' },
      { id: 't2', memo: 'x' },
    ]);
    expect(result.origins.map((o) => o.line)).toEqual([2, 4]);
  });

  it('reports a row with too few or too many fields as unreadable, with its line, and keeps the rest', async () => {
    const result = await readCsv('id,a,b\nt1,1,2\nt2,1\nt3,1,2,3\nt4,1,2\n');
    expect(result.records).toEqual([
      { id: 't1', a: '1', b: '2' },
      { id: 't4', a: '1', b: '2' },
    ]);
    expect(result.origins).toEqual([
      { position: 1, line: 2 },
      { position: 4, line: 5 },
    ]);
    // with the row as far as it can be guessed (its first fields), for its key
    expect(result.unreadable).toEqual([
      { origin: { position: 2, line: 3 }, error: 'data/file.csv:3: 2 fields where the header has 3', salvaged: { id: 't2', a: '1' } },
      { origin: { position: 3, line: 4 }, error: 'data/file.csv:4: 4 fields where the header has 3', salvaged: { id: 't3', a: '1', b: '2' } },
    ]);
  });

  it('reports an unterminated quote on the last line as unreadable at the line it starts on', async () => {
    for (const end of ['', '\n', '\r\n', '\n\n  \n']) {
      const result = await readCsv(`id,memo\nt1,ok\nt2,"never closed${end}`);
      expect(result.records).toEqual([{ id: 't1', memo: 'ok' }]);
      expect(result.unreadable).toHaveLength(1);
      expect(result.unreadable[0].origin).toEqual({ position: 2, line: 3 });
      expect(result.unreadable[0].error).toBe('data/file.csv:3: unterminated quoted field (a quote inside a quoted field is written "")');
    }
  });

  it('stops at a quote that is never closed when lines follow it, rather than lose their rows', async () => {
    // left unread, the rows after it would make their actual records extra, and deletable
    const error = await readCsv('id,memo\nt1,ok\nt2,"never closed\nt3,x\nt4,y\n').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as Error).message).toBe(
      'source things: data/file.csv:3: a quoted field is never closed, so the lines after line 3 cannot be read (a quote inside a quoted field is written "")',
    );
  });

  it('guesses a malformed row only from the fields before the one that broke it', async () => {
    const result = await readCsv('id,a,b\nt1,"x"y,2\n"t"2,1,2\nt3,"never closed\n');
    expect(result.unreadable.map((u) => u.salvaged)).toEqual([{ id: 't1' }, undefined, undefined]);
  });

  it('reports text after a closing quote as unreadable and goes on at the next line', async () => {
    const result = await readCsv('id,memo\nt1,"a"b\nt2,c\n');
    expect(result.records).toEqual([{ id: 't2', memo: 'c' }]);
    expect(result.unreadable[0].origin).toEqual({ position: 1, line: 2 });
    expect(result.unreadable[0].error).toMatch(/after a closing quote/);
  });

  it('reads CRLF files, a missing final line break, a BOM, and skips blank lines', async () => {
    const result = await readCsv('\uFEFFid,memo\r\nt1,"a\r\nb"\r\n\r\nt2,x\r\n\nt3,"q"');
    expect(result.records).toEqual([
      { id: 't1', memo: 'a\r\nb' },
      { id: 't2', memo: 'x' },
      { id: 't3', memo: 'q' },
    ]);
    expect(result.origins).toEqual([
      { position: 1, line: 2 },
      { position: 2, line: 5 },
      { position: 3, line: 7 },
    ]);
  });

  it('accepts a row whose line ending differs from the file', async () => {
    const result = await readCsv('id,memo\nt1,a\r\nt2,"b"\r\nt3,c\n');
    expect(result.records).toEqual([
      { id: 't1', memo: 'a' },
      { id: 't2', memo: 'b' },
      { id: 't3', memo: 'c' },
    ]);
  });

  it('uses the delimiter option', async () => {
    expect((await readCsv('id;amount\nt1;1,5\n', { delimiter: ';' })).records).toEqual([{ id: 't1', amount: '1,5' }]);
    expect((await readCsv('id\tamount\nt1\t"a\tb"\n', { delimiter: '\t' })).records).toEqual([{ id: 't1', amount: 'a\tb' }]);
  });

  it('names columns column1.. without a header', async () => {
    const result = await readCsv('t1,10\nt2,20\n', { header: false });
    expect(result.records).toEqual([
      { column1: 't1', column2: '10' },
      { column1: 't2', column2: '20' },
    ]);
    expect(result.origins).toEqual([
      { position: 1, line: 1 },
      { position: 2, line: 2 },
    ]);
  });

  it('reads single-column files, quoted values included', async () => {
    const result = await readCsv('id\n"a"\nb\n""\n"c""d"\n');
    expect(result.records).toEqual([{ id: 'a' }, { id: 'b' }, {}, { id: 'c"d' }]);
  });

  it('makes a column named __proto__ an ordinary field', async () => {
    const result = await readCsv('id,__proto__\nt1,x\n');
    const record = result.records[0];
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(Object.keys(record)).toEqual(['id', '__proto__']);
    expect(Object.getOwnPropertyDescriptor(record, '__proto__')?.value).toBe('x');
  });

  it('yields nothing for an empty file or a header alone', async () => {
    expect((await readCsv('')).records).toEqual([]);
    expect((await readCsv('id,a\n')).records).toEqual([]);
  });

  it('refuses a file whose lines end with a carriage return alone, rather than read it as no records', async () => {
    await expect(readCsv('id,a\r1,2\r2,3\r')).rejects.toThrow(
      /data\/file\.csv:1: the header row holds a carriage return that does not end a line: lines must end with \\n or \\r\\n/,
    );
    await expect(readCsv('id,a\r1,2\r', { header: false })).rejects.toThrow(/data\/file\.csv:1: the first row holds a carriage return/);
    // a carriage return inside quotes, or before a line feed, is no line end of that kind
    const result = await readCsv('"i\rd",a\r\n1,"x\ry"\r\n');
    expect(result.records).toEqual([{ 'i\rd': '1', a: 'x\ry' }]);
  });

  it('refuses a header with a duplicate or empty name', async () => {
    await expect(readCsv('id,a,a\nt1,1,2\n')).rejects.toThrow(/data\/file\.csv:1: the header names column "a" twice/);
    await expect(readCsv('id,,b\n')).rejects.toThrow(/column 2 of the header has no name/);
  });

  it('refuses unknown options and a bad delimiter', async () => {
    await expect(readCsv('id\n', { separator: ';' })).rejects.toThrow(/csv\(\) has no option "separator"/);
    await expect(readCsv('id\n', { delimiter: ';;' })).rejects.toThrow(/delimiter must be one character/);
    await expect(readCsv('id\n', { header: 'yes' })).rejects.toThrow(/option header must be true or false/);
  });

  it('says clearly when the file does not exist', async () => {
    const root = workspace({});
    const error = await readAll(connectorFor(makeSource('csv', 'data/nope.csv'), root)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).message).toBe('source things: cannot read data/nope.csv: the file does not exist');
    expect((error as ConnectorError).at).toBe('test.recon:1:8');
  });

  it('refuses paths that leave the workspace', async () => {
    const root = workspace({ 'a.csv': 'id\n1\n' });
    for (const p of ['../../etc/passwd', '/etc/passwd', 'data/../../outside.csv']) {
      const error = await readAll(connectorFor(makeSource('csv', p), root)).catch((e: unknown) => e);
      expect(error, p).toBeInstanceOf(ConnectorError);
      expect((error as Error).message, p).toMatch(/leaves the workspace root|is absolute/);
    }
  });

  it('refuses a symbolic link that points outside the workspace', async () => {
    const outside = workspace({ 'secret.csv': 'id\nx\n' });
    const root = workspace({});
    symlinkSync(path.join(outside, 'secret.csv'), path.join(root, 'link.csv'));
    await expect(readAll(connectorFor(makeSource('csv', 'link.csv'), root))).rejects.toThrow(/leads outside the workspace root/);
  });

  it('streams a large file in batches, rows spanning chunk boundaries included', async () => {
    const rows = 30_000;
    let text = 'id,memo,amount\n';
    for (let i = 0; i < rows; i++) {
      text += i % 1000 === 7 ? `t${i},"multi\nline, ""quoted"" ${i}",${i}\n` : `t${i},memo number ${i} with some padding text,${i}\n`;
    }
    text += 'broken,row\n';
    expect(text.length).toBeGreaterThan(1 << 20); // many read chunks
    const result = await readCsv(text);
    expect(result.records).toHaveLength(rows);
    expect(result.batches).toBeGreaterThan(rows / BATCH_SIZE);
    expect(result.records[7]).toEqual({ id: 't7', memo: 'multi\nline, "quoted" 7', amount: '7' });
    expect(result.records[29_999]).toEqual({ id: 't29999', memo: 'memo number 29999 with some padding text', amount: '29999' });
    // Every line number is right: ids say where each record is, and multi-line rows shift the rest.
    for (let i = 0; i < rows; i += 997) {
      const shift = Math.floor((i + 992) / 1000);
      expect(result.origins[i]).toEqual({ position: i + 1, line: i + 2 + shift });
    }
    expect(result.unreadable).toEqual([
      {
        origin: { position: rows + 1, line: rows + 2 + 30 },
        error: `data/file.csv:${rows + 32}: 2 fields where the header has 3`,
        salvaged: { id: 'broken', memo: 'row' },
      },
    ]);
  });

  it('reads back whatever a correct CSV writer writes (property)', async () => {
    const root = workspace({});
    const cell = fc.oneof(
      fc.string({ maxLength: 6 }),
      fc.constantFrom('a,b', 'say "hi"', 'x\ny', 'x\r\ny', ' lead', '"', ',', '\t'),
    );
    const quote = (v: string) => (/[",\r\n]/.test(v) || v === '' ? `"${v.replace(/"/g, '""')}"` : v);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(cell, cell), { maxLength: 12 }), fc.boolean(), async (rows, crlf) => {
        const eol = crlf ? '\r\n' : '\n';
        const text = `a,b${eol}${rows.map((r) => r.map(quote).join(',')).join(eol)}${eol}`;
        writeFileSync(path.join(root, 'p.csv'), text);
        const result = await readAll(connectorFor(makeSource('csv', 'p.csv'), root));
        // A data row of two empty quoted cells is a record with no fields; blank lines do not occur.
        const expected = rows.map(([a, b]) => ({ ...(a !== '' ? { a } : {}), ...(b !== '' ? { b } : {}) }));
        expect(result.unreadable).toEqual([]);
        expect(result.records).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });
});
