/**
 * The byte-level kernel of the CSV fast path: walks rows of a CSV file in a `Uint8Array` and,
 * per row, hashes the key, fingerprints the compared fields and checks the declared types —
 * without creating a JavaScript string or object per row.
 *
 * Why not udsv here: udsv builds strings and arrays for every row, and at millions of rows the
 * garbage collector dominates (docs: performance notes). This scanner extracts nothing; it only
 * finds field boundaries (the same structural rules as the csv connector's `CsvRowScanner`:
 * RFC 4180 quotes with `""` escapes, `\n` or `\r\n` line ends, blank lines skipped) and feeds
 * bytes to hash functions. Every row that is reported later is parsed by the connector's own
 * parser (udsv) when it is re-read, so values are never interpreted here.
 *
 * Two row loops, one result: a specialised loop takes the common rows (fields unquoted, or
 * quoted without `""` escapes or line breaks; `\n` or `\r\n` ends) in one pass that finds each
 * field's end while hashing it, straight from the buffer; any row it cannot take in that shape
 * (an escaped quote, a quoted line break, a bare carriage return, a wrong field count, an
 * incomplete row at the end of the bytes read so far, an invalid key) is scanned again from its
 * start by the general loop, which handles every case and reports malformed input. Both produce
 * the same key hash and fingerprint for the same content.
 *
 * What the scanner cannot decide, it leaves to the generic pipeline:
 * - a row whose typed fields it cannot prove valid (`suspect`: e.g. a `number` written `1e3`,
 *   a quoted value with escapes, an empty key) is re-read and run through the read pipeline,
 *   which makes it valid or invalid exactly as the generic path would;
 * - structurally malformed input (a wrong number of fields, text after a closing quote, an
 *   unterminated quote) or a key that is not valid UTF-8 makes the whole fast path give up
 *   (`bail`): the generic path then reports those rows exactly as the connector does.
 *
 * Hashes: FNV-1a-style with `Math.imul`, two independent 32-bit lanes per field over its bytes
 * taken two at a time (16-bit units; a last odd byte alone), each lane finalised with murmur3's
 * fmix32 together with the field's length and slot (the compared fields are numbered by name, so
 * the files' column orders do not matter); the row's 64-bit fingerprint is the sum of its
 * fields' values per lane, which needs no per-row state and no particular order. The key hash
 * is one lane over the key's bytes; a key hash match is always confirmed on the key bytes.
 *
 * Type checks run after each batch, one tight loop per typed column over the fields' bounds the
 * specialised loop noted (the general loop checks its rows itself). A sink may first vouch for
 * rows (`RowSink.vouch`: the prober, for actual rows equal to a valid desired row), whose
 * checks of the plan's `vouched` columns are then skipped.
 *
 * Rows go to the sink in batches (`RowBatch`: columns of typed arrays), so that a sink can work
 * on many rows at once — the prober overlaps the cache misses of independent rows — and the
 * scanner makes one call per few hundred rows instead of one per row.
 *
 * The specialised loop is written for the optimising compiler: see `plainRows`, and
 * `csv-fast-join.ts` for what made optimised code be discarded and rebuilt.
 */
import { daysInMonth } from '../observe/iso-datetime.js';

const QUOTE = 34;
const LF = 10;
const CR = 13;

/** Type checks on a column's raw bytes (a conservative subset of what `coerceValue` accepts). */
export const CHECK_NONE = 0;
export const CHECK_NUMBER = 1;
export const CHECK_INTEGER = 2;
export const CHECK_BOOL = 3;
export const CHECK_DATETIME = 4;

/** What to do with each column of one file. */
export interface ScanPlan {
  delimiter: number;
  /** Number of columns of the header; a row with another count makes the scan bail. */
  columns: number;
  /** Per column: its slot among the fingerprinted fields, or -1. */
  fpSlot: Int32Array;
  /** Number of fingerprint slots (compared fields, including ones this file lacks). */
  fpSlots: number;
  /** Per column: its index among the key fields, or -1. */
  keyComponent: Int32Array;
  /** Number of key fields. */
  keyComponents: number;
  /** Per column: one of the `CHECK_*` codes. */
  check: Uint8Array;
  /**
   * Per column, optional (absent: all 0): 1 when the column's type check may be skipped for the
   * rows a sink vouches for (`RowSink.vouch`). Set for the actual side's typed columns whose
   * compared field the desired side declares with the same type: equal fingerprints mean equal
   * bytes there, and the desired row they equal is valid.
   */
  vouched?: Uint8Array;
}

/** `RowBatch.flags`: the generic pipeline must decide whether the row is valid. */
export const ROW_SUSPECT = 1;
/** `RowBatch.flags`: the key's bytes are in `RowBatch.arena`, not in `RowBatch.buf`. */
export const ROW_KEY_IN_ARENA = 2;

/** Rows per batch. */
export const BATCH_ROWS = 512;

/**
 * Rows the scanner completed, as columns: row `k` of `count`. Valid only inside
 * `RowSink.onRows` (the key bytes point into the scanner's current buffer).
 *
 * Why columns of typed arrays: a sink reads the same field of many rows in a tight loop, and
 * nothing is allocated per row.
 */
export class RowBatch {
  count = 0;
  readonly keyHash = new Int32Array(BATCH_ROWS);
  /** The 64-bit fingerprint of the compared fields. */
  readonly fpLo = new Int32Array(BATCH_ROWS);
  readonly fpHi = new Int32Array(BATCH_ROWS);
  /** The key's length in bytes (components separated by one 0xFF byte). */
  readonly keyLength = new Int32Array(BATCH_ROWS);
  /** The first 12 key bytes packed little-endian, zero beyond the key (all zero when longer). */
  readonly keyWord0 = new Int32Array(BATCH_ROWS);
  readonly keyWord1 = new Int32Array(BATCH_ROWS);
  readonly keyWord2 = new Int32Array(BATCH_ROWS);
  /** Where the key's bytes start in `keySource(k)`. */
  readonly keyAt = new Int32Array(BATCH_ROWS);
  /** 1-based line of the row, counted from the range's first line. */
  readonly line = new Int32Array(BATCH_ROWS);
  /** `ROW_*` bits. */
  readonly flags = new Uint8Array(BATCH_ROWS);
  /** 1 when the sink vouches for the row's vouched columns (see `RowSink.vouch`), else 0. */
  readonly vouched = new Uint8Array(BATCH_ROWS);
  /** Absolute byte offset of the row's first byte. */
  readonly start = new Float64Array(BATCH_ROWS);
  /** The buffer being scanned (keys of plain rows are read from it). */
  buf: Uint8Array = new Uint8Array(0);
  /** Key bytes assembled by the scanner (keys of several fields, or unescaped). */
  arena = new Uint8Array(4096);
  arenaUsed = 0;

  /**
   * Records row `k`'s key: `bytes[at..at+length)`, whose running FNV hash is `hash` (finalised
   * here with the length), packed into the three key words when it is short enough.
   */
  setKey(k: number, bytes: Uint8Array, at: number, length: number, hash: number): void {
    this.keyHash[k] = finishKeyHash(hash, length);
    this.keyLength[k] = length;
    this.keyAt[k] = at;
    if (length <= 12) {
      // 12: INLINE_KEY, written as a literal (bundled module constants are not folded in hot code)
      this.keyWord0[k] = packWord(bytes, at, length);
      this.keyWord1[k] = packWord(bytes, at + 4, length - 4);
      this.keyWord2[k] = packWord(bytes, at + 8, length - 8);
    } else {
      this.keyWord0[k] = 0;
      this.keyWord1[k] = 0;
      this.keyWord2[k] = 0;
    }
  }

  /** The array that holds row `k`'s key bytes, from `keyAt[k]`. */
  keySource(k: number): Uint8Array {
    return (this.flags[k] & ROW_KEY_IN_ARENA) !== 0 ? this.arena : this.buf;
  }

  /** Room for `n` more bytes in the arena. */
  reserve(n: number): Uint8Array {
    if (this.arenaUsed + n > this.arena.length) {
      const grown = new Uint8Array((this.arenaUsed + n) * 2);
      grown.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = grown;
    }
    return this.arena;
  }
}

/** Receives the data rows the scanner completes, a batch at a time. */
export interface RowSink {
  /**
   * Optional, called with each complete batch before its type checks (and then `onRows`): sets
   * `batch.vouched[k]` (to 0 or 1, for every row) — 1 for a row whose compared fields are known
   * to be valid already: its key (not `ROW_SUSPECT`) matches a valid desired row of equal
   * fingerprint. The scanner then skips the checks of the plan's `vouched` columns for it.
   *
   * Why: most actual rows equal their desired row, which was checked (or judged) already;
   * checking their typed fields again was about a tenth of the actual file's scan and probe.
   */
  vouch?(batch: RowBatch): void;
  onRows(batch: RowBatch): void;
  /** Called once after the last row of the range. */
  finish?(): void;
}

const FNV_OFFSET_1 = 0x811c9dc5 | 0;
const FNV_OFFSET_2 = 0x2545f491 | 0;
const PRIME_1 = 0x01000193;
const PRIME_2 = 0x5bd1e995;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Per-slot salts: a field's value depends on which compared field it is, not on its column. */
function slotSalt(slot: number, lane: number): number {
  return fmix32(Math.imul(slot + 1, lane === 1 ? 0x9e3779b1 : 0x85ebca77) ^ (lane === 1 ? 0x1b873593 : 0x61c88647));
}

/** A field's share of fingerprint lane 1 (`h1`: the lane's hash of its content). */
function laneOne(h1: number, length: number, salt: number): number {
  return fmix32(((h1 ^ length) + salt) | 0);
}

/** A field's share of fingerprint lane 2. */
function laneTwo(h2: number, length: number, salt: number): number {
  return fmix32(((h2 ^ Math.imul(length, 0x27d4eb2d)) + salt) | 0); // LENGTH_MIX, as a literal (see `plainRows`)
}

/** `ScanPlan.keyComponent` value of columns that are not part of the key. */
const NOT_KEY = -1;

/** Per-column work of the specialised loop (`CsvByteScanner.kinds`). */
const KIND_FP = 1; // fingerprinted
const KIND_KEY = 2; // the key's only column, hashed on the way
const KIND_TYPED = 4; // type-checked (after the batch, see `checkTypes`)
const KIND_KEY_PART = 8; // part of a key assembled after the row

/** A scanner over one range of one file; `scan` may be called repeatedly with more bytes. */
export class CsvByteScanner {
  // ---- progress ----
  /** Data rows completed. */
  rows = 0;
  /** Line feeds consumed (blank lines and line breaks inside quotes included). */
  lineFeeds = 0;
  /** Why the fast path cannot handle this input, or null. */
  bail: string | null = null;
  /** Where `scan` stopped because a row started at or after `stopAt` (absolute), else -1. */
  stoppedAt = -1;
  /** Rows the general loop took (the rest went through the specialised one). */
  generalRows = 0;

  /** The rows being collected for the sink. */
  readonly batch = new RowBatch();

  private readonly delimiter: number;
  private readonly columns: number;
  private readonly fpSlot: Int32Array;
  private readonly keyComponent: Int32Array;
  private readonly check: Uint8Array;
  private readonly keyComponents: number;
  /** Per column: `KIND_*` bits. */
  private readonly kinds: Uint8Array;
  /** Per slot: the salts of both lanes. */
  private readonly salt1: Int32Array;
  private readonly salt2: Int32Array;
  /**
   * [0] [1]: the fingerprint of slots no column fills (they count as empty); [2] [3]: the two
   * lanes of the last `hashContent`. In a typed array, not in fields: a field holding a 32-bit
   * value beyond the engine's small integers changes representation, which discards optimised
   * code that relied on the old one.
   */
  private readonly lanes = new Int32Array(4);
  /** The key's only column when it is not fingerprinted too (hashed on the way), else -1. */
  private readonly keyColumn: number;
  /** Field bounds of the key components in the row being scanned (in `buf`). */
  private readonly keyStarts: Int32Array;
  private readonly keyEnds: Int32Array;
  private readonly keyEscaped: Uint8Array;
  /** Per column: its index among the type-checked columns, or -1; and their check codes. */
  private readonly typedIndex: Int32Array;
  private readonly typedCodes: Uint8Array;
  /** Per type-checked column: 1 when its check may be skipped for vouched rows. */
  private readonly typedVouched: Uint8Array;
  /** Whether any `typedVouched` is 1. */
  private readonly anyVouched: boolean;
  /** 0, 1, 2...: the rows a check takes in turn (all of the batch's). */
  private readonly allRows = Int32Array.from({ length: BATCH_ROWS }, (_, k) => k);
  /** The batch's rows the sink has not vouched for (see `checkTypes`). */
  private readonly unvouchedRows = new Int32Array(BATCH_ROWS);
  /**
   * Per batch row and type-checked column: the field's content bounds, checked after the batch
   * is complete (a tight loop per column; `from === to` for rows checked already).
   */
  private readonly typedFrom: Int32Array;
  private readonly typedTo: Int32Array;

  constructor(
    plan: ScanPlan,
    /** The line number of the range's first row (header lines and earlier ranges counted). */
    private readonly firstLine: number,
    /** Only the general loop (tests compare the two loops with it). */
    private readonly generalOnly = false,
  ) {
    this.delimiter = plan.delimiter;
    this.columns = plan.columns;
    this.fpSlot = plan.fpSlot;
    this.keyComponent = plan.keyComponent;
    this.check = plan.check;
    this.keyComponents = plan.keyComponents;
    const slots = Math.max(plan.fpSlots, 1);
    this.salt1 = new Int32Array(slots);
    this.salt2 = new Int32Array(slots);
    const filled = new Uint8Array(slots);
    for (let col = 0; col < plan.columns; col++) if (plan.fpSlot[col] >= 0) filled[plan.fpSlot[col]] = 1;
    let lo = 0;
    let hi = 0;
    for (let s = 0; s < plan.fpSlots; s++) {
      this.salt1[s] = slotSalt(s, 1);
      this.salt2[s] = slotSalt(s, 2);
      if (filled[s] === 0) {
        lo = (lo + laneOne(FNV_OFFSET_1, 0, this.salt1[s])) | 0;
        hi = (hi + laneTwo(FNV_OFFSET_2, 0, this.salt2[s])) | 0;
      }
    }
    this.lanes[0] = lo;
    this.lanes[1] = hi;
    let keyColumn = -1;
    if (plan.keyComponents === 1) {
      for (let col = 0; col < plan.columns; col++) if (plan.keyComponent[col] === 0 && plan.fpSlot[col] < 0) keyColumn = col;
    }
    this.keyColumn = keyColumn;
    const components = Math.max(plan.keyComponents, 1);
    this.keyStarts = new Int32Array(components);
    this.keyEnds = new Int32Array(components);
    this.keyEscaped = new Uint8Array(components);
    this.kinds = new Uint8Array(plan.columns);
    this.typedIndex = new Int32Array(plan.columns).fill(-1);
    const codes: number[] = [];
    const vouched: number[] = [];
    for (let col = 0; col < plan.columns; col++) {
      let kind = 0;
      if (plan.fpSlot[col] >= 0) kind |= KIND_FP;
      else if (col === keyColumn) kind |= KIND_KEY;
      if (plan.keyComponent[col] !== NOT_KEY && col !== keyColumn) kind |= KIND_KEY_PART;
      if (plan.check[col] !== CHECK_NONE) {
        kind |= KIND_TYPED;
        this.typedIndex[col] = codes.length;
        codes.push(plan.check[col]);
        vouched.push(plan.vouched !== undefined && plan.vouched[col] === 1 ? 1 : 0);
      }
      this.kinds[col] = kind;
    }
    this.typedCodes = Uint8Array.from(codes);
    this.typedVouched = Uint8Array.from(vouched);
    this.anyVouched = vouched.includes(1);
    this.typedFrom = new Int32Array(Math.max(1, codes.length * BATCH_ROWS));
    this.typedTo = new Int32Array(Math.max(1, codes.length * BATCH_ROWS));
  }

  /**
   * Scans complete rows in `buf[pos..end)`; `base` is the absolute file offset of `buf[0]`.
   * Returns the offset (in `buf`) of the first byte not consumed: the start of an incomplete row
   * (unless `eof`), or `end`. `stopAt` (absolute) ends the scan at the first row that starts at
   * or after it; `stoppedAt` then holds that offset. Sets `bail` and returns on malformed input.
   * The rows go to `sink` before it returns.
   */
  scan(buf: Uint8Array, pos: number, end: number, base: number, eof: boolean, sink: RowSink, stopAt = Infinity): number {
    this.batch.buf = buf;
    const next = this.scanRows(buf, pos, end, base, eof, sink, stopAt);
    this.flush(sink);
    return next;
  }

  /** Completes the batch (type checks) and hands it to the sink. */
  private flush(sink: RowSink): void {
    const batch = this.batch;
    if (batch.count > 0) {
      const vouching = sink.vouch !== undefined;
      if (vouching) sink.vouch!(batch);
      if (this.typedCodes.length > 0) this.checkTypes(vouching);
      sink.onRows(batch);
    }
    batch.count = 0;
    batch.arenaUsed = 0;
  }

  /**
   * Marks the batch's rows whose typed fields the checks cannot vouch for as suspect (`vouching`:
   * the sink has set `batch.vouched`, whose rows skip the checks of vouched columns).
   */
  private checkTypes(vouching: boolean): void {
    const batch = this.batch;
    const typed = this.typedCodes.length;
    let unvouched = batch.count;
    if (vouching && this.anyVouched) {
      const vouched = batch.vouched;
      const list = this.unvouchedRows;
      unvouched = 0;
      for (let k = 0; k < batch.count; k++) if (vouched[k] === 0) list[unvouched++] = k;
    }
    for (let t = 0; t < typed; t++) {
      // The rows to check: those not vouched for, in a vouched column; else all.
      const skip = vouching && this.typedVouched[t] === 1;
      const rows = skip ? this.unvouchedRows : this.allRows;
      const count = skip ? unvouched : batch.count;
      // One loop per check (each its own function, so that the check is inlined into it).
      switch (this.typedCodes[t]) {
        case CHECK_NUMBER:
          checkNumbers(batch, this.typedFrom, this.typedTo, t, typed, false, rows, count);
          break;
        case CHECK_INTEGER:
          checkNumbers(batch, this.typedFrom, this.typedTo, t, typed, true, rows, count);
          break;
        case CHECK_BOOL:
          checkBools(batch, this.typedFrom, this.typedTo, t, typed, rows, count);
          break;
        case CHECK_DATETIME:
          checkDatetimes(batch, this.typedFrom, this.typedTo, t, typed, rows, count);
          break;
      }
    }
  }

  private scanRows(buf: Uint8Array, pos: number, end: number, base: number, eof: boolean, sink: RowSink, stopAt: number): number {
    // Rows that start before the last line feed of the bytes are complete unless a quoted
    // field hides a line break: the specialised loop runs up to that line feed, never past it.
    let lastLf = end - 1;
    while (lastLf >= pos && buf[lastLf] !== LF) lastLf--;
    const batch = this.batch;
    for (;;) {
      // The specialised loop takes a batch at a time (calls that end soon also keep the
      // compiler from optimising the loop in the middle of a call, which gives slower code).
      while (pos < lastLf && base + pos < stopAt && !this.generalOnly) {
        pos = this.plainRows(buf, pos, lastLf, base, stopAt);
        if (batch.count < BATCH_ROWS) break;
        this.flush(sink);
      }
      if (base + pos >= stopAt) {
        this.stoppedAt = base + pos;
        return pos;
      }
      if (pos >= end) return pos;
      const c = buf[pos];
      // Blank lines: skipped, not records.
      if (c === LF) {
        this.lineFeeds++;
        pos++;
        continue;
      }
      if (c === CR) {
        if (pos + 1 >= end) {
          if (!eof) return pos;
          pos++;
          continue;
        }
        if (buf[pos + 1] === LF) {
          this.lineFeeds++;
          pos += 2;
          continue;
        }
      }
      const next = this.anyRow(buf, pos, end, base, eof);
      if (next < 0) return pos; // incomplete (more bytes needed) or `bail` set
      pos = next;
      if (batch.count === BATCH_ROWS) this.flush(sink);
    }
  }

  /**
   * The specialised loop: scans rows from `pos` while they have the common shape (see the
   * module comment) and start before `lastLf` (a line feed ends each of them, at the latest
   * that one), until the batch is full; blank lines are skipped. Returns where it stopped: the
   * start of a row for the general loop, of a row at or after `stopAt`, of the row after a full
   * batch, or `lastLf` (or past it).
   *
   * Written for the optimising compiler: literals instead of the module's constants (a bundler
   * turns those into mutable module variables, which are neither folded nor hoisted out of the
   * byte loops), and the scanner's state is written back on every row, so that leaving the loop
   * never reaches code the compiler has no type feedback for.
   */
  private plainRows(buf: Uint8Array, pos: number, lastLf: number, base: number, stopAt: number): number {
    const LF = 10;
    const CR = 13;
    const QUOTE = 34;
    const FNV_OFFSET_1 = 0x811c9dc5 | 0;
    const FNV_OFFSET_2 = 0x2545f491;
    const PRIME_1 = 0x01000193;
    const PRIME_2 = 0x5bd1e995;
    const KIND_FP = 1;
    const KIND_KEY = 2;
    const KIND_TYPED = 4;
    const KIND_KEY_PART = 8;
    const ROW_SUSPECT = 1;
    const ROW_KEY_IN_ARENA = 2;
    const delim = this.delimiter;
    const last = this.columns - 1;
    const kinds = this.kinds;
    const fpSlot = this.fpSlot;
    const salt1 = this.salt1;
    const salt2 = this.salt2;
    const keyColumn = this.keyColumn;
    const typedIndex = this.typedIndex;
    const typed = this.typedCodes.length;
    const typedFrom = this.typedFrom;
    const typedTo = this.typedTo;
    const lanes = this.lanes;
    const batch = this.batch;
    const batchRows = batch.keyHash.length;
    rows: while (pos < lastLf && base + pos < stopAt && batch.count < batchRows) {
      let b = buf[pos];
      if (b === LF) {
        this.lineFeeds++;
        pos++;
        continue;
      }
      if (b === CR && buf[pos + 1] === LF) {
        this.lineFeeds++;
        pos += 2;
        continue;
      }
      const k = batch.count;
      let lo = lanes[0];
      let hi = lanes[1];
      let keyHash = FNV_OFFSET_1;
      let keyFrom = 0;
      let keyTo = 0;
      let keyBits = 0;
      let p = pos;
      for (let col = 0; ; col++) {
        const kind = kinds[col];
        let from = p;
        let to = p;
        if (b === QUOTE) {
          // Quoted, without escapes or line breaks: the content is between the quotes.
          const q = closingQuote(buf, p);
          if (q < 0) break rows;
          from = p + 1;
          to = q;
          p = q + 1;
          b = buf[p];
          if (b !== delim && b !== LF && b !== CR) break rows; // text after the closing quote
          if ((kind & KIND_FP) !== 0) {
            const length = this.hashContent(buf, from, to, false);
            const slot = fpSlot[col];
            lo = (lo + laneOne(lanes[2], length, salt1[slot])) | 0;
            hi = (hi + laneTwo(lanes[3], length, salt2[slot])) | 0;
          } else if ((kind & KIND_KEY) !== 0) {
            keyHash = keyLane(buf, from, to);
            keyBits = 0x80; // checked below
            keyFrom = from;
            keyTo = to;
          }
        } else if ((kind & KIND_FP) !== 0) {
          // Two bytes per step (a 16-bit unit; a last odd byte alone): half the multiplications
          // of a byte at a time. `buf[p + 1]` exists: a line feed is still to come.
          let h1 = FNV_OFFSET_1;
          let h2 = FNV_OFFSET_2;
          while (b !== delim && b !== LF && b !== CR) {
            const c = buf[p + 1];
            if (c === delim || c === LF || c === CR) {
              h1 = Math.imul(h1 ^ b, PRIME_1);
              h2 = Math.imul(h2 ^ b, PRIME_2);
              b = c;
              p++;
              break;
            }
            const unit = b | (c << 8);
            h1 = Math.imul(h1 ^ unit, PRIME_1);
            h2 = Math.imul(h2 ^ unit, PRIME_2);
            p += 2;
            b = buf[p];
          }
          to = p;
          const slot = fpSlot[col];
          lo = (lo + laneOne(h1, to - from, salt1[slot])) | 0;
          hi = (hi + laneTwo(h2, to - from, salt2[slot])) | 0;
        } else if ((kind & KIND_KEY) !== 0) {
          let h = FNV_OFFSET_1;
          while (b !== delim && b !== LF && b !== CR) {
            h = Math.imul(h ^ b, PRIME_1);
            keyBits |= b;
            b = buf[++p];
          }
          to = p;
          keyHash = h;
          keyFrom = from;
          keyTo = p;
        } else {
          while (b !== delim && b !== LF && b !== CR) b = buf[++p];
          to = p;
        }
        if ((kind & (KIND_TYPED | KIND_KEY_PART)) !== 0) {
          if ((kind & KIND_TYPED) !== 0) {
            const i = k * typed + typedIndex[col];
            typedFrom[i] = from;
            typedTo[i] = to;
          }
          if ((kind & KIND_KEY_PART) !== 0) this.keyPart(col, from, to);
        }
        // `b` ends the field: a delimiter, or the line end (a carriage return ends the line only
        // before a line feed, and only after the last field: else the general loop decides).
        if (col === last) {
          if (b === CR) {
            if (buf[p + 1] !== LF) break rows; // a bare carriage return in the value
            p += 2;
          } else if (b === LF) p++;
          else break rows; // more fields than the header
          break;
        }
        if (b !== delim) break rows; // fewer fields than the header, or a bare carriage return
        b = buf[++p];
      }

      let flags = 0;
      if (keyColumn >= 0) {
        const length = keyTo - keyFrom;
        if ((keyBits & 0x80) !== 0 && !validUtf8Range(buf, keyFrom, keyTo)) break;
        if (length === 0) flags = ROW_SUSPECT;
        batch.setKey(k, buf, keyFrom, length, keyHash);
      } else {
        const keyState = this.assembleKey(buf, k);
        if (keyState < 0) break;
        flags = keyState | ROW_KEY_IN_ARENA;
      }
      batch.fpLo[k] = lo;
      batch.fpHi[k] = hi;
      batch.flags[k] = flags;
      batch.start[k] = base + pos;
      batch.line[k] = this.firstLine + this.lineFeeds;
      this.lineFeeds++;
      this.rows++;
      pos = p;
      batch.count = k + 1;
    }
    return pos;
  }

  /** Records where key component `col` is (for `assembleKey`). */
  private keyPart(col: number, from: number, to: number): void {
    const component = this.keyComponent[col];
    this.keyStarts[component] = from;
    this.keyEnds[component] = to;
    this.keyEscaped[component] = 0;
  }

  /**
   * Copies the key components (bounds in `keyStarts`/`keyEnds`, in `buf`) into the batch's
   * arena, separated by 0xFF (never part of valid UTF-8), and records row `k`'s key. Returns
   * `ROW_SUSPECT` when a component is empty, 0, or -1 when a component is not valid UTF-8.
   */
  private assembleKey(buf: Uint8Array, k: number): number {
    const batch = this.batch;
    const components = this.keyComponents;
    let needed = components;
    for (let c = 0; c < components; c++) needed += this.keyEnds[c] - this.keyStarts[c];
    const arena = batch.reserve(needed);
    const at = batch.arenaUsed;
    let used = at;
    let suspect = 0;
    let h = FNV_OFFSET_1;
    for (let c = 0; c < components; c++) {
      if (c > 0) {
        arena[used++] = 0xff;
        h = Math.imul(h ^ 0xff, PRIME_1);
      }
      const from = this.keyStarts[c];
      const to = this.keyEnds[c];
      const escaped = this.keyEscaped[c] !== 0;
      const first = used;
      let high = 0;
      for (let i = from; i < to; i++) {
        if (escaped && buf[i] === QUOTE) i++; // the first of a "" pair stands for one quote
        const b = buf[i];
        high |= b;
        arena[used++] = b;
        h = Math.imul(h ^ b, PRIME_1);
      }
      if (used === first) suspect = ROW_SUSPECT;
      // each component on its own: the 0xFF separators are never valid UTF-8
      if ((high & 0x80) !== 0 && !validUtf8Range(arena, first, used)) return -1;
    }
    const length = used - at;
    batch.arenaUsed = used;
    batch.setKey(k, arena, at, length, h);
    return suspect;
  }

  /**
   * Hashes field content into `lanes[2]`/`lanes[3]` (`escaped`: skip the first quote of each pair):
   * the bytes in 16-bit units (a last odd byte alone), as `plainRows` does. Returns the length.
   */
  private hashContent(buf: Uint8Array, from: number, to: number, escaped: boolean): number {
    let h1 = FNV_OFFSET_1;
    let h2 = FNV_OFFSET_2;
    let length = 0;
    let low = -1; // the first byte of a unit, waiting for the second
    for (let i = from; i < to; i++) {
      if (escaped && buf[i] === QUOTE) i++;
      const b = buf[i];
      length++;
      if (low < 0) {
        low = b;
        continue;
      }
      const unit = low | (b << 8);
      h1 = Math.imul(h1 ^ unit, PRIME_1);
      h2 = Math.imul(h2 ^ unit, PRIME_2);
      low = -1;
    }
    if (low >= 0) {
      h1 = Math.imul(h1 ^ low, PRIME_1);
      h2 = Math.imul(h2 ^ low, PRIME_2);
    }
    this.lanes[2] = h1;
    this.lanes[3] = h2;
    return length;
  }


  /**
   * The general loop: scans the row at `pos`, whatever its shape, and records it. Returns the
   * offset after it, or -1 when the row is incomplete (more bytes needed; not at `eof`) or
   * malformed (`bail` is set).
   */
  private anyRow(buf: Uint8Array, pos: number, end: number, base: number, eof: boolean): number {
    const delim = this.delimiter;
    const columns = this.columns;
    const fpSlot = this.fpSlot;
    const keyComponent = this.keyComponent;
    const check = this.check;
    const rowStart = pos;
    let lo = this.lanes[0];
    let hi = this.lanes[1];
    let suspect = 0;
    let rowLineFeeds = 0;
    let col = 0;
    let c: number;
    for (;;) {
      let contentStart: number;
      let contentEnd: number;
      let escaped = false;
      let more: boolean; // a delimiter followed: another field comes
      if (pos >= end) {
        if (!eof) return -1;
        contentStart = contentEnd = pos;
        more = false;
      } else if (buf[pos] === QUOTE) {
        let p = pos + 1;
        for (;;) {
          if (p >= end) {
            if (!eof) return -1;
            this.bail = `an unterminated quoted field (line ${this.firstLine + this.lineFeeds + rowLineFeeds})`;
            return -1;
          }
          const b = buf[p];
          if (b === QUOTE) {
            if (p + 1 >= end && !eof) return -1;
            if (p + 1 < end && buf[p + 1] === QUOTE) {
              escaped = true;
              p += 2;
              continue;
            }
            break;
          }
          if (b === LF) rowLineFeeds++;
          p++;
        }
        contentStart = pos + 1;
        contentEnd = p;
        pos = p + 1;
        if (pos >= end) {
          if (!eof) return -1;
          more = false;
        } else {
          c = buf[pos];
          if (c === delim) {
            more = true;
            pos++;
          } else if (c === LF) {
            more = false;
            pos++;
          } else if (c === CR) {
            if (pos + 1 >= end) {
              if (!eof) return -1;
              more = false;
              pos++;
            } else if (buf[pos + 1] === LF) {
              more = false;
              pos += 2;
            } else {
              this.bail = `a carriage return after a closing quote (line ${this.firstLine + this.lineFeeds + rowLineFeeds})`;
              return -1;
            }
          } else {
            this.bail = `text after a closing quote (line ${this.firstLine + this.lineFeeds + rowLineFeeds})`;
            return -1;
          }
        }
      } else {
        let p = pos;
        while (p < end) {
          const b = buf[p];
          if (b === delim || b === LF) break;
          p++;
        }
        contentStart = pos;
        contentEnd = p;
        if (p >= end) {
          if (!eof) return -1;
          more = false;
          pos = p;
        } else if (buf[p] === delim) {
          more = true;
          pos = p + 1;
        } else {
          more = false;
          pos = p + 1;
        }
        if (contentEnd > contentStart && buf[contentEnd - 1] === CR && !more) contentEnd--; // a carriage return before the line end is not content
      }

      if (col < columns) {
        const slot = fpSlot[col];
        if (slot >= 0) {
          const length = this.hashContent(buf, contentStart, contentEnd, escaped);
          lo = (lo + laneOne(this.lanes[2], length, this.salt1[slot])) | 0;
          hi = (hi + laneTwo(this.lanes[3], length, this.salt2[slot])) | 0;
        }
        const component = keyComponent[col];
        if (component !== NOT_KEY) {
          this.keyStarts[component] = contentStart;
          this.keyEnds[component] = contentEnd;
          this.keyEscaped[component] = escaped ? 1 : 0;
        }
        const code = check[col];
        if (code !== CHECK_NONE && contentEnd > contentStart) {
          if (escaped || !checkBytes(buf, contentStart, contentEnd, code)) suspect = ROW_SUSPECT;
        }
      }
      col++;
      if (!more) break;
    }
    if (col !== columns) {
      this.bail = `a row with ${col} field${col === 1 ? '' : 's'} where the header has ${columns} (line ${this.firstLine + this.lineFeeds})`;
      return -1;
    }
    const batch = this.batch;
    const k = batch.count;
    const typed = this.typedCodes.length;
    for (let t = k * typed; t < (k + 1) * typed; t++) this.typedFrom[t] = this.typedTo[t] = 0; // checked above
    const keyState = this.assembleKey(buf, k);
    if (keyState < 0) {
      this.bail = `a key that is not valid UTF-8 (line ${this.firstLine + this.lineFeeds})`;
      return -1;
    }
    batch.fpLo[k] = lo;
    batch.fpHi[k] = hi;
    batch.flags[k] = suspect | keyState | ROW_KEY_IN_ARENA;
    batch.start[k] = base + rowStart;
    batch.line[k] = this.firstLine + this.lineFeeds;
    batch.count = k + 1;
    this.lineFeeds += rowLineFeeds + (pos > 0 && buf[pos - 1] === LF ? 1 : 0);
    this.rows++;
    this.generalRows++;
    return pos;
  }
}

/**
 * The key hash of `bytes[at..at+length)`, exactly as the scanner computes it for a row's key
 * (`RowBatch.keyHash`). Why exported: the desired side's records do not keep their key hash
 * (4 bytes a row); the key table's build recomputes it from the stored key bytes.
 */
export function keyHashOf(bytes: Uint8Array, at: number, length: number): number {
  return finishKeyHash(keyLane(bytes, at, at + length), length);
}

/** A key's hash from its lane (`keyLane`, or the same lane computed on the way) and length. */
function finishKeyHash(lane: number, length: number): number {
  return fmix32(lane ^ length);
}

/** The key hash's lane over `buf[from..to)` (before finalising), as `plainRows` computes it. */
function keyLane(buf: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5 | 0; // FNV_OFFSET_1
  for (let i = from; i < to; i++) h = Math.imul(h ^ buf[i], 0x01000193); // PRIME_1
  return h;
}

/**
 * The closing quote of the quoted field at `p`, or -1 when the field has an escaped quote or a
 * line break before it (the general loop takes those). A line feed must follow `p`.
 */
function closingQuote(buf: Uint8Array, p: number): number {
  let q = p + 1;
  let b = buf[q];
  while (b !== 34 && b !== 10) b = buf[++q]; // '"', '\n'
  return b === 10 || buf[q + 1] === 34 ? -1 : q;
}

/** Keys of at most this many bytes are kept as three packed words. */
export const INLINE_KEY = 12;

/** Up to four bytes from `from` packed little-endian (`count` may be ≤ 0 or > 4). */
function packWord(bytes: Uint8Array, from: number, count: number): number {
  if (count <= 0) return 0;
  if (count >= 4) return bytes[from] | (bytes[from + 1] << 8) | (bytes[from + 2] << 16) | (bytes[from + 3] << 24);
  let w = bytes[from];
  if (count > 1) w |= bytes[from + 1] << 8;
  if (count > 2) w |= bytes[from + 2] << 16;
  return w;
}

// The batch loops of `CsvByteScanner.checkTypes`: field `t` of `typed` per row, bounds in
// `fromAt`/`toAt`, of the batch rows `rows[0..count)`; empty fields (and rows checked already,
// which have empty bounds) pass.

function checkNumbers(batch: RowBatch, fromAt: Int32Array, toAt: Int32Array, t: number, typed: number, integer: boolean, rows: Int32Array, count: number): void {
  const buf = batch.buf;
  const flags = batch.flags;
  for (let j = 0; j < count; j++) {
    const k = rows[j];
    const i = k * typed + t;
    if (fromAt[i] < toAt[i] && !checkNumber(buf, fromAt[i], toAt[i], integer)) flags[k] |= 1; // ROW_SUSPECT
  }
}

function checkBools(batch: RowBatch, fromAt: Int32Array, toAt: Int32Array, t: number, typed: number, rows: Int32Array, count: number): void {
  const buf = batch.buf;
  const flags = batch.flags;
  for (let j = 0; j < count; j++) {
    const k = rows[j];
    const i = k * typed + t;
    if (fromAt[i] < toAt[i] && !checkBool(buf, fromAt[i], toAt[i])) flags[k] |= 1; // ROW_SUSPECT
  }
}

function checkDatetimes(batch: RowBatch, fromAt: Int32Array, toAt: Int32Array, t: number, typed: number, rows: Int32Array, count: number): void {
  const buf = batch.buf;
  const flags = batch.flags;
  for (let j = 0; j < count; j++) {
    const k = rows[j];
    const i = k * typed + t;
    if (fromAt[i] < toAt[i] && !checkDatetime(buf, fromAt[i], toAt[i])) flags[k] |= 1; // ROW_SUSPECT
  }
}

/**
 * True when the bytes are certainly accepted by `coerceValue` for the check's type; false means
 * "not sure" (the row goes to the generic pipeline), never "invalid".
 */
export function checkBytes(buf: Uint8Array, from: number, to: number, code: number): boolean {
  switch (code) {
    case CHECK_NUMBER:
      return checkNumber(buf, from, to, false);
    case CHECK_INTEGER:
      return checkNumber(buf, from, to, true);
    case CHECK_BOOL:
      return checkBool(buf, from, to);
    case CHECK_DATETIME:
      return checkDatetime(buf, from, to);
    default:
      return true;
  }
}

function checkNumber(buf: Uint8Array, from: number, to: number, integer: boolean): boolean {
  let i = from;
  if (buf[i] === 45) i++; // '-'
  const intStart = i;
  while (i < to && buf[i] - 48 >>> 0 <= 9) i++; // a digit (one unsigned comparison)
  const intDigits = i - intStart;
  if (intDigits === 0) return false;
  if (integer) return i === to && intDigits <= 15;
  if (i === to) return to - from <= 300;
  if (buf[i] !== 46) return false; // '.'
  i++;
  const fracStart = i;
  while (i < to && buf[i] - 48 >>> 0 <= 9) i++;
  return i === to && i > fracStart && to - from <= 300;
}

function checkBool(buf: Uint8Array, from: number, to: number): boolean {
  const length = to - from;
  if (length === 1) return buf[from] === 48 || buf[from] === 49;
  if (length === 4) {
    return (buf[from] | 32) === 116 && (buf[from + 1] | 32) === 114 && (buf[from + 2] | 32) === 117 && (buf[from + 3] | 32) === 101;
  }
  if (length === 5) {
    return (
      (buf[from] | 32) === 102 && (buf[from + 1] | 32) === 97 && (buf[from + 2] | 32) === 108 && (buf[from + 3] | 32) === 115 && (buf[from + 4] | 32) === 101
    );
  }
  return false;
}

/**
 * Whether byte values minus '0' are all digits, OR-ed as `d | (d + 6)`: only 0..9 leave no
 * bit above the lowest four (negative values and values above 9 do).
 */
function notDigits(bits: number): boolean {
  return (bits & ~15) !== 0;
}

/** YYYY-MM-DD, optionally THH:MM:SS, optionally .fraction (1-9 digits), optionally Z. */
function checkDatetime(buf: Uint8Array, from: number, to: number): boolean {
  const length = to - from;
  if (length < 10 || buf[from + 4] !== 45 || buf[from + 7] !== 45) return false; // '-'
  const y0 = buf[from] - 48;
  const y1 = buf[from + 1] - 48;
  const y2 = buf[from + 2] - 48;
  const y3 = buf[from + 3] - 48;
  const m0 = buf[from + 5] - 48;
  const m1 = buf[from + 6] - 48;
  const d0 = buf[from + 8] - 48;
  const d1 = buf[from + 9] - 48;
  const bits = y0 | (y0 + 6) | y1 | (y1 + 6) | y2 | (y2 + 6) | y3 | (y3 + 6) | m0 | (m0 + 6) | m1 | (m1 + 6) | d0 | (d0 + 6) | d1 | (d1 + 6);
  if (notDigits(bits) || y0 === 0) return false; // the year from 1000
  const month = m0 * 10 + m1;
  const day = d0 * 10 + d1;
  if (month < 1 || month > 12 || day < 1) return false;
  if (day > 28 && day > daysInMonth(y0 * 1000 + y1 * 100 + y2 * 10 + y3, month)) return false;
  if (length === 10) return true;
  if (length < 19 || buf[from + 10] !== 84 || buf[from + 13] !== 58 || buf[from + 16] !== 58) return false; // 'T', ':'
  const h0 = buf[from + 11] - 48;
  const h1 = buf[from + 12] - 48;
  const n0 = buf[from + 14] - 48;
  const n1 = buf[from + 15] - 48;
  const s0 = buf[from + 17] - 48;
  const s1 = buf[from + 18] - 48;
  const timeBits = h0 | (h0 + 6) | h1 | (h1 + 6) | n0 | (n0 + 6) | n1 | (n1 + 6) | s0 | (s0 + 6) | s1 | (s1 + 6);
  if (notDigits(timeBits) || h0 * 10 + h1 > 23 || n0 > 5 || s0 > 5) return false;
  let i = from + 19;
  if (i < to && buf[i] === 46) {
    // '.' and 1-9 digits
    i++;
    const fracStart = i;
    while (i < to && buf[i] - 48 >>> 0 <= 9) i++;
    if (i === fracStart || i - fracStart > 9) return false;
  }
  if (i < to && buf[i] === 90) i++; // 'Z'
  return i === to;
}

/** Whether `bytes[0..length)` is well-formed UTF-8 (no overlongs, no surrogates). */
export function validUtf8(bytes: Uint8Array, length: number): boolean {
  return validUtf8Range(bytes, 0, length);
}

/** Whether `bytes[from..to)` is well-formed UTF-8. */
function validUtf8Range(bytes: Uint8Array, from: number, to: number): boolean {
  let i = from;
  while (i < to) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return false;
    if (i + need >= to) return false;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if ((c & 0xc0) !== 0x80) return false;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += need + 1;
  }
  return true;
}
