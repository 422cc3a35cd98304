/**
 * Follows the audit log as it grows: each `read` hands over only the complete lines appended
 * since the previous one, with their byte positions, and says when the reader must start over.
 *
 * Why: the log grows by a line per item and run forever, and a long-lived `recon watch` sums it
 * up before every run (`ApplyHistoryReader`). Reading all of it every run made each run's time
 * grow with the log's age (a 40 MB log was read and parsed in full at every run); following it
 * reads only what the runs since appended.
 *
 * What is remembered between reads: the file's identity (device and inode), the byte offset up
 * to which whole lines were read, and the last few bytes before that offset. A log that shrank,
 * was replaced (renamed over: another inode), is gone, or whose bytes before the offset are no
 * longer the ones read (rewritten in place) is read again from its start, after `restart`.
 *
 * A last line without its newline (a writer still writing it, or one killed mid-line) is not
 * consumed: the offset stays at its start and the next read takes it again, whole by then. It is
 * handed to `finish` parsed when it is a JSON object, as the one-shot reader (`forEachAuditRecord`)
 * would visit it, so that a reader's result equals a full read's at every moment.
 *
 * Lines are decoded and parsed as `forEachAuditRecord` does (blank lines and lines that are not
 * a JSON object are skipped), so a summary built from the followed lines is the one a full read
 * gives.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { AuditRecord } from './audit-log.js';

/** What a follower's user does with the lines. */
export interface AuditFollowVisitor {
  /** The log is not the one read so far (shrunk, replaced, gone, rewritten): drop what was summed up. */
  restart(): void;
  /** A complete record, in file order; `start`..`end` are its line's bytes (without the newline). */
  record(record: AuditRecord, start: number, end: number): void;
}

/** Reads whole lines of the followed file by byte range, during `finish` (the same open file). */
export interface AuditRangeReader {
  /** Visits the records of the complete lines in `start`..`end` (a range `record` reported lines in). */
  forEachRecord(start: number, end: number, visit: (record: AuditRecord) => void): void;
}

/** Bytes read per step: a few megabytes, as `forEachAuditRecord`. */
const CHUNK_BYTES = 1 << 22;

/** How many bytes before the offset are kept to tell that the lines read are still there. */
const FINGERPRINT_BYTES = 64;

/** Follows one audit log file; see the module comment. */
export class AuditLogFollower {
  private dev = -1;
  private ino = -1;
  private consumed = 0;
  /** The last bytes before `consumed` (up to `FINGERPRINT_BYTES`), as read. */
  private fingerprint: Buffer = Buffer.alloc(0);
  private lastReadBytes = 0;

  constructor(
    readonly path: string,
    private readonly chunkBytes = CHUNK_BYTES,
  ) {}

  /** The byte offset up to which whole lines have been consumed. */
  get offset(): number {
    return this.consumed;
  }

  /** Bytes the last `read` took from the file (the appended bytes, the check of the offset, the ranges read in `finish`). */
  get bytesLastRead(): number {
    return this.lastReadBytes;
  }

  /**
   * Hands `visitor` the records appended since the last read (all of them, after `restart`, when
   * the file is not the one followed so far), then calls `finish` with a reader of earlier byte
   * ranges of the same open file and the record of an unterminated last line (null when there is
   * none or it is not a JSON object), and returns what `finish` returns. A missing file reads as
   * empty.
   */
  read<T>(visitor: AuditFollowVisitor, finish: (ranges: AuditRangeReader, tail: AuditRecord | null) => T): T {
    this.lastReadBytes = 0;
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      if (this.dev !== -1 || this.consumed > 0) visitor.restart();
      this.forget();
      return finish({ forEachRecord: () => {} }, null);
    }
    try {
      const stat = fstatSync(fd);
      const known = stat.dev === this.dev && stat.ino === this.ino && stat.size >= this.consumed && this.fingerprintHolds(fd);
      if (!known) {
        if (this.dev !== -1 || this.consumed > 0) visitor.restart();
        this.forget();
        this.dev = stat.dev;
        this.ino = stat.ino;
      }
      const tail = this.readAppended(fd, stat.size, visitor);
      return finish({ forEachRecord: (start, end, visit) => this.readRange(fd, start, end, visit) }, tail);
    } finally {
      closeSync(fd);
    }
  }

  private forget(): void {
    this.dev = -1;
    this.ino = -1;
    this.consumed = 0;
    this.fingerprint = Buffer.alloc(0);
  }

  /** True when the bytes before the offset are still the ones read last time. */
  private fingerprintHolds(fd: number): boolean {
    const length = this.fingerprint.length;
    if (length === 0) return true;
    const now = Buffer.allocUnsafe(length);
    const got = readFully(fd, now, 0, length, this.consumed - length);
    this.lastReadBytes += got;
    return got === length && now.equals(this.fingerprint);
  }

  /**
   * Visits the complete lines from the offset to `size`; moves the offset past them; returns the
   * unterminated tail's record.
   *
   * Why one buffer: a line cut by a piece's end is moved to the buffer's start and the next piece
   * is read after it. Gluing it to each piece with `Buffer.concat` made a new buffer of a piece's
   * size per piece, and those stayed resident until a collection: a first read of a 60 MB log
   * peaked 45 to 70 MB above an empty one (about 15 MB with one buffer), in every apply of a
   * long-lived state directory.
   */
  private readAppended(fd: number, size: number, visitor: AuditFollowVisitor): AuditRecord | null {
    // `buffer[0, kept)` holds the bytes from `pendingStart` on not yet visited: a line cut by a piece's end
    let kept = 0;
    let pendingStart = this.consumed;
    let position = this.consumed;
    // room for a piece and the usual cut line; grown (rarely: a line longer than that) when short
    let buffer = Buffer.allocUnsafe(Math.max(1, Math.min(this.chunkBytes, size - position)) + 65536);
    while (position < size) {
      const want = Math.min(this.chunkBytes, size - position);
      if (buffer.length < kept + want) {
        const grown = Buffer.allocUnsafe(Math.ceil((kept + want) * 1.5));
        buffer.copy(grown, 0, 0, kept);
        buffer = grown;
      }
      const got = readFully(fd, buffer, kept, want, position);
      if (got === 0) break;
      this.lastReadBytes += got;
      position += got;
      const length = kept + got;
      const lastNewline = buffer.lastIndexOf(10, length - 1);
      if (lastNewline < 0) {
        kept = length;
        continue;
      }
      visitLines(buffer, 0, lastNewline + 1, pendingStart, visitor);
      this.remember(buffer, lastNewline + 1, pendingStart);
      // the cut line to the front (`copy` handles the overlap)
      kept = buffer.copy(buffer, 0, lastNewline + 1, length);
      pendingStart += lastNewline + 1;
    }
    return kept === 0 ? null : parseLine(buffer.toString('utf8', 0, kept));
  }

  /** The offset is now `base + end` (just after a newline of `piece`): keep the bytes before it. */
  private remember(piece: Buffer, end: number, base: number): void {
    this.consumed = base + end;
    // a short piece continues the bytes kept before (they end where it starts)
    const last = end >= FINGERPRINT_BYTES ? piece.subarray(end - FINGERPRINT_BYTES, end) : Buffer.concat([this.fingerprint, piece.subarray(0, end)]);
    this.fingerprint = Buffer.from(last.subarray(Math.max(0, last.length - FINGERPRINT_BYTES)));
  }

  private readRange(fd: number, start: number, end: number, visit: (record: AuditRecord) => void): void {
    const bytes = Buffer.allocUnsafe(end - start);
    const got = readFully(fd, bytes, 0, end - start, start);
    this.lastReadBytes += got;
    visitLines(bytes, 0, got, start, { restart: () => {}, record: (record) => visit(record) });
  }
}

/** `readSync` until `length` bytes are read or the file ends; returns how many were read. */
function readFully(fd: number, buffer: Buffer, offset: number, length: number, position: number): number {
  let read = 0;
  while (read < length) {
    const got = readSync(fd, buffer, offset + read, length - read, position + read);
    if (got === 0) break;
    read += got;
  }
  return read;
}

/** Visits the lines of `bytes[from, to)` (whole lines); `base` is the file offset of `bytes[0]`. */
function visitLines(bytes: Buffer, from: number, to: number, base: number, visitor: AuditFollowVisitor): void {
  let start = from;
  while (start < to) {
    let end = bytes.indexOf(10, start);
    if (end < 0 || end > to) end = to;
    if (end > start) {
      const record = parseLine(bytes.toString('utf8', start, end));
      if (record !== null) visitor.record(record, base + start, base + end);
    }
    start = end + 1;
  }
}

/** The record of one line, as `forEachAuditRecord` reads it: null for a blank line or one that is not a JSON object. */
function parseLine(line: string): AuditRecord | null {
  if (line.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as AuditRecord) : null;
}
