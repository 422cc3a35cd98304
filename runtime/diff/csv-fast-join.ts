/**
 * The shared-memory half of the CSV fast path: reading a byte range of a file through the
 * scanner, storing the desired side in typed arrays and filling the key table as it is read, and
 * probing the table with the actual side.
 *
 * Why typed arrays in SharedArrayBuffers: rows kept as JavaScript objects do not scale (the
 * garbage collector dominates past a million rows), and two cores only help when each worker
 * parses its own byte range straight into memory the other threads can read — rows are never
 * copied between threads. Every function here runs the same in a worker or on the main thread.
 *
 * Layout, per range of the desired file (one range per thread): one `Int32Array` of records of
 * `STRIDE` (6) ints, 24 bytes (a padding int kept each record within one cache line, but cost
 * 20 MB at 5 million rows for no measurable gain):
 *   [0] [1] the 64-bit fingerprint of the compared fields, [2] key length (low 24 bits) and
 *   flags (high 8 bits: `SUSPECT`, `INVALID`, `DUP`, `MATCHED`, `MATCHED_TWICE`), [3..5] the
 *   key's bytes when it has at most 12 (little-endian, zero-padded), else [3] the offset of the
 *   key in the range's `keyArena`;
 * plus `rowStart` (Uint32, or Float64 for files of 4 GiB and more): the row's byte offset, to
 * read it again. Every key hash match is confirmed on the key bytes. The key hash is not kept in
 * the record (it was, at 4 bytes a row: 20 MB at 5 million rows): the table's slots keep it for
 * the probes, which never need a record's hash.
 * The table is open addressing (linear probing) over slots of two `Uint32`s: `ref + 1`, where
 * `ref = range * 2^27 + row`, and the row's key hash — so walking a probe sequence stays in the
 * table, and only a slot with the very hash leads to the row's record (to confirm the key). The
 * key hash's top bit chooses a half of it, the other 31 bits, scaled to a half's size, the first
 * slot (`slotOf`).
 * The table is filled while the desired ranges are scanned (`DesiredStore.insertRows`): the
 * scanner has each row's key hash at hand then, and the threads claim slots with
 * `Atomics.compareExchange`, so that no phase of its own follows the scan. That phase rehashed
 * every desired row in each of two threads (one half each, without locks): ≈ 75–85 ms of wall
 * time and 150 of CPU at 1M records a side, 350 and 650 at 5M; the inserts (random accesses to
 * the table, as the build's were) now add ≈ 40 and 70 to the scan at 1M, 200 and 360 at 5M.
 * Keys the scan could not compare (a row of another range with the same hash) and the suspect
 * rows judged valid are settled after it (`settleTable`). The table is sized from the file's
 * size before the scan; when the file holds more rows than it safely takes, it is built after
 * the scan as before (`buildPartition`, key hashes recomputed from the key bytes by
 * `recordKeyHash`). Probing is read-only; matches are recorded with `Atomics.or` on the flags,
 * so two threads probing at once see a key matched twice.
 * Rows come from the scanner in batches; the sinks work on a batch in passes (all table slots,
 * then all records, then the decisions) so that the processor overlaps the cache misses of
 * independent rows instead of waiting for each in turn.
 *
 * Written for the optimising compiler (these loops run a million times per file, in workers
 * that compile them afresh each run): the hot functions use literals rather than the module's
 * constants (a bundler turns those into mutable module variables, which are neither folded nor
 * hoisted), long loops run in blocks of calls (a loop compiled while it runs lacks type feedback
 * for what follows it), the hot lists have one class per element type (`Int32List`...), and no
 * object field holds a 32-bit value beyond the engine's small integers (see
 * `CsvByteScanner.lanes`): each of these made optimised code be thrown away and rebuilt.
 */
import { isUtf8 } from 'node:buffer';
import { closeSync, openSync, readSync } from 'node:fs';
import { BATCH_ROWS, CsvByteScanner, INLINE_KEY, keyHashOf, ROW_SUSPECT, type RowBatch, type RowSink, type ScanPlan } from './csv-byte-scanner.js';

export const FLAG_SUSPECT = 1;
export const FLAG_INVALID = 2;
export const FLAG_DUP = 4;
export const FLAG_MATCHED = 8;
export const FLAG_MATCHED_TWICE = 16;

/** Ints per row record. */
export const STRIDE = 6;
const LENGTH_MASK = 0xffffff;
/** Candidates and extras handed over at a time while a range is probed. */
const PARTIAL_ROWS = 4096;

/** Rows of one range are addressed as `range * RANGE_STRIDE + row`. */
export const RANGE_STRIDE = 1 << 27;
export const MAX_RANGES = 16;

const READ_CHUNK = 2 << 20;

/** The desired side's arrays for one range (all SharedArrayBuffer-backed). */
export interface DesiredRange {
  count: number;
  /** `count * STRIDE` ints: see the module comment. */
  rows: Int32Array;
  rowStart: Uint32Array | Float64Array;
  /** Keys longer than 12 bytes. */
  keyArena: Uint8Array;
}

/** The flags of row `i`. */
export function flagsAt(range: DesiredRange, i: number): number {
  return range.rows[i * STRIDE + 2] >>> 24;
}

/** Sets flags of row `i` (not atomic: for one thread at a time). */
export function setFlags(range: DesiredRange, i: number, flags: number): void {
  range.rows[i * STRIDE + 2] |= flags << 24;
}

/** Clears flags of row `i` (not atomic). */
export function clearFlags(range: DesiredRange, i: number, flags: number): void {
  range.rows[i * STRIDE + 2] &= ~(flags << 24);
}

/** The key bytes of row `i` as a latin1 string (one char per byte), for grouping. */
export function keyTextAt(range: DesiredRange, i: number): string {
  const o = i * STRIDE;
  const length = range.rows[o + 2] & LENGTH_MASK;
  if (length > INLINE_KEY) {
    const from = range.rows[o + 3];
    return Buffer.from(range.keyArena.buffer, range.keyArena.byteOffset + from, length).toString('latin1');
  }
  const bytes = Buffer.allocUnsafe(12);
  bytes.writeInt32LE(range.rows[o + 3], 0);
  bytes.writeInt32LE(range.rows[o + 4], 4);
  bytes.writeInt32LE(range.rows[o + 5], 8);
  return bytes.toString('latin1', 0, length);
}

/** What scanning one range reports besides its rows. */
export interface RangeOutcome {
  /** Byte offset of the range's first row (after the guessed row boundary). */
  start: number;
  /** Offset of the first row at or after the range's end bound, or the file size. */
  stoppedAt: number;
  rows: number;
  lineFeeds: number;
  bail: string | null;
  /** Rows the generic pipeline must judge: local row index and local line, in pairs. */
  suspects: Int32Array;
  /** Byte offsets of the suspect rows (parallel to the pairs above). */
  suspectStarts: Float64Array;
}

/** A growable list of numbers in a typed array (no boxing, transferable). */
export class NumberList<T extends Int32Array | Float64Array | Uint8Array> {
  length = 0;
  constructor(
    public data: T,
    private readonly make: (n: number) => T,
  ) {}

  push(value: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = value;
  }

  grow(minimum: number): void {
    const grown = this.make(Math.max(minimum, Math.ceil(this.data.length * 1.5) + 16));
    grown.set(this.data.subarray(0, this.length) as never);
    this.data = grown;
  }

  /** The filled part as a standalone array. */
  take(): T {
    return this.data.slice(0, this.length) as T;
  }
}

/**
 * Growable lists of one element type each, for the hot paths: one class (and so one method,
 * with its own type feedback) per type keeps every `push` monomorphic; a `NumberList` shared by
 * several array types makes the optimised code of its callers fall back whenever a type shows up
 * late.
 */
export class Int32List {
  length = 0;
  data: Int32Array;
  /** Start small: growing early, the growth path has type feedback before it is optimised. */
  constructor(capacity = 16) {
    this.data = new Int32Array(capacity);
  }
  push(value: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = value;
  }
  grow(minimum: number): void {
    const grown = new Int32Array(Math.max(minimum, Math.ceil(this.data.length * 1.5) + 16));
    grown.set(this.data.subarray(0, this.length));
    this.data = grown;
  }
  /** The filled part as a standalone array. */
  take(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

/** See `Int32List`. */
export class Float64List {
  length = 0;
  data: Float64Array;
  constructor(capacity = 16) {
    this.data = new Float64Array(capacity);
  }
  push(value: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = value;
  }
  grow(minimum: number): void {
    const grown = new Float64Array(Math.max(minimum, Math.ceil(this.data.length * 1.5) + 16));
    grown.set(this.data.subarray(0, this.length));
    this.data = grown;
  }
  /** The filled part as a standalone array. */
  take(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

/** See `Int32List`. */
export class ByteList {
  length = 0;
  data: Uint8Array;
  constructor(capacity = 64) {
    this.data = new Uint8Array(capacity);
  }
  grow(minimum: number): void {
    const grown = new Uint8Array(Math.max(minimum, Math.ceil(this.data.length * 1.5) + 16));
    grown.set(this.data.subarray(0, this.length));
    this.data = grown;
  }
  /** The filled part as a standalone array. */
  take(): Uint8Array {
    return this.data.slice(0, this.length);
  }
}

function sharedInt32(n: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Math.max(n, 1) * 4));
}
function sharedUint32(n: number): Uint32Array {
  return new Uint32Array(new SharedArrayBuffer(Math.max(n, 1) * 4));
}
function sharedFloat64(n: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(Math.max(n, 1) * 8));
}
function sharedUint8(n: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(Math.max(n, 1)));
}

function growShared<T extends Int32Array | Uint32Array | Float64Array | Uint8Array>(array: T, length: number, make: (n: number) => T): T {
  const grown = make(length);
  grown.set(array as never);
  return grown;
}

/** A read buffer a thread keeps from range to range (see `scanRange`). */
export interface ReadBufferHolder {
  buffer: Buffer | null;
}

/**
 * Rows, or bytes (for long rows), after which a range reports its progress again (see
 * `scanRange`): about every 12 MB of 90-byte rows, a tenth of a second of scanning or so on one
 * core — a message from a worker each, a handful per range, which the bar (redrawn ten times a
 * second) shows as they come.
 */
export const PROGRESS_ROWS = 131072;
/** See `PROGRESS_ROWS`. */
export const PROGRESS_BYTES = 16 << 20;

/** Told the rows a range has scanned so far (see `scanRange`). */
export type RangeProgress = (rows: number) => void;

/**
 * Reads `[from, to)` of a file (to = the range's end bound; the last row may run past it) in
 * chunks and feeds the scanner. When `from` is not the data start, the range begins after the
 * first line feed at or after `from - 1` (a guess that the caller verifies against the previous
 * range's `stoppedAt`).
 *
 * `reuse` keeps the read buffer for the thread's next range. Why: a fresh 2 MB buffer per range
 * is mapped, then freed, which raises glibc's mmap threshold, so what the thread allocates after
 * comes from an arena that glibc keeps: each range left megabytes resident.
 *
 * `progress` is told the rows scanned so far now and then (after a read chunk, once
 * `PROGRESS_ROWS` more rows or `PROGRESS_BYTES` more bytes are done) and at the end of the
 * range (also after a bail) when rows were scanned since, for progress bars. Why here and not
 * in the scanner or a sink: a check per 2 MB chunk is off the hot loops entirely.
 */
export function scanRange(
  file: string,
  plan: ScanPlan,
  from: number,
  guessBoundary: boolean,
  to: number,
  fileSize: number,
  sink: RowSink,
  reuse: ReadBufferHolder | null = null,
  progress: RangeProgress | null = null,
): Omit<RangeOutcome, 'suspects' | 'suspectStarts'> {
  const fd = openSync(file, 'r');
  let buffer = reuse?.buffer ?? Buffer.allocUnsafe(READ_CHUNK + 65536);
  try {
    let start = from;
    if (guessBoundary) {
      start = fileSize;
      let at = from - 1;
      while (at < fileSize) {
        const n = readSync(fd, buffer, 0, 65536, at);
        if (n <= 0) break;
        const lf = buffer.indexOf(10, 0);
        if (lf >= 0 && lf < n) {
          start = at + lf + 1;
          break;
        }
        at += n;
      }
    }
    const scanner = new CsvByteScanner(plan, 1);
    let fileOffset = start; // file offset of buffer[0]
    let filled = 0;
    let pos = 0;
    let stoppedAt = fileSize;
    // Set when a row did not fit: the grown buffer must be filled before the next scan (else
    // the scanner would see the same unfinished row again, for ever).
    let grown = false;
    // rows last told to `progress`, and the file offset then
    let reported = 0;
    let reportedAt = start;
    // Every byte scanned is first checked to be UTF-8 (natively, per read: ≈ 40 GB/s on ASCII,
    // off the scan loops): the generic path refuses a file that is not, and a row of such bytes
    // must not be compared as if it were text (`runtime/connectors/utf8-text.ts`). The file
    // offset up to which bytes are checked, and why the range gave up.
    let checkedTo = start;
    let notUtf8: string | null = null;
    for (;;) {
      if (filled - pos < READ_CHUNK / 2 || pos === filled || grown) {
        grown = false;
        // Move the unconsumed tail to the front and read more.
        if (pos > 0) {
          buffer.copy(buffer, 0, pos, filled);
          fileOffset += pos;
          filled -= pos;
          pos = 0;
        }
        if (buffer.length - filled < READ_CHUNK / 2) {
          const bigger = Buffer.allocUnsafe(buffer.length * 2);
          buffer.copy(bigger, 0, 0, filled);
          buffer = bigger;
        }
        const want = Math.min(buffer.length - filled, Math.max(0, fileSize - (fileOffset + filled)));
        const n = want > 0 ? readSync(fd, buffer, filled, want, fileOffset + filled) : 0;
        filled += n;
        // The bytes read are UTF-8, up to the last whole character (the rest is checked with the
        // next read, or at the end of the file).
        const ends = fileOffset + filled >= fileSize ? filled : utf8WholeEnd(buffer, filled);
        const from = checkedTo - fileOffset;
        if (ends > from) {
          if (!isUtf8(buffer.subarray(from, ends))) {
            notUtf8 = `bytes that are not valid UTF-8 (after byte ${checkedTo} of the file)`;
            break;
          }
          checkedTo = fileOffset + ends;
        }
      }
      const eof = fileOffset + filled >= fileSize;
      const next = scanner.scan(buffer, pos, filled, fileOffset, eof, sink, to);
      if (progress !== null && scanner.rows !== reported) {
        const at = fileOffset + next;
        if (scanner.rows - reported >= PROGRESS_ROWS || at - reportedAt >= PROGRESS_BYTES) {
          reported = scanner.rows;
          reportedAt = at;
          progress(reported);
        }
      }
      if (scanner.bail !== null) break;
      if (scanner.stoppedAt >= 0) {
        stoppedAt = scanner.stoppedAt;
        break;
      }
      if (eof && next >= filled) break;
      if (next === pos && filled - pos >= buffer.length - 65536) {
        // A single row larger than the buffer: make room.
        const bigger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(bigger, 0, pos, filled);
        fileOffset += pos;
        filled -= pos;
        pos = 0;
        buffer = bigger;
        grown = true;
        continue;
      }
      pos = next;
    }
    sink.finish?.();
    if (progress !== null && scanner.rows !== reported) progress(scanner.rows);
    return { start, stoppedAt, rows: scanner.rows, lineFeeds: scanner.lineFeeds, bail: notUtf8 ?? scanner.bail };
  } finally {
    closeSync(fd);
    // Kept unless a long row made it grow: the grown one would stay for no purpose.
    if (reuse !== null) reuse.buffer = buffer.length === READ_CHUNK + 65536 ? buffer : null;
  }
}

/**
 * Where the last whole UTF-8 character of `bytes[0, end)` ends: `end`, or the start of a
 * character that the bytes cut short (at most 3 bytes back). Bytes that are no UTF-8 at all end
 * where they end (`isUtf8` rejects them then).
 */
export function utf8WholeEnd(bytes: Uint8Array, end: number): number {
  for (let i = end - 1; i >= 0 && i >= end - 3; i--) {
    const byte = bytes[i];
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: its character starts earlier
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return i + length > end ? i : end;
  }
  return end;
}

/** The key table a `DesiredStore` inserts its rows into while they are scanned. */
export interface ScanTable {
  table: Uint32Array;
  /** The range being scanned (its rows are `range * RANGE_STRIDE + row`). */
  range: number;
}

/**
 * Stores every row of a desired range into growable shared arrays and, given a `ScanTable`,
 * inserts each row that is not suspect into the key table as it comes (see `insertRows`).
 */
export class DesiredStore implements RowSink {
  count = 0;
  rows: Int32Array;
  rowStart: Uint32Array | Float64Array;
  keyArena: Uint8Array;
  arenaUsed = 0;
  readonly suspects = new Int32List(16);
  readonly suspectStarts = new Float64List(16);
  /**
   * Local row and table slot, in pairs: slots this range's rows passed that hold another range's
   * row whose key hash read as theirs (or as 0: not written yet), whose keys only `settleTable`
   * can compare (the other range's arrays are not here yet). Rare: equal keys across ranges,
   * and 32-bit hash collisions.
   */
  readonly sameHash = new Int32List(16);
  /** Whether rows were left out of the table: it would have passed its fill limit. */
  tableFull = false;
  private readonly wide: boolean;
  private readonly table: Uint32Array | null;
  /** The table's words as signed ints, for `Atomics`. */
  private readonly cells: Int32Array | null;
  /** The table's fill counts (`tableCounts`). */
  private readonly counts: Int32Array | null;
  private readonly rangeIndex: number;

  /** `fileSize` decides the width of the row offsets (32 bits below 4 GiB). */
  constructor(estimatedRows: number, fileSize: number, into: ScanTable | null = null) {
    const n = Math.max(estimatedRows, 1024);
    this.wide = fileSize >= 2 ** 32;
    this.rows = sharedInt32(n * STRIDE);
    this.rowStart = this.wide ? sharedFloat64(n) : sharedUint32(n);
    this.keyArena = sharedUint8(1024);
    this.table = into === null ? null : into.table;
    this.cells = into === null ? null : new Int32Array(into.table.buffer, into.table.byteOffset, into.table.length);
    this.counts = into === null ? null : tableCounts(into.table);
    this.rangeIndex = into === null ? 0 : into.range;
  }

  /**
   * Doubles the arrays when the estimate was short. Doubling keeps the number of copies (and of
   * dead buffers waiting for this thread's garbage collector) small.
   */
  private growRows(minimum: number): void {
    const n = Math.max(this.rowStart.length * 2 + 1024, minimum);
    this.rows = growShared(this.rows, n * STRIDE, sharedInt32);
    this.rowStart = this.wide
      ? growShared(this.rowStart as Float64Array, n, sharedFloat64)
      : growShared(this.rowStart as Uint32Array, n, sharedUint32);
  }

  onRows(batch: RowBatch): void {
    // Literals, not the module's constants: a bundler turns those into mutable module
    // variables, which the optimising compiler does not fold (see the scanner's `plainRows`).
    const STRIDE = 6;
    const INLINE_KEY = 12;
    const ROW_SUSPECT = 1;
    const FLAG_SUSPECT = 1;
    const n = batch.count;
    const first = this.count;
    if (first + n > this.rowStart.length) this.growRows(first + n);
    const rows = this.rows;
    const rowStart = this.rowStart;
    const { fpLo, fpHi, keyLength, keyWord0, keyWord1, keyWord2, flags, start } = batch;
    for (let k = 0; k < n; k++) {
      const o = (first + k) * STRIDE;
      const length = keyLength[k];
      const suspect = flags[k] & ROW_SUSPECT;
      rows[o] = fpLo[k];
      rows[o + 1] = fpHi[k];
      rows[o + 2] = length | (suspect !== 0 ? FLAG_SUSPECT << 24 : 0);
      if (length <= INLINE_KEY) {
        rows[o + 3] = keyWord0[k];
        rows[o + 4] = keyWord1[k];
        rows[o + 5] = keyWord2[k];
      } else {
        rows[o + 3] = this.storeKey(batch.keySource(k), batch.keyAt[k], length);
        rows[o + 4] = 0;
        rows[o + 5] = 0;
      }
      rowStart[first + k] = start[k];
      if (suspect !== 0) {
        this.suspects.push(first + k);
        this.suspects.push(batch.line[k]);
        this.suspectStarts.push(start[k]);
      }
    }
    this.count = first + n;
    if (this.table !== null && !this.tableFull) this.insertRows(batch, first);
  }

  /**
   * Inserts the batch's rows that are not suspect (stored from `first` on) into the shared key
   * table, at the same time as the other threads insert theirs: lock-free, by claiming a slot.
   *
   * A slot is claimed by `Atomics.compareExchange` of its first word from 0 (empty) to
   * `ref + 1`; its second word, 0 until then, gets the key hash right after (a plain write: one
   * atomic operation a row; three, with a claim published by `Atomics.store`, cost twice the
   * time). A claimed slot is never emptied and each word is written once, so a plain read of
   * either gives 0 or its final value (aligned integer reads do not tear); the rows with one
   * key hash lie in one probe sequence, each before the first empty slot. Of two rows with
   * equal keys inserted at once, the one that claims the later slot of that sequence passes the
   * other's slot after it was claimed (read, or returned by the failed exchange), and reads
   * there its key hash or 0. A row of this range (whose hash this thread wrote) with the same
   * key ends the walk: both are flagged `DUP`, as `insertBlock` does. Another range's row whose
   * hash reads as this one's, or as 0 (not written yet, or a hash of 0), cannot be compared
   * here: the slot is listed in `sameHash` for `settleTable`, and the walk goes on.
   * So which row of a duplicated key the probe finds may differ from run to run; nothing
   * depends on it (a `DUP` row is never a candidate, missing or matched once, and every actual
   * row of a key finds the same row of the finished table).
   *
   * The rows first take their room: per half, a count of the rows promised to it, never past
   * `TABLE_FILL` of it (an open-addressing table that fills up probes for ever). When the
   * estimate the table was sized by was short, the rest of the range is left out
   * (`tableFull`), and the caller builds a right-sized table after the scan.
   */
  private insertRows(batch: RowBatch, first: number): void {
    // Literals, not the module's constants (see above).
    const ROW_SUSPECT = 1;
    const STRIDE = 6;
    const DUP = 4 << 24; // FLAG_DUP
    const table = this.table!;
    const cells = this.cells!;
    const n = batch.count;
    const { keyHash, flags } = batch;
    const half = table.length >>> 2;
    const scale = half / 2147483648; // see `slotOf`
    let count = 0;
    let high = 0;
    for (let k = 0; k < n; k++) {
      if ((flags[k] & ROW_SUSPECT) !== 0) continue;
      count++;
      high += keyHash[k] >>> 31;
    }
    if (!reserveRows(this.counts!, half, count - high, high)) {
      this.tableFull = true;
      return;
    }
    // A first look at every slot, in a loop of its own (see `insertBlock`).
    let touched = 0;
    for (let k = 0; k < n; k++) {
      const h = keyHash[k];
      touched ^= table[((h >>> 31) * half + (((h & 0x7fffffff) * scale) | 0)) << 1];
    }
    _lookAhead ^= touched;
    const rows = this.rows;
    const arena = this.keyArena;
    const range = this.rangeIndex;
    const mine = range * 134217728 + 1; // RANGE_STRIDE, and the 1 of `ref + 1`
    for (let k = 0; k < n; k++) {
      if ((flags[k] & ROW_SUSPECT) !== 0) continue;
      const i = first + k;
      const h = keyHash[k];
      const uh = h >>> 0;
      const base = (h >>> 31) * half;
      let slot = ((h & 0x7fffffff) * scale) | 0;
      for (;;) {
        const at = (base + slot) << 1;
        let v = table[at];
        if (v === 0) {
          v = Atomics.compareExchange(cells, at, 0, mine + i) >>> 0;
          if (v === 0) {
            table[at + 1] = uh;
            break;
          }
        }
        const w = table[at + 1];
        const ref = v - 1;
        if (ref >>> 27 === range) {
          // This thread's own row (so its hash is there): the keys are compared now.
          if (w === uh && sameKey(rows, arena, ref & 0x7ffffff, i)) {
            rows[(ref & 0x7ffffff) * STRIDE + 2] |= DUP;
            rows[i * STRIDE + 2] |= DUP;
            break;
          }
        } else if (w === uh || w === 0) {
          // Another range's row with this hash, or whose hash is not there yet.
          this.sameHash.push(i);
          this.sameHash.push(at);
        }
        if (++slot === half) slot = 0;
      }
    }
  }

  /** Copies a long key into the arena; returns its offset there. */
  private storeKey(bytes: Uint8Array, from: number, length: number): number {
    const at = this.arenaUsed;
    if (at + length > this.keyArena.length) {
      this.keyArena = growShared(this.keyArena, (at + length) * 2 + 4096, sharedUint8);
    }
    const arena = this.keyArena;
    for (let k = 0; k < length; k++) arena[at + k] = bytes[from + k];
    this.arenaUsed = at + length;
    return at;
  }

  /** The arrays as the other threads see them. */
  range(): DesiredRange {
    return { count: this.count, rows: this.rows, rowStart: this.rowStart, keyArena: this.keyArena };
  }
}

/**
 * The key table: slots of two `Uint32`s (`ref + 1`, key hash), in two halves chosen by the key
 * hash's top bit; about 62 % full for `desiredRows` rows (`TABLE_GROWTH`), at most 70 % while
 * it is filled during the scan (`tableLimit`).
 *
 * Why not a power of two: rounding up to one left the table between 40 and 80 % larger than
 * needed (17 MB for a million rows, a tenth of the peak); a slot is found by range reduction
 * instead (`slotOf`), which fits any size.
 */
export function createTable(desiredRows: number): Uint32Array {
  const half = Math.max(512, Math.ceil((desiredRows * TABLE_GROWTH) / 2));
  // The slots, then the fill counts (`tableCounts`), outside the view the probes see.
  const table = new Uint32Array(new SharedArrayBuffer(half * 16 + 16), 0, half * 4);
  // Its pages mapped now, in one sequential pass (≈ 5 ms for 12.8 MB), by writing it. Touched
  // first by the inserts, at random and from two threads at once, each page faulted twice (a
  // read maps the shared zero page, the write then its own): ≈ 27 ms more per thread at 1M.
  table.fill(0);
  return table;
}

/**
 * The words after a table's slots: rows promised to each half (`reserveRows`), and whether a
 * promise was refused.
 */
function tableCounts(table: Uint32Array): Int32Array {
  return new Int32Array(table.buffer, table.byteOffset + table.byteLength, 4);
}

/**
 * The most rows a half of `half` slots is promised while the table is filled during the scan
 * (`TABLE_FILL` of it): below `half`, so a probe always meets an empty slot. Sized for the
 * estimated rows at `TABLE_GROWTH`, a half can take 12 % more rows than estimated before the
 * table is built again after the scan.
 */
export function tableLimit(half: number): number {
  return Math.floor(half * TABLE_FILL);
}

/** See `tableLimit`. */
const TABLE_FILL = 0.7;

/**
 * Promises `low` more rows to the table's first half and `high` to its second; false (and no
 * more promises to anyone) when a half would pass its limit.
 */
function reserveRows(counts: Int32Array, half: number, low: number, high: number): boolean {
  if (Atomics.load(counts, 2) !== 0) return false;
  const limit = tableLimit(half);
  if (Atomics.add(counts, 0, low) + low > limit || Atomics.add(counts, 1, high) + high > limit) {
    Atomics.store(counts, 2, 1);
    return false;
  }
  return true;
}

/** Empties a table and its fill counts (the scan filling it starts over). */
export function clearTable(table: Uint32Array): void {
  table.fill(0);
  tableCounts(table).fill(0);
}

/**
 * Slots per desired row (the table's load is at most its inverse). 1.3 saved another 12 MB at
 * 5M records a side but made the probe ≈ 3% slower there (longer runs of linear probing); 1.6
 * is the load the power-of-two table had at its fullest.
 */
const TABLE_GROWTH = 1.6;

/**
 * The first slot (within its half, of `half` slots) of a key hash: the hash's 31 low bits `x`
 * scaled to `[0, half)`, `floor(x * half / 2^31)` (multiply-shift range reduction; the top bit
 * chose the half). Always below `half`, though the product may be rounded: with
 * `2^k <= half < 2^(k+1)`, `x * half <= half * 2^31 - half < 2^(k+32)`, where doubles are at most
 * `2^(k-20)` apart, so rounding adds at most `2^(k-21)`, less than `half`: the rounded product
 * stays below `half * 2^31`. `scale = half / 2^31` is exact, multiplying by it rounds the same
 * product scaled by a power of two, and `| 0` truncates the non-negative result: its floor
 * (the exact `floor(x * half / 2^31)` while `half <= 2^22`, where the product fits a double;
 * above, rounding may move a hash to the next slot, the same in every thread: only the bound
 * matters). The hot loops write this inline. Any table size works, and the hash's high bits (all
 * good after `fmix32`) choose the slot.
 */
export function slotOf(hash: number, half: number): number {
  return ((hash & 0x7fffffff) * (half / 2147483648)) | 0;
}

/** Whether rows `i` and `j` of one range (`rows`, `arena`) have the same key. */
function sameKey(rows: Int32Array, arena: Uint8Array, i: number, j: number): boolean {
  const oi = i * 6; // STRIDE
  const oj = j * 6;
  const length = rows[oi + 2] & 0xffffff; // LENGTH_MASK
  if ((rows[oj + 2] & 0xffffff) !== length) return false;
  if (length <= 12) return rows[oi + 3] === rows[oj + 3] && rows[oi + 4] === rows[oj + 4] && rows[oi + 5] === rows[oj + 5]; // INLINE_KEY
  const ai = rows[oi + 3];
  const aj = rows[oj + 3];
  for (let k = 0; k < length; k++) if (arena[ai + k] !== arena[aj + k]) return false;
  return true;
}

/** Whether desired rows `i` of `a` and `j` of `b` have the same key (their hashes are equal). */
function keysEqual(a: DesiredRange, i: number, b: DesiredRange, j: number): boolean {
  const x = a.rows;
  const y = b.rows;
  const oi = i * 6; // STRIDE
  const oj = j * 6;
  const length = x[oi + 2] & 0xffffff; // LENGTH_MASK
  if ((y[oj + 2] & 0xffffff) !== length) return false;
  if (length <= 12) return x[oi + 3] === y[oj + 3] && x[oi + 4] === y[oj + 4] && x[oi + 5] === y[oj + 5];
  const ax = a.keyArena;
  const by = b.keyArena;
  const af = x[oi + 3];
  const bf = y[oj + 3];
  for (let k = 0; k < length; k++) if (ax[af + k] !== by[bf + k]) return false;
  return true;
}

/**
 * Inserts the valid desired rows whose key hash falls in `partition` (0 or 1) into the table;
 * rows sharing a key are all flagged `DUP` (only the first stays in the table). Returns how many
 * rows were flagged. Each thread building a half hashes every row: only for a table built after
 * the scan, when the one filled during it would have overflowed (see the module comment).
 */
export function buildPartition(ranges: readonly DesiredRange[], table: Uint32Array, partition: number): number {
  // Blocks of rows, one call each: a loop over a million rows would be compiled while it runs
  // (on-stack replacement), without type feedback for what follows it.
  const pending = new Int32Array(128);
  let duplicates = 0;
  for (let r = 0; r < ranges.length; r++) {
    for (let from = 0; from < ranges[r].count; from += 4096) {
      duplicates += insertBlock(ranges, r, from, Math.min(ranges[r].count, from + 4096), table, partition, pending);
    }
  }
  return duplicates;
}

/**
 * Inserts rows `from..to` of range `r` (those of `partition`); see `buildPartition`. `pending`
 * (128 ints) holds a batch's rows to insert, then their key hashes (from 64).
 */
function insertBlock(ranges: readonly DesiredRange[], r: number, from: number, to: number, table: Uint32Array, partition: number, pending: Int32Array): number {
  // Literals, not the module's constants (see `DesiredStore.onRows`).
  const STRIDE = 6;
  const BUILD_BATCH = 64;
  const RANGE_SHIFT = 27;
  const INVALID = 2 << 24; // FLAG_INVALID
  const half = table.length >>> 2; // slots per half
  const scale = half / 2147483648; // see `slotOf`
  const base = partition * half;
  const range = ranges[r];
  const rows = range.rows;
  const arena = range.keyArena;
  const words = keyWords;
  const wordBytes = keyWordBytes;
  let duplicates = 0;
  let touched = 0;
  for (let start = from; start < to; start += BUILD_BATCH) {
    const end = Math.min(to, start + BUILD_BATCH);
    // The rows of this batch that go in, with their key hashes; then a first look at their
    // slots, in a loop of its own: short, so that the loads of independent rows overlap (with
    // the hashing in the same loop, far fewer of them were in flight at once).
    let n = 0;
    for (let i = start; i < end; i++) {
      const o = i * STRIDE;
      if ((rows[o + 2] & INVALID) !== 0) continue;
      const h = recordKeyHash(rows, o, arena, words, wordBytes);
      if (h >>> 31 !== partition) continue;
      pending[n] = i;
      pending[n + BUILD_BATCH] = h;
      n++;
    }
    for (let m = 0; m < n; m++) {
      const h = pending[m + BUILD_BATCH];
      touched ^= table[(base + (((h & 0x7fffffff) * scale) | 0)) << 1];
    }
    for (let m = 0; m < n; m++) duplicates += insertRow(ranges, table, half, (r << RANGE_SHIFT) | pending[m], pending[m + BUILD_BATCH]);
  }
  _lookAhead ^= touched;
  return duplicates;
}

/**
 * Puts desired row `ref` (key hash `hash`) into a table no other thread is filling — or, when a
 * row with its key is there already, flags both `DUP` instead (only the first stays in the
 * table). Returns how many rows it newly flagged. One insertion for the table built after the
 * scan (`insertBlock`) and for the rows `settleTable` adds; the scan's own, concurrent ones are
 * `DesiredStore.insertRows`.
 */
function insertRow(ranges: readonly DesiredRange[], table: Uint32Array, half: number, ref: number, hash: number): number {
  // Literals, not the module's constants (see `DesiredStore.onRows`).
  const STRIDE = 6;
  const DUP = 4 << 24; // FLAG_DUP
  const uh = hash >>> 0;
  const base = (hash >>> 31) * half;
  let slot = slotOf(hash, half);
  for (;;) {
    const at = (base + slot) << 1;
    const v = table[at];
    if (v === 0) {
      table[at] = ref + 1;
      table[at + 1] = uh;
      return 0;
    }
    if (table[at + 1] === uh) {
      const other = v - 1;
      const a = ranges[other >>> 27]; // RANGE_STRIDE = 2^27
      const b = ranges[ref >>> 27];
      const j = other & 0x7ffffff;
      const i = ref & 0x7ffffff;
      if (keysEqual(a, j, b, i)) {
        let flagged = 1;
        if ((a.rows[j * STRIDE + 2] & DUP) === 0) {
          a.rows[j * STRIDE + 2] |= DUP;
          flagged++;
        }
        b.rows[i * STRIDE + 2] |= DUP;
        return flagged;
      }
    }
    if (++slot === half) slot = 0;
  }
}

/**
 * Completes a table the scan filled (`DesiredStore.insertRows`), on one thread once every range
 * is known: confirms the keys of the rows listed in `sameHash` (desired ref and table slot, in
 * pairs) against the row in that slot, flagging equal ones `DUP`; then inserts the rows of
 * `valid` (suspect rows the read pipeline found valid, left out during the scan), flagging a row
 * whose key is in the table already `DUP` with the row found. False, with the table incomplete,
 * when a half would pass its fill limit: the caller then builds a table after all
 * (`buildPartition`; the `DUP` flags set so far are right: only valid rows with equal keys get
 * them).
 */
export function settleTable(ranges: readonly DesiredRange[], table: Uint32Array, sameHash: Int32Array, valid: Int32Array): boolean {
  const DUP = FLAG_DUP << 24;
  for (let p = 0; p < sameHash.length; p += 2) {
    const ref = sameHash[p];
    const other = table[sameHash[p + 1]] - 1;
    if (other === ref) continue;
    const a = ranges[ref >>> 27]; // RANGE_STRIDE = 2^27
    const b = ranges[other >>> 27];
    const i = ref & 0x7ffffff;
    const j = other & 0x7ffffff;
    if (!keysEqual(a, i, b, j)) continue;
    a.rows[i * STRIDE + 2] |= DUP;
    b.rows[j * STRIDE + 2] |= DUP;
  }
  const half = table.length >>> 2;
  const counts = tableCounts(table);
  for (let v = 0; v < valid.length; v++) {
    const ref = valid[v];
    const range = ranges[ref >>> 27];
    const i = ref & 0x7ffffff;
    const h = recordKeyHash(range.rows, i * STRIDE, range.keyArena, keyWords, keyWordBytes);
    const top = h >>> 31;
    if (!reserveRows(counts, half, 1 - top, top)) return false;
    insertRow(ranges, table, half, ref, h);
  }
  return true;
}

/**
 * The key hash of the record at `o` of `rows` (`arena`: its range's `keyArena`), recomputed from
 * its key bytes with the scanner's own function: the records do not keep it (4 bytes a row; the
 * table's slots hold it for the probes). A short key's packed words are unpacked through
 * `words`, which shares its buffer with `wordBytes` (little-endian, as `probeBytes` assumes).
 */
function recordKeyHash(rows: Int32Array, o: number, arena: Uint8Array, words: Int32Array, wordBytes: Uint8Array): number {
  const length = rows[o + 2] & 0xffffff; // LENGTH_MASK
  if (length > 12) return keyHashOf(arena, rows[o + 3], length); // INLINE_KEY
  words[0] = rows[o + 3];
  words[1] = rows[o + 4];
  words[2] = rows[o + 5];
  return keyHashOf(wordBytes, 0, length);
}

/** Scratch for `recordKeyHash` (one per thread: module state is per worker). */
const keyWords = new Int32Array(3);
const keyWordBytes = new Uint8Array(keyWords.buffer);

/**
 * Keeps the look-ahead loads (of `buildPartition` and `ActualProber.onRows`) from being optimised
 * away. A module variable, not an object field: see `CsvByteScanner.lanes`.
 */
let _lookAhead = 0;

/**
 * The desired row (`ref`) with this key, or -1: `hash` its key hash, `length` its length,
 * `w0..w2` its first 12 bytes packed (see `RowBatch`), `bytes[at..at+length)` its bytes.
 */
export function probeKey(
  ranges: readonly DesiredRange[],
  table: Uint32Array,
  hash: number,
  length: number,
  w0: number,
  w1: number,
  w2: number,
  bytes: Uint8Array,
  at: number,
): number {
  const half = table.length >>> 2;
  const base = (hash >>> 31) * half;
  const uh = hash >>> 0;
  let slot = slotOf(hash, half);
  for (;;) {
    const t = (base + slot) << 1;
    const v = table[t];
    if (v === 0) return -1;
    if (table[t + 1] === uh) {
      const ref = v - 1;
      if (keyAt(ranges, ref, length, w0, w1, w2, bytes, at)) return ref;
    }
    if (++slot === half) slot = 0;
  }
}

/** Whether desired row `ref` has this key (see `probeKey`). */
function keyAt(ranges: readonly DesiredRange[], ref: number, length: number, w0: number, w1: number, w2: number, bytes: Uint8Array, at: number): boolean {
  const range = ranges[ref >>> 27]; // RANGE_STRIDE = 2^27
  const rows = range.rows;
  const o = (ref & 0x7ffffff) * 6; // STRIDE
  if ((rows[o + 2] & 0xffffff) !== length) return false; // LENGTH_MASK
  if (length <= 12) return rows[o + 3] === w0 && rows[o + 4] === w1 && rows[o + 5] === w2; // INLINE_KEY
  const arena = range.keyArena;
  const from = rows[o + 3];
  for (let k = 0; k < length; k++) if (arena[from + k] !== bytes[at + k]) return false;
  return true;
}

/** `probeKey` for a key kept as its bytes (and hash). */
export function probeBytes(ranges: readonly DesiredRange[], table: Uint32Array, hash: number, bytes: Uint8Array): number {
  const padded = new Uint8Array(12);
  padded.set(bytes.subarray(0, Math.min(12, bytes.length)));
  const words = new Int32Array(padded.buffer);
  const inline = bytes.length <= INLINE_KEY;
  return probeKey(ranges, table, hash, bytes.length, inline ? words[0] : 0, inline ? words[1] : 0, inline ? words[2] : 0, bytes, 0);
}

/** Candidates and extras found so far in a range (see `ProbeLists` for the meaning). */
export interface PartialLists {
  candidates: Int32Array;
  candidateStarts: Float64Array;
  extras: Int32Array;
  extraStarts: Float64Array;
  extraKeyStart: Int32Array;
  extraKeys: Uint8Array;
}

/** What probing one range of the actual file finds (lists of plain numbers, transferable). */
export interface ProbeLists {
  /** Pairs whose fingerprints differ: desired ref, actual local row, in pairs. */
  candidates: Int32Array;
  candidateStarts: Float64Array;
  /** Rows with no desired counterpart: actual local row. */
  extras: Int32Array;
  extraStarts: Float64Array;
  extraHashes: Int32Array;
  /** Their key bytes, `extraKeyStart` (count + 1 entries) into `extraKeys`. */
  extraKeyStart: Int32Array;
  extraKeys: Uint8Array;
  /** Second and later matches of one desired key: desired ref, actual local row. */
  repeats: Int32Array;
  repeatStarts: Float64Array;
  /** Per suspect row (see `RangeOutcome.suspects`): key hash, fpLo, fpHi; and its key bytes. */
  suspectHashes: Int32Array;
  suspectKeyStart: Int32Array;
  suspectKeys: Uint8Array;
}

/**
 * Probes each actual row of a range against the table: records candidates (fingerprints
 * differ), extras and repeated matches; suspect rows are only listed (the main thread judges and
 * probes them).
 */
export class ActualProber implements RowSink, MatchLists {
  readonly candidates: Int32List = new Int32List(16);
  readonly candidateStarts: Float64List = new Float64List(16);
  readonly extras = new Int32List(16);
  readonly extraStarts = new Float64List(16);
  readonly extraHashes = new Int32List(16);
  readonly extraKeyStart = new Int32List(16);
  readonly extraKeys = new ByteList(64);
  readonly repeats: Int32List = new Int32List(16);
  readonly repeatStarts: Float64List = new Float64List(16);
  readonly suspects = new Int32List(16);
  readonly suspectStarts = new Float64List(16);
  /** Per suspect row: key hash, fpLo, fpHi (the main thread probes the valid ones). */
  readonly suspectHashes = new Int32List(16);
  readonly suspectKeyStart = new Int32List(16);
  readonly suspectKeys = new ByteList(64);
  private local = 0;
  /**
   * Per row of a batch: its first slot, then `ref + 1` of the first row with its key hash, then
   * `ref + 1` of the desired row with its key, or 0 (see `vouch`).
   */
  private readonly found = new Int32Array(BATCH_ROWS);
  /** Whether `found` holds the current batch's desired rows (`vouch` ran on it). */
  private resolved = false;

  constructor(
    private readonly ranges: readonly DesiredRange[],
    private readonly table: Uint32Array,
    /** Receives candidates and extras as they pile up, so items can be built meanwhile. */
    private readonly onPartial: ((lists: PartialLists) => void) | null = null,
  ) {
    this.extraKeyStart.push(0);
    this.suspectKeyStart.push(0);
  }

  /** Hands what has piled up to `onPartial` (when there is enough, or `force`). */
  private emitPartial(force: boolean): void {
    if (this.onPartial === null) return;
    const rows = this.candidateStarts.length + this.extras.length;
    if (rows === 0 || (!force && rows < PARTIAL_ROWS)) return;
    const partial: PartialLists = {
      candidates: this.candidates.take(),
      candidateStarts: this.candidateStarts.take(),
      extras: this.extras.take(),
      extraStarts: this.extraStarts.take(),
      extraKeyStart: this.extraKeyStart.take(),
      extraKeys: this.extraKeys.take(),
    };
    this.candidates.length = 0;
    this.candidateStarts.length = 0;
    this.extras.length = 0;
    this.extraStarts.length = 0;
    this.extraHashes.length = 0;
    this.extraKeyStart.length = 0;
    this.extraKeyStart.push(0);
    this.extraKeys.length = 0;
    this.onPartial(partial);
  }

  /**
   * Finds each row's desired row, and vouches for the rows whose fingerprint equals theirs (see
   * `RowSink.vouch`: a row in the table is valid, and not a duplicate here). In passes: first
   * all their table slots, then (the lines cached) each probe sequence up to the slot with the
   * row's key hash and that row's record, then the keys confirmed — so that the cache misses of
   * independent rows overlap. `onRows` then decides, from `found`.
   */
  vouch(batch: RowBatch): void {
    // Literals, not the module's constants (see `DesiredStore.onRows`).
    const STRIDE = 6;
    const ROW_SUSPECT = 1;
    const n = batch.count;
    const { keyHash, flags, vouched } = batch;
    const table = this.table;
    const ranges = this.ranges;
    const half = table.length >>> 2;
    const scale = half / 2147483648; // see `slotOf`
    const found = this.found;
    let touch = 0;
    for (let k = 0; k < n; k++) {
      const hash = keyHash[k];
      const slot = ((hash & 0x7fffffff) * scale) | 0;
      found[k] = slot;
      touch ^= table[((hash >>> 31) * half + slot) << 1];
    }
    for (let k = 0; k < n; k++) {
      const hash = keyHash[k];
      const uh = hash >>> 0;
      const base = (hash >>> 31) * half;
      let slot = found[k];
      let v = 0;
      for (;;) {
        const t = (base + slot) << 1;
        v = table[t];
        if (v === 0 || table[t + 1] === uh) break;
        if (++slot === half) slot = 0;
      }
      found[k] = v;
      if (v !== 0) touch ^= ranges[(v - 1) >>> 27].rows[((v - 1) & 0x7ffffff) * STRIDE + 2];
    }
    _lookAhead ^= touch;
    const { keyLength, keyWord0, keyWord1, keyWord2, keyAt: keyFrom, fpLo, fpHi } = batch;
    for (let k = 0; k < n; k++) {
      vouched[k] = 0;
      if ((flags[k] & ROW_SUSPECT) !== 0) continue; // probed by the main thread if valid
      const length = keyLength[k];
      let ref = found[k] - 1;
      if (ref >= 0 && !keyAt(ranges, ref, length, keyWord0[k], keyWord1[k], keyWord2[k], batch.keySource(k), keyFrom[k])) {
        // Another key with the same hash: the rest of the probe sequence decides.
        ref = probeKey(ranges, table, keyHash[k], length, keyWord0[k], keyWord1[k], keyWord2[k], batch.keySource(k), keyFrom[k]);
        found[k] = ref + 1;
      }
      if (ref >= 0 && vouchesFor(ranges, ref, fpLo[k], fpHi[k])) vouched[k] = 1;
    }
    this.resolved = true;
  }

  /** Decides each row of a batch (after `vouch` and the type checks): see the class comment. */
  onRows(batch: RowBatch): void {
    // Literals, not the module's constants (see `DesiredStore.onRows`).
    const STRIDE = 6;
    const ROW_SUSPECT = 1;
    const MATCHED = 8 << 24; // FLAG_MATCHED
    const MATCHED_TWICE = 16 << 24; // FLAG_MATCHED_TWICE
    const DUP = 4 << 24; // FLAG_DUP
    if (!this.resolved) this.vouch(batch);
    this.resolved = false;
    const n = batch.count;
    const { keyHash, flags } = batch;
    const ranges = this.ranges;
    const found = this.found;
    const { keyLength, keyAt: keyFrom, fpLo, fpHi, start } = batch;
    for (let k = 0; k < n; k++) {
      const local = this.local++;
      const length = keyLength[k];
      if ((flags[k] & ROW_SUSPECT) !== 0) {
        // A suspect row: listed for the main thread, which judges it and probes it if valid.
        this.suspects.push(local);
        this.suspects.push(batch.line[k]);
        this.suspectStarts.push(start[k]);
        this.suspectHashes.push(keyHash[k]);
        this.suspectHashes.push(fpLo[k]);
        this.suspectHashes.push(fpHi[k]);
        appendBytes(this.suspectKeys, batch.keySource(k), keyFrom[k], length);
        this.suspectKeyStart.push(this.suspectKeys.length);
        continue;
      }
      const ref = found[k] - 1;
      if (ref < 0) {
        this.extras.push(local);
        this.extraStarts.push(start[k]);
        this.extraHashes.push(keyHash[k]);
        appendBytes(this.extraKeys, batch.keySource(k), keyFrom[k], length);
        this.extraKeyStart.push(this.extraKeys.length);
        continue;
      }
      // A match: flagged atomically, so that two threads see a key matched twice.
      const rows = ranges[ref >>> 27].rows;
      const o = (ref & 0x7ffffff) * STRIDE;
      const before = Atomics.or(rows, o + 2, MATCHED);
      if ((before & MATCHED) !== 0) {
        // A key the actual side repeats: all its actual rows are invalid (found by a second pass).
        Atomics.or(rows, o + 2, MATCHED_TWICE);
        this.repeats.push(ref);
        this.repeats.push(local);
        this.repeatStarts.push(start[k]);
      } else if ((before & DUP) === 0 && (rows[o] !== fpLo[k] || rows[o + 1] !== fpHi[k])) {
        this.candidates.push(ref);
        this.candidates.push(local);
        this.candidateStarts.push(start[k]);
      }
    }
    this.emitPartial(false);
  }

  /** Called when the range is done: the last candidates and extras go to `onPartial` too. */
  finish(): void {
    this.emitPartial(true);
  }

  lists(): ProbeLists {
    return {
      candidates: this.candidates.take(),
      candidateStarts: this.candidateStarts.take(),
      extras: this.extras.take(),
      extraStarts: this.extraStarts.take(),
      extraHashes: this.extraHashes.take(),
      extraKeyStart: this.extraKeyStart.take(),
      extraKeys: this.extraKeys.take(),
      repeats: this.repeats.take(),
      repeatStarts: this.repeatStarts.take(),
      suspectHashes: this.suspectHashes.take(),
      suspectKeyStart: this.suspectKeyStart.take(),
      suspectKeys: this.suspectKeys.take(),
    };
  }
}

function appendBytes(list: ByteList, bytes: Uint8Array, from: number, length: number): void {
  if (list.length + length > list.data.length) list.grow(list.length + length);
  const data = list.data;
  const at = list.length;
  for (let k = 0; k < length; k++) data[at + k] = bytes[from + k];
  list.length = at + length;
}

/** Where `recordMatch` lists what it finds. */
export interface MatchLists {
  candidates: Int32List;
  candidateStarts: Float64List;
  repeats: Int32List;
  repeatStarts: Float64List;
}

/** Records that actual row `local` matched desired row `ref`. */
export function recordMatch(
  ranges: readonly DesiredRange[],
  ref: number,
  fpLo: number,
  fpHi: number,
  local: number,
  rowStart: number,
  into: MatchLists,
): void {
  const rows = ranges[ref >>> 27].rows; // RANGE_STRIDE = 2^27
  const o = (ref & 0x7ffffff) * STRIDE;
  const before = Atomics.or(rows, o + 2, FLAG_MATCHED << 24) >>> 24;
  if ((before & FLAG_MATCHED) !== 0) {
    // A key the actual side repeats: all its actual rows are invalid (found by a second pass).
    Atomics.or(rows, o + 2, FLAG_MATCHED_TWICE << 24);
    into.repeats.push(ref);
    into.repeats.push(local);
    into.repeatStarts.push(rowStart);
    return;
  }
  if ((before & FLAG_DUP) !== 0) return; // a desired duplicate: the key is out of the comparison
  if (rows[o] !== fpLo || rows[o + 1] !== fpHi) {
    into.candidates.push(ref);
    into.candidates.push(local);
    into.candidateStarts.push(rowStart);
  }
}

/**
 * Whether desired row `ref` vouches for an actual row of fingerprint `lo`/`hi` (`RowSink.vouch`):
 * it is not a duplicate and has that fingerprint. One function for the probe and the repeats
 * pass, which must see the same rows suspect. (`DUP` is set before any probe: a plain read.)
 */
function vouchesFor(ranges: readonly DesiredRange[], ref: number, lo: number, hi: number): boolean {
  const rows = ranges[ref >>> 27].rows; // RANGE_STRIDE = 2^27
  const o = (ref & 0x7ffffff) * 6; // STRIDE
  return (rows[o + 2] & (4 << 24)) === 0 && rows[o] === lo && rows[o + 1] === hi; // FLAG_DUP
}

/**
 * Lists the actual rows of a range whose key matches a desired row flagged `MATCHED_TWICE`
 * (a second pass, run only when the actual side repeats a key).
 */
export class RepeatCollector implements RowSink {
  readonly rows = new Int32List(16);
  readonly starts = new Float64List(16);
  private local = 0;
  /** Per row of a batch: its desired row, or -1 (see `vouch`). */
  private readonly refs = new Int32Array(BATCH_ROWS);
  private resolved = false;

  constructor(
    private readonly ranges: readonly DesiredRange[],
    private readonly table: Uint32Array,
  ) {}

  /**
   * Finds each row's desired row and vouches as `ActualProber.vouch` does, so that this pass
   * sees the same rows suspect as the probe did.
   */
  vouch(batch: RowBatch): void {
    const { keyHash, keyLength, keyWord0, keyWord1, keyWord2, keyAt, flags, fpLo, fpHi, vouched } = batch;
    for (let k = 0; k < batch.count; k++) {
      vouched[k] = 0;
      this.refs[k] = -1;
      if ((flags[k] & ROW_SUSPECT) !== 0) continue;
      const ref = probeKey(this.ranges, this.table, keyHash[k], keyLength[k], keyWord0[k], keyWord1[k], keyWord2[k], batch.keySource(k), keyAt[k]);
      this.refs[k] = ref;
      if (ref >= 0 && vouchesFor(this.ranges, ref, fpLo[k], fpHi[k])) vouched[k] = 1;
    }
    this.resolved = true;
  }

  onRows(batch: RowBatch): void {
    if (!this.resolved) this.vouch(batch);
    this.resolved = false;
    const { flags, start } = batch;
    for (let k = 0; k < batch.count; k++) {
      const local = this.local++;
      if ((flags[k] & ROW_SUSPECT) !== 0) continue;
      const ref = this.refs[k];
      if (ref < 0) continue;
      const r = (ref / RANGE_STRIDE) | 0;
      if ((flagsAt(this.ranges[r], ref - r * RANGE_STRIDE) & FLAG_MATCHED_TWICE) === 0) continue;
      this.rows.push(ref);
      this.rows.push(local);
      this.starts.push(start[k]);
    }
  }
}
