/**
 * Re-reads chosen rows of a CSV file by byte offset and turns them into raw records exactly as
 * the csv connector does (udsv with the connector's schema; an empty cell is absent).
 *
 * Why: the fast path keeps no values, only offsets. The few rows that matter — missing, extra,
 * fingerprint mismatches, duplicates, rows the scanner could not vouch for — are read again and
 * go through the same read pipeline and comparators as the generic path, so results are
 * identical. Offsets are sorted and nearby rows read together, so the reads are sequential.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { initParser, type Parser } from 'udsv';
import { setOwn } from '../expressions/own-properties.js';
import type { RawRecord } from '../connectors/connector.js';

const QUOTE = 34;
const LF = 10;
const CR = 13;
/** Rows closer than this are read in one go. */
const GAP = 8 * 1024;
const MAX_SPAN = 4 << 20;
/** Bytes read past the last row of a span at first (a row rarely needs more). */
const TAIL = 4096;
/** Rows parsed per udsv call. */
const PARSE_BATCH = 4096;

let scratchBuffer: Buffer | null = null;

/**
 * A read buffer of at least `size` bytes, reused across calls (a fresh multi-megabyte buffer per
 * batch would pile up outside the heap until a garbage collection).
 */
function scratch(size: number): Buffer {
  if (scratchBuffer === null || scratchBuffer.length < size) scratchBuffer = Buffer.allocUnsafe(Math.max(size, 64 * 1024));
  return scratchBuffer;
}

/** How to turn a row's text into a raw record (what the connector uses). */
export interface CsvRecordShape {
  names: readonly string[];
  delimiter: string;
  rowDelimiter: string;
}

/** The udsv parser the csv connector builds for a file of `columns` columns (at least two). */
export function connectorParser(columns: number, delimiter: string, rowDelimiter: string): Parser {
  const count = Math.max(columns, 2);
  const schema = {
    col: delimiter,
    row: rowDelimiter,
    encl: '"',
    esc: '"',
    trim: false,
    skip: 0,
    cols: Array.from({ length: count }, (_, i) => ({
      name: String(i),
      type: 's' as const,
      repl: { empty: undefined, null: undefined, NaN: undefined },
    })),
  };
  return initParser(schema);
}

/** The raw record of a parsed row, as the connector builds it. */
export function toRawRecord(names: readonly string[], values: readonly string[], interner?: StringInterner): RawRecord {
  const record: RawRecord = {};
  for (let i = 0; i < names.length; i++) {
    const value = values[i];
    if (value !== '' && value !== undefined) setOwn(record, names[i], interner ? interner.intern(i, value) : value);
  }
  return record;
}

const INTERN_MAX_LENGTH = 24;
const INTERN_MAX_DISTINCT = 4096;

/**
 * Shares one string per distinct short value of a column (`EUR`, `settled`, `true`), the way
 * `JSON.parse` shares short strings: records kept for items then hold references instead of
 * copies. A column with more distinct values than is worth it (ids) stops being interned.
 */
export class StringInterner {
  private readonly columns: (Map<string, string> | null)[] = [];

  intern(column: number, value: string): string {
    if (value.length > INTERN_MAX_LENGTH) return value;
    let map = this.columns[column];
    if (map === undefined) map = this.columns[column] = new Map();
    if (map === null) return value;
    const known = map.get(value);
    if (known !== undefined) return known;
    if (map.size >= INTERN_MAX_DISTINCT) {
      this.columns[column] = null;
      return value;
    }
    map.set(value, value);
    return value;
  }
}

/**
 * The end of the well-formed row starting at `pos` (the offset of its line feed), or -1 when it
 * does not end inside the buffer. A quote matters only at the start of a field, as in the
 * connector's scanner.
 */
function rowEnd(buf: Buffer, pos: number, end: number, delimiter: number): number {
  let atFieldStart = true;
  let quoted = false;
  for (let i = pos; i < end; i++) {
    const b = buf[i];
    if (quoted) {
      if (b === QUOTE) {
        if (i + 1 < end && buf[i + 1] === QUOTE) i++;
        else if (i + 1 >= end) return -1;
        else quoted = false;
      }
      continue;
    }
    if (b === LF) return i;
    if (b === delimiter) atFieldStart = true;
    else {
      if (b === QUOTE && atFieldStart) quoted = true;
      atFieldStart = false;
    }
  }
  return -1;
}

/**
 * Reads the rows starting at `offsets` (any order) and returns their raw records in the same
 * order. The rows are known to be well formed (the scanner checked them).
 */
export function readRowsAt(file: string, fileSize: number, shape: CsvRecordShape, offsets: ArrayLike<number>): RawRecord[] {
  return parseRowTexts(readRowTexts(file, fileSize, shape.delimiter, offsets), shape);
}

/**
 * The text of each row starting at `offsets` (any order; without its line end), in the same
 * order. Reading in offset order keeps the reads sequential; texts are compact, so callers can
 * read everything first and parse in small batches.
 */
export function readRowTexts(file: string, fileSize: number, delimiterText: string, offsets: ArrayLike<number>): string[] {
  const n = offsets.length;
  const sortedOffsets = new Float64Array(n);
  for (let i = 0; i < n; i++) sortedOffsets[i] = offsets[i];
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => sortedOffsets[a] - sortedOffsets[b]);

  const texts: string[] = new Array(n);
  const delimiter = delimiterText.charCodeAt(0);
  const fd = openSync(file, 'r');
  try {
    let buffer = scratch(4 * TAIL);
    let k = 0;
    while (k < n) {
      const first = sortedOffsets[order[k]];
      let last = k;
      while (last + 1 < n && sortedOffsets[order[last + 1]] - sortedOffsets[order[last]] < GAP && sortedOffsets[order[last + 1]] - first < MAX_SPAN) last++;
      let length = Math.min(sortedOffsets[order[last]] - first + TAIL, fileSize - first);
      for (;;) {
        if (buffer.length < length) buffer = scratch(length);
        const got = readSync(fd, buffer, 0, length, first);
        // A span ends where its last row does; a row longer than the bytes read doubles them.
        // Every row of the span must end inside the buffer (or at the end of the file).
        let complete = true;
        for (let j = k; j <= last; j++) {
          const idx = order[j];
          const pos = sortedOffsets[idx] - first;
          let stop = rowEnd(buffer, pos, got, delimiter);
          if (stop < 0) {
            if (first + got < fileSize) {
              complete = false;
              break;
            }
            stop = got;
          }
          let contentEnd = stop;
          if (contentEnd > pos && buffer[contentEnd - 1] === CR) contentEnd--;
          texts[idx] = buffer.toString('utf8', pos, contentEnd);
        }
        if (complete) break;
        length = Math.min(length * 2, fileSize - first);
      }
      k = last + 1;
    }
  } finally {
    closeSync(fd);
  }
  return texts;
}

/** Parses row texts (without line ends) into raw records, in bulk (`from`..`to` of `texts`). */
export function parseRowTexts(
  texts: readonly string[],
  shape: CsvRecordShape,
  from = 0,
  to = texts.length,
  interner?: StringInterner,
): RawRecord[] {
  const columns = shape.names.length;
  const parser = connectorParser(columns, shape.delimiter, shape.rowDelimiter);
  const records: RawRecord[] = new Array(to - from);
  const suffix = (columns === 1 ? shape.delimiter : '') + shape.rowDelimiter;
  for (let start = from; start < to; start += PARSE_BATCH) {
    const stop = Math.min(start + PARSE_BATCH, to);
    let text = '';
    for (let i = start; i < stop; i++) text += texts[i] + suffix;
    let i = start;
    parser.stringArrs(text, (row: string[]) => {
      records[i++ - from] = toRawRecord(shape.names, row, interner);
    });
    if (i !== stop) throw new Error(`internal: re-read ${i - start} rows where ${stop - start} were expected`);
  }
  return records;
}

/**
 * The 1-based line each offset starts on (1 + the line feeds before it), by one sequential pass
 * up to the largest offset. Used only for the origins of invalid records.
 */
export function linesAt(file: string, offsets: readonly number[]): number[] {
  const order = offsets.map((_, i) => i).sort((a, b) => offsets[a] - offsets[b]);
  const lines = new Array<number>(offsets.length);
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(4 << 20);
    let position = 0;
    let feeds = 0;
    for (const idx of order) {
      const target = offsets[idx];
      while (position < target) {
        const want = Math.min(buffer.length, target - position);
        const got = readSync(fd, buffer, 0, want, position);
        if (got <= 0) break;
        for (let at = buffer.indexOf(LF, 0); at >= 0 && at < got; at = buffer.indexOf(LF, at + 1)) feeds++;
        position += got;
      }
      lines[idx] = feeds + 1;
    }
  } finally {
    closeSync(fd);
  }
  return lines;
}
