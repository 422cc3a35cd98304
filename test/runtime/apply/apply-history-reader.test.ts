/**
 * `ApplyHistoryReader` (the apply history a `recon watch` keeps across runs) against a plain full
 * read of the log written here, independently of the product's readers: after every append, at
 * any byte, the incremental summary is the full read's.
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApplyHistoryReader, readApplyHistory, type ApplyHistory } from '../../../runtime/apply/apply-history.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'recon-apply-history-reader-'));
  path = join(dir, 'audit.jsonl');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const POLICIES = ['p', 'q', 'ü'];
const ITEMS = ['p/changed/a', 'p/missing/日本', 'é😀', 'b'];
const HASHES = ['sha256:a', 'sha256:b', 'sha256:c'];
const TIMES = ['2026-01-01T00:00:00.000Z', '2026-01-02T10:00:00.000Z', '2026-03-04T05:06:07.089Z', 'not a time'];

/** The summary by the definition: every line of the file parsed, in order. */
function fullRead(planHash: string): { applied: Map<string, [string, number][]>; since: Map<string, number> } {
  const applied = new Map<string, Map<string, number>>();
  const since = new Map<string, number>();
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  for (const line of text.split('\n')) {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (record === null || typeof record !== 'object' || Array.isArray(record)) continue;
    const { policy, item, event } = record;
    if (typeof policy !== 'string' || typeof item !== 'string') continue;
    const key = `${policy}\u0000${item}`;
    if (event === 'applied' && record.plan_hash === planHash) {
      if (!applied.has(policy)) applied.set(policy, new Map());
      applied.get(policy)!.set(item, (applied.get(policy)!.get(item) ?? 0) + 1);
    } else if (event === 'converged') {
      since.delete(key);
    } else if (event === 'planned' && !since.has(key) && Number.isFinite(Date.parse(record.ts as string))) {
      since.set(key, Date.parse(record.ts as string));
    }
  }
  return { applied: new Map([...applied].map(([policy, counts]) => [policy, [...counts]])), since };
}

/** Everything `history` says about the policies and items the tests write, comparable with `fullRead`. */
function summary(history: ApplyHistory): ReturnType<typeof fullRead> {
  const applied = new Map<string, [string, number][]>();
  const since = new Map<string, number>();
  for (const policy of POLICIES) {
    const counts = [...history.appliedBefore(policy)];
    if (counts.length > 0) applied.set(policy, counts);
    for (const item of ITEMS) {
      const at = history.driftStartedAt(policy, item);
      if (at !== undefined) since.set(`${policy}\u0000${item}`, at);
    }
  }
  return { applied, since };
}

function expectSameAsFullRead(history: ApplyHistory, planHash: string): void {
  expect(summary(history)).toEqual(fullRead(planHash));
}

const record = fc.record({
  ts: fc.constantFrom(...TIMES),
  run_id: fc.constantFrom('r1', 'r2'),
  command: fc.constant('watch'),
  policy: fc.constantFrom<string | null>(...POLICIES, null),
  plan_hash: fc.constantFrom(...HASHES),
  item: fc.constantFrom<string | null>(...ITEMS, null),
  event: fc.constantFrom('planned', 'applied', 'converged', 'failed'),
  attempt: fc.constant(null),
  actor: fc.constantFrom(null, 'ölga'),
  error: fc.constant(null),
});
const line = fc.oneof(
  { weight: 8, arbitrary: record.map((r) => JSON.stringify(r)) },
  { weight: 1, arbitrary: fc.constantFrom('', '   ', 'not json', 'null', '[1,2]', '42', '{"policy":"p","item":"b","event":"applied","plan_hash":"sha256:a"') },
);

describe('ApplyHistoryReader', () => {
  it('equals a full read after every append, whatever the bytes appended at a time (mid-line, mid-character)', () => {
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 40 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.array(fc.constantFrom(...HASHES), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: 1, max: 3 }),
        (lines, trailingNewline, cuts, hashes, chunkBytes, keptHashes) => {
          rmSync(path, { force: true });
          const bytes = Buffer.from(lines.join('\n') + (trailingNewline && lines.length > 0 ? '\n' : ''));
          const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1))), bytes.length].sort((a, b) => a - b);
          const reader = new ApplyHistoryReader(path, { chunkBytes, keptHashes });
          expectSameAsFullRead(reader.read(hashes[0]!), hashes[0]!);
          let from = 0;
          points.forEach((to, index) => {
            appendFileSync(path, bytes.subarray(from, to));
            from = to;
            const hash = hashes[index % hashes.length]!;
            expectSameAsFullRead(reader.read(hash), hash);
            // and what the one-shot commands read
            expectSameAsFullRead(readApplyHistory(path, hash), hash);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  /** A small log: a drift, its correction under two plan hashes, a convergence, new drift. */
  function log(prefix: string): string {
    const entry = (ts: string, item: string, event: string, hash = 'sha256:a'): string =>
      JSON.stringify({ ts, run_id: `${prefix}-${ts}`, command: 'watch', policy: 'p', plan_hash: hash, item, event, attempt: null, actor: null, error: null }) + '\n';
    return (
      entry('2026-01-01T00:00:00.000Z', 'b', 'planned') +
      entry('2026-01-01T00:00:01.000Z', 'b', 'applied') +
      entry('2026-01-01T00:00:02.000Z', 'b', 'applied', 'sha256:b') +
      entry('2026-01-01T00:00:03.000Z', 'b', 'converged') +
      entry(prefix === 'old' ? '2026-01-02T00:00:00.000Z' : '2026-02-02T00:00:00.000Z', 'p/changed/a', 'planned')
    );
  }

  it('reads a truncated log again from its start', () => {
    writeFileSync(path, log('old') + log('old'));
    const reader = new ApplyHistoryReader(path);
    expectSameAsFullRead(reader.read('sha256:a'), 'sha256:a');
    truncateSync(path, Buffer.byteLength(log('old')) - 1);
    expectSameAsFullRead(reader.read('sha256:a'), 'sha256:a');
    expect([...reader.read('sha256:a').appliedBefore('p')]).toEqual([['b', 1]]);
    // and grown again past where it was read up to
    appendFileSync(path, '\n' + log('new') + log('new') + log('new'));
    expectSameAsFullRead(reader.read('sha256:b'), 'sha256:b');
    expect([...reader.read('sha256:b').appliedBefore('p')]).toEqual([['b', 4]]);
  });

  it('reads a log renamed over the one it followed (log rotation) from its start, and a missing one as empty', () => {
    writeFileSync(path, log('old'));
    const reader = new ApplyHistoryReader(path);
    expect(reader.read('sha256:a').driftStartedAt('p', 'p/changed/a')).toBe(Date.parse('2026-01-02T00:00:00.000Z'));
    const next = join(dir, 'audit.jsonl.new');
    writeFileSync(next, log('new') + log('new'));
    renameSync(next, path);
    const history = reader.read('sha256:a');
    expectSameAsFullRead(history, 'sha256:a');
    expect(history.driftStartedAt('p', 'p/changed/a')).toBe(Date.parse('2026-02-02T00:00:00.000Z'));
    expect([...history.appliedBefore('p')]).toEqual([['b', 2]]);
    rmSync(path);
    const none = reader.read('sha256:a');
    expect(none.appliedBefore('p').size).toBe(0);
    expect(none.driftStartedAt('p', 'p/changed/a')).toBeUndefined();
  });

  it('recounts an older plan hash from the ranges where it was applied, reading only the bytes appended since', () => {
    const padding = (n: number): string =>
      JSON.stringify({ ts: '2026-01-01T00:00:00.000Z', run_id: `pad${n}`, command: 'plan', policy: 'q', plan_hash: 'sha256:z', item: null, event: 'planned', attempt: null, actor: null, error: null, detail: { items: 0, note: `${'x'.repeat(200)}${n}` } }) + '\n';
    writeFileSync(path, log('old') + Array.from({ length: 4000 }, (_, i) => padding(i)).join('') + log('old'));
    const reader = new ApplyHistoryReader(path, { keptHashes: 1 });
    expectSameAsFullRead(reader.read('sha256:a'), 'sha256:a');
    const appended = log('new');
    appendFileSync(path, appended);
    // only the hash asked for last is kept: sha256:b is recounted from its two ranges, not the log
    const history = reader.read('sha256:b');
    expectSameAsFullRead(history, 'sha256:b');
    expect([...history.appliedBefore('p')]).toEqual([['b', 3]]);
    expect(reader.bytesLastRead).toBeLessThan(4 * Buffer.byteLength(appended));
    expectSameAsFullRead(reader.read('sha256:a'), 'sha256:a');
  });
});
