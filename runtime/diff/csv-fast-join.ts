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
 * Layout, per range of the desired file (one range per worker):
 * - `keyHash`, `fpLo`, `fpHi` (Int32): the key hash and the 64-bit fingerprint of the compared
 *   fields;
 * - `rowStart` (Float64): the byte offset of the row, to re-read it;
 * - `keyStart` (Uint32, count + 1 entries) into `keyArena` (Uint8): the key's bytes, to confirm
 *   every key hash match;
 * - `flags` (Uint8): `SUSPECT`, `INVALID`, `DUP`, `MATCHED`, `MATCHED_TWICE`.
 * The table is open addressing (linear probing) over `Uint32` slots holding `ref + 1`, where
 * `ref = range * 2^27 + row`; it is split in two halves by the key hash's top bit, so two
 * workers can build it at once without locks. Probing is read-only; matches are recorded with
 * `Atomics.or` on `flags`, so two workers probing at once see a key matched twice.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { CsvByteScanner, type RowSink, type ScanPlan } from './csv-byte-scanner.js';

export const FLAG_SUSPECT = 1;
export const FLAG_INVALID = 2;
export const FLAG_DUP = 4;
export const FLAG_MATCHED = 8;
export const FLAG_MATCHED_TWICE = 16;

/** Rows of one range are addressed as `range * RANGE_STRIDE + row`. */
export const RANGE_STRIDE = 1 << 27;
export const MAX_RANGES = 16;

const READ_CHUNK = 8 << 20;

/** The desired side's arrays for one range (all SharedArrayBuffer-backed). */
export interface DesiredRange {
  count: number;
  keyHash: Int32Array;
  fpLo: Int32Array;
  fpHi: Int32Array;
  rowStart: Float64Array;
  keyStart: Uint32Array;
  keyArena: Uint8Array;
  flags: Uint8Array;
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
    return { start, stoppedAt, rows: scanner.rows, lineFeeds: scanner.lineFeeds, bail: scanner.bail };
  } finally {
    closeSync(fd);
  }
}

/** Stores every row of a desired range into growable shared arrays. */
export class DesiredStore implements RowSink {
  count = 0;
  keyHash: Int32Array;
  fpLo: Int32Array;
  fpHi: Int32Array;
  rowStart: Float64Array;
  keyStart: Uint32Array;
  keyArena: Uint8Array;
  flags: Uint8Array;
  arenaUsed = 0;
  readonly suspects = new NumberList(new Int32Array(64), (n) => new Int32Array(n));
  readonly suspectStarts = new NumberList(new Float64Array(32), (n) => new Float64Array(n));

  constructor(estimatedRows: number) {
    const n = Math.max(estimatedRows, 1024);
    this.keyHash = sharedInt32(n);
    this.fpLo = sharedInt32(n);
    this.fpHi = sharedInt32(n);
    this.rowStart = sharedFloat64(n);
    this.keyStart = sharedUint32(n + 1);
    this.keyArena = sharedUint8(n * 12);
    this.flags = sharedUint8(n);
  }

  private growRows(): void {
    const n = Math.ceil(this.keyHash.length * 1.25) + 1024;
    this.keyHash = growShared(this.keyHash, n, sharedInt32);
    this.fpLo = growShared(this.fpLo, n, sharedInt32);
    this.fpHi = growShared(this.fpHi, n, sharedInt32);
    this.rowStart = growShared(this.rowStart, n, sharedFloat64);
    this.keyStart = growShared(this.keyStart, n + 1, sharedUint32);
    this.flags = growShared(this.flags, n, sharedUint8);
  }

  row(s: CsvByteScanner): void {
    const i = this.count;
    if (i === this.keyHash.length) this.growRows();
    this.keyHash[i] = s.keyHash;
    this.fpLo[i] = s.fpLo;
    this.fpHi[i] = s.fpHi;
    this.rowStart[i] = s.rowStart;
    const length = s.keyLength;
    let used = this.arenaUsed;
    if (used + length > this.keyArena.length) {
      this.keyArena = growShared(this.keyArena, Math.ceil((used + length) * 1.5) + 4096, sharedUint8);
    }
    const arena = this.keyArena;
    const bytes = s.keyBytes;
    this.keyStart[i] = used;
    for (let k = 0; k < length; k++) arena[used++] = bytes[k];
    this.arenaUsed = used;
    this.keyStart[i + 1] = used;
    if (s.suspect) {
      this.flags[i] = FLAG_SUSPECT;
      this.suspects.push(i);
      this.suspects.push(s.rowLine);
      this.suspectStarts.push(s.rowStart);
    }
    this.count = i + 1;
  }

  /** The arrays as the other threads see them. */
  range(): DesiredRange {
    return {
      count: this.count,
      keyHash: this.keyHash,
      fpLo: this.fpLo,
      fpHi: this.fpHi,
      rowStart: this.rowStart,
      keyStart: this.keyStart,
      keyArena: this.keyArena,
      flags: this.flags,
    };
  }
}

/** The key table: `Uint32` slots of `ref + 1`, in two halves chosen by the key hash's top bit. */
export function createTable(desiredRows: number): Uint32Array {
  let capacity = 1024;
  while (capacity < desiredRows * 1.6) capacity *= 2;
  return new Uint32Array(new SharedArrayBuffer(capacity * 4));
}

function keysEqual(a: DesiredRange, i: number, b: DesiredRange, j: number): boolean {
  const aFrom = a.keyStart[i];
  const length = a.keyStart[i + 1] - aFrom;
  const bFrom = b.keyStart[j];
  if (b.keyStart[j + 1] - bFrom !== length) return false;
  const x = a.keyArena;
  const y = b.keyArena;
  for (let k = 0; k < length; k++) if (x[aFrom + k] !== y[bFrom + k]) return false;
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
  let duplicates = 0;
  for (let r = 0; r < ranges.length; r++) {
    const range = ranges[r];
    const { keyHash, flags, count } = range;
    for (let i = 0; i < count; i++) {
      const h = keyHash[i];
      if (h >>> 31 !== partition || (flags[i] & FLAG_INVALID) !== 0) continue;
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
        if (other.keyHash[ri] === h && keysEqual(other, ri, range, i)) {
          if ((other.flags[ri] & FLAG_DUP) === 0) {
            other.flags[ri] |= FLAG_DUP;
            duplicates++;
          }
          flags[i] |= FLAG_DUP;
          duplicates++;
          break;
        }
        slot = (slot + 1) & mask;
      }
    }
  }
  return duplicates;
}

/** The desired row (`ref`) with these key bytes, or -1. */
export function probe(
  ranges: readonly DesiredRange[],
  table: Uint32Array,
  hash: number,
  key: Uint8Array,
  keyLength: number,
): number {
  const half = table.length >>> 1;
  const mask = half - 1;
  const base = (hash >>> 31) * half;
  let slot = hash & mask;
  for (;;) {
    const v = table[base + slot];
    if (v === 0) return -1;
    const ref = v - 1;
    const r = (ref / RANGE_STRIDE) | 0;
    const i = ref - r * RANGE_STRIDE;
    const range = ranges[r];
    if (range.keyHash[i] === hash) {
      const from = range.keyStart[i];
      if (range.keyStart[i + 1] - from === keyLength) {
        const arena = range.keyArena;
        let k = 0;
        while (k < keyLength && arena[from + k] === key[k]) k++;
        if (k === keyLength) return ref;
      }
    }
    slot = (slot + 1) & mask;
  }
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
export class ActualProber implements RowSink {
  readonly candidates = new NumberList(new Int32Array(4096), (n) => new Int32Array(n));
  readonly candidateStarts = new NumberList(new Float64Array(2048), (n) => new Float64Array(n));
  readonly extras = new NumberList(new Int32Array(1024), (n) => new Int32Array(n));
  readonly extraStarts = new NumberList(new Float64Array(1024), (n) => new Float64Array(n));
  readonly extraHashes = new NumberList(new Int32Array(1024), (n) => new Int32Array(n));
  readonly extraKeyStart = new NumberList(new Int32Array(1024), (n) => new Int32Array(n));
  readonly extraKeys = new NumberList(new Uint8Array(16384), (n) => new Uint8Array(n));
  readonly repeats = new NumberList(new Int32Array(64), (n) => new Int32Array(n));
  readonly repeatStarts = new NumberList(new Float64Array(32), (n) => new Float64Array(n));
  readonly suspects = new NumberList(new Int32Array(64), (n) => new Int32Array(n));
  readonly suspectStarts = new NumberList(new Float64Array(32), (n) => new Float64Array(n));
  /** Per suspect row: key hash, fpLo, fpHi (the main thread probes the valid ones). */
  readonly suspectHashes = new NumberList(new Int32Array(96), (n) => new Int32Array(n));
  readonly suspectKeyStart = new NumberList(new Int32Array(32), (n) => new Int32Array(n));
  readonly suspectKeys = new NumberList(new Uint8Array(1024), (n) => new Uint8Array(n));
  private local = 0;

  constructor(
    private readonly ranges: readonly DesiredRange[],
    private readonly table: Uint32Array,
  ) {
    this.extraKeyStart.push(0);
    this.suspectKeyStart.push(0);
  }

  row(s: CsvByteScanner): void {
    const local = this.local++;
    if (s.suspect) {
      this.suspects.push(local);
      this.suspects.push(s.rowLine);
      this.suspectStarts.push(s.rowStart);
      this.suspectHashes.push(s.keyHash);
      this.suspectHashes.push(s.fpLo);
      this.suspectHashes.push(s.fpHi);
      appendBytes(this.suspectKeys, s.keyBytes, s.keyLength);
      this.suspectKeyStart.push(this.suspectKeys.length);
      return;
    }
    const ref = probe(this.ranges, this.table, s.keyHash, s.keyBytes, s.keyLength);
    if (ref < 0) {
      this.extras.push(local);
      this.extraStarts.push(s.rowStart);
      this.extraHashes.push(s.keyHash);
      appendBytes(this.extraKeys, s.keyBytes, s.keyLength);
      this.extraKeyStart.push(this.extraKeys.length);
      return;
    }
    recordMatch(this.ranges, ref, s.fpLo, s.fpHi, local, s.rowStart, this);
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

/** Records that actual row `local` matched desired row `ref`. */
export function recordMatch(
  ranges: readonly DesiredRange[],
  ref: number,
  fpLo: number,
  fpHi: number,
  local: number,
  rowStart: number,
  into: Pick<ActualProber, 'candidates' | 'candidateStarts' | 'repeats' | 'repeatStarts'>,
): void {
  const r = (ref / RANGE_STRIDE) | 0;
  const i = ref - r * RANGE_STRIDE;
  const range = ranges[r];
  const before = Atomics.or(range.flags, i, FLAG_MATCHED);
  if ((before & FLAG_MATCHED) !== 0) {
    // A key the actual side repeats: all its actual rows are invalid (found by a second pass).
    Atomics.or(range.flags, i, FLAG_MATCHED_TWICE);
    into.repeats.push(ref);
    into.repeats.push(local);
    into.repeatStarts.push(rowStart);
    return;
  }
  if ((before & FLAG_DUP) !== 0) return; // a desired duplicate: the key is out of the comparison
  if (range.fpLo[i] !== fpLo || range.fpHi[i] !== fpHi) {
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
    const ref = probe(this.ranges, this.table, s.keyHash, s.keyBytes, s.keyLength);
    if (ref < 0) return;
    const r = (ref / RANGE_STRIDE) | 0;
    const i = ref - r * RANGE_STRIDE;
    if ((this.ranges[r].flags[i] & FLAG_MATCHED_TWICE) === 0) return;
    this.rows.push(ref);
    this.rows.push(local);
    this.starts.push(s.rowStart);
  }
}
