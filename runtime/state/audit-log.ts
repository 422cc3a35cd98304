/**
 * The audit log `audit.jsonl` (RUNTIME.md section 5): append-only, one JSON object a line, each
 * record written and flushed on its own so a crash loses at most the line being written.
 *
 * Why reading is lenient: a process killed mid-write leaves a torn last line; the reader skips a
 * last line that is not JSON (and reports how many it skipped) instead of failing, so the next
 * run can still tell what was applied.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
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

  /** Several records in one write (dry-run `planned` events), flushed once. */
  appendMany(records: readonly AuditRecord[]): void {
    if (records.length === 0) return;
    if (this.fd === null) {
      this.fd = openSync(this.path, 'a');
      this.healTornTail();
    }
    writeSync(this.fd, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    if (this.durable) fsyncSync(this.fd);
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
