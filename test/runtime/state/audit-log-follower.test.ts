import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLogFollower } from '../../../runtime/state/audit-log-follower.js';
import type { AuditRecord } from '../../../runtime/state/audit-log.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'recon-audit-follower-'));
  path = join(dir, 'audit.jsonl');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const line = (n: number, extra = ''): string => JSON.stringify({ ts: '2026-01-01T00:00:00.000Z', run_id: `r${n}`, policy: 'p', item: `p/changed/k${n}${extra}`, event: 'planned' }) + '\n';

/** Reads once: the run ids visited, whether the follower restarted, and the unterminated tail's run id. */
function step(follower: AuditLogFollower): { runs: string[]; restarted: boolean; tail: string | null } {
  const runs: string[] = [];
  let restarted = false;
  const tail = follower.read(
    {
      restart: () => (restarted = true),
      record: (record: AuditRecord) => runs.push(record.run_id),
    },
    (_ranges, tailRecord) => tailRecord?.run_id ?? null,
  );
  return { runs, restarted, tail };
}

describe('AuditLogFollower', () => {
  it('reads only the bytes appended since its last read, not the whole log again', () => {
    writeFileSync(path, Array.from({ length: 5000 }, (_, i) => line(i, 'x'.repeat(150))).join(''));
    const follower = new AuditLogFollower(path);
    expect(step(follower).runs).toHaveLength(5000);
    expect(follower.bytesLastRead).toBeGreaterThan(1_000_000);
    const appended = line(5000) + line(5001);
    appendFileSync(path, appended);
    expect(step(follower)).toEqual({ runs: ['r5000', 'r5001'], restarted: false, tail: null });
    // the appended lines and the few bytes before the offset that prove the log is the one read
    expect(follower.bytesLastRead).toBeLessThanOrEqual(Buffer.byteLength(appended) + 64);
    expect(step(follower)).toEqual({ runs: [], restarted: false, tail: null });
  });

  it('leaves a torn last line (no newline yet) for the next read, and hands it over parsed when it is already a whole record', () => {
    writeFileSync(path, line(1));
    const follower = new AuditLogFollower(path);
    step(follower);
    const offset = follower.offset;
    const next = line(2, 'é');
    const bytes = Buffer.from(next);
    // cut inside the two-byte é
    const cut = bytes.indexOf(Buffer.from('é')) + 1;
    appendFileSync(path, bytes.subarray(0, cut));
    expect(step(follower)).toEqual({ runs: [], restarted: false, tail: null });
    expect(follower.offset).toBe(offset);
    // the whole record, still without its newline: not consumed, but a full read would visit it
    appendFileSync(path, bytes.subarray(cut, bytes.length - 1));
    expect(step(follower)).toEqual({ runs: [], restarted: false, tail: 'r2' });
    expect(follower.offset).toBe(offset);
    appendFileSync(path, '\n');
    expect(step(follower)).toEqual({ runs: ['r2'], restarted: false, tail: null });
  });

  it('starts over when the log shrank, was renamed over, rewritten in place, or is gone', () => {
    writeFileSync(path, line(1) + line(2) + line(3));
    const follower = new AuditLogFollower(path, 16);
    expect(step(follower).runs).toEqual(['r1', 'r2', 'r3']);

    truncateSync(path, Buffer.byteLength(line(1)));
    expect(step(follower)).toEqual({ runs: ['r1'], restarted: true, tail: null });

    const other = join(dir, 'new.jsonl');
    writeFileSync(other, line(7) + line(8) + line(9) + line(10));
    renameSync(other, path);
    expect(step(follower)).toEqual({ runs: ['r7', 'r8', 'r9', 'r10'], restarted: true, tail: null });

    // the same file (inode) written anew, longer than before: the bytes before the offset differ
    writeFileSync(path, line(20) + line(21) + line(22) + line(23) + line(24));
    expect(step(follower)).toEqual({ runs: ['r20', 'r21', 'r22', 'r23', 'r24'], restarted: true, tail: null });

    rmSync(path);
    expect(step(follower)).toEqual({ runs: [], restarted: true, tail: null });
    expect(step(follower)).toEqual({ runs: [], restarted: false, tail: null });
    writeFileSync(path, line(30));
    expect(step(follower)).toEqual({ runs: ['r30'], restarted: false, tail: null });
  });
});
