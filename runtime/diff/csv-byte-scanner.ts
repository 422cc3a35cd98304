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
 * What the scanner cannot decide, it leaves to the generic pipeline:
 * - a row whose typed fields it cannot prove valid (`suspect`: e.g. a `number` written `1e3`,
 *   a quoted value with escapes, an empty key) is re-read and run through the read pipeline,
 *   which makes it valid or invalid exactly as the generic path would;
 * - structurally malformed input (a wrong number of fields, text after a closing quote, an
 *   unterminated quote) or a key that is not valid UTF-8 makes the whole fast path give up
 *   (`bail`): the generic path then reports those rows exactly as the connector does.
 *
 * Hashes: FNV-1a-style over bytes with `Math.imul`, two independent 32-bit lanes per field,
 * finalised with murmur3's fmix32, combined in the order of the compared fields (by name, so the
 * files' column orders do not matter). The key hash is one lane; a key hash match is always
 * confirmed on the key bytes.
 */

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
}

/** Receives each data row the scanner completes; read the scanner's row fields inside the call. */
export interface RowSink {
  row(scanner: CsvByteScanner): void;
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

const EMPTY_1 = fmix32(FNV_OFFSET_1);
const EMPTY_2 = fmix32(FNV_OFFSET_2 ^ 0x27d4eb2d);

/** A scanner over one range of one file; `scan` may be called repeatedly with more bytes. */
export class CsvByteScanner {
  // ---- the row just completed (valid inside RowSink.row) ----
  /** Absolute byte offset of the row's first byte. */
  rowStart = 0;
  /** 1-based line of the row, counted from the range's first line (see `firstLine`). */
  rowLine = 0;
  keyHash = 0;
  fpLo = 0;
  fpHi = 0;
  /** The key's bytes (components separated by 0xFF) in `keyBytes[0..keyLength)`. */
  keyBytes = new Uint8Array(1024);
  keyLength = 0;
  /** The first 12 key bytes packed little-endian (zero beyond the key). */
  keyWord0 = 0;
  keyWord1 = 0;
  keyWord2 = 0;
  /** True when the generic pipeline must decide whether the row is valid. */
  suspect = false;

  // ---- progress ----
  /** Data rows completed. */
  rows = 0;
  /** Line feeds consumed (blank lines and line breaks inside quotes included). */
  lineFeeds = 0;
  /** Why the fast path cannot handle this input, or null. */
  bail: string | null = null;
  /** Where `scan` stopped because a row started at or after `stopAt` (absolute), else -1. */
  stoppedAt = -1;

  private readonly fp1: Int32Array;
  private readonly fp2: Int32Array;
  private readonly keyStarts: Int32Array;
  private readonly keyEnds: Int32Array;
  private keyScratch = new Uint8Array(1024);

  constructor(
    private readonly plan: ScanPlan,
    /** The line number of the range's first row (header lines and earlier ranges counted). */
    private readonly firstLine: number,
  ) {
    this.fp1 = new Int32Array(Math.max(plan.fpSlots, 1));
    this.fp2 = new Int32Array(Math.max(plan.fpSlots, 1));
    this.keyStarts = new Int32Array(Math.max(plan.keyComponents, 1));
    this.keyEnds = new Int32Array(Math.max(plan.keyComponents, 1));
  }

  /**
   * Scans complete rows in `buf[pos..end)`; `base` is the absolute file offset of `buf[0]`.
   * Returns the offset (in `buf`) of the first byte not consumed: the start of an incomplete row
   * (unless `eof`), or `end`. `stopAt` (absolute) ends the scan at the first row that starts at
   * or after it; `stoppedAt` then holds that offset. Sets `bail` and returns on malformed input.
   */
  scan(buf: Uint8Array, pos: number, end: number, base: number, eof: boolean, sink: RowSink, stopAt = Infinity): number {
    const plan = this.plan;
    const delim = plan.delimiter;
    const columns = plan.columns;
    const fpSlot = plan.fpSlot;
    const keyComponent = plan.keyComponent;
    const check = plan.check;
    const fpSlots = plan.fpSlots;
    const keyComponents = plan.keyComponents;
    const fp1 = this.fp1;
    const fp2 = this.fp2;
    const keyStarts = this.keyStarts;
    const keyEnds = this.keyEnds;

    for (;;) {
      const rowStart = pos;
      if (base + pos >= stopAt) {
        this.stoppedAt = base + pos;
        return pos;
      }
      if (pos >= end) return pos;
      let c = buf[pos];
      // Blank lines: skipped, not records.
      if (c === LF) {
        this.lineFeeds++;
        pos++;
        continue;
      }
      if (c === CR) {
        if (pos + 1 >= end) {
          if (!eof) return rowStart;
          pos++;
          continue;
        }
        if (buf[pos + 1] === LF) {
          this.lineFeeds++;
          pos += 2;
          continue;
        }
      }
      for (let s = 0; s < fpSlots; s++) {
        fp1[s] = EMPTY_1;
        fp2[s] = EMPTY_2;
      }
      for (let k = 0; k < keyComponents; k++) {
        keyStarts[k] = 0;
        keyEnds[k] = 0;
      }
      let suspect = false;
      let rowLineFeeds = 0;
      let col = 0;
      let keyUsed = 0;
      // Fields of the row.
      for (;;) {
        let contentStart: number;
        let contentEnd: number;
        let escaped = false;
        let more: boolean; // a delimiter followed: another field comes
        let hashed = false; // fieldH1/fieldH2 hold the content's hash already
        let fieldH1 = 0;
        let fieldH2 = 0;
        if (pos >= end) {
          if (!eof) return rowStart;
          contentStart = contentEnd = pos;
          more = false;
        } else if (buf[pos] === QUOTE) {
          let p = pos + 1;
          for (;;) {
            if (p >= end) {
              if (!eof) return rowStart;
              this.bail = `an unterminated quoted field (line ${this.firstLine + this.lineFeeds + rowLineFeeds})`;
              return rowStart;
            }
            const b = buf[p];
            if (b === QUOTE) {
              if (p + 1 >= end && !eof) return rowStart;
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
            if (!eof) return rowStart;
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
                if (!eof) return rowStart;
                more = false;
                pos++;
              } else if (buf[pos + 1] === LF) {
                more = false;
                pos += 2;
              } else {
                this.bail = `a carriage return after a closing quote (line ${this.firstLine + this.lineFeeds + rowLineFeeds})`;
                return rowStart;
              }
            } else {
              this.bail = `text after a closing quote (line ${this.firstLine + this.lineFeeds + rowLineFeeds})`;
              return rowStart;
            }
          }
        } else {
          // Unquoted: find the end, hashing on the way when the column is fingerprinted.
          let p = pos;
          const slot = col < columns ? fpSlot[col] : -1;
          if (slot >= 0) {
            let h1 = FNV_OFFSET_1;
            let h2 = FNV_OFFSET_2;
            while (p < end) {
              const b = buf[p];
              if (b === delim || b === LF) break;
              h1 = Math.imul(h1 ^ b, PRIME_1);
              h2 = Math.imul(h2 ^ b, PRIME_2);
              p++;
            }
            fieldH1 = h1;
            fieldH2 = h2;
            hashed = true;
          } else {
            while (p < end) {
              const b = buf[p];
              if (b === delim || b === LF) break;
              p++;
            }
          }
          contentStart = pos;
          if (p >= end) {
            if (!eof) return rowStart;
            contentEnd = p;
            more = false;
            pos = p;
          } else if (buf[p] === delim) {
            contentEnd = p;
            more = true;
            pos = p + 1;
          } else {
            contentEnd = p;
            more = false;
            pos = p + 1;
          }
          if (contentEnd > contentStart && buf[contentEnd - 1] === CR && !more) {
            contentEnd--; // a carriage return before the line end is not content
            hashed = false;
          }
        }

        if (col < columns) {
          const slot = fpSlot[col];
          if (slot >= 0) {
            let h1 = fieldH1;
            let h2 = fieldH2;
            let length = contentEnd - contentStart;
            if (!hashed) {
              h1 = FNV_OFFSET_1;
              h2 = FNV_OFFSET_2;
              length = 0;
              for (let i = contentStart; i < contentEnd; i++) {
                const b = buf[i];
                if (escaped && b === QUOTE) i++; // the first of a "" pair stands for one quote
                h1 = Math.imul(h1 ^ b, PRIME_1);
                h2 = Math.imul(h2 ^ b, PRIME_2);
                length++;
              }
            }
            fp1[slot] = fmix32(h1 ^ length);
            fp2[slot] = fmix32(h2 ^ Math.imul(length, 0x27d4eb2d) ^ 0x27d4eb2d);
          }
          const component = keyComponent[col];
          if (component >= 0) {
            const needed = keyUsed + (contentEnd - contentStart);
            if (needed > this.keyScratch.length) {
              const grown = new Uint8Array(needed * 2);
              grown.set(this.keyScratch.subarray(0, keyUsed));
              this.keyScratch = grown;
            }
            const scratch = this.keyScratch;
            keyStarts[component] = keyUsed;
            for (let i = contentStart; i < contentEnd; i++) {
              if (escaped && buf[i] === QUOTE) i++;
              scratch[keyUsed++] = buf[i];
            }
            keyEnds[component] = keyUsed;
            if (keyUsed === keyStarts[component]) suspect = true;
          }
          const code = check[col];
          if (code !== CHECK_NONE && contentEnd > contentStart) {
            if (escaped || !checkBytes(buf, contentStart, contentEnd, code)) suspect = true;
          }
        }
        col++;
        if (!more) break;
      }
      if (col !== columns) {
        this.bail = `a row with ${col} field${col === 1 ? '' : 's'} where the header has ${columns} (line ${this.firstLine + this.lineFeeds})`;
        return rowStart;
      }

      // The key: components in key order, separated by 0xFF (never part of valid UTF-8).
      let keyLength = 0;
      let w0 = 0;
      let w1 = 0;
      let w2 = 0;
      let h = FNV_OFFSET_1;
      const scratch = this.keyScratch;
      let keyBytes = this.keyBytes;
      let high = false;
      for (let k = 0; k < keyComponents; k++) {
        const from = keyStarts[k];
        const to = keyEnds[k];
        if (keyLength + (to - from) + 1 > keyBytes.length) {
          const grown = new Uint8Array((keyLength + (to - from) + 1) * 2);
          grown.set(keyBytes.subarray(0, keyLength));
          keyBytes = this.keyBytes = grown;
        }
        if (k > 0) {
          if (keyLength < 12) {
            const shift = (keyLength & 3) << 3;
            if (keyLength < 4) w0 |= 0xff << shift;
            else if (keyLength < 8) w1 |= 0xff << shift;
            else w2 |= 0xff << shift;
          }
          keyBytes[keyLength++] = 0xff;
          h = Math.imul(h ^ 0xff, PRIME_1);
        }
        for (let i = from; i < to; i++) {
          const b = scratch[i];
          if (b >= 0x80) high = true;
          if (keyLength < 12) {
            const shift = (keyLength & 3) << 3;
            if (keyLength < 4) w0 |= b << shift;
            else if (keyLength < 8) w1 |= b << shift;
            else w2 |= b << shift;
          }
          keyBytes[keyLength++] = b;
          h = Math.imul(h ^ b, PRIME_1);
        }
      }
      if (high && !validUtf8(keyBytes, keyLength)) {
        this.bail = `a key that is not valid UTF-8 (line ${this.firstLine + this.lineFeeds})`;
        return rowStart;
      }
      let lo = 0x1b873593;
      let hi = 0x61c88647;
      for (let s = 0; s < fpSlots; s++) {
        lo = Math.imul(lo ^ fp1[s], 0x9e3779b1) + s;
        hi = Math.imul(hi ^ fp2[s], 0x85ebca77) + s;
      }
      this.rowStart = base + rowStart;
      this.rowLine = this.firstLine + this.lineFeeds;
      this.keyHash = fmix32(h ^ keyLength);
      this.fpLo = fmix32(lo);
      this.fpHi = fmix32(hi);
      this.keyLength = keyLength;
      this.keyWord0 = w0;
      this.keyWord1 = w1;
      this.keyWord2 = w2;
      this.suspect = suspect;
      this.lineFeeds += rowLineFeeds + (pos > 0 && buf[pos - 1] === LF ? 1 : 0);
      this.rows++;
      sink.row(this);
    }
  }
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(buf: Uint8Array, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * True when the bytes are certainly accepted by `coerceValue` for the check's type; false means
 * "not sure" (the row goes to the generic pipeline), never "invalid".
 */
export function checkBytes(buf: Uint8Array, from: number, to: number, code: number): boolean {
  const length = to - from;
  switch (code) {
    case CHECK_NUMBER:
    case CHECK_INTEGER: {
      let i = from;
      if (buf[i] === 45) i++; // '-'
      const intStart = i;
      while (i < to && buf[i] >= 48 && buf[i] <= 57) i++;
      const intDigits = i - intStart;
      if (intDigits === 0) return false;
      if (code === CHECK_INTEGER) return i === to && intDigits <= 15;
      if (i === to) return length <= 300;
      if (buf[i] !== 46) return false; // '.'
      i++;
      const fracStart = i;
      while (i < to && buf[i] >= 48 && buf[i] <= 57) i++;
      return i === to && i > fracStart && length <= 300;
    }
    case CHECK_BOOL: {
      if (length === 1) return buf[from] === 48 || buf[from] === 49;
      if (length === 4) {
        return (buf[from] | 32) === 116 && (buf[from + 1] | 32) === 114 && (buf[from + 2] | 32) === 117 && (buf[from + 3] | 32) === 101;
      }
      if (length === 5) {
        return (
          (buf[from] | 32) === 102 && (buf[from + 1] | 32) === 97 && (buf[from + 2] | 32) === 108 &&
          (buf[from + 3] | 32) === 115 && (buf[from + 4] | 32) === 101
        );
      }
      return false;
    }
    case CHECK_DATETIME: {
      // YYYY-MM-DD, optionally THH:MM:SS, optionally .fraction (1-9 digits), optionally Z.
      if (length < 10 || buf[from + 4] !== 45 || buf[from + 7] !== 45) return false;
      const year = digits(buf, from, 4);
      const month = digits(buf, from + 5, 2);
      const day = digits(buf, from + 8, 2);
      if (year < 1000 || month < 1 || month > 12 || day < 1) return false;
      const leap = month === 2 && ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0);
      if (day > DAYS_IN_MONTH[month - 1] + (leap ? 1 : 0)) return false;
      if (length === 10) return true;
      if (length < 19 || buf[from + 10] !== 84 || buf[from + 13] !== 58 || buf[from + 16] !== 58) return false;
      const hour = digits(buf, from + 11, 2);
      const minute = digits(buf, from + 14, 2);
      const second = digits(buf, from + 17, 2);
      if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
      let i = from + 19;
      if (i < to && buf[i] === 46) {
        i++;
        const fracStart = i;
        while (i < to && buf[i] >= 48 && buf[i] <= 57) i++;
        if (i === fracStart || i - fracStart > 9) return false;
      }
      if (i < to && buf[i] === 90) i++; // 'Z'
      return i === to;
    }
    default:
      return true;
  }
}

/** Whether `bytes[0..length)` is well-formed UTF-8 (no overlongs, no surrogates). */
export function validUtf8(bytes: Uint8Array, length: number): boolean {
  let i = 0;
  while (i < length) {
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
    if (i + need >= length) return false;
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
