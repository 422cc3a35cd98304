/**
 * The CSV fast path of the diff: the same result as `observeSource` + `diffPolicy`, for large
 * files, in typed arrays instead of objects.
 *
 * Why and how (the performance notes in docs explain the numbers):
 * 1. Each file is split into byte ranges, one per worker; each worker scans its range at byte
 *    level (`csv-byte-scanner.ts`) — the desired ranges into shared arrays (key hash, 64-bit
 *    fingerprint of the compared fields, row offset, key bytes, flags).
 * 2. Rows the scanner could not vouch for (`suspect`) are judged by the real read pipeline;
 *    invalid ones leave the join.
 * 3. The workers build the key table (one half each) and flag desired rows sharing a key.
 * 4. The workers scan the actual ranges and probe the table: a key hash match is confirmed on
 *    the key bytes; pairs with equal fingerprints are unchanged (equal bytes of every compared
 *    field compare equal under every comparator but `by`, which is never on this path); the
 *    others are candidates.
 * 5. Only the rows that matter are read again by offset — missing, extra, candidates,
 *    duplicates — and go through the connector's parser, the read pipeline and the compare
 *    rules, exactly as on the generic path.
 * Range boundaries are guessed at line feeds and verified (a line feed inside a quoted field
 * makes the scan start over with one range). Malformed input, or a row the pipeline judges
 * differently from the scanner, ends the fast path: `diffSources` then runs the generic path.
 */
import type { IrSource } from '../../language/ir/ir-types.js';
import type { RawRecordOrigin } from '../connectors/connector.js';
import { RecordPipeline, type ObserveContext, type Side } from '../observe/record-reader.js';
import type { InvalidRecord, ObservedRecord } from '../observe/observed-record.js';
import {
  FLAG_DUP,
  FLAG_INVALID,
  FLAG_MATCHED,
  FLAG_MATCHED_TWICE,
  FLAG_SUSPECT,
  MAX_RANGES,
  NumberList,
  probe,
  clearFlags,
  flagsAt,
  keyTextAt,
  keyView,
  setFlags,
  RANGE_STRIDE,
  recordMatch,
  createTable,
  type DesiredRange,
} from './csv-fast-join.js';
import type { FastSide } from './csv-fast-plan.js';
import type { FastTask, RangeSpec, RepeatsResult, ScanActualResult, ScanDesiredResult } from './csv-fast-tasks.js';
import { linesAt, parseRowTexts, readRowsAt, readRowTexts, StringInterner } from './csv-row-reader.js';
import { FastWorkerPool } from './csv-worker-pool.js';
import {
  changedItem,
  duplicateItems,
  extraItem,
  invalidItem,
  missingItem,
  sortItems,
  summarize,
  type SortableItem,
} from './diff-items.js';
import type { DiffResult } from './diff-result.js';
import type { RecordComparer } from './record-comparer.js';

/** Tuning knobs (tests use them to force several ranges on small files). */
export interface FastDiffOptions {
  /** Worker threads; 0 runs everything on the calling thread. */
  workers: number;
  /** A range is at least this many bytes (default 4 MiB). */
  minRangeBytes?: number;
  signal?: AbortSignal;
}

export type FastDiffOutcome = { ok: true; result: DiffResult } | { ok: false; reason: string };

class FastPathBail extends Error {}

interface ScannedSide<T> {
  results: T[];
  /** Rows before each range. */
  rowsBefore: number[];
  total: number;
  /** Verified start of each range, and the end of the last. */
  starts: number[];
}

function splitRanges(side: FastSide, count: number): RangeSpec[] {
  const specs: RangeSpec[] = [];
  const dataBytes = side.size - side.dataStart;
  for (let k = 0; k < count; k++) {
    const from = side.dataStart + Math.floor((dataBytes * k) / count);
    const to = k === count - 1 ? Infinity : side.dataStart + Math.floor((dataBytes * (k + 1)) / count);
    specs.push({ file: side.file, size: side.size, plan: side.scan, from, guess: k > 0, to });
  }
  return specs;
}

function rangeCount(side: FastSide, pool: FastWorkerPool, options: FastDiffOptions): number {
  const dataBytes = Math.max(0, side.size - side.dataStart);
  const byBytes = Math.floor(dataBytes / (options.minRangeBytes ?? 4 << 20));
  return Math.max(1, Math.min(pool.parallelism, byBytes, MAX_RANGES));
}

/** Scans one side in ranges, verifying the guessed boundaries; one range again on a mismatch. */
async function scanSide<T extends ScanDesiredResult | ScanActualResult>(
  side: FastSide,
  pool: FastWorkerPool,
  options: FastDiffOptions,
  makeTask: (spec: RangeSpec) => FastTask,
  beforeRetry: () => void,
): Promise<ScannedSide<T>> {
  let count = rangeCount(side, pool, options);
  for (;;) {
    const specs = splitRanges(side, count);
    const results = await pool.runAll<T>(specs.map(makeTask));
    options.signal?.throwIfAborted();
    let verified = true;
    for (let k = 1; k < results.length; k++) {
      if (results[k - 1].outcome.bail === null && results[k - 1].outcome.stoppedAt !== results[k].outcome.start) verified = false;
    }
    if (!verified && count > 1) {
      beforeRetry();
      count = 1;
      continue;
    }
    const bail = results.find((r) => r.outcome.bail !== null);
    if (bail) throw new FastPathBail(`${side.source.name}: ${bail.outcome.bail}`);
    const rowsBefore: number[] = [];
    let total = 0;
    for (const r of results) {
      rowsBefore.push(total);
      total += r.outcome.rows;
    }
    const starts = results.map((r) => r.outcome.start);
    starts.push(side.size);
    return { results, rowsBefore, total, starts };
  }
}

/** A row to read again: where it is, its position in its source, and what it is for. */
interface Wanted {
  start: number;
  position: number;
}

/** Reads rows and runs them through the read pipeline; `invalidOk` rows may come out invalid. */
function observeRows(
  side: FastSide,
  pipeline: RecordPipeline,
  rows: readonly Wanted[],
): { records: (ObservedRecord | null)[]; invalid: (InvalidRecord | null)[] } {
  const raws = readRowsAt(side.file, side.size, { names: side.names, delimiter: side.delimiter, rowDelimiter: side.rowDelimiter }, rows.map((r) => r.start));
  const records: (ObservedRecord | null)[] = new Array(rows.length);
  const invalid: (InvalidRecord | null)[] = new Array(rows.length);
  const out = RecordPipeline.emptyBatch();
  for (let i = 0; i < rows.length; i++) {
    const origin: RawRecordOrigin = { position: rows[i].position };
    pipeline.fromRaw(raws[i], origin, out);
    records[i] = out.records.length > 0 ? out.records[0] : null;
    invalid[i] = out.invalid.length > 0 ? out.invalid[0] : null;
    out.records.length = 0;
    out.invalid.length = 0;
  }
  return { records, invalid };
}

/** Fills in the line of each origin (one sequential pass over the file). */
function addLines(side: FastSide, origins: readonly RawRecordOrigin[], starts: readonly number[]): void {
  if (origins.length === 0) return;
  const lines = linesAt(side.file, starts);
  origins.forEach((origin, i) => {
    origin.line = lines[i];
  });
}

function refRange(ref: number): number {
  return (ref / RANGE_STRIDE) | 0;
}

/**
 * Diffs two CSV sources on the fast path (see the module comment). Returns `{ ok: false }` with
 * the reason when the input needs the generic path.
 */
export async function diffCsvFast(
  comparer: RecordComparer,
  desired: FastSide,
  actual: FastSide,
  ctx: ObserveContext,
  options: FastDiffOptions,
): Promise<FastDiffOutcome> {
  const pool = FastWorkerPool.start(options.workers);
  try {
    return { ok: true, result: await run(comparer, desired, actual, ctx, options, pool) };
  } catch (error) {
    if (error instanceof FastPathBail) return { ok: false, reason: error.message };
    throw error;
  } finally {
    await pool.close();
  }
}

/** Phase timings on stderr when RECON_DIFF_TRACE is set (for the benchmark). */
const trace = process.env.RECON_DIFF_TRACE
  ? (() => {
      let last = performance.now();
      let lastCpu = process.cpuUsage();
      return (label: string) => {
        const now = performance.now();
        const cpu = process.cpuUsage(lastCpu);
        const m = process.memoryUsage();
        process.stderr.write(
          `[diff] ${label}: ${(now - last).toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms cpu, ` +
            `rss ${(m.rss / 1048576).toFixed(0)} MB, heap ${(m.heapUsed / 1048576).toFixed(0)} MB, buffers ${(m.arrayBuffers / 1048576).toFixed(0)} MB\n`,
        );
        last = now;
        lastCpu = process.cpuUsage();
      };
    })()
  : () => undefined;

/** What the join leaves for the item phase: small lists, no shared arrays. */
interface JoinedWork {
  /** Invalid items found so far (suspect rows). */
  entries: SortableItem[];
  missing: Wanted[];
  /** Candidate pairs: matched keys whose fingerprints differ. */
  pairs: { desired: Wanted; actual: Wanted }[];
  extras: Wanted[];
  /** Rows sharing a key, per key. */
  desiredDuplicates: Wanted[][];
  actualDuplicates: Wanted[][];
  matchedOnce: number;
  desiredTotal: number;
  actualTotal: number;
}

async function run(
  comparer: RecordComparer,
  desired: FastSide,
  actual: FastSide,
  ctx: ObserveContext,
  options: FastDiffOptions,
  pool: FastWorkerPool,
): Promise<DiffResult> {
  const work = await join(desired, actual, ctx, options, pool);
  // The shared arrays, the table and the workers (with whatever their heaps hold) go before the
  // items are built: the two phases' memory never adds up.
  await pool.close();
  return buildItems(work, comparer, desired, actual, ctx);
}

async function join(
  desired: FastSide,
  actual: FastSide,
  ctx: ObserveContext,
  options: FastDiffOptions,
  pool: FastWorkerPool,
): Promise<JoinedWork> {
  const desiredSource: IrSource = desired.source;
  const actualSource: IrSource = actual.source;
  const desiredPipeline = new RecordPipeline(desiredSource, 'desired' as Side, ctx);
  const actualPipeline = new RecordPipeline(actualSource, 'actual' as Side, ctx);
  const entries: SortableItem[] = [];

  // 1. The desired side into shared arrays.
  const dScan = await scanSide<ScanDesiredResult>(
    desired,
    pool,
    options,
    (range) => ({ kind: 'scan-desired', range, estimatedRows: Math.ceil(((range.to === Infinity ? desired.size : range.to) - range.from) / desired.rowBytes * 1.05) + 64 }),
    () => undefined,
  );
  const ranges: DesiredRange[] = dScan.results.map((r) => r.range);
  trace('scan desired');

  // 2. Suspect desired rows: the read pipeline decides.
  {
    const wanted: Wanted[] = [];
    const where: [number, number][] = [];
    dScan.results.forEach((result, r) => {
      const { suspects, suspectStarts } = result.outcome;
      for (let j = 0; j < suspectStarts.length; j++) {
        const local = suspects[2 * j];
        wanted.push({ start: suspectStarts[j], position: dScan.rowsBefore[r] + local + 1 });
        where.push([r, local]);
      }
    });
    if (wanted.length > 0) {
      const seen = observeRows(desired, desiredPipeline, wanted);
      const invalid: InvalidRecord[] = [];
      const invalidStarts: number[] = [];
      wanted.forEach((w, i) => {
        const [r, local] = where[i];
        const bad = seen.invalid[i];
        if (bad) {
          setFlags(ranges[r], local, FLAG_INVALID);
          clearFlags(ranges[r], local, FLAG_SUSPECT);
          invalid.push(bad);
          invalidStarts.push(w.start);
        } else {
          clearFlags(ranges[r], local, FLAG_SUSPECT);
        }
      });
      addLines(desired, invalid.map((record) => record.origin), invalidStarts);
      for (const record of invalid) entries.push({ item: invalidItem(desiredSource, record), keyText: '' });
    }
  }

  trace('desired suspects');
  // 3. The key table, one half per worker.
  const table = createTable(dScan.total);
  await pool.runAll([0, 1].map((partition) => ({ kind: 'build' as const, ranges, table, partition })));
  options.signal?.throwIfAborted();

  trace('build table');
  // 4. The actual side probes the table.
  const clearMatches = () => {
    for (const range of ranges) {
      for (let i = 0; i < range.count; i++) clearFlags(range, i, FLAG_MATCHED | FLAG_MATCHED_TWICE);
    }
  };
  const aScan = await scanSide<ScanActualResult>(actual, pool, options, (range) => ({ kind: 'scan-actual', range, ranges, table }), clearMatches);

  trace('scan+probe actual');
  // Suspect actual rows: judged by the pipeline; the valid ones are probed here.
  const mainLists = {
    candidates: new NumberList(new Int32Array(64), (n) => new Int32Array(n)),
    candidateStarts: new NumberList(new Float64Array(32), (n) => new Float64Array(n)),
    repeats: new NumberList(new Int32Array(64), (n) => new Int32Array(n)),
    repeatStarts: new NumberList(new Float64Array(32), (n) => new Float64Array(n)),
  };
  /** Valid suspect rows: their position and start, for extras and repeats. */
  const suspectExtras: { position: number; start: number; key: string }[] = [];
  const suspectMatches: { ref: number; position: number; start: number }[] = [];
  {
    const wanted: Wanted[] = [];
    const info: { r: number; j: number }[] = [];
    aScan.results.forEach((result, r) => {
      const { suspects, suspectStarts } = result.outcome;
      for (let j = 0; j < suspectStarts.length; j++) {
        wanted.push({ start: suspectStarts[j], position: aScan.rowsBefore[r] + suspects[2 * j] + 1 });
        info.push({ r, j });
      }
    });
    if (wanted.length > 0) {
      const seen = observeRows(actual, actualPipeline, wanted);
      const invalid: InvalidRecord[] = [];
      const invalidStarts: number[] = [];
      wanted.forEach((w, i) => {
        const bad = seen.invalid[i];
        if (bad) {
          invalid.push(bad);
          invalidStarts.push(w.start);
          return;
        }
        const { r, j } = info[i];
        const lists = aScan.results[r].lists;
        const hash = lists.suspectHashes[3 * j];
        const keyFrom = lists.suspectKeyStart[j];
        const keyLength = lists.suspectKeyStart[j + 1] - keyFrom;
        const key = lists.suspectKeys.subarray(keyFrom, keyFrom + keyLength);
        const ref = probe(ranges, table, keyView(hash, key));
        if (ref < 0) {
          suspectExtras.push({ position: w.position, start: w.start, key: Buffer.from(key).toString('latin1') });
          return;
        }
        const local = w.position - 1; // positions stand in for local rows in the main lists
        recordMatch(ranges, ref, lists.suspectHashes[3 * j + 1], lists.suspectHashes[3 * j + 2], local, w.start, mainLists);
        suspectMatches.push({ ref, position: w.position, start: w.start });
      });
      addLines(actual, invalid.map((record) => record.origin), invalidStarts);
      for (const record of invalid) entries.push({ item: invalidItem(actualSource, record), keyText: '' });
    }
  }

  trace('actual suspects');
  // 5. Actual keys seen more than once: every row with such a key (a second pass, only then).
  const repeatedRows = new Map<number, Wanted[]>(); // desired ref -> actual rows
  let anyRepeat = false;
  for (const range of ranges) {
    for (let i = 0; i < range.count; i++) {
      if ((flagsAt(range, i) & FLAG_MATCHED_TWICE) !== 0) {
        anyRepeat = true;
        break;
      }
    }
    if (anyRepeat) break;
  }
  if (anyRepeat) {
    const specs: RangeSpec[] = aScan.results.map((_, k) => ({
      file: actual.file,
      size: actual.size,
      plan: actual.scan,
      from: aScan.starts[k],
      guess: false,
      to: k === aScan.results.length - 1 ? Infinity : aScan.starts[k + 1],
    }));
    const found = await pool.runAll<RepeatsResult>(specs.map((range) => ({ kind: 'collect-repeats' as const, range, ranges, table })));
    found.forEach((result, k) => {
      for (let j = 0; j < result.starts.length; j++) {
        const ref = result.rows[2 * j];
        const list = repeatedRows.get(ref) ?? [];
        list.push({ start: result.starts[j], position: aScan.rowsBefore[k] + result.rows[2 * j + 1] + 1 });
        repeatedRows.set(ref, list);
      }
    });
    for (const match of suspectMatches) {
      const r = refRange(match.ref);
      if ((flagsAt(ranges[r], match.ref - r * RANGE_STRIDE) & FLAG_MATCHED_TWICE) === 0) continue;
      const list = repeatedRows.get(match.ref) ?? [];
      list.push({ start: match.start, position: match.position });
      repeatedRows.set(match.ref, list);
    }
  }

  trace('repeats');
  // 6. What needs the shared arrays: the rows to read again, the counts, the duplicates.
  let matchedOnce = 0;
  const missing: Wanted[] = [];
  const desiredDuplicates = new Map<string, Wanted[]>();
  ranges.forEach((range, r) => {
    for (let i = 0; i < range.count; i++) {
      const f = flagsAt(range, i);
      if ((f & FLAG_INVALID) !== 0) continue;
      const wanted = { start: range.rowStart[i], position: dScan.rowsBefore[r] + i + 1 };
      if ((f & FLAG_DUP) !== 0) {
        const key = keyTextAt(range, i);
        const group = desiredDuplicates.get(key);
        if (group) group.push(wanted);
        else desiredDuplicates.set(key, [wanted]);
      } else if ((f & FLAG_MATCHED) === 0) {
        missing.push(wanted);
      } else if ((f & FLAG_MATCHED_TWICE) === 0) {
        matchedOnce++;
      }
    }
  });
  // Candidate pairs (fingerprints differ), from the workers' lists and the main thread's.
  const pairs: { desired: Wanted; actual: Wanted }[] = [];
  const addPairs = (candidates: Int32Array, starts: Float64Array, positionOf: (local: number) => number) => {
    for (let j = 0; j < starts.length; j++) {
      const ref = candidates[2 * j];
      const r = refRange(ref);
      const i = ref - r * RANGE_STRIDE;
      if ((flagsAt(ranges[r], i) & FLAG_MATCHED_TWICE) !== 0) continue;
      pairs.push({
        desired: { start: ranges[r].rowStart[i], position: dScan.rowsBefore[r] + i + 1 },
        actual: { start: starts[j], position: positionOf(candidates[2 * j + 1]) },
      });
    }
  };
  aScan.results.forEach((result, k) => {
    addPairs(result.lists.candidates, result.lists.candidateStarts, (local) => aScan.rowsBefore[k] + local + 1);
  });
  addPairs(mainLists.candidates.take(), mainLists.candidateStarts.take(), (position0) => position0 + 1);
  // Extras, grouped by key bytes: a key repeated among them is a duplicate.
  const extraGroups = new Map<string, Wanted[]>();
  const addExtra = (key: string, wanted: Wanted) => {
    const group = extraGroups.get(key);
    if (group) group.push(wanted);
    else extraGroups.set(key, [wanted]);
  };
  aScan.results.forEach((result, k) => {
    const { extras, extraStarts, extraKeyStart, extraKeys } = result.lists;
    for (let j = 0; j < extras.length; j++) {
      const key = Buffer.from(extraKeys.buffer, extraKeys.byteOffset + extraKeyStart[j], extraKeyStart[j + 1] - extraKeyStart[j]).toString('latin1');
      addExtra(key, { start: extraStarts[j], position: aScan.rowsBefore[k] + extras[j] + 1 });
    }
  });
  for (const extra of suspectExtras) addExtra(extra.key, { start: extra.start, position: extra.position });
  const extras: Wanted[] = [];
  const actualDuplicates: Wanted[][] = [...repeatedRows.values()];
  for (const group of extraGroups.values()) {
    if (group.length === 1) extras.push(group[0]);
    else actualDuplicates.push(group);
  }
  trace('collect');
  return {
    entries,
    missing,
    pairs,
    extras,
    desiredDuplicates: [...desiredDuplicates.values()],
    actualDuplicates,
    matchedOnce,
    desiredTotal: dScan.total,
    actualTotal: aScan.total,
  };
}

/** Rows presented at a time while building items (their garbage dies young). */
const ITEM_BATCH = 4096;

/**
 * The rows of one side that items need: their texts are read first (in file order, compact),
 * then presented batch by batch through the read pipeline.
 */
class SideRows {
  private readonly texts: string[];
  private readonly pipeline: RecordPipeline;
  private readonly interner = new StringInterner();
  private next = 0;

  constructor(
    private readonly side: FastSide,
    private readonly wanted: readonly Wanted[],
    name: Side,
    ctx: ObserveContext,
  ) {
    this.texts = readRowTexts(side.file, side.size, side.delimiter, wanted.map((w) => w.start));
    this.pipeline = new RecordPipeline(side.source, name, ctx);
  }

  /** The presented records of the next `count` wanted rows (each row is taken once). */
  take(count: number): ObservedRecord[] {
    const from = this.next;
    const to = Math.min(this.wanted.length, from + count);
    this.next = to;
    const shape = { names: this.side.names, delimiter: this.side.delimiter, rowDelimiter: this.side.rowDelimiter };
    const raws = parseRowTexts(this.texts, shape, from, to, this.interner);
    for (let i = from; i < to; i++) this.texts[i] = '';
    const out = RecordPipeline.emptyBatch();
    const records: ObservedRecord[] = new Array(to - from);
    for (let i = from; i < to; i++) {
      out.records.length = 0;
      out.invalid.length = 0;
      this.pipeline.fromRaw(raws[i - from], { position: this.wanted[i].position }, out);
      if (out.records.length === 0) {
        throw new FastPathBail(`internal: the ${this.side.source.name} row at position ${this.wanted[i].position} was judged invalid on re-reading`);
      }
      records[i - from] = out.records[0];
    }
    return records;
  }
}

function buildItems(work: JoinedWork, comparer: RecordComparer, desired: FastSide, actual: FastSide, ctx: ObserveContext): DiffResult {
  const { entries, missing, pairs, extras } = work;
  const desiredSource: IrSource = desired.source;
  const actualSource: IrSource = actual.source;
  // 7. Read the rows again, present them in batches, build the items.
  const dRows = new SideRows(desired, [...missing, ...pairs.map((p) => p.desired)], 'desired', ctx);
  const aRows = new SideRows(actual, [...pairs.map((p) => p.actual), ...extras], 'actual', ctx);
  trace('re-read');
  for (let from = 0; from < missing.length; from += ITEM_BATCH) {
    for (const record of dRows.take(Math.min(ITEM_BATCH, missing.length - from))) {
      entries.push({ item: missingItem(desiredSource, record), keyText: record.keyText });
    }
  }
  let changed = 0;
  for (let from = 0; from < pairs.length; from += ITEM_BATCH) {
    const count = Math.min(ITEM_BATCH, pairs.length - from);
    const ds = dRows.take(count);
    const as = aRows.take(count);
    for (let k = 0; k < count; k++) {
      const item = changedItem(comparer, desiredSource, ds[k], as[k]);
      if (item !== null) {
        changed++;
        entries.push({ item, keyText: ds[k].keyText });
      }
    }
  }
  for (let from = 0; from < extras.length; from += ITEM_BATCH) {
    for (const record of aRows.take(Math.min(ITEM_BATCH, extras.length - from))) {
      entries.push({ item: extraItem(actualSource, record), keyText: record.keyText });
    }
  }
  // Duplicates (rare), with the lines of their rows.
  const duplicates = (side: FastSide, groups: Wanted[][], name: 'desired' | 'actual') => {
    const all = groups.flat();
    if (all.length === 0) return;
    const records = new SideRows(side, all, name, ctx).take(all.length);
    addLines(side, records.map((record) => record.origin), all.map((wanted) => wanted.start));
    let n = 0;
    for (const group of groups) {
      const members = records.slice(n, n + group.length);
      n += group.length;
      for (const item of duplicateItems(side.source, name, members)) entries.push({ item, keyText: members[0].keyText });
    }
  };
  duplicates(desired, work.desiredDuplicates, 'desired');
  duplicates(actual, work.actualDuplicates, 'actual');
  trace('items');
  const items = sortItems(entries);
  trace('sort');
  return { summary: summarize(work.desiredTotal, work.actualTotal, work.matchedOnce - changed, items), items };
}
