/**
 * Re-reads chosen rows of a CSV file by byte offset and turns them into raw records exactly as
 * the csv connector does (udsv with the connector's schema; an empty cell is absent).
 *
 * Why: the fast path keeps no values, only offsets. The few rows that matter — missing, extra,
 * fingerprint mismatches, duplicates, rows the scanner could not vouch for — are read again and
 * go through the same read pipeline and comparators as the generic path, so results are
 * identical. Offsets are sorted and the file read in large sequential chunks; all rows of a call
 * are parsed at once.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { setOwn } from '../expressions/own-properties.js';
import type { RawRecord } from '../connectors/connector.js';
import { csvParser } from '../connectors/csv-parser.js';
import { ownText } from '../observe/flat-text.js';
import { objectMaker } from '../observe/record-reader.js';

const QUOTE = 34;
const LF = 10;
const CR = 13;
/** Bytes read at a time at most while re-reading rows (see `chunkPlan`). */
const CHUNK = 1 << 20;
/** Wanted rows closer than this to the previous one are read with it. */
const GAP = 16 * 1024;
/** Bytes read from the start of the last row of a chunk (a longer row is read on its own). */
const TAIL = 4096;

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

/** The raw record of a parsed row, as the connector builds it. */
export function toRawRecord(names: readonly string[], values: readonly string[], interner?: StringInterner): RawRecord {
  const record: RawRecord = {};
  for (let i = 0; i < names.length; i++) {
    const value = values[i];
    if (value !== '' && value !== undefined) setOwn(record, names[i], interner ? interner.intern(i, value) : value);
  }
  return record;
}

/**
 * Builds the raw records of rows of fixed columns as `toRawRecord` does (with interning), also
 * leaving in `values[i]` the value column `i` has in the raw record (the interned text, or
 * undefined when the cell is empty): what `ColumnRowPresenter` reads. A row with every cell
 * filled, the common case, is made by one object literal (`objectMaker`).
 */
export class RawRowBuilder {
  private readonly interner: StringInterner;
  private readonly make: ((values: readonly unknown[]) => RawRecord) | null;

  /**
   * `own`: every text of 13 characters or more is made a string of its own (`ownText`), for raw
   * records kept as they are (presented without `fields`): a record kept for a plan item must
   * not keep the whole text the rows were parsed from.
   */
  constructor(
    private readonly names: readonly string[],
    private readonly own = false,
  ) {
    this.interner = new StringInterner(names.length);
    this.make = objectMaker(names);
  }

  build(values: (string | undefined)[]): RawRecord {
    this.normalize(values);
    return this.record(values);
  }

  /**
   * The first half of `build`: leaves in `values[i]` the value column `i` has in the raw record
   * (the interned text, or undefined for an empty cell), without making the record. Why apart:
   * a presenter of typed records reads only these values, and most rows it presents (pairs
   * equal under the rules) never need their raw record (`record` makes it when one does).
   */
  normalize(values: (string | undefined)[]): void {
    const names = this.names;
    const own = this.own;
    const interner = this.interner;
    for (let i = 0; i < names.length; i++) {
      const value = values[i];
      if (value !== '' && value !== undefined) {
        const shared = interner.intern(i, value);
        values[i] = own ? ownText(shared) : shared;
      } else values[i] = undefined;
    }
  }

  /** The raw record of values `normalize` left (the second half of `build`). */
  record(values: readonly (string | undefined)[]): RawRecord {
    const names = this.names;
    let complete = true;
    for (let i = 0; i < names.length; i++) {
      if (values[i] === undefined) {
        complete = false;
        break;
      }
    }
    if (complete && this.make !== null) return this.make(values);
    const record: RawRecord = {};
    for (let i = 0; i < names.length; i++) {
      const value = values[i];
      if (value !== undefined) setOwn(record, names[i], value);
    }
    return record;
  }
}

const INTERN_MAX_LENGTH = 24;
/** Distinct values of a column worth interning; a column with more stops being interned. */
const INTERN_MAX_DISTINCT = 16;

/**
 * Shares one string per distinct short value of a column (`EUR`, `settled`, `true`), the way
 * `JSON.parse` shares short strings: records kept for items then hold references instead of
 * copies. Only columns of a few distinct values (codes, states, flags) are interned, each value
 * found by comparing with the known ones: a column with more values (ids, amounts, free text)
 * stops being interned when it shows one too many, as looking values up in a map costs more
 * than keeping the copies.
 */
export class StringInterner {
  /** Per column: how many values `known` holds for it; -1 once the column is no longer interned. */
  private counts: Int32Array;
  /**
   * The values so far, `INTERN_MAX_DISTINCT` places per column. Why flat and sized up front:
   * then every interner's lists have the same shape from the start. Made per column (empty,
   * then grown, in a list grown column by column), the desired side's interner met code
   * optimised on the actual side's with lists of other shapes, and reads past their end, and
   * that code was thrown away.
   */
  private known: string[];

  /** `columns`: how many columns to make room for (more are added when met). */
  constructor(columns = 0) {
    this.counts = new Int32Array(columns);
    this.known = Array.from({ length: columns * INTERN_MAX_DISTINCT }, () => '');
  }

  intern(column: number, value: string): string {
    if (value.length > INTERN_MAX_LENGTH) return value;
    if (column >= this.counts.length) this.grow(column + 1);
    const count = this.counts[column];
    if (count < 0) return value;
    const known = this.known;
    const base = column * INTERN_MAX_DISTINCT;
    for (let i = base; i < base + count; i++) if (known[i] === value) return known[i];
    if (count < INTERN_MAX_DISTINCT) {
      known[base + count] = value;
      this.counts[column] = count + 1;
    } else this.counts[column] = -1;
    return value;
  }

  /** Makes room for `columns` columns. */
  private grow(columns: number): void {
    const counts = new Int32Array(columns);
    counts.set(this.counts);
    this.counts = counts;
    while (this.known.length < columns * INTERN_MAX_DISTINCT) this.known.push('');
  }
}

/**
 * The end of the well-formed row starting at `pos` (the offset of its line feed), or -1 when it
 * does not end inside the buffer. A quote matters only at the start of a field, as in the
 * connector's scanner.
 */
function rowEnd(buf: Uint8Array, pos: number, end: number, delimiter: number): number {
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
  const records: RawRecord[] = new Array(offsets.length);
  forEachRowAt(file, fileSize, shape, offsets, (values, index) => {
    records[index] = toRawRecord(shape.names, values);
  });
  return records;
}

/**
 * The indexes of `offsets` (whole numbers) in the order of their values, equal values in index
 * order: a numeric sort of offset and index packed in one number when they fit (the engine's
 * typed-array sort needs no comparator calls), else a sort with a comparator.
 */
export function offsetOrder(offsets: ArrayLike<number>): Uint32Array {
  const n = offsets.length;
  const order = new Uint32Array(n);
  let max = 0;
  for (let i = 0; i < n; i++) if (offsets[i] > max) max = offsets[i];
  // The index goes below the offset, in the bits of the next power of two: exact arithmetic.
  let scale = 1;
  while (scale < n) scale *= 2;
  if ((max + 1) * scale <= Number.MAX_SAFE_INTEGER) {
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = offsets[i] * scale + i;
    keys.sort();
    const inverse = 1 / scale;
    for (let i = 0; i < n; i++) {
      const key = keys[i];
      order[i] = key - Math.floor(key * inverse) * scale;
    }
  } else {
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => offsets[a] - offsets[b] || a - b);
  }
  return order;
}

/**
 * The chunks the file is read in: chunk `c` starts at the next wanted row not in an earlier
 * chunk, holds the rows `first[c]..first[c + 1]` of the order and is `length[c]` bytes long.
 *
 * Why: a read costs a system call (about as much as copying 10 KiB) plus the bytes. Wanted rows
 * closer than `GAP` to the previous one join its chunk, up to `CHUNK` bytes: when they are a few
 * per cent of the file, spread all over it, the file is read whole in large chunks; a chunk
 * ends `TAIL` bytes after its last row starts (a row that goes on is read on its own), so rows
 * far apart cost a small read each.
 */
function chunkPlan(
  offsets: ArrayLike<number>,
  order: Uint32Array,
  fileSize: number,
): { starts: number[]; first: number[]; lengths: number[]; longest: number } {
  const starts: number[] = [];
  const first: number[] = [];
  const lengths: number[] = [];
  let longest = 0;
  const n = order.length;
  let k = 0;
  while (k < n) {
    const start = offsets[order[k]];
    starts.push(start);
    first.push(k);
    let last = start;
    k++;
    while (k < n) {
      const next = offsets[order[k]];
      if (next - last >= GAP || next + TAIL - start > CHUNK) break;
      last = next;
      k++;
    }
    const length = Math.min(last + TAIL - start, fileSize - start);
    lengths.push(length);
    if (length > longest) longest = length;
  }
  first.push(n);
  return { starts, first, lengths, longest };
}

/**
 * Rows read again, in file order, as the bytes of a text for the connector's parser
 * (`parseRowBytes`), with the rows of another file among them when asked (`RowsToJoin`).
 */
export interface RowBytes {
  /** A row delimiter, then each row without its line end, followed by the parser's suffix. */
  bytes: Uint8Array;
  /** The row read for offset `order[i]` is `bytes[bounds[i]..bounds[i + 1])` (suffix included; rows joined after it too). */
  bounds: Int32Array;
  /** `order[i]`: the index (in the offsets asked for) of the `i`th row read. */
  order: Uint32Array;
  /** Where every row of the text starts, the rows joined among them included, in text order. */
  starts: Int32Array;
}

/**
 * Rows of another file (read before, with the same shape) to put among the rows being read, so
 * that both are parsed in one pass: the rows `lead` names (rows of `rows`, by their place in its
 * text), in that order, lead row `j` just before the `leadBefore[j]`th row read (in file order;
 * the count of rows read or more: after the last; without `leadBefore`, all before the first),
 * and each row read followed by row `follow[index]` of `rows` when that is at least 0 (`index`:
 * the row's index in the offsets asked for).
 *
 * Why: a pair of rows (desired and actual of one key) parsed one after the other can be compared
 * at once, so neither record outlives the pair, instead of all the rows of one file being kept
 * until the other file's are read. Why `leadBefore`: see `ItemBuilder.readDesired` (rows of
 * each kind spread over the text, not one kind after the other).
 */
export interface RowsToJoin {
  rows: RowBytes;
  lead: Int32Array;
  /** Non-decreasing, one per lead row. */
  leadBefore?: Int32Array;
  follow: Int32Array;
}

/**
 * Copies wanted rows out of chunks of the file into one buffer. A row's end is its line feed
 * unless a quote comes first (then the quotes are followed, as the scanner does); a row that goes
 * on past its chunk is read on its own.
 */
class RowCopier {
  private out: Uint8Array;
  private length: number;
  private readonly suffix: Uint8Array;
  private readonly delimiter: number;
  /** Where each row read so far starts in `out` (see `RowBytes.bounds`). */
  private readonly bounds: Int32Array;
  private rows = 0;
  /** Where every row copied so far starts, joined rows included (`RowBytes.starts`). */
  private starts: Int32Array;
  private copied = 0;
  /** When to copy each lead row (`RowsToJoin.leadBefore`); null without rows to join. */
  private readonly leadBefore: Int32Array | null;
  /** The lead rows copied so far. */
  private leads = 0;

  constructor(
    private readonly fd: number,
    private readonly fileSize: number,
    shape: CsvRecordShape,
    private readonly order: Uint32Array,
    private readonly join: RowsToJoin | null,
  ) {
    // The text starts with a row delimiter (an empty line, which the parser skips), so the
    // parser's byte-order-mark removal can only ever meet that, never a row.
    const prefix = Buffer.from(shape.rowDelimiter, 'latin1');
    this.suffix = Buffer.from((shape.names.length === 1 ? shape.delimiter : '') + shape.rowDelimiter, 'latin1');
    this.delimiter = shape.delimiter.charCodeAt(0);
    const joined = join === null ? 0 : join.rows.bytes.length;
    this.out = new Uint8Array(Math.max(64 * 1024, prefix.length + order.length * 128 + joined));
    this.out.set(prefix);
    this.length = prefix.length;
    this.bounds = new Int32Array(order.length + 1);
    // each row read, and (as the diff joins them) each row of the other file once
    this.starts = new Int32Array(order.length + (join === null ? 0 : join.rows.order.length));
    this.leadBefore = join === null ? null : (join.leadBefore ?? new Int32Array(join.lead.length));
  }

  /** Copies the lead rows due before row `row` of those read (all that are left: `Infinity`). */
  private copyLeads(row: number): void {
    const before = this.leadBefore!;
    const lead = this.join!.lead;
    let j = this.leads;
    while (j < lead.length && before[j] <= row) this.copyJoined(lead[j++]);
    this.leads = j;
  }

  /** Appends row `i` of the joined rows (see `RowsToJoin`). */
  private copyJoined(i: number): void {
    const rows = this.join!.rows;
    const from = rows.bounds[i];
    const to = rows.bounds[i + 1];
    this.reserve(to - from);
    this.noteStart();
    this.out.set(rows.bytes.subarray(from, to), this.length);
    this.length += to - from;
  }

  /** Notes that a row starts at the current end (see `RowBytes.starts`). */
  private noteStart(): void {
    if (this.copied === this.starts.length) {
      const more = new Int32Array(this.starts.length * 2 + 16);
      more.set(this.starts);
      this.starts = more;
    }
    this.starts[this.copied++] = this.length;
  }

  /** Makes room for `bytes` more bytes. */
  private reserve(bytes: number): void {
    const need = this.length + bytes;
    if (need > this.out.length) {
      const bigger = new Uint8Array(Math.max(need, this.out.length * 2));
      bigger.set(this.out.subarray(0, this.length));
      this.out = bigger;
    }
  }

  /**
   * Copies the rows `from..to` of the order out of `buffer`, which holds `got` bytes from
   * `start`. A row's line feed is found and the row copied with typed-array built-ins (a
   * `Buffer` method costs more per call, above all before the code is optimised); quotes with
   * `Buffer#indexOf` (a memchr), at most once per row, and once per chunk that has none.
   */
  copyChunk(buffer: Buffer, start: number, got: number, offsets: ArrayLike<number>, order: Uint32Array, from: number, to: number): void {
    const atEnd = start + got >= this.fileSize;
    const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, got);
    // The first quote at or after the current row (`got`: none left in the chunk).
    let quote = -1;
    for (let k = from; k < to; k++) {
      const rowStart = offsets[order[k]];
      const at = rowStart - start;
      if (at >= got) {
        this.copyAlone(rowStart);
        continue;
      }
      let end = bytes.indexOf(LF, at);
      if (quote < at) {
        quote = buffer.indexOf(QUOTE, at);
        if (quote < 0 || quote >= got) quote = got;
      }
      if (quote < (end < 0 ? got : end)) end = rowEnd(bytes, at, got, this.delimiter);
      if (end < 0) {
        if (atEnd) end = got;
        else {
          this.copyAlone(rowStart);
          continue;
        }
      }
      this.copyRow(bytes, at, end);
    }
  }

  /** Reads one row on its own (it goes on past its chunk), with more bytes until it ends. */
  private copyAlone(rowStart: number): void {
    let want = 64 * 1024;
    for (;;) {
      const length = Math.min(want, this.fileSize - rowStart);
      const buffer = scratch(length);
      const got = readFully(this.fd, buffer, length, rowStart);
      let end = rowEnd(buffer, 0, got, this.delimiter);
      if (end < 0 && rowStart + got >= this.fileSize) end = got;
      if (end >= 0) {
        this.copyRow(buffer, 0, end);
        return;
      }
      if (got < length) throw new Error('internal: a re-read row does not end');
      want *= 2;
    }
  }

  /** Appends `bytes[at..end)` without a final carriage return, and the suffix. */
  private copyRow(bytes: Uint8Array, at: number, end: number): void {
    let contentEnd = end;
    if (contentEnd > at && bytes[contentEnd - 1] === CR) contentEnd--;
    const suffix = this.suffix;
    const row = this.rows++;
    if (this.join !== null) this.copyLeads(row);
    this.reserve(contentEnd - at + suffix.length);
    const out = this.out;
    this.bounds[row] = this.length;
    this.noteStart();
    out.set(bytes.subarray(at, contentEnd), this.length);
    let length = this.length + (contentEnd - at);
    for (let s = 0; s < suffix.length; s++) out[length++] = suffix[s];
    this.length = length;
    if (this.join !== null) {
      const follower = this.join.follow[this.order[row]];
      if (follower >= 0) this.copyJoined(follower);
    }
  }

  finish(): RowBytes {
    if (this.join !== null) this.copyLeads(Infinity);
    this.bounds[this.rows] = this.length;
    return { bytes: this.out.subarray(0, this.length), bounds: this.bounds, order: this.order, starts: this.starts.subarray(0, this.copied) };
  }
}

/**
 * Gives back the memory of rows no longer needed at once. Why: the rows' buffer is made early
 * (while the workers still run) and so is old by the time it is used up; left to the garbage
 * collector, its tens of megabytes would stay until the next full collection, which may not come
 * before the plan is written. Handed to a new buffer nobody keeps (`structuredClone` with
 * `transfer`), the memory goes with the next minor collection. `rows` is unusable afterwards.
 */
export function releaseRows(rows: RowBytes): void {
  const buffer = rows.bytes.buffer;
  if (buffer instanceof ArrayBuffer && buffer.byteLength > 0) structuredClone(buffer, { transfer: [buffer] });
}

/** Reads `length` bytes at `position` (fewer only at the end of the file). */
function readFully(fd: number, buffer: Buffer, length: number, position: number): number {
  let got = 0;
  while (got < length) {
    const read = readSync(fd, buffer, got, length - got, position + got);
    if (read <= 0) break;
    got += read;
  }
  return got;
}

/**
 * The rows starting at `offsets` (any order; the scanner checked them), read in one pass, with
 * the rows of another file among them when `join` says so (`bounds` then still gives the rows
 * read, among the others).
 */
export function readRowBytes(file: string, fileSize: number, shape: CsvRecordShape, offsets: ArrayLike<number>, join: RowsToJoin | null = null): RowBytes {
  const order = offsetOrder(offsets);
  const plan = chunkPlan(offsets, order, fileSize);
  const fd = openSync(file, 'r');
  try {
    const copier = new RowCopier(fd, fileSize, shape, order, join);
    const buffer = Buffer.allocUnsafe(plan.longest);
    for (let c = 0; c < plan.starts.length; c++) {
      const start = plan.starts[c];
      const got = readFully(fd, buffer, plan.lengths[c], start);
      copier.copyChunk(buffer, start, got, offsets, order, plan.first[c], plan.first[c + 1]);
    }
    return copier.finish();
  } finally {
    closeSync(fd);
  }
}

/** About this many bytes of rows are decoded and parsed at a time (see `parseRowBytes`). */
const SLICE_BYTES = 1 << 16;

/**
 * Parses every row of `rows` (the rows read and any joined among them) with the connector's
 * parser, handing each one's values to `visit` with its place in the text (`RowBytes.starts`).
 *
 * Why in slices: decoded as one text, the rows of a large diff made a string of tens of
 * megabytes, kept (a large object) until a full garbage collection, and every value cut from it
 * a slice that held it. Decoded about 64 KB at a time, cut where a row starts, each text dies
 * young. Each slice begins with the row delimiter that ends the row before it, as the whole text
 * begins with one (an empty line, which the parser skips, and all that its byte-order-mark
 * removal can meet), and ends with its last row's delimiter.
 *
 * Why so, for the engine's optimiser (the parser's code is the hottest of the items phase, and
 * each time its optimised code is thrown away the main thread runs it unoptimised until it is
 * compiled again, on another thread):
 * - a slice ending with a row delimiter ends every row, the last one too, where the parser
 *   ends the others: its end-of-text branches (a last row without a line end, and one ending
 *   in a closing quote) are never taken, so they never turn out to lack feedback;
 * - the first slices are small (a row, then 256 bytes, growing four times a slice up to 64 KB):
 *   udsv makes a new row callback per call, and a call site of the parser that has seen two of
 *   them expects any callback made there, while one optimised after seeing only one (within a
 *   64 KB slice) was thrown away on the next ("wrong call target"); and the engine gives a
 *   function its feedback only after some use, so the parser's first call (its code unused for
 *   seconds on a large diff, and then dropped) left its entry without feedback, and the code
 *   optimised during a long first call was thrown away on the next call ("insufficient type
 *   feedback"). A few short calls first, and the parser is optimised on feedback of them all.
 */
export function parseRowBytes(rows: RowBytes, shape: CsvRecordShape, visit: (values: string[], row: number) => void): void {
  const starts = rows.starts;
  const count = starts.length;
  if (count === 0) return;
  const parser = csvParser(shape.names.length, shape.delimiter, shape.rowDelimiter);
  const text = Buffer.from(rows.bytes.buffer, rows.bytes.byteOffset, rows.bytes.byteLength);
  const textLength = text.length;
  const delimiterBytes = shape.rowDelimiter.length;
  let row = 0;
  const onRow = (values: string[]) => {
    if (row < count) visit(values, row);
    row++;
  };
  let first = 0;
  let sliceBytes = 1;
  while (first < count) {
    // from the delimiter before row `first` up to the first row that starts a slice's length
    // or more after it
    const from = starts[first] - delimiterBytes;
    let end = first + 1;
    while (end < count && starts[end] - from < sliceBytes) end++;
    const to = end < count ? starts[end] : textLength;
    parser.stringArrs(text.toString('utf8', from, to), onRow);
    if (row !== end) throw new Error(`internal: re-read ${row} rows where ${end} were expected`);
    first = end;
    sliceBytes = sliceBytes < 256 ? 256 : Math.min(sliceBytes * 4, SLICE_BYTES);
  }
}

/**
 * Reads the rows starting at `offsets` (any order; the scanner checked them) and hands each one's
 * values, as the connector's parser splits them, to `visit` with its index in `offsets`; rows
 * come in file order. One pass over the file, and one parser for all of them (`parseRowBytes`).
 */
export function forEachRowAt(
  file: string,
  fileSize: number,
  shape: CsvRecordShape,
  offsets: ArrayLike<number>,
  visit: (values: string[], index: number) => void,
): void {
  if (offsets.length === 0) return;
  const rows = readRowBytes(file, fileSize, shape, offsets);
  const order = rows.order;
  parseRowBytes(rows, shape, (values, row) => visit(values, order[row]));
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
