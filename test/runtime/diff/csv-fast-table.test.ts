/**
 * The fast path's key table, filled while the desired file is scanned, end to end: keys
 * repeated across ranges inserted by two and four worker threads at once (suspect rows judged
 * valid and invalid among them), a scan that starts over (the table emptied first), and a file
 * whose first rows made the table too small (built again after the scan) — each with the
 * generic path's result, and the trace saying which way the table went.
 *
 * Why a file of its own: the trace notes are the only outside sign of a restart or of the table
 * built after the scan, and tracing is decided when the modules load (so they are loaded here
 * after setting it, by dynamic imports).
 */
import { describe, expect, it } from 'vitest';
import { captureStderr } from '../../helpers/stderr-capture.js';

process.env.RECON_DIFF_TRACE = '1';
const { diffSources } = await import('../../../runtime/diff/diff-sources.js');
const { OBSERVED_AT, policy, source, workspace } = await import('./diff-fixture.js');
type DiffResult = Awaited<ReturnType<typeof diffSources>>;

const trace = captureStderr();

const d = source('desired', { kind: 'csv', path: 'desired.csv', fields: { id: 'string', amount: 'number', note: 'string' } });
const a = source('actual', { kind: 'csv', path: 'actual.csv', fields: { id: 'string', amount: 'number', note: 'string' } });
const p = policy({ note: { kind: 'ignore' } });

async function bothPaths(root: string, workers: number, eager = false): Promise<{ generic: DiffResult; fast: DiffResult; path: string | null }> {
  const ctx = { observedAt: OBSERVED_AT, env: {}, workspaceRoot: root, trusted: true };
  const generic = await diffSources(p, d, a, { ...ctx, fastPath: { enabled: false } });
  let path: string | null = null;
  const fast = await diffSources(p, d, a, { ...ctx, fastPath: { minBytes: 0, workers, minRangeBytes: 1000, eager, report: (r) => (path = r.path) } });
  return { generic, fast, path };
}

const notes = (text: string) => trace.lines.filter((line) => line.includes(text));

/** Rows reported as duplicates of a key of `side`. */
const duplicates = (result: DiffResult, side: 'desired' | 'actual') =>
  result.items.filter((item) => item.kind === 'invalid' && item.side === side && /^duplicate key/.test(item.invalidReason ?? '')).length;

/**
 * Desired rows `lead` (longer ones first when `longLead`), then `count` rows keyed `t<i mod
 * keys>`: every key repeated, across the file's halves (and quarters); '1e1' (suspect, valid)
 * and 'abc' (suspect, invalid) among them.
 */
function desiredText(count: number, keys: number, longLead = 0): string {
  const rows = ['id,amount,note'];
  for (let i = 0; i < longLead; i++) rows.push(`lead${i},${i},${'x'.repeat(1000)}`);
  for (let i = 0; i < count; i++) rows.push(`t${i % keys},${i % 37 === 5 ? '1e1' : i % 41 === 7 ? 'abc' : (i % 97) + 0.5},n`);
  for (let i = 0; i < 300; i++) rows.push(`u${i},${i},n`);
  return rows.join('\n') + '\n';
}

function actualText(): string {
  const rows = ['id,amount,note'];
  for (let i = 0; i < 2500; i++) rows.push(`t${i % 2000},${(i % 97) + (i % 13 === 0 ? 1.5 : 0.5)},n`);
  for (let i = 0; i < 300; i += 2) rows.push(`u${i},${i + (i % 10 === 0 ? 1 : 0)},n`);
  rows.push('x1,1,n');
  return rows.join('\n') + '\n';
}

describe('the key table filled during the desired scan', () => {
  it('flags keys repeated across ranges, filled by two and by four threads at once', async () => {
    const ws = workspace({ 'desired.csv': desiredText(4000, 1900), 'actual.csv': actualText() });
    try {
      for (const [workers, eager] of [
        [2, false],
        [2, true],
        [4, false],
      ] as const) {
        const result = await bothPaths(ws.root, workers, eager);
        expect(result.path).toBe('fast');
        expect(result.fast).toEqual(result.generic);
        const kinds = new Set(result.fast.items.map((item) => item.kind));
        for (const kind of ['invalid', 'changed', 'missing', 'extra']) expect(kinds.has(kind as never)).toBe(true);
        expect(duplicates(result.fast, 'desired')).toBeGreaterThan(1000);
        expect(duplicates(result.fast, 'actual')).toBeGreaterThan(0);
      }
      expect(notes('scanned again')).toEqual([]);
      expect(notes('built after the scan')).toEqual([]);
    } finally {
      ws.cleanup();
    }
  }, 60_000);

  it('flags every key two threads insert at the same time (both halves list the same keys in the same order)', async () => {
    const rows = ['id,amount,note'];
    for (let half = 0; half < 2; half++) for (let i = 0; i < 30000; i++) rows.push(`k${i},${i % 7},n`);
    const ws = workspace({ 'desired.csv': rows.join('\n') + '\n', 'actual.csv': 'id,amount,note\nk1,1,n\nz,1,n\n' });
    try {
      for (let run = 0; run < 3; run++) {
        const result = await bothPaths(ws.root, 2);
        expect(result.path).toBe('fast');
        expect(duplicates(result.fast, 'desired')).toBe(60000);
        expect(result.fast).toEqual(result.generic);
      }
    } finally {
      ws.cleanup();
    }
  }, 60_000);

  it('empties the table when the scan starts over as one range', async () => {
    const value = 'a\n'.repeat(50);
    const rows = ['id,amount,note'];
    for (let i = 0; i < 40; i++) rows.push(`k${i % 30},${i === 3 ? 'abc' : i},"${value}"`);
    const actual = ['id,amount,note'];
    for (let i = 0; i < 25; i++) actual.push(`k${i},${i + (i % 4 === 0 ? 1 : 0)},x`);
    const ws = workspace({ 'desired.csv': rows.join('\n') + '\n', 'actual.csv': actual.join('\n') + '\n' });
    try {
      const result = await bothPaths(ws.root, 2);
      expect(result.path).toBe('fast');
      expect(notes('scanned again').length).toBeGreaterThan(0);
      expect(result.fast).toEqual(result.generic);
      expect(duplicates(result.fast, 'desired')).toBe(18);
    } finally {
      ws.cleanup();
    }
  }, 60_000);

  it('sizes the table by the longest rows sampled through the file: short first rows do not make it larger', async () => {
    // ≈ 5,000 rows of ≈ 12 bytes fill the first 64 KiB, then 1,000 rows of 1 KB: the head alone
    // suggests ≈ 90,000 rows, the samples through the file ≈ 1,000.
    const rows = ['id,amount,note'];
    for (let i = 0; i < 5000; i++) rows.push(`t${i},${(i % 97) + 0.5},n`);
    for (let i = 0; i < 1000; i++) rows.push(`w${i},${i},${'x'.repeat(1000)}`);
    const text = rows.join('\n') + '\n';
    const ws = workspace({ 'desired.csv': text, 'actual.csv': actualText() });
    try {
      const { spreadRowBytes } = await import('../../../runtime/diff/csv-fast-plan.js');
      const file = `${ws.root}/desired.csv`;
      const spread = spreadRowBytes(file, Buffer.byteLength(text), 'id,amount,note\n'.length);
      expect(spread).toBeGreaterThan(900);
      expect(spread).toBeLessThan(1100);
      for (const workers of [0, 2]) {
        trace.clear();
        const result = await bothPaths(ws.root, workers);
        expect(result.path).toBe('fast');
        expect(notes('found').length).toBe(0); // the "sized for N desired rows, M found" note
        expect(result.fast).toEqual(result.generic);
      }
    } finally {
      ws.cleanup();
    }
  }, 60_000);

  it('builds the table after the scan when the file has far more rows than its first ones suggest', async () => {
    // The first 64 KiB (the size estimate's sample) hold rows of 1 KB, the rest are short.
    const ws = workspace({ 'desired.csv': desiredText(5000, 2000, 64), 'actual.csv': actualText() });
    try {
      for (const workers of [0, 2]) {
        trace.clear();
        const result = await bothPaths(ws.root, workers);
        expect(result.path).toBe('fast');
        expect(notes('built after the scan').length).toBe(1);
        expect(result.fast).toEqual(result.generic);
        expect(duplicates(result.fast, 'desired')).toBeGreaterThan(1000);
      }
    } finally {
      ws.cleanup();
    }
  }, 60_000);
});
