/**
 * Rewriting a CSV file (`csv(path, delimiter: ";", header: true)`) with the least change.
 *
 * Why row by row: a CSV file is often read by other tools and diffed by people, so everything
 * that was not changed keeps its bytes — the header and its column order, the byte-order mark,
 * blank lines, rows the connector could not read, and every untouched row in its position. An
 * updated row is re-written in place (all its cells, in the file's quoting style); a created row
 * is appended after the last one; a deleted row disappears with its line ending. New rows use the
 * file's line ending (`\n` or `\r\n`), and a file that did not end with a line break still does
 * not.
 *
 * Rows are found the way the connector finds them (`CsvRowScanner` for the structure, udsv for
 * the values), so a row means the same record here as in `recon plan`: an empty cell is an
 * absent field, `header: false` names the columns `column1`, `column2`, ...
 *
 * The quoting style is taken from the file: of "quote only when needed", "quote every cell",
 * "quote every non-empty cell" and "quote all but numbers", the first that reproduces the first
 * data rows exactly is used for rows Recon writes (quote-when-needed when there are none).
 * Values are written as text: numbers and booleans as JSON prints them, objects and lists as
 * JSON, null as an empty cell. A record field that is not a column of the file is an error —
 * Recon never adds columns, which would change every row.
 */
import type { Parser } from 'udsv';
import type { RawRecord } from '../connectors/connector.js';
import { csvParser } from '../connectors/csv-parser.js';
import { CsvRowScanner, type ScannedRow } from '../connectors/csv-row-scanner.js';
import { setOwn } from '../expressions/own-properties.js';
import type { FileDocument, FileFormat, FileFormatInput } from './file-writer.js';
import type { RawEdit } from './raw-record-edits.js';
import { WriteError } from './writer.js';

/** How cells are quoted: detected from the file, used for the rows Recon writes. */
export type CsvQuoting = 'minimal' | 'all' | 'non-empty' | 'non-numeric';

const QUOTING_STYLES: readonly CsvQuoting[] = ['minimal', 'all', 'non-empty', 'non-numeric'];
/** How many data rows decide the quoting style. */
const STYLE_SAMPLE_ROWS = 20;
/** Rows parsed by udsv in one call. */
const PARSE_CHUNK_ROWS = 4096;
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

interface Row {
  start: number;
  contentEnd: number;
  end: number;
  fields: number;
  error: string | null;
}

interface Entry {
  /** Index into `rows`, or -1 for an appended record. */
  row: number;
  /** The record when it was replaced or appended (otherwise parsed from the row on demand). */
  raw: RawRecord | null;
  state: 'same' | 'replaced' | 'removed';
}

/** One cell as text. */
export function csvCellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

/** A cell quoted as `style` says (with `"` doubled inside quotes). */
export function quoteCsvCell(text: string, delimiter: string, style: CsvQuoting): string {
  const needed = text.includes(delimiter) || text.includes('"') || text.includes('\n') || text.includes('\r');
  const wanted =
    needed ||
    style === 'all' ||
    (style === 'non-empty' && text !== '') ||
    (style === 'non-numeric' && text !== '' && !NUMBER.test(text));
  return wanted ? `"${text.replace(/"/g, '""')}"` : text;
}


class CsvDocument implements FileDocument {
  private readonly entries: Entry[] = [];
  private readonly bom: string;
  private readonly body: string;
  private readonly rows: Row[] = [];
  private columns: string[] | null = null;
  private readonly eol: string;
  private readonly endsWithNewline: boolean;
  private readonly parser: () => Parser;
  private parserInstance: Parser | null = null;
  private quoting: CsvQuoting = 'minimal';
  private readonly readCount: number;
  /** True when the file had no header yet and the first created record named the columns. */
  private headerCreated = false;

  constructor(
    text: string,
    private readonly file: string,
    private readonly label: string,
    private readonly delimiter: string,
    private readonly hasHeader: boolean,
  ) {
    this.bom = text.charCodeAt(0) === 0xfeff ? '\ufeff' : '';
    this.body = this.bom ? text.slice(1) : text;
    const scanner = new CsvRowScanner(delimiter.charCodeAt(0));
    const take = (row: ScannedRow): void => {
      this.rows.push({ start: row.start, contentEnd: row.contentEnd, end: row.end, fields: row.fields, error: row.error });
    };
    scanner.scan(this.body, take);
    scanner.finish(take);
    this.endsWithNewline = this.body === '' || this.body.endsWith('\n');
    const terminated = this.rows.find((row) => row.end > row.contentEnd);
    this.eol = terminated ? this.body.slice(terminated.contentEnd, terminated.end) : '\n';
    this.parser = () => (this.parserInstance ??= csvParser(this.columns!.length, delimiter, '\n'));

    for (let i = 0; i < this.rows.length; i++) {
      const row = this.rows[i];
      const blank = row.contentEnd === row.start && row.error === null;
      if (blank) continue;
      if (this.columns === null) {
        if (row.error !== null) {
          throw new WriteError(`${label}: ${file}: the ${hasHeader ? 'header row' : 'first row'} cannot be read: ${row.error}`, false);
        }
        if (hasHeader) {
          const names = this.parseContents([this.content(i)], csvParser(row.fields, delimiter, '\n'), row.fields)[0] ?? [];
          this.columns = names.slice(0, row.fields);
          checkHeader(this.columns, label, file);
          continue;
        }
        this.columns = Array.from({ length: row.fields }, (_, k) => `column${k + 1}`);
      }
      this.entries.push({ row: i, raw: null, state: 'same' });
    }
    this.readCount = this.entries.length;
    this.quoting = this.detectQuoting();
  }

  get length(): number {
    return this.readCount;
  }

  private content(rowIndex: number): string {
    const row = this.rows[rowIndex];
    return this.body.slice(row.start, row.contentEnd);
  }

  private wellFormed(rowIndex: number): boolean {
    const row = this.rows[rowIndex];
    return row.error === null && this.columns !== null && row.fields === this.columns.length;
  }

  /** Parses row contents (each one row, no terminator) into cell lists. */
  private parseContents(contents: readonly string[], parser?: Parser, columns?: number): string[][] {
    if (contents.length === 0) return [];
    columns ??= this.columns!.length;
    parser ??= this.parser();
    // udsv drops a one-column row whose only value is quoted: give such rows a second, empty cell.
    const single = columns === 1;
    const text = contents.map((content) => (single ? content + this.delimiter : content)).join('\n');
    const out: string[][] = [];
    parser.stringArrs(text, (row: string[]) => {
      out.push(row);
    });
    if (out.length !== contents.length) {
      throw new WriteError(`${this.label}: ${this.file}: internal error: the CSV parser read ${out.length} rows where ${contents.length} were expected`, false);
    }
    return out;
  }

  private toRecord(values: readonly string[]): RawRecord {
    const record: RawRecord = {};
    const columns = this.columns!;
    for (let i = 0; i < columns.length; i++) {
      const value = values[i];
      if (value !== '' && value !== undefined) setOwn(record, columns[i], value);
    }
    return record;
  }

  private detectQuoting(): CsvQuoting {
    const sample: { content: string; values: string[] }[] = [];
    const rowsToParse: number[] = [];
    for (const entry of this.entries) {
      if (rowsToParse.length >= STYLE_SAMPLE_ROWS) break;
      if (this.wellFormed(entry.row)) rowsToParse.push(entry.row);
    }
    const parsed = this.parseContents(rowsToParse.map((row) => this.content(row)));
    rowsToParse.forEach((row, k) => sample.push({ content: this.content(row), values: parsed[k].slice(0, this.columns!.length) }));
    if (sample.length === 0) return 'minimal';
    for (const style of QUOTING_STYLES) {
      if (sample.every(({ content, values }) => values.map((value) => quoteCsvCell(value, this.delimiter, style)).join(this.delimiter) === content)) {
        return style;
      }
    }
    return 'minimal';
  }

  forEachRecord(visit: (index: number, raw: RawRecord | null) => void): void {
    const count = this.length;
    for (let from = 0; from < count; from += PARSE_CHUNK_ROWS) {
      const to = Math.min(count, from + PARSE_CHUNK_ROWS);
      const parseable: number[] = [];
      for (let index = from; index < to; index++) if (this.wellFormed(this.entries[index].row)) parseable.push(index);
      const parsed = this.parseContents(parseable.map((index) => this.content(this.entries[index].row)));
      const byIndex = new Map<number, string[]>();
      parseable.forEach((index, k) => byIndex.set(index, parsed[k]));
      for (let index = from; index < to; index++) {
        const values = byIndex.get(index);
        visit(index, values === undefined ? null : this.toRecord(values));
      }
    }
  }

  recordAt(index: number): RawRecord | null {
    const entry = this.entries[index];
    if (!entry || entry.state === 'removed') return null;
    if (entry.raw !== null) return entry.raw;
    if (entry.row < 0 || !this.wellFormed(entry.row)) return null;
    return this.toRecord(this.parseContents([this.content(entry.row)])[0]);
  }

  /** Checks that every field with a value is a column (or names the columns of a new file). */
  private checkColumns(raw: RawRecord): void {
    const names = Object.keys(raw);
    if (this.columns === null) {
      if (this.hasHeader) return;
      const bad = names.find((name) => !/^column[1-9][0-9]*$/.test(name));
      if (bad !== undefined) {
        throw new WriteError(`${this.label}: ${this.file} has no header: its columns are column1, column2, ..., not "${bad}"`, false);
      }
      return;
    }
    const known = new Set(this.columns);
    const unknown = names.filter((name) => !known.has(name) && raw[name] !== null && raw[name] !== undefined);
    if (unknown.length > 0) {
      throw new WriteError(
        `${this.label}: ${this.file} has no column ${unknown.map((name) => `"${name}"`).join(', ')} (columns: ${this.columns.join(', ')}); recon does not add columns to a CSV file`,
        false,
      );
    }
  }

  /** Names the columns of a file that had none yet (an empty file) from the first record written. */
  private ensureColumns(raw: RawRecord): void {
    if (this.columns !== null) return;
    if (this.hasHeader) {
      this.columns = Object.keys(raw);
      this.headerCreated = true;
    } else {
      const highest = Math.max(0, ...Object.keys(raw).map((name) => Number(name.slice('column'.length))));
      this.columns = Array.from({ length: highest }, (_, k) => `column${k + 1}`);
    }
    this.parserInstance = null;
  }

  replace(index: number, raw: RawRecord, _edits: readonly RawEdit[]): void {
    this.checkColumns(raw);
    const entry = this.entries[index];
    entry.raw = raw;
    if (entry.row >= 0) entry.state = 'replaced';
  }

  remove(index: number): void {
    this.entries[index].state = 'removed';
  }

  append(raw: RawRecord): number {
    this.checkColumns(raw);
    this.ensureColumns(raw);
    this.entries.push({ row: -1, raw, state: 'same' });
    return this.entries.length - 1;
  }

  private serialize(raw: RawRecord): string {
    return this.columns!
      .map((name) => quoteCsvCell(csvCellText(Object.prototype.hasOwnProperty.call(raw, name) ? raw[name] : null), this.delimiter, this.quoting))
      .join(this.delimiter);
  }

  render(): string {
    // Untouched rows are copied as runs of the original text; only changed rows are rebuilt.
    const parts: string[] = [this.bom];
    const byRow = new Map<number, Entry>();
    for (const entry of this.entries) if (entry.row >= 0 && entry.state !== 'same') byRow.set(entry.row, entry);
    const appended = this.entries.filter((entry) => entry.row < 0 && entry.state !== 'removed');
    const lines: { content: string; term: string }[] = [];
    if (this.headerCreated) {
      lines.push({ content: this.columns!.map((name) => quoteCsvCell(name, this.delimiter, this.quoting)).join(this.delimiter), term: this.eol });
    }
    let runStart = -1;
    let runEnd = -1;
    const flush = (): void => {
      if (runStart >= 0) parts.push(...lines.splice(0).map((line) => line.content + line.term), this.body.slice(runStart, runEnd));
      runStart = -1;
    };
    // The last row needs care (its line ending may change), so it is never part of a run.
    const lastIndex = this.rows.length - 1;
    this.rows.forEach((row, i) => {
      const entry = byRow.get(i);
      if (entry === undefined && i < lastIndex) {
        if (runStart < 0) {
          parts.push(...lines.splice(0).map((line) => line.content + line.term));
          runStart = row.start;
        }
        runEnd = row.end;
        return;
      }
      flush();
      const term = this.body.slice(row.contentEnd, row.end);
      if (entry === undefined) lines.push({ content: this.body.slice(row.start, row.contentEnd), term });
      else if (entry.state === 'replaced') lines.push({ content: this.serialize(entry.raw!), term });
    });
    flush();
    for (const entry of appended) lines.push({ content: this.serialize(entry.raw!), term: this.eol });
    lines.forEach((line, i) => {
      const last = i === lines.length - 1;
      parts.push(line.content + (last ? (this.endsWithNewline ? line.term || this.eol : '') : line.term || this.eol));
    });
    let text = parts.join('');
    // Everything after a run ended with its line break; a file that ended without one still does.
    if (lines.length === 0 && !this.endsWithNewline && text.endsWith('\n')) text = text.slice(0, text.endsWith('\r\n') ? -2 : -1);
    return text;
  }
}

function checkHeader(names: readonly string[], label: string, file: string): void {
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (name === '') throw new WriteError(`${label}: ${file}: column ${i + 1} of the header has no name`, false);
    if (seen.has(name)) throw new WriteError(`${label}: ${file}: the header names column "${name}" twice`, false);
    seen.add(name);
  });
}

/** The `csv` format: `delimiter` (one character, default `,`) and `header` (default true). */
export const csvFileFormat: FileFormat = {
  kind: 'csv',
  options: { delimiter: 'string', header: 'boolean' },
  parse(input: FileFormatInput): FileDocument {
    const label = `source ${input.source.name}`;
    const delimiter = (input.options.get('delimiter') as string | undefined) ?? ',';
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
      throw new WriteError(`${label}: the CSV delimiter must be one character other than a quote or a line break, got ${JSON.stringify(delimiter)}`, false);
    }
    const hasHeader = (input.options.get('header') as boolean | undefined) ?? true;
    return new CsvDocument(input.text, input.file, label, delimiter, hasHeader);
  },
};
