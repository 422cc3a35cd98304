/**
 * The CSV fast path reports the records it has read on each side while it scans (the progress
 * bar of long observes, RUNTIME.md section 2), as the generic path's reader does: from worker
 * threads (several ranges a side, their counts summed) and on the calling thread, interim
 * reports within a range (by rows, or by bytes for long rows) and the side's record count at
 * the end; a scan that starts over counts its side again from 0, never past the side's records.
 */
import { describe, expect, it } from 'vitest';
import { diffSources, type FastPathSettings } from '../../../runtime/diff/diff-sources.js';
import type { DiffResult } from '../../../runtime/diff/diff-result.js';
import { PROGRESS_BYTES, PROGRESS_ROWS } from '../../../runtime/diff/csv-fast-join.js';
import { OBSERVED_AT, policy, source, workspace } from './diff-fixture.js';

type Side = 'desired' | 'actual';
interface Event {
  side: Side;
  records: number;
}

const d = source('desired', { kind: 'csv', path: 'desired.csv', fields: { id: 'string', amount: 'number' } });
const a = source('actual', { kind: 'csv', path: 'actual.csv', fields: { id: 'string', amount: 'number' } });
const p = policy();

/** `count` short rows (≈ 14 bytes: a range of a few MB holds well over `PROGRESS_ROWS`), a few invalid. */
function rows(count: number, shift: number): string {
  const lines = ['id,amount'];
  for (let i = 0; i < count; i++) lines.push(`k${i + shift},${i % 50_000 === 7 ? 'abc' : i % 97}`);
  return lines.join('\n') + '\n';
}

async function fastDiff(root: string, settings: FastPathSettings): Promise<{ result: DiffResult; path: string | null; events: Event[] }> {
  const events: Event[] = [];
  let path: string | null = null;
  const result = await diffSources(p, d, a, {
    observedAt: OBSERVED_AT,
    env: {},
    workspaceRoot: root,
    trusted: true,
    fastPath: { minBytes: 0, ...settings, report: (r) => (path = r.path), onProgress: (side, records) => events.push({ side, records }) },
  });
  return { result, path, events };
}

const counts = (events: Event[], side: Side) => events.filter((event) => event.side === side).map((event) => event.records);

function expectRising(values: number[], last: number): void {
  expect(values.length).toBeGreaterThan(0);
  for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1]);
  expect(values.at(-1)).toBe(last);
}

describe('progress of the CSV fast path', () => {
  it('reports each side as its ranges are scanned, on worker threads and on the calling thread', async () => {
    const desiredRows = 600_000;
    const actualRows = 599_990;
    const ws = workspace({ 'desired.csv': rows(desiredRows, 0), 'actual.csv': rows(actualRows, 10) });
    try {
      for (const workers of [2, 0]) {
        // two ranges a side with two workers (one range with none)
        const { result, path, events } = await fastDiff(ws.root, { workers, minRangeBytes: 1 << 20 });
        expect(path, `workers: ${workers}`).toBe('fast');
        expect(result.summary).toMatchObject({ desired: desiredRows, actual: actualRows });
        expect(result.summary.invalid).toBeGreaterThan(0);
        const desired = counts(events, 'desired');
        const actual = counts(events, 'actual');
        expectRising(desired, desiredRows);
        expectRising(actual, actualRows);
        // interim reports, not only one at the end of each range
        expect(desired.filter((n) => n < desiredRows).length).toBeGreaterThanOrEqual(2);
        expect(actual.filter((n) => n < actualRows).length).toBeGreaterThanOrEqual(2);
        expect(desired[0]).toBeGreaterThanOrEqual(PROGRESS_ROWS);
        expect(desired[0]).toBeLessThan(desiredRows);
        // the desired file is scanned before the actual one
        expect(events.findIndex((event) => event.side === 'actual')).toBe(desired.length);
      }
    } finally {
      ws.cleanup();
    }
  }, 60_000);

  it('reports within a range of long rows before PROGRESS_ROWS of them are read (every PROGRESS_BYTES)', async () => {
    const lines = ['id,amount,note'];
    for (let i = 0; i < 60_000; i++) lines.push(`k${i},${i % 97},${'x'.repeat(300)}`);
    const text = lines.join('\n') + '\n';
    expect(text.length).toBeGreaterThan(PROGRESS_BYTES);
    const ws = workspace({ 'desired.csv': text, 'actual.csv': 'id,amount,note\nk1,1,x\n' });
    const withNote = (s: typeof d) => ({ ...s, fields: [...s.fields!, { name: 'note', type: 'string' as const }] });
    try {
      const events: Event[] = [];
      let path: string | null = null;
      await diffSources(policy({ note: { kind: 'ignore' } }), withNote(d), withNote(a), {
        observedAt: OBSERVED_AT,
        env: {},
        workspaceRoot: ws.root,
        trusted: true,
        fastPath: { minBytes: 0, workers: 0, report: (r) => (path = r.path), onProgress: (side, records) => events.push({ side, records }) },
      });
      expect(path).toBe('fast');
      const desired = counts(events, 'desired');
      expectRising(desired, 60_000);
      expect(desired.length).toBeGreaterThan(1);
      expect(desired[0]).toBeLessThan(PROGRESS_ROWS);
    } finally {
      ws.cleanup();
    }
  }, 60_000);

  it('reports nothing when nobody listens, and the same result', async () => {
    const ws = workspace({ 'desired.csv': rows(20_000, 0), 'actual.csv': rows(20_000, 5) });
    try {
      const listened = await fastDiff(ws.root, { workers: 2, minRangeBytes: 1000 });
      let path: string | null = null;
      const ctx = { observedAt: OBSERVED_AT, env: {}, workspaceRoot: ws.root, trusted: true };
      const quiet = await diffSources(p, d, a, { ...ctx, fastPath: { minBytes: 0, workers: 2, minRangeBytes: 1000, report: (r) => (path = r.path) } });
      expect(path).toBe('fast');
      expect(listened.path).toBe('fast');
      expect(quiet).toEqual(listened.result);
      expectRising(counts(listened.events, 'desired'), 20_000);
      expectRising(counts(listened.events, 'actual'), 20_000);
    } finally {
      ws.cleanup();
    }
  }, 60_000);

  it('counts a side again from 0 when its scan starts over as one range, never past its records', async () => {
    // Line feeds inside quoted values: the guessed range boundaries fall inside rows.
    const value = 'a\n'.repeat(50);
    const desired = ['id,amount,note'];
    for (let i = 0; i < 400; i++) desired.push(`k${i},${i},"${value}"`);
    const actual = ['id,amount,note'];
    for (let i = 0; i < 300; i++) actual.push(`k${i},${i + (i % 4 === 0 ? 1 : 0)},x`);
    const ws = workspace({ 'desired.csv': desired.join('\n') + '\n', 'actual.csv': actual.join('\n') + '\n' });
    const withNote = (s: typeof d) => ({ ...s, fields: [...s.fields!, { name: 'note', type: 'string' as const }] });
    try {
      const events: Event[] = [];
      let path: string | null = null;
      const result = await diffSources(policy({ note: { kind: 'ignore' } }), withNote(d), withNote(a), {
        observedAt: OBSERVED_AT,
        env: {},
        workspaceRoot: ws.root,
        trusted: true,
        fastPath: {
          minBytes: 0,
          workers: 2,
          minRangeBytes: 1000,
          report: (r) => (path = r.path),
          onProgress: (side, records) => events.push({ side, records }),
        },
      });
      expect(path).toBe('fast');
      expect(result.summary).toMatchObject({ desired: 400, actual: 300 });
      const counted = counts(events, 'desired');
      const restart = counted.lastIndexOf(0);
      expect(restart, 'the scan started over').toBeGreaterThan(0);
      for (const n of counted) expect(n).toBeLessThanOrEqual(400);
      expectRising(counted.slice(restart), 400);
      expectRising(counts(events, 'actual'), 300);
    } finally {
      ws.cleanup();
    }
  }, 60_000);
});
