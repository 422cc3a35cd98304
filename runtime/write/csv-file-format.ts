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

/**
 * The file's rows as the scanner found them, in typed arrays: one object per row cost ≈ 56 bytes
 * and a collector's walk each, ≈ 110 MB for a 2M-row file held for the whole session.
 */
class RowTable {
  length = 0;
  private starts = new Int32Array(1024);
  private contentEnds = new Int32Array(1024);
  private ends = new Int32Array(1024);
  private fieldCounts = new Int32Array(1024);
  /** Malformed rows only (few). */
  private readonly errors = new Map<number, string>();

  push(row: ScannedRow): void {
    const i = this.length;
    if (i === this.starts.length) {
      const grow = (from: Int32Array): Int32Array<ArrayBuffer> => {
        const to = new Int32Array(from.length * 2);
        to.set(from);
        return to;
      };
      this.starts = grow(this.starts);
      this.contentEnds = grow(this.contentEnds);
      this.ends = grow(this.ends);
      this.fieldCounts = grow(this.fieldCounts);
    }
    this.starts[i] = row.start;
    this.contentEnds[i] = row.contentEnd;
    this.ends[i] = row.end;
    this.fieldCounts[i] = row.fields;
    if (row.error !== null) this.errors.set(i, row.error);
    this.length = i + 1;
  }

  start(i: number): number {
    return this.starts[i]!;
  }
  contentEnd(i: number): number {
    return this.contentEnds[i]!;
  }
  end(i: number): number {
    return this.ends[i]!;
  }
  fields(i: number): number {
    return this.fieldCounts[i]!;
  }
  error(i: number): string | null {
    return this.errors.get(i) ?? null;
  }
}

/** An entry a session changed or appended (untouched entries are only a row number). */
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
  /** The row of each entry read from the file (entry index → row index). */
  private readonly entryRows: Int32Array;
  /** Entries replaced, removed or appended, by entry index. */
  private readonly changed = new Map<number, Entry>();
  private entryCount: number;
  private readonly bom: string;
  private readonly body: string;
  private readonly rows = new RowTable();
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
      this.rows.push(row);
    };
    scanner.scan(this.body, take);
    scanner.finish(take);
    this.endsWithNewline = this.body === '' || this.body.endsWith('\n');
    let terminated = -1;
    for (let i = 0; i < this.rows.length && terminated < 0; i++) if (this.rows.end(i) > this.rows.contentEnd(i)) terminated = i;
    this.eol = terminated >= 0 ? this.body.slice(this.rows.contentEnd(terminated), this.rows.end(terminated)) : '\n';
    this.parser = () => (this.parserInstance ??= csvParser(this.columns!.length, delimiter, '\n'));

    const entryRows = new Int32Array(this.rows.length);
    let count = 0;
    for (let i = 0; i < this.rows.length; i++) {
      const error = this.rows.error(i);
      const blank = this.rows.contentEnd(i) === this.rows.start(i) && error === null;
      if (blank) continue;
      if (this.columns === null) {
        if (error !== null) {
          throw new WriteError(`${label}: ${file}: the ${hasHeader ? 'header row' : 'first row'} cannot be read: ${error}`, false);
        }
        const fields = this.rows.fields(i);
        if (hasHeader) {
          const names = this.parseContents([this.content(i)], csvParser(fields, delimiter, '\n'), fields)[0] ?? [];
          this.columns = names.slice(0, fields);
          checkHeader(this.columns, label, file);
          continue;
        }
        this.columns = Array.from({ length: fields }, (_, k) => `column${k + 1}`);
      }
      entryRows[count++] = i;
    }
    this.entryRows = entryRows.subarray(0, count);
    this.entryCount = count;
    this.readCount = count;
    this.quoting = this.detectQuoting();
  }

  get length(): number {
    return this.readCount;
  }

  private content(rowIndex: number): string {
    return this.body.slice(this.rows.start(rowIndex), this.rows.contentEnd(rowIndex));
  }

  private wellFormed(rowIndex: number): boolean {
    return this.rows.error(rowIndex) === null && this.columns !== null && this.rows.fields(rowIndex) === this.columns.length;
  }

  /** An entry as it is now: its change, or the untouched row it was read from. */
  private entry(index: number): Entry | undefined {
    const changed = this.changed.get(index);
    if (changed !== undefined) return changed;
    if (index < 0 || index >= this.readCount) return undefined;
    return { row: this.entryRows[index]!, raw: null, state: 'same' };
  }

  /** The entry to change (recorded in `changed` from now on). */
  private changing(index: number): Entry {
    let entry = this.changed.get(index);
    if (entry === undefined) {
      entry = this.entry(index)!;
      this.changed.set(index, entry);
    }
    return entry;
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
    for (let index = 0; index < this.readCount; index++) {
      if (rowsToParse.length >= STYLE_SAMPLE_ROWS) break;
      const row = this.entryRows[index]!;
      if (this.wellFormed(row)) rowsToParse.push(row);
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
    this.forEachParsed((index, values) => visit(index, values === null ? null : this.toRecord(values)));
  }

  /**
   * Like `forEachRecord`, for the key index: only the named cells of each readable entry (never a
   * record); an absent column gives undefined cells. The `cells` array is reused from call to call.
   */
  forEachCells(columns: readonly string[], visit: (index: number, cells: readonly (string | undefined)[]) => void): void {
    if (this.columns === null) return;
    const at = columns.map((name) => this.columns!.indexOf(name));
    const cells: (string | undefined)[] = new Array<string | undefined>(at.length);
    this.forEachParsed((index, values) => {
      if (values === null) return;
      for (let c = 0; c < at.length; c++) cells[c] = at[c]! < 0 ? undefined : values[at[c]!];
      visit(index, cells);
    });
  }

  /** Each entry's cells (null: not a well-formed row), parsed `PARSE_CHUNK_ROWS` entries at a time. */
  private forEachParsed(visit: (index: number, values: string[] | null) => void): void {
    const count = this.length;
    for (let from = 0; from < count; from += PARSE_CHUNK_ROWS) {
      const to = Math.min(count, from + PARSE_CHUNK_ROWS);
      const parseable: number[] = [];
      for (let index = from; index < to; index++) if (this.wellFormed(this.entryRows[index]!)) parseable.push(index);
      const parsed = this.parseContents(parseable.map((index) => this.content(this.entryRows[index]!)));
      let k = 0;
      for (let index = from; index < to; index++) {
        if (k < parseable.length && parseable[k] === index) visit(index, parsed[k++]!);
        else visit(index, null);
      }
    }
  }

  recordAt(index: number): RawRecord | null {
    const entry = this.entry(index);
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
    const entry = this.changing(index);
    entry.raw = raw;
    if (entry.row >= 0) entry.state = 'replaced';
  }

  remove(index: number): void {
    this.changing(index).state = 'removed';
  }

  append(raw: RawRecord): number {
    this.checkColumns(raw);
    this.ensureColumns(raw);
    const index = this.entryCount++;
    this.changed.set(index, { row: -1, raw, state: 'same' });
    return index;
  }

  private serialize(raw: RawRecord): string {
    return this.columns!
      .map((name) => quoteCsvCell(csvCellText(Object.prototype.hasOwnProperty.call(raw, name) ? raw[name] : null), this.delimiter, this.quoting))
      .join(this.delimiter);
  }

  /** The new file's text in pieces: untouched runs are slices of the text read. */
  private renderParts(): string[] {
    // Untouched rows are copied as runs of the original text; only changed rows are rebuilt.
    const parts: string[] = [this.bom];
    const byRow = new Map<number, Entry>();
    const appended: Entry[] = [];
    // in entry order, as before (`changed` is in the order of first change)
    for (const index of [...this.changed.keys()].sort((a, b) => a - b)) {
      const entry = this.changed.get(index)!;
      if (entry.row >= 0 && entry.state !== 'same') byRow.set(entry.row, entry);
      else if (entry.row < 0 && entry.state !== 'removed') appended.push(entry);
    }
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
    for (let i = 0; i < this.rows.length; i++) {
      const entry = byRow.get(i);
      if (entry === undefined && i < lastIndex) {
        if (runStart < 0) {
          parts.push(...lines.splice(0).map((line) => line.content + line.term));
          runStart = this.rows.start(i);
        }
        runEnd = this.rows.end(i);
        continue;
      }
      flush();
      const term = this.body.slice(this.rows.contentEnd(i), this.rows.end(i));
      if (entry === undefined) lines.push({ content: this.body.slice(this.rows.start(i), this.rows.contentEnd(i)), term });
      else if (entry.state === 'replaced') lines.push({ content: this.serialize(entry.raw!), term });
    }
    flush();
    for (const entry of appended) lines.push({ content: this.serialize(entry.raw!), term: this.eol });
    lines.forEach((line, i) => {
      const last = i === lines.length - 1;
      parts.push(line.content + (last ? (this.endsWithNewline ? line.term || this.eol : '') : line.term || this.eol));
    });
    // Everything after a run ended with its line break; a file that ended without one still does.
    if (lines.length === 0 && !this.endsWithNewline) {
      let last = parts.length - 1;
      while (last > 0 && parts[last] === '') last--;
      const part = parts[last]!;
      if (part.endsWith('\n')) parts[last] = part.slice(0, part.endsWith('\r\n') ? -2 : -1);
    }
    return parts;
  }

  render(): string {
    return this.renderParts().join('');
  }

  /**
   * The new file as UTF-8 bytes, encoded part by part into one buffer: joining the parts first
   * made a second copy of the whole file as one string (185 MB for a 2M-row file) at the commit's
   * peak.
   */
  renderBytes(): Buffer {
    const parts = this.renderParts();
    let total = 0;
    for (const part of parts) total += Buffer.byteLength(part, 'utf8');
    const bytes = Buffer.allocUnsafe(total);
    let at = 0;
    for (const part of parts) at += bytes.write(part, at, 'utf8');
    return bytes;
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
