/**
 * The audit log `audit.jsonl` (RUNTIME.md section 5): append-only, one JSON object a line, each
 * record written and flushed on its own so a crash loses at most the line being written. A dry
 * run's tens of thousands of `planned` records are written in batches of a few thousand whole
 * lines per write (a crash then loses at most the batch being written, never half a record
 * that is not the last line).
 *
 * Why reading is lenient: a process killed mid-write leaves a torn last line; the reader skips a
 * last line that is not JSON (and reports how many it skipped) instead of failing, so the next
 * run can still tell what was applied.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export type AuditEvent =
  | 'planned'
  | 'approved'
  | 'applied'
  | 'failed'
  | 'retried'
  | 'stale'
  | 'skipped'
  | 'converged'
  | 'not_converged';

export interface AuditRecord {
  ts: string;
  run_id: string;
  command: string;
  policy: string | null;
  plan_hash: string | null;
  item: string | null;
  event: AuditEvent;
  attempt: number | null;
  actor: string | null;
  error: string | null;
  /** Extra, event-specific detail (an action, a count); never secrets. */
  detail?: Record<string, unknown>;
}

export const AUDIT_FILE = 'audit.jsonl';

/** Lines per write in `appendLines`: about a megabyte of `planned` records. */
export const APPEND_BATCH_LINES = 4096;

/** Appends records to a state directory's audit log, flushing each one. */
export class AuditLog {
  private fd: number | null = null;

  constructor(readonly path: string, private readonly durable = true) {}

  static inStateDir(stateDir: string, durable = true): AuditLog {
    return new AuditLog(join(stateDir, AUDIT_FILE), durable);
  }

  /** Writes one record as one line; with `durable`, fsyncs before returning. */
  append(record: AuditRecord): void {
    if (this.fd === null) {
      this.fd = openSync(this.path, 'a');
      this.healTornTail();
    }
    writeSync(this.fd, JSON.stringify(record) + '\n');
    if (this.durable) fsyncSync(this.fd);
  }

  /** Several records (dry-run `planned` events), in batched writes, flushed once. */
  appendMany(records: readonly AuditRecord[]): void {
    this.appendLines(records.map((record) => JSON.stringify(record)));
  }

  /**
   * Records already written as JSON text, one per element (no newline), in writes of up to
   * `APPEND_BATCH_LINES` whole lines; with `durable`, fsynced once at the end. Why batches: one
   * write per record cost more than making the records, and one write for all of them would
   * hold a plan's worth of text as one string.
   */
  appendLines(lines: Iterable<string>): void {
    let batch = '';
    let count = 0;
    for (const line of lines) {
      batch += line + '\n';
      if (++count === APPEND_BATCH_LINES) {
        this.write(batch);
        batch = '';
        count = 0;
      }
    }
    if (count > 0) this.write(batch);
    if (this.durable && this.fd !== null) fsyncSync(this.fd);
  }

  /**
   * Whole lines already encoded as UTF-8, each ending with a newline, in one write; with
   * `durable`, fsynced. Why bytes: a dry run's `planned` lines are written straight into a
   * buffer, a few thousand at a time, never joined as strings or encoded again.
   */
  appendEncodedLines(lines: Uint8Array): void {
    if (this.fd === null) {
      this.fd = openSync(this.path, 'a');
      this.healTornTail();
    }
    let written = 0;
    while (written < lines.length) written += writeSync(this.fd, lines, written, lines.length - written);
    if (this.durable) fsyncSync(this.fd);
  }

  private write(text: string): void {
    if (this.fd === null) {
      this.fd = openSync(this.path, 'a');
      this.healTornTail();
    }
    writeSync(this.fd, text);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /** A torn last line (no newline) would glue onto our first record: start on a fresh line. */
  private healTornTail(): void {
    // only the last byte: the log grows by a line per item and run (a UTF-8 text ends with a
    // newline exactly when its last byte is 0x0A)
    const size = fstatSync(this.fd!).size;
    if (size === 0) return;
    const last = Buffer.alloc(1);
    const reader = openSync(this.path, 'r');
    try {
      readSync(reader, last, 0, 1, size - 1);
    } finally {
      closeSync(reader);
    }
    if (last[0] !== 0x0a) writeSync(this.fd!, '\n');
  }
}

/** Reads every complete record; a line that is not JSON is skipped and counted, never fatal. */
export function readAuditLog(path: string): { records: AuditRecord[]; skippedLines: number } {
  if (!existsSync(path)) return { records: [], skippedLines: 0 };
  const records: AuditRecord[] = [];
  let skippedLines = 0;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line) as AuditRecord);
    } catch {
      skippedLines++;
    }
  }
  return { records, skippedLines };
}

/** Bytes read per step by `readAuditTail`. */
const TAIL_CHUNK_BYTES = 1 << 22;

/**
 * Reads the audit log backwards from its end, a few megabytes at a time, and hands `visit`
 * each piece's complete lines (a Buffer of whole lines in file order, each ending with a
 * newline except a torn last line of the file) until `visit` returns true or the start of the
 * file is reached. Pieces arrive latest first. A piece is valid only during its `visit` call:
 * the next one is read into the same memory, so a visitor copies what it keeps.
 *
 * Why: the log grows by a line per item and run forever; a reader that needs only recent runs
 * (flapping looks at the last ten) must not read, let alone parse, all of history. Why one
 * buffer: the tail of a large policy's last ten runs is tens of megabytes, and a new buffer per
 * piece left them all resident until a collection (+25 MB at the end of a 1M-record plan with
 * history).
 */
export function readAuditTail(path: string, visit: (lines: Buffer) => boolean, chunkBytes = TAIL_CHUNK_BYTES): void {
  if (!existsSync(path)) return;
  const size = statSync(path).size;
  if (size === 0) return;
  const fd = openSync(path, 'r');
  try {
    let end = size;
    // the start of a line whose end was in the piece read before (it began earlier in the file)
    let carry: Buffer = Buffer.alloc(0);
    // room for a piece and the usual carried line; grown (rarely: a line of over 64 KB) when short
    let buffer = Buffer.allocUnsafe(Math.min(size, chunkBytes) + 65536);
    while (end > 0) {
      const start = Math.max(0, end - chunkBytes);
      const length = end - start;
      if (buffer.length < length + carry.length) buffer = Buffer.allocUnsafe(Math.ceil((length + carry.length) * 1.5));
      let read = 0;
      while (read < length) {
        const got = readSync(fd, buffer, read, length - read, start + read);
        if (got === 0) break;
        read += got;
      }
      carry.copy(buffer, read);
      const text = buffer.subarray(0, read + carry.length);
      end = start;
      if (start === 0) {
        visit(text);
        return;
      }
      const firstNewline = text.indexOf(10);
      if (firstNewline < 0) {
        // one line longer than a piece: keep gathering it
        carry = Buffer.from(text);
        continue;
      }
      carry = Buffer.from(text.subarray(0, firstNewline + 1));
      if (firstNewline + 1 < text.length && visit(text.subarray(firstNewline + 1))) return;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Hands `visit` every complete record of the log, in file order, reading a few megabytes at a
 * time; a line that is not JSON (a torn last line) is skipped. Why: `readAuditLog` holds the
 * whole history as objects, and the log grows by a line per item and run forever — a reader
 * that only sums it up (what apply needs each run) must not hold it.
 */
export function forEachAuditRecord(path: string, visit: (record: AuditRecord) => void, chunkBytes = TAIL_CHUNK_BYTES): void {
  if (!existsSync(path)) return;
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(chunkBytes);
    // the start of a line whose end is in a later piece (bytes: a piece may end inside a character)
    let carry: Buffer = Buffer.alloc(0);
    for (;;) {
      const got = readSync(fd, buffer, 0, chunkBytes, null);
      if (got === 0) break;
      const lastNewline = buffer.lastIndexOf(10, got - 1);
      if (lastNewline < 0) {
        carry = Buffer.concat([carry, buffer.subarray(0, got)]);
        continue;
      }
      visitLines(Buffer.concat([carry, buffer.subarray(0, lastNewline)]).toString('utf8'), visit);
      carry = Buffer.from(buffer.subarray(lastNewline + 1, got));
    }
    visitLines(carry.toString('utf8'), visit);
  } finally {
    closeSync(fd);
  }
}

function visitLines(text: string, visit: (record: AuditRecord) => void): void {
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    if (record !== null && typeof record === 'object' && !Array.isArray(record)) visit(record as AuditRecord);
  }
}
