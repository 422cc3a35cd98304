/**
 * `csv(path, delimiter: ",", header: true)`: reads a CSV file as a stream of raw records.
 *
 * Why built this way: the file is read in chunks (constant memory per chunk, any file size);
 * `CsvRowScanner` checks each row's structure and line, and udsv parses the well-formed rows in
 * bulk (see the scanner's comment for why udsv alone is not enough). A malformed row — a wrong
 * number of fields, an unterminated quote, text after a closing quote — becomes an
 * `UnreadableRecord` with its line, never a silently merged or dropped row.
 *
 * A quote that never closes is an unreadable row when it is on the last line; when lines follow,
 * they cannot be read, and reading stops with an error naming the line.
 *
 * The file must be UTF-8: bytes that are not stop the read, naming the first bad line (a
 * Latin-1 export would otherwise read `café` as `caf\uFFFD`, and remediation would write that).
 *
 * Values are text, as in the file; an empty cell (quoted or not) is absent: the field is not set
 * on the record. With `header: false` the fields are named `column1`, `column2`, ... Blank lines
 * are skipped and do not count as records; record positions count data rows, unreadable ones
 * included. A line may end with `\n` or `\r\n`; a file whose first row holds a carriage return
 * outside quotes (lines ending with `\r` alone) is refused, as it would read as no records.
 */
import { createReadStream } from 'node:fs';
import type { Parser } from 'udsv';
import type { IrSource } from '../../language/ir/ir-types.js';
import { setOwn } from '../expressions/own-properties.js';
import {
  ConnectorError,
  type Connector,
  type ConnectorContext,
  type ConnectorFactory,
  type RawRecord,
  type RecordBatch,
} from './connector.js';
import {
  BatchBuilder,
  fileError,
  readOptions,
  readsSecret,
  resolveSourceFile,
  sourceLabel,
  throwIfAborted,
} from './connector-support.js';
import { csvParser } from './csv-parser.js';
import { CsvRowScanner, hasBareCarriageReturn, UNTERMINATED_QUOTE, type ScannedRow } from './csv-row-scanner.js';
import { NotUtf8Error, notUtf8FileError, Utf8ChunkDecoder } from './utf8-text.js';

/** Read size: small enough that one chunk's rows die young (cheap scavenges), large enough to amortise I/O. */
const CHUNK_BYTES = 64 * 1024;

/** A row longer than this (in characters) is unreadable, so a stray quote cannot eat all memory. */
const MAX_ROW_CHARS = 64 * 1024 * 1024;

/** One data row of the current chunk, in file order: parsed later when well formed. */
interface RowEntry {
  position: number;
  line: number;
  error: string | null;
  record: RawRecord | null;
  /** For a row with the wrong number of fields: its first fields, named by the header. */
  salvaged?: RawRecord;
}


class CsvConnector implements Connector {
  readonly canWrite = true;

  constructor(
    private readonly source: IrSource,
    private readonly context: ConnectorContext,
    private readonly chunkBytes: number,
    private readonly maxRowChars: number,
  ) {}

  async *read(): AsyncGenerator<RecordBatch> {
    const { source, context } = this;
    const options = readOptions(source, context, { delimiter: 'string', header: 'boolean' });
    const delimiter = (options.get('delimiter') as string | undefined) ?? ',';
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
      const option = source.connector.options.find((o) => o.name === 'delimiter');
      const at = option?.at ?? source.connector.at;
      // a delimiter read from secret() is never quoted (LANGUAGE.md 2.1: secrets never appear)
      const shown = option !== undefined && readsSecret(option.value) ? 'a value read from secret() (not shown)' : JSON.stringify(delimiter);
      throw new ConnectorError(`${sourceLabel(source)}: the CSV delimiter must be one character other than a quote or a line break, got ${shown}`, at);
    }
    const hasHeader = (options.get('header') as boolean | undefined) ?? true;
    const absolute = await resolveSourceFile(source, context);
    const file = source.connector.path ?? absolute;

    const scanner = new CsvRowScanner(delimiter.charCodeAt(0));
    const builder = new BatchBuilder();
    let names: string[] | null = null;
    let columns = 0;
    let rowDelimiter = '\n';
    let parser: Parser | null = null;
    let position = 0;
    let pending: string[] = []; // text of the row in progress, from earlier chunks
    let pendingChars = 0;
    let pendingOverflow = false; // the row in progress exceeded MAX_ROW_CHARS: its text was dropped
    const clearPending = () => {
      pending = [];
      pendingChars = 0;
      pendingOverflow = false;
    };

    // Per chunk: the rows in order, the text udsv parses (well-formed rows only), and the run of
    // consecutive well-formed rows that can be handed over as one slice.
    let chunk = '';
    let base = 0;
    let entries: RowEntry[] = [];
    let pieces: string[] = [];
    let runStart = -1;
    let runEnd = -1;

    const flushRun = () => {
      if (runStart >= 0) pieces.push(chunk.slice(runStart, runEnd));
      runStart = -1;
    };
    const contentOf = (row: ScannedRow): string => {
      if (row.start >= base) return chunk.slice(row.start - base, row.contentEnd - base);
      const text = pending.join('') + chunk.slice(0, Math.max(0, row.end - base));
      return text.slice(0, text.length - (row.end - row.contentEnd));
    };
    const pieceOf = (content: string, atEnd: boolean) =>
      (columns === 1 ? content + delimiter : content) + (atEnd ? '' : rowDelimiter);

    const salvageParsers = new Map<number, Parser>(); // by field count: a file may have many such rows
    /**
     * The error of a data row whose quote never closes, when it is the file's last line; a
     * `ConnectorError` when lines follow it. Why stop then: those lines are inside the open
     * quote, so their rows cannot be read — and left unread, each actual record they hold would
     * be `extra` (deletable), each desired one `missing`. A stray quote must not cost the rest of
     * the file: the user closes it (LANGUAGE.md 2.1: invalid records are never dropped).
     */
    const unterminated = (row: ScannedRow, continued: boolean): string => {
      const spansLines = scanner.currentLine > row.line;
      const content = continued && pendingOverflow ? null : contentOf(row);
      // what follows the row's first line (unknown when the row was too long to keep)
      const after = content === null ? null : content.slice(content.indexOf('\n') + 1);
      if (spansLines && (after === null || after.trim() !== '')) {
        throw new ConnectorError(
          `${sourceLabel(source)}: ${file}:${row.line}: a quoted field is never closed, so the lines after line ${row.line} cannot be read (a quote inside a quoted field is written "")`,
          source.connector.at,
        );
      }
      return `${UNTERMINATED_QUOTE} (a quote inside a quoted field is written "")`;
    };

    /** The first `good` of a malformed row's `fields` fields, named by the header. */
    const salvage = (content: string, fields: number, good: number): RawRecord | undefined => {
      if (fields > columns + 64) return undefined; // no parser of a thousand columns for a guess
      let rowParser = salvageParsers.get(fields);
      if (rowParser === undefined) {
        if (salvageParsers.size >= 64) salvageParsers.clear();
        rowParser = csvParser(fields, delimiter, rowDelimiter);
        salvageParsers.set(fields, rowParser);
      }
      const values: string[][] = [];
      rowParser.stringArrs((fields === 1 ? content + delimiter : content) + rowDelimiter, (row: string[]) => {
        values.push(row);
      });
      return values.length === 1 ? toRecord(names!, values[0], Math.min(columns, good)) : undefined;
    };

    const parseRows = (text: string): string[][] => {
      const rows: string[][] = [];
      parser!.stringArrs(text, (row: string[]) => {
        rows.push(row);
      });
      return rows;
    };

    const onRow = (row: ScannedRow) => {
      const continued = row.start < base;
      if (continued && pendingOverflow && row.error === null) {
        row.error = `the row is longer than ${this.maxRowChars} characters (a stray quote?)`;
      }
      if (row.contentEnd === row.start && row.error === null) {
        // A blank line: not a record.
        flushRun();
        if (continued) clearPending();
        return;
      }
      if (names === null) {
        const content = contentOf(row);
        if (continued) clearPending();
        if (row.error !== null) {
          throw new ConnectorError(`${sourceLabel(source)}: ${file}:${row.line}: the ${hasHeader ? 'header row' : 'first row'} cannot be read: ${row.error}`, source.connector.at);
        }
        if (hasBareCarriageReturn(content)) {
          throw new ConnectorError(
            `${sourceLabel(source)}: ${file}:${row.line}: the ${hasHeader ? 'header row' : 'first row'} holds a carriage return that does not end a line: lines must end with \\n or \\r\\n (save the file with Unix or Windows line ends)`,
            source.connector.at,
          );
        }
        columns = row.fields;
        if (row.end - row.contentEnd === 2) rowDelimiter = '\r\n';
        parser = csvParser(columns, delimiter, rowDelimiter);
        if (hasHeader) {
          const header = parseRows(pieceOf(content, false))[0] ?? [];
          names = header.slice(0, columns);
          checkHeader(source, file, row.line, names);
          return;
        }
        names = Array.from({ length: columns }, (_, i) => `column${i + 1}`);
        position++;
        entries.push({ position, line: row.line, error: null, record: null });
        pieces.push(pieceOf(content, row.end === row.contentEnd));
        return;
      }
      position++;
      let error = row.error;
      if (error !== null && error.startsWith(UNTERMINATED_QUOTE)) error = unterminated(row, continued);
      if (error === null && row.fields !== columns) {
        error = `${row.fields} field${row.fields === 1 ? '' : 's'} where ${hasHeader ? 'the header has' : 'the first row has'} ${columns}`;
      }
      if (error !== null) {
        flushRun();
        // Its fields before the one that broke it (all of them for a row of too many or too few
        // fields) are likely right — the key often is the first column —, so its key can still
        // be withheld from the comparison. Not for a quote that never closes (no fields to tell
        // apart) or a row too long to keep.
        const good = row.error === null ? row.fields : row.fields - 1;
        const salvageable = good > 0 && !(continued && pendingOverflow) && !(row.error?.startsWith(UNTERMINATED_QUOTE) ?? false);
        const salvaged = salvageable ? salvage(contentOf(row), row.fields, good) : undefined;
        if (continued) clearPending();
        entries.push({ position, line: row.line, error: `${file}:${row.line}: ${error}`, record: null, salvaged });
        return;
      }
      entries.push({ position, line: row.line, error: null, record: null });
      const atEnd = row.end === row.contentEnd;
      const terminatorMatches = atEnd || row.end - row.contentEnd === rowDelimiter.length;
      if (!continued && terminatorMatches && columns > 1) {
        if (runStart < 0) runStart = row.start - base;
        runEnd = row.end - base;
      } else {
        flushRun();
        pieces.push(pieceOf(contentOf(row), atEnd));
        if (continued) clearPending();
      }
    };

    const finishChunk = function* (): Generator<RecordBatch> {
      flushRun();
      const wellFormed = entries.filter((e) => e.error === null);
      if (wellFormed.length > 0) {
        const rows = parseRows(pieces.join(''));
        if (rows.length !== wellFormed.length) {
          throw new ConnectorError(`${sourceLabel(source)}: ${file}: internal error: the CSV parser read ${rows.length} rows where ${wellFormed.length} were expected`, source.connector.at);
        }
        for (let i = 0; i < rows.length; i++) wellFormed[i].record = toRecord(names!, rows[i], columns);
      }
      for (const entry of entries) {
        const origin = { position: entry.position, line: entry.line };
        if (entry.error !== null) {
          builder.addUnreadable(entry.salvaged === undefined ? { origin, error: entry.error } : { origin, error: entry.error, salvaged: entry.salvaged });
        }
        else builder.add(entry.record!, origin);
        if (builder.full) yield builder.take();
      }
      entries = [];
      pieces = [];
    };

    // Bytes, decoded strictly: a file that is not UTF-8 stops the read (see `utf8-text.ts`).
    const stream = createReadStream(absolute, { highWaterMark: this.chunkBytes });
    const decoder = new Utf8ChunkDecoder();
    try {
      let first = true;
      const maxRowChars = this.maxRowChars;
      const scanChunk = function* (text: string): Generator<RecordBatch> {
        chunk = text;
        if (first && chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
        first = false;
        base = scanner.consumed;
        scanner.scan(chunk, onRow);
        if (scanner.pendingRowStart < base + chunk.length && !pendingOverflow) {
          const tail = chunk.slice(Math.max(0, scanner.pendingRowStart - base));
          pendingChars += tail.length;
          if (pendingChars > maxRowChars) {
            pending = [];
            pendingOverflow = true;
          } else pending.push(tail);
        }
        yield* finishChunk();
      };
      for await (const data of stream) {
        throwIfAborted(source, context);
        const text = decoder.write(data as Buffer);
        if (text !== '') yield* scanChunk(text);
      }
      const rest = decoder.end();
      if (rest !== '') yield* scanChunk(rest);
      chunk = '';
      base = scanner.consumed;
      scanner.finish(onRow);
      yield* finishChunk();
    } catch (error) {
      if (error instanceof NotUtf8Error) throw await notUtf8FileError(source, file, absolute, context.signal);
      throw fileError(source, error);
    } finally {
      stream.destroy();
    }
    if (!builder.empty) yield builder.take();
  }
}

function checkHeader(source: IrSource, file: string, line: number, names: string[]): void {
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (name === '') {
      throw new ConnectorError(`${sourceLabel(source)}: ${file}:${line}: column ${i + 1} of the header has no name`, source.connector.at);
    }
    if (seen.has(name)) {
      throw new ConnectorError(`${sourceLabel(source)}: ${file}:${line}: the header names column "${name}" twice`, source.connector.at);
    }
    seen.add(name);
  });
}

function toRecord(names: string[], values: string[], columns: number): RawRecord {
  const record: RawRecord = {};
  for (let i = 0; i < columns; i++) {
    const value = values[i];
    if (value !== '' && value !== undefined) setOwn(record, names[i], value);
  }
  return record;
}

/** The `csv` connector factory. */
export const createCsvConnector: ConnectorFactory = (source, context) => new CsvConnector(source, context, CHUNK_BYTES, MAX_ROW_CHARS);

/**
 * A `csv` factory reading the file in chunks of `bytes` bytes instead of 64 KiB (and refusing
 * rows longer than `maxRowChars`): tests use tiny chunks to put chunk boundaries everywhere
 * (inside quotes, between `\r` and `\n`, ...).
 */
export function createCsvConnectorWithChunkSize(bytes: number, maxRowChars = MAX_ROW_CHARS): ConnectorFactory {
  return (source, context) => new CsvConnector(source, context, bytes, maxRowChars);
}
