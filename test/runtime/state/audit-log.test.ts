import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APPEND_BATCH_LINES, AuditLog, forEachAuditRecord, readAuditLog, readAuditTail, type AuditRecord } from '../../../runtime/state/audit-log.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'recon-audit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function record(i: number): AuditRecord {
  return { ts: '2026-11-26T12:00:00.000Z', run_id: 'r1', command: 'plan', policy: 'p', plan_hash: 'sha256:x', item: `p/changed/k${i}`, event: 'planned', attempt: null, actor: null, error: null, detail: { n: i } };
}

describe('AuditLog batched appends', () => {
  it('appends many records as whole lines in order, across several batches', () => {
    const log = AuditLog.inStateDir(dir);
    const records = Array.from({ length: APPEND_BATCH_LINES * 2 + 17 }, (_, i) => record(i));
    log.appendMany(records);
    log.appendLines(['{"ts":"t","run_id":"r2","command":"plan","policy":"p","plan_hash":null,"item":null,"event":"planned","attempt":null,"actor":null,"error":null}']);
    log.close();
    const text = readFileSync(log.path, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n').slice(0, records.length)).toEqual(records.map((r) => JSON.stringify(r)));
    const read = readAuditLog(log.path);
    expect(read.skippedLines).toBe(0);
    expect(read.records).toHaveLength(records.length + 1);
    expect(read.records.at(-1)!.run_id).toBe('r2');
  });

  it('starts on a fresh line after a torn last line, which readers skip', () => {
    const log = AuditLog.inStateDir(dir, false);
    writeFileSync(log.path, JSON.stringify(record(0)) + '\n{"ts":"2026-11-26T12:00:0');
    log.appendLines([JSON.stringify(record(1)), JSON.stringify(record(2))]);
    log.close();
    const read = readAuditLog(log.path);
    expect(read.records.map((r) => r.item)).toEqual(['p/changed/k0', 'p/changed/k1', 'p/changed/k2']);
    expect(read.skippedLines).toBe(1);
  });
});

describe('readAuditTail', () => {
  const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ n: i, pad: 'x'.repeat((i * 7) % 23), text: 'ü€😀'.repeat(i % 3) }));

  function pieces(path: string, chunkBytes: number, stopAfter = Infinity): Buffer[] {
    const seen: Buffer[] = [];
    readAuditTail(path, (piece) => {
      seen.push(Buffer.from(piece));
      return seen.length >= stopAfter;
    }, chunkBytes);
    return seen;
  }

  it('hands over whole lines, latest first, that together are the file — whatever the chunk size', () => {
    const path = join(dir, 'audit.jsonl');
    writeFileSync(path, lines.join('\n') + '\n');
    for (const chunkBytes of [1, 5, 64, 100, 333, 1 << 20]) {
      const seen = pieces(path, chunkBytes);
      expect(Buffer.concat([...seen].reverse()).toString('utf8'), `chunk ${chunkBytes}`).toBe(readFileSync(path, 'utf8'));
      for (const piece of seen) {
        const text = piece.toString('utf8');
        expect(text.endsWith('\n')).toBe(true);
        for (const line of text.slice(0, -1).split('\n')) expect(() => JSON.parse(line)).not.toThrow();
      }
    }
  });

  it('stops when asked: only the end of the file is read', () => {
    const path = join(dir, 'audit.jsonl');
    writeFileSync(path, lines.join('\n') + '\n');
    const seen = pieces(path, 200, 1);
    expect(seen).toHaveLength(1);
    const text = seen[0]!.toString('utf8');
    expect(text.endsWith(lines.at(-1)! + '\n')).toBe(true);
    expect(text.length).toBeLessThan(400);
    expect(text).not.toContain(lines[0]);
  });

  it('a torn last line comes with the last piece; an empty or missing file gives nothing', () => {
    const path = join(dir, 'audit.jsonl');
    writeFileSync(path, lines.slice(0, 3).join('\n') + '\n{"n":99,"to');
    const seen = pieces(path, 16);
    expect(seen[0]!.toString('utf8').endsWith('{"n":99,"to')).toBe(true);
    expect(Buffer.concat([...seen].reverse()).toString('utf8')).toBe(readFileSync(path, 'utf8'));
    writeFileSync(path, '');
    expect(pieces(path, 16)).toEqual([]);
    expect(pieces(join(dir, 'none.jsonl'), 16)).toEqual([]);
    appendFileSync(path, 'x');
    expect(pieces(path, 16).map(String)).toEqual(['x']);
  });
});

describe('forEachAuditRecord', () => {
  it('visits the records readAuditLog reads, in order, whatever the piece size: characters and lines cut across pieces, a torn last line', () => {
    const path = join(dir, 'audit.jsonl');
    const records = Array.from({ length: 60 }, (_, i) => ({ ...record(i), item: `p/changed/é😀${'x'.repeat(i * 7)}${i}` }));
    writeFileSync(path, records.map((r) => JSON.stringify(r)).join('\n') + '\n' + '{"ts":"2026-11-26T12:00:0');
    const expected = readAuditLog(path).records;
    expect(expected).toHaveLength(60);
    for (const chunk of [1, 3, 7, 64, 333, 1 << 20]) {
      const seen: AuditRecord[] = [];
      forEachAuditRecord(path, (r) => seen.push(r), chunk);
      expect(seen).toEqual(expected);
    }
    const none: AuditRecord[] = [];
    forEachAuditRecord(join(dir, 'missing.jsonl'), (r) => none.push(r));
    expect(none).toEqual([]);
  });
});
