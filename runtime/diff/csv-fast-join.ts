/**
 * The shared-memory half of the CSV fast path: reading a byte range of a file through the
 * scanner, storing the desired side in typed arrays, building the key table, and probing it with
 * the actual side.
 *
 * Why typed arrays in SharedArrayBuffers: rows kept as JavaScript objects do not scale (the
 * garbage collector dominates past a million rows), and two cores only help when each worker
 * parses its own byte range straight into memory the other threads can read — rows are never
 * copied between threads. Every function here runs the same in a worker or on the main thread.
 *
 * Layout, per range of the desired file (one range per thread): one `Int32Array` of records of
 * `STRIDE` ints, so that probing a row touches one or two cache lines —
 *   [0] key hash, [1] [2] the 64-bit fingerprint of the compared fields, [3] key length (low
 *   24 bits) and flags (high 8 bits: `SUSPECT`, `INVALID`, `DUP`, `MATCHED`, `MATCHED_TWICE`),
 *   [4..6] the key's bytes when it has at most 12 (little-endian, zero-padded), else [4] the
 *   offset of the key in the range's `keyArena`;
 * plus `rowStart` (Uint32, or Float64 for files of 4 GiB and more): the row's byte offset, to
 * read it again. Every key hash match is confirmed on the key bytes.
 * The table is open addressing (linear probing) over `Uint32` slots holding `ref + 1`, where
 * `ref = range * 2^27 + row`; it is split in two halves by the key hash's top bit, so two
 * threads can build it at once without locks. Probing is read-only; matches are recorded with
 * `Atomics.or` on the flags, so two threads probing at once see a key matched twice.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { CsvByteScanner, type RowSink, type ScanPlan } from './csv-byte-scanner.js';

export const FLAG_SUSPECT = 1;
export const FLAG_INVALID = 2;
export const FLAG_DUP = 4;
export const FLAG_MATCHED = 8;
export const FLAG_MATCHED_TWICE = 16;

/** Ints per row record. */
export const STRIDE = 7;
const LENGTH_MASK = 0xffffff;
/** Rows probed together (see `ActualProber.flush`). */
const PROBE_BATCH = 64;
/** Candidates and extras handed over at a time while a range is probed. */
const PARTIAL_ROWS = 4096;
const INLINE_KEY = 12;

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
  return range.rows[i * STRIDE + 3] >>> 24;
}

/** Sets flags of row `i` (not atomic: for one thread at a time). */
export function setFlags(range: DesiredRange, i: number, flags: number): void {
  range.rows[i * STRIDE + 3] |= flags << 24;
}

/** Clears flags of row `i` (not atomic). */
export function clearFlags(range: DesiredRange, i: number, flags: number): void {
  range.rows[i * STRIDE + 3] &= ~(flags << 24);
}

/** The key bytes of row `i` as a latin1 string (one char per byte), for grouping. */
export function keyTextAt(range: DesiredRange, i: number): string {
  const o = i * STRIDE;
  const length = range.rows[o + 3] & LENGTH_MASK;
  if (length > INLINE_KEY) {
    const from = range.rows[o + 4];
    return Buffer.from(range.keyArena.buffer, range.keyArena.byteOffset + from, length).toString('latin1');
  }
  const bytes = Buffer.allocUnsafe(12);
  bytes.writeInt32LE(range.rows[o + 4], 0);
  bytes.writeInt32LE(range.rows[o + 5], 4);
  bytes.writeInt32LE(range.rows[o + 6], 8);
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

/**
 * Reads `[from, to)` of a file (to = the range's end bound; the last row may run past it) in
 * chunks and feeds the scanner. When `from` is not the data start, the range begins after the
 * first line feed at or after `from - 1` (a guess that the caller verifies against the previous
 * range's `stoppedAt`).
 */
export function scanRange(
  file: string,
  plan: ScanPlan,
  from: number,
  guessBoundary: boolean,
  to: number,
  fileSize: number,
  sink: RowSink,
): Omit<RangeOutcome, 'suspects' | 'suspectStarts'> {
  const fd = openSync(file, 'r');
  try {
    let buffer = Buffer.allocUnsafe(READ_CHUNK + 65536);
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
    for (;;) {
      if (filled - pos < READ_CHUNK / 2 || pos === filled) {
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
      }
      const eof = fileOffset + filled >= fileSize;
      const next = scanner.scan(buffer, pos, filled, fileOffset, eof, sink, to);
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
        continue;
      }
      pos = next;
    }
    sink.finish?.();
    return { start, stoppedAt, rows: scanner.rows, lineFeeds: scanner.lineFeeds, bail: scanner.bail };
  } finally {
    closeSync(fd);
  }
}

/** Stores every row of a desired range into growable shared arrays. */
export class DesiredStore implements RowSink {
  count = 0;
  rows: Int32Array;
  rowStart: Uint32Array | Float64Array;
  keyArena: Uint8Array;
  arenaUsed = 0;
  readonly suspects = new NumberList(new Int32Array(64), (n) => new Int32Array(n));
  readonly suspectStarts = new NumberList(new Float64Array(32), (n) => new Float64Array(n));
  private readonly wide: boolean;

  /** `fileSize` decides the width of the row offsets (32 bits below 4 GiB). */
  constructor(estimatedRows: number, fileSize: number) {
    const n = Math.max(estimatedRows, 1024);
    this.wide = fileSize >= 2 ** 32;
    this.rows = sharedInt32(n * STRIDE);
    this.rowStart = this.wide ? sharedFloat64(n) : sharedUint32(n);
    this.keyArena = sharedUint8(1024);
  }

  /**
   * Doubles the arrays when the estimate was short. Doubling keeps the number of copies (and of
   * dead buffers waiting for this thread's garbage collector) small.
   */
  private growRows(): void {
    const n = this.rowStart.length * 2 + 1024;
    this.rows = growShared(this.rows, n * STRIDE, sharedInt32);
    this.rowStart = this.wide
      ? growShared(this.rowStart as Float64Array, n, sharedFloat64)
      : growShared(this.rowStart as Uint32Array, n, sharedUint32);
  }

  row(s: CsvByteScanner): void {
    const i = this.count;
    if (i === this.rowStart.length) this.growRows();
    const rows = this.rows;
    const o = i * STRIDE;
    const length = s.keyLength;
    rows[o] = s.keyHash;
    rows[o + 1] = s.fpLo;
    rows[o + 2] = s.fpHi;
    rows[o + 3] = length | (s.suspect ? FLAG_SUSPECT << 24 : 0);
    if (length <= INLINE_KEY) {
      rows[o + 4] = s.keyWord0;
      rows[o + 5] = s.keyWord1;
      rows[o + 6] = s.keyWord2;
    } else {
      let used = this.arenaUsed;
      if (used + length > this.keyArena.length) {
        this.keyArena = growShared(this.keyArena, (used + length) * 2 + 4096, sharedUint8);
      }
      rows[o + 4] = used;
      const arena = this.keyArena;
      const bytes = s.keyBytes;
      for (let k = 0; k < length; k++) arena[used++] = bytes[k];
      this.arenaUsed = used;
    }
    this.rowStart[i] = s.rowStart;
    if (s.suspect) {
      this.suspects.push(i);
      this.suspects.push(s.rowLine);
      this.suspectStarts.push(s.rowStart);
    }
    this.count = i + 1;
  }

  /** The arrays as the other threads see them. */
  range(): DesiredRange {
    return { count: this.count, rows: this.rows, rowStart: this.rowStart, keyArena: this.keyArena };
  }
}

/** The key table: `Uint32` slots of `ref + 1`, in two halves chosen by the key hash's top bit. */
export function createTable(desiredRows: number): Uint32Array {
  let capacity = 1024;
  while (capacity < desiredRows * 1.6) capacity *= 2;
  return new Uint32Array(new SharedArrayBuffer(capacity * 4));
}

/** Whether desired rows `i` of `a` and `j` of `b` have the same key (their hashes are equal). */
function keysEqual(a: DesiredRange, i: number, b: DesiredRange, j: number): boolean {
  const x = a.rows;
  const y = b.rows;
  const oi = i * STRIDE;
  const oj = j * STRIDE;
  const length = x[oi + 3] & LENGTH_MASK;
  if ((y[oj + 3] & LENGTH_MASK) !== length) return false;
  if (length <= INLINE_KEY) return x[oi + 4] === y[oj + 4] && x[oi + 5] === y[oj + 5] && x[oi + 6] === y[oj + 6];
  const ax = a.keyArena;
  const by = b.keyArena;
  const af = x[oi + 4];
  const bf = y[oj + 4];
  for (let k = 0; k < length; k++) if (ax[af + k] !== by[bf + k]) return false;
  return true;
}

/**
 * Inserts the valid desired rows whose key hash falls in `partition` (0 or 1) into the table;
 * rows sharing a key are all flagged `DUP` (only the first stays in the table). Returns how many
 * rows were flagged.
 */
export function buildPartition(ranges: readonly DesiredRange[], table: Uint32Array, partition: number): number {
  const half = table.length >>> 1;
  const mask = half - 1;
  const base = partition * half;
  const invalid = FLAG_INVALID << 24;
  const dup = FLAG_DUP << 24;
  let duplicates = 0;
  for (let r = 0; r < ranges.length; r++) {
    const range = ranges[r];
    const rows = range.rows;
    const count = range.count;
    for (let i = 0; i < count; i++) {
      const o = i * STRIDE;
      const h = rows[o];
      if (h >>> 31 !== partition || (rows[o + 3] & invalid) !== 0) continue;
      let slot = h & mask;
      for (;;) {
        const v = table[base + slot];
        if (v === 0) {
          table[base + slot] = r * RANGE_STRIDE + i + 1;
          break;
        }
        const ref = v - 1;
        const rr = (ref / RANGE_STRIDE) | 0;
        const ri = ref - rr * RANGE_STRIDE;
        const other = ranges[rr];
        if (other.rows[ri * STRIDE] === h && keysEqual(other, ri, range, i)) {
          if ((other.rows[ri * STRIDE + 3] & dup) === 0) {
            other.rows[ri * STRIDE + 3] |= dup;
            duplicates++;
          }
          rows[o + 3] |= dup;
          duplicates++;
          break;
        }
        slot = (slot + 1) & mask;
      }
    }
  }
  return duplicates;
}

/** The desired row (`ref`) with the key the scanner just read, or -1. */
export function probe(ranges: readonly DesiredRange[], table: Uint32Array, s: KeyView): number {
  const half = table.length >>> 1;
  const mask = half - 1;
  const hash = s.keyHash;
  const base = (hash >>> 31) * half;
  const keyLength = s.keyLength;
  let slot = hash & mask;
  for (;;) {
    const v = table[base + slot];
    if (v === 0) return -1;
    const ref = v - 1;
    const r = (ref / RANGE_STRIDE) | 0;
    const i = ref - r * RANGE_STRIDE;
    const range = ranges[r];
    const rows = range.rows;
    const o = i * STRIDE;
    if (rows[o] === hash && (rows[o + 3] & LENGTH_MASK) === keyLength) {
      if (keyLength <= INLINE_KEY) {
        if (rows[o + 4] === s.keyWord0 && rows[o + 5] === s.keyWord1 && rows[o + 6] === s.keyWord2) return ref;
      } else {
        const arena = range.keyArena;
        const from = rows[o + 4];
        const key = s.keyBytes;
        let k = 0;
        while (k < keyLength && arena[from + k] === key[k]) k++;
        if (k === keyLength) return ref;
      }
    }
    slot = (slot + 1) & mask;
  }
}

/** A key as the scanner presents it (the scanner itself, or a key kept for later). */
export interface KeyView {
  keyHash: number;
  keyLength: number;
  keyBytes: Uint8Array;
  keyWord0: number;
  keyWord1: number;
  keyWord2: number;
}

/** A `KeyView` of stored key bytes. */
export function keyView(hash: number, bytes: Uint8Array): KeyView {
  const padded = new Uint8Array(12);
  padded.set(bytes.subarray(0, Math.min(12, bytes.length)));
  const words = new Int32Array(padded.buffer);
  return { keyHash: hash, keyLength: bytes.length, keyBytes: bytes, keyWord0: words[0], keyWord1: words[1], keyWord2: words[2] };
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
  readonly candidates: NumberList<Int32Array> = new NumberList(new Int32Array(4096), (n) => new Int32Array(n));
  readonly candidateStarts: NumberList<Float64Array> = new NumberList(new Float64Array(2048), (n) => new Float64Array(n));
  readonly extras = new NumberList(new Int32Array(1024), (n) => new Int32Array(n));
  readonly extraStarts = new NumberList(new Float64Array(1024), (n) => new Float64Array(n));
  readonly extraHashes = new NumberList(new Int32Array(1024), (n) => new Int32Array(n));
  readonly extraKeyStart = new NumberList(new Int32Array(1024), (n) => new Int32Array(n));
  readonly extraKeys = new NumberList(new Uint8Array(16384), (n) => new Uint8Array(n));
  readonly repeats: NumberList<Int32Array> = new NumberList(new Int32Array(64), (n) => new Int32Array(n));
  readonly repeatStarts: NumberList<Float64Array> = new NumberList(new Float64Array(32), (n) => new Float64Array(n));
  readonly suspects = new NumberList(new Int32Array(64), (n) => new Int32Array(n));
  readonly suspectStarts = new NumberList(new Float64Array(32), (n) => new Float64Array(n));
  /** Per suspect row: key hash, fpLo, fpHi (the main thread probes the valid ones). */
  readonly suspectHashes = new NumberList(new Int32Array(96), (n) => new Int32Array(n));
  readonly suspectKeyStart = new NumberList(new Int32Array(32), (n) => new Int32Array(n));
  readonly suspectKeys = new NumberList(new Uint8Array(1024), (n) => new Uint8Array(n));
  private local = 0;
  // Rows waiting to be probed: probing a batch lets the processor overlap the cache misses of
  // independent rows (table slot, then row record) instead of waiting for each in turn.
  private pending = 0;
  private readonly batchInts = new Int32Array(PROBE_BATCH * 8);
  private readonly batchStarts = new Float64Array(PROBE_BATCH);
  private readonly batchKeys = new Uint8Array(PROBE_BATCH * 64);
  private readonly batchKeyAt = new Int32Array(PROBE_BATCH);
  private batchKeyUsed = 0;
  private readonly slots = new Int32Array(PROBE_BATCH);
  private readonly seen = new Int32Array(PROBE_BATCH);
  private readonly view: KeyView = { keyHash: 0, keyLength: 0, keyBytes: new Uint8Array(0), keyWord0: 0, keyWord1: 0, keyWord2: 0 };

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

  row(s: CsvByteScanner): void {
    const local = this.local++;
    if (!s.suspect) {
      const k = this.pending;
      const o = k * 8;
      const ints = this.batchInts;
      ints[o] = s.keyHash;
      ints[o + 1] = s.keyWord0;
      ints[o + 2] = s.keyWord1;
      ints[o + 3] = s.keyWord2;
      ints[o + 4] = s.keyLength;
      ints[o + 5] = s.fpLo;
      ints[o + 6] = s.fpHi;
      ints[o + 7] = local;
      this.batchStarts[k] = s.rowStart;
      const length = s.keyLength;
      if (length > 12 || this.batchKeyUsed + length > this.batchKeys.length) {
        // Long keys are probed at once (their bytes live in the scanner's buffer).
        this.flush();
        this.probeRow(s.keyHash, s.keyWord0, s.keyWord1, s.keyWord2, length, s.keyBytes, 0, s.fpLo, s.fpHi, local, s.rowStart);
        return;
      }
      this.batchKeyAt[k] = this.batchKeyUsed;
      this.batchKeys.set(s.keyBytes.subarray(0, length), this.batchKeyUsed);
      this.batchKeyUsed += length;
      this.pending = k + 1;
      if (this.pending === PROBE_BATCH) this.flush();
      return;
    }
    // A suspect row: listed for the main thread, which judges it and probes it if valid.
    this.flush();
    this.suspects.push(local);
    this.suspects.push(s.rowLine);
    this.suspectStarts.push(s.rowStart);
    this.suspectHashes.push(s.keyHash);
    this.suspectHashes.push(s.fpLo);
    this.suspectHashes.push(s.fpHi);
    appendBytes(this.suspectKeys, s.keyBytes, s.keyLength);
    this.suspectKeyStart.push(this.suspectKeys.length);
  }

  /** Probes the pending rows: first all their table slots, then their records, then matches. */
  flush(): void {
    const n = this.pending;
    if (n === 0) return;
    const ints = this.batchInts;
    const table = this.table;
    const half = table.length >>> 1;
    const mask = half - 1;
    const slots = this.slots;
    const seen = this.seen;
    for (let k = 0; k < n; k++) {
      const hash = ints[k * 8];
      const slot = (hash >>> 31) * half + (hash & mask);
      slots[k] = slot;
      seen[k] = table[slot];
    }
    const ranges = this.ranges;
    let touch = 0;
    for (let k = 0; k < n; k++) {
      const v = seen[k];
      if (v === 0) continue;
      const ref = v - 1;
      const r = (ref / RANGE_STRIDE) | 0;
      touch ^= ranges[r].rows[(ref - r * RANGE_STRIDE) * STRIDE];
    }
    this.touched ^= touch;
    for (let k = 0; k < n; k++) {
      const o = k * 8;
      this.probeRow(ints[o], ints[o + 1], ints[o + 2], ints[o + 3], ints[o + 4], this.batchKeys, this.batchKeyAt[k], ints[o + 5], ints[o + 6], ints[o + 7], this.batchStarts[k]);
    }
    this.pending = 0;
    this.batchKeyUsed = 0;
    this.emitPartial(false);
  }

  /** Keeps the record loads of `flush` from being optimised away. */
  touched = 0;

  private probeRow(
    hash: number,
    w0: number,
    w1: number,
    w2: number,
    length: number,
    keyBytes: Uint8Array,
    keyFrom: number,
    fpLo: number,
    fpHi: number,
    local: number,
    rowStart: number,
  ): void {
    const view = this.view;
    view.keyHash = hash;
    view.keyWord0 = w0;
    view.keyWord1 = w1;
    view.keyWord2 = w2;
    view.keyLength = length;
    view.keyBytes = keyFrom === 0 ? keyBytes : keyBytes.subarray(keyFrom, keyFrom + length);
    const ref = probe(this.ranges, this.table, view);
    if (ref < 0) {
      this.extras.push(local);
      this.extraStarts.push(rowStart);
      this.extraHashes.push(hash);
      appendBytes(this.extraKeys, view.keyBytes, length);
      this.extraKeyStart.push(this.extraKeys.length);
      return;
    }
    recordMatch(this.ranges, ref, fpLo, fpHi, local, rowStart, this);
  }

  /** Called when the range is done: the last candidates and extras go to `onPartial` too. */
  finish(): void {
    this.flush();
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

function appendBytes(list: NumberList<Uint8Array>, bytes: Uint8Array, length: number): void {
  if (list.length + length > list.data.length) list.grow(list.length + length);
  list.data.set(bytes.subarray(0, length), list.length);
  list.length += length;
}

/** Where `recordMatch` lists what it finds. */
export interface MatchLists {
  candidates: NumberList<Int32Array>;
  candidateStarts: NumberList<Float64Array>;
  repeats: NumberList<Int32Array>;
  repeatStarts: NumberList<Float64Array>;
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
  const r = (ref / RANGE_STRIDE) | 0;
  const i = ref - r * RANGE_STRIDE;
  const rows = ranges[r].rows;
  const o = i * STRIDE;
  const before = Atomics.or(rows, o + 3, FLAG_MATCHED << 24) >>> 24;
  if ((before & FLAG_MATCHED) !== 0) {
    // A key the actual side repeats: all its actual rows are invalid (found by a second pass).
    Atomics.or(rows, o + 3, FLAG_MATCHED_TWICE << 24);
    into.repeats.push(ref);
    into.repeats.push(local);
    into.repeatStarts.push(rowStart);
    return;
  }
  if ((before & FLAG_DUP) !== 0) return; // a desired duplicate: the key is out of the comparison
  if (rows[o + 1] !== fpLo || rows[o + 2] !== fpHi) {
    into.candidates.push(ref);
    into.candidates.push(local);
    into.candidateStarts.push(rowStart);
  }
}

/**
 * Lists the actual rows of a range whose key matches a desired row flagged `MATCHED_TWICE`
 * (a second pass, run only when the actual side repeats a key).
 */
export class RepeatCollector implements RowSink {
  readonly rows = new NumberList(new Int32Array(64), (n) => new Int32Array(n));
  readonly starts = new NumberList(new Float64Array(32), (n) => new Float64Array(n));
  private local = 0;

  constructor(
    private readonly ranges: readonly DesiredRange[],
    private readonly table: Uint32Array,
  ) {}

  row(s: CsvByteScanner): void {
    const local = this.local++;
    if (s.suspect) return;
    const ref = probe(this.ranges, this.table, s);
    if (ref < 0) return;
    const r = (ref / RANGE_STRIDE) | 0;
    if ((flagsAt(this.ranges[r], ref - r * RANGE_STRIDE) & FLAG_MATCHED_TWICE) === 0) return;
    this.rows.push(ref);
    this.rows.push(local);
    this.starts.push(s.rowStart);
  }
}
