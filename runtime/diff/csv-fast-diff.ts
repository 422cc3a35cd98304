/**
 * The CSV fast path of the diff: the same result as `observeSource` + `diffPolicy`, for large
 * files, in typed arrays instead of objects.
 *
 * Why and how (the performance notes of the project explain the numbers):
 * 1. Each file is split into byte ranges, one per worker; each worker scans its range at byte
 *    level (`csv-byte-scanner.ts`) — the desired ranges into shared arrays (64-bit fingerprint
 *    of the compared fields, row offset, key bytes, flags) that the workers hand each other; the
 *    main thread never holds them, so they are gone when the workers end. As it stores a desired
 *    row, a worker inserts it into the one shared key table (sized beforehand from the file's
 *    size), with the key hash the scanner has just computed, claiming slots atomically and
 *    flagging rows of its range that share a key. Why during the scan: a table built after it
 *    was a phase of its own in which each thread hashed every row again (≈ 85 ms of wall time
 *    at 1M records a side, 358 at 5M).
 * 2. Rows the scanner could not vouch for (`suspect`, never inserted during the scan) are judged
 *    by the real read pipeline; invalid ones leave the join, valid ones go into the table, and
 *    the rows the scan met in the table with the same key hash from another range are compared
 *    on their key bytes (`settleTable`) — so every desired row sharing a key is flagged.
 * 3. Only when the file held more rows than the table filled during the scan safely takes: the
 *    workers build the key table again, right-sized (one half each), and flag the rows sharing a
 *    key.
 * 4. The workers scan the actual ranges and probe the table: a key hash match is confirmed on
 *    the key bytes; pairs with equal fingerprints are unchanged (equal bytes of every compared
 *    field compare equal under every comparator but `by`, which is never on this path); the
 *    others are candidates.
 * 5. Only the rows that matter are read again by offset — candidates, extras, missing,
 *    duplicates — and go through the connector's parser, the read pipeline and the compare
 *    rules, exactly as on the generic path, on the main thread (items are objects of its heap).
 *    With a core to spare, it builds the changed and extra items while the workers still probe
 *    (`eager`); otherwise after the workers have ended, so the join's memory and the items'
 *    never add up — then all at once (`ItemBuilder.finish`): one pass over each file (the
 *    actual rows of candidates and extras, the desired rows of candidates and missing rows,
 *    read in large chunks), the actual rows put among the desired ones (each pair's two rows
 *    one after the other) and parsed in order (`parseRowBytes`, a slice at a time), so each
 *    pair is compared and its item decided as soon as both records exist; the pipeline
 *    specialised to the file's columns
 *    (`ColumnRowPresenter`), and whole `ObservedRecord`s only where an item needs one.
 * While steps 1 and 4 scan a file, each range reports the rows it has scanned now and then
 * (`scanRange`'s `progress`, a message from a worker, or a call on the calling thread), summed
 * per side for the progress bar of long observes (`FastDiffOptions.onProgress`); the later
 * phases report nothing.
 * Range boundaries are guessed at line feeds and verified (a line feed inside a quoted field
 * makes the scan start over with one range, and the side's progress from 0). Malformed input,
 * or a row the pipeline judges differently from the scanner, ends the fast path: `diffSources`
 * then runs the generic path.
 * `RECON_TRACE=1` prints the time and memory of each phase on stderr (`phase-trace.ts`).
 */
import { availableParallelism } from 'node:os';
import type { IrSource } from '../../language/ir/ir-types.js';
import { ConnectorError, type RawRecord, type RawRecordOrigin } from '../connectors/connector.js';
import { fastKeyText, RecordPipeline, type ColumnRowPresenter, type ObserveContext, type Side } from '../observe/record-reader.js';
import { readPath } from '../observe/field-path.js';
import type { InvalidRecord, ObservedRecord } from '../observe/observed-record.js';
import { Float64List, Int32List, MAX_RANGES, NumberList, RANGE_STRIDE } from './csv-fast-join.js';
import type { FastSide } from './csv-fast-plan.js';
import type {
  CandidatePairs,
  DesiredCollectResult,
  FastPartial,
  FastTask,
  RangeSpec,
  RepeatsResult,
  ScanActualResult,
  ScanDesiredResult,
  SettleResult,
  SuspectProbeResult,
} from './csv-fast-tasks.js';
import {
  linesAt,
  parseRowBytes,
  RawRowBuilder,
  readRowBytes,
  readRowsAt,
  releaseRows,
  type CsvRecordShape,
  type RowBytes,
  type RowsToJoin,
} from './csv-row-reader.js';
import { FastWorkerPool, type PartialHandler, type ProgressHandler } from './csv-worker-pool.js';
import {
  changedItem,
  changedItemOf,
  duplicateItems,
  extraItem,
  extraItemOf,
  invalidItem,
  keyObject,
  missingItemOf,
  orderedItems,
  sortableEntry,
  sortableKeyedEntry,
  summarize,
  type SortableItem,
} from './diff-items.js';
import type { DiffResult, ItemDecider } from './diff-result.js';
import type { RecordComparer } from './record-comparer.js';
import { traceNote, tracePhase } from '../plan/phase-trace.js';
import { boundYoungGeneration } from './young-generation-bound.js';

/** Tuning knobs (tests use them to force several ranges on small files). */
export interface FastDiffOptions {
  /** Worker threads; 0 or 1 runs everything on the calling thread. */
  workers: number;
  /** A range is at least this many bytes (default 4 MiB). */
  minRangeBytes?: number;
  /**
   * Build changed and extra items while the workers probe (default: when a core is left for the
   * main thread). Faster with a spare core; otherwise the phases run one after the other, so the
   * join's shared memory is gone before the items take theirs.
   */
  eager?: boolean;
  signal?: AbortSignal;
  /** Decide each item as it is made (see `DiffResult.decided`). */
  decide?: ItemDecider;
  /** Once the workers end, stop the young generation from growing (`young-generation-bound.ts`). */
  boundYoungGeneration?: boolean;
  /**
   * A pool started ahead (so its workers boot while the caller reads headers and plans), used
   * instead of starting one; closed like one (`workers` is then ignored).
   */
  pool?: FastWorkerPool;
  /**
   * Told the rows (records, valid or not) scanned so far on a side, summed over its ranges, now
   * and then while each file is scanned (progress bars). A scan that starts over reports 0 and
   * counts again. Not told anything about the later phases (re-reading rows, building items).
   */
  onProgress?: (side: Side, records: number) => void;
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

/**
 * Sums the rows the ranges of one scan of a side report (`ProgressHandler`), telling
 * `FastDiffOptions.onProgress` the side's total at each report.
 */
function sideProgress(options: FastDiffOptions, name: Side, count: number): ProgressHandler | null {
  const report = options.onProgress;
  if (report === undefined) return null;
  const rows = new Array<number>(count).fill(0);
  let total = 0;
  return (index, scanned) => {
    total += scanned - rows[index];
    rows[index] = scanned;
    report(name, total);
  };
}

/**
 * Scans one side in ranges, verifying the guessed boundaries; one range again on a mismatch
 * (the side's progress then starts again from 0: see `FastDiffOptions.onProgress`).
 */
async function scanSide<T extends ScanDesiredResult | ScanActualResult>(
  side: FastSide,
  name: Side,
  pool: FastWorkerPool,
  options: FastDiffOptions,
  makeTask: (spec: RangeSpec, index: number) => FastTask,
  beforeRetry: () => Promise<void>,
  onPartial: PartialHandler | null = null,
): Promise<ScannedSide<T>> {
  let count = rangeCount(side, pool, options);
  for (;;) {
    const specs = splitRanges(side, count);
    const results = await pool.runAll<T>(
      specs.map((spec, index) => makeTask(spec, index)),
      onPartial,
      sideProgress(options, name, count),
    );
    options.signal?.throwIfAborted();
    let verified = true;
    for (let k = 1; k < results.length; k++) {
      if (results[k - 1].outcome.bail === null && results[k - 1].outcome.stoppedAt !== results[k].outcome.start) verified = false;
    }
    if (!verified && count > 1) {
      traceNote(`diff: ${side.source.name}: a guessed range boundary was not a row's start: scanned again as one range`);
      // The rows of this scan are counted again (every report of it has arrived: `runAll`).
      options.onProgress?.(name, 0);
      await beforeRetry();
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

/** A row to read again: where it is and its position in its source. */
interface Wanted {
  start: number;
  position: number;
}

/** Many rows to read again, as two parallel typed arrays (no object per row). */
interface Rows {
  starts: Float64Array;
  positions: Float64Array;
}

class RowsBuilder {
  private readonly starts = new NumberList(new Float64Array(1024), (n) => new Float64Array(n));
  private readonly positions = new NumberList(new Float64Array(1024), (n) => new Float64Array(n));

  push(start: number, position: number): void {
    this.starts.push(start);
    this.positions.push(position);
  }

  take(): Rows {
    return { starts: this.starts.take(), positions: this.positions.take() };
  }
}

/** Reads rows and runs them through the read pipeline: the presented record, or why it is invalid. */
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
  const pool = options.pool ?? FastWorkerPool.start(options.workers);
  try {
    return { ok: true, result: await run(comparer, desired, actual, ctx, options, pool) };
  } catch (error) {
    if (options.signal?.aborted) {
      throw new ConnectorError(`source ${desired.source.name}: reading was cancelled`, desired.source.connector.at);
    }
    if (error instanceof FastPathBail) return { ok: false, reason: error.message };
    // Anything else (a file that changed or vanished while being read, say): the generic path
    // reads again and reports it the way every connector does.
    return { ok: false, reason: `the fast path failed: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    await pool.close();
  }
}

/** Stands in for a record no longer needed (so it can be collected). */
const UNUSED: Record<string, unknown> = {};
/** Stands in for a row's values no longer needed. */
const NO_VALUES: (string | undefined)[] = [];

/** Reads rows of one side again and presents them through the read pipeline. */
class RowPresenter {
  private readonly pipeline: RecordPipeline;
  private readonly columns: ColumnRowPresenter | null;
  private readonly raws: RawRowBuilder;
  private readonly shape: CsvRecordShape;

  constructor(
    private readonly side: FastSide,
    name: Side,
    ctx: ObserveContext,
  ) {
    this.pipeline = new RecordPipeline(side.source, name, ctx);
    this.columns = this.pipeline.forColumns(side.names);
    this.raws = new RawRowBuilder(side.names, this.columns === null || this.columns.presentsRaw);
    this.shape = { names: side.names, delimiter: side.delimiter, rowDelimiter: side.rowDelimiter };
  }

  /** Reads the rows at `starts` again (one pass), with another file's rows among them when `join` says so. */
  read(starts: Float64Array, join: RowsToJoin | null = null): RowBytes {
    return readRowBytes(this.side.file, this.side.size, this.shape, starts, join);
  }

  /** How rows of this side are parsed. */
  get rowShape(): CsvRecordShape {
    return this.shape;
  }

  /**
   * The raw record of the row `presentRow` presented last when it was made; null when it was
   * not (`rawOf` makes it from the row's values when it is needed).
   */
  lastRaw: RawRecord | null = null;

  /**
   * The presented record of a row's values (the scanner vouched for the row); its raw record is
   * left in `lastRaw` when it was made, and `values` as `RawRowBuilder.normalize` leaves them.
   * Why the raw record only on demand: a presenter of typed records reads the values alone, and
   * most rows it presents (pairs equal under the rules) never need their raw record.
   */
  presentRow(values: (string | undefined)[]): Record<string, unknown> {
    const columns = this.columns;
    if (columns !== null && !columns.presentsRaw) {
      this.raws.normalize(values);
      // typed records are made of the values alone (`recordOf` reads no raw record then)
      const record = columns.recordOf(values, UNUSED);
      if (record !== null) {
        this.lastRaw = null;
        return record;
      }
      return this.presentRaw(this.raws.record(values));
    }
    const raw = this.raws.build(values);
    const record = columns === null ? null : columns.recordOf(values, raw);
    if (record !== null) {
      this.lastRaw = raw;
      return record;
    }
    return this.presentRaw(raw);
  }

  /** The presented record of a raw record, by the whole pipeline (`lastRaw` becomes `raw`). */
  private presentRaw(raw: RawRecord): Record<string, unknown> {
    this.lastRaw = raw;
    const out = RecordPipeline.emptyBatch();
    this.pipeline.fromRaw(raw, { position: 0 }, out);
    if (out.records.length === 0) {
      throw new FastPathBail(`internal: a ${this.side.source.name} row the scanner accepted was judged invalid on re-reading`);
    }
    return out.records[0].record;
  }

  /**
   * The raw record of a row `presentRow` presented: `raw`, the `lastRaw` it left, or when that
   * is null one made now from the `values` it was given.
   */
  rawOf(values: readonly (string | undefined)[], raw: RawRecord | null): RawRecord {
    return raw ?? this.raws.record(values);
  }

  /**
   * Presents rows read by `read` (the scanner vouched for them), handing each record to `visit`
   * with its index in the offsets read (in file order); `positions` gives their origins (null:
   * position 0, not needed).
   */
  eachOf(rows: RowBytes, positions: ArrayLike<number> | null, visit: (record: ObservedRecord, index: number) => void): void {
    this.eachRecord(rows, (record, raw, i) => visit(this.observed(record, raw, positions === null ? 0 : positions[i]), i));
  }

  /**
   * `eachOf` without the rest of each `ObservedRecord`: the presented and raw records only
   * (`observed` and `keyOf` make the rest when it is needed).
   */
  eachRecord(rows: RowBytes, visit: (record: Record<string, unknown>, raw: RawRecord, index: number) => void): void {
    const order = rows.order;
    parseRowBytes(rows, this.shape, (values, row) => {
      const record = this.presentRow(values);
      visit(record, this.rawOf(values, this.lastRaw), order[row]);
    });
  }

  /** The key of a presented record (as the read pipeline finds it). */
  keyOf(record: Record<string, unknown>): unknown[] {
    return this.columns === null ? this.side.source.key.map((path) => readPath(record, path)) : this.columns.keyOf(record);
  }

  /** The whole `ObservedRecord` of a presented record. */
  observed(record: Record<string, unknown>, raw: RawRecord, position: number): ObservedRecord {
    const key = this.keyOf(record);
    return { record, raw, key, keyText: fastKeyText(key), origin: { position } };
  }

  /** The presented records of the rows at `starts`, in that order, read at once. */
  present(starts: Float64Array, positions: Float64Array | null): ObservedRecord[] {
    const records: ObservedRecord[] = new Array(starts.length);
    if (starts.length === 0) return records;
    this.eachOf(this.read(starts), positions, (record, i) => {
      records[i] = record;
    });
    return records;
  }
}

/** An extra row, by range and local row (its position is known once every range is). */
interface ExtraRow {
  range: number;
  local: number;
  start: number;
}

/**
 * The first row of each extra key, as parallel typed lists (`ExtraRow` by index): about 10,000
 * rows at 1M records a side live until the items are listed, and as objects they were copied by
 * every young-generation collection on the way.
 */
class ExtraRows {
  private readonly ranges = new Int32List();
  private readonly locals = new Int32List();
  private readonly starts = new Float64List();

  get length(): number {
    return this.ranges.length;
  }

  push(range: number, local: number, start: number): void {
    this.ranges.push(range);
    this.locals.push(local);
    this.starts.push(start);
  }

  /** Row `e` as an object (for the rare keys with more rows). */
  row(e: number): ExtraRow {
    return { range: this.ranges.data[e], local: this.locals.data[e], start: this.starts.data[e] };
  }

  clear(): void {
    this.ranges.length = 0;
    this.locals.length = 0;
    this.starts.length = 0;
  }
}

/** Extras of one range, as the workers list them (see `ItemBuilder.addExtras`). */
interface ExtraList {
  range: number;
  locals: Int32Array;
  starts: Float64Array;
  keyStart: Int32Array;
  keys: Uint8Array;
}

/**
 * The changed, extra and missing items. Eagerly (`deferred` false), candidates and extras are
 * built as they come, while the workers are still probing: the main thread would otherwise only
 * wait. Deferred, they are gathered and built by `finish` with the missing items, reading each
 * file once for all of them. Keys found later to repeat are dropped at the end (by the caller).
 */
class ItemBuilder {
  /** Changed items (`changedEntries`) and the desired ref of each (`changedRefs`), in parallel. */
  readonly changedRefs: number[] = [];
  readonly changedEntries: SortableItem[] = [];
  /**
   * Extras by key bytes: the index of the key's first row in `extraEntries` (its item) and
   * `extraFirst` (the row), in the order keys were met; rows after the first in `extraMore`.
   */
  private readonly extraIndex = new Map<string, number>();
  readonly extraEntries: SortableItem[] = [];
  readonly extraFirst = new ExtraRows();
  readonly extraMore = new Map<number, ExtraRow[]>();
  private pairLists: CandidatePairs[] = [];
  private extraLists: ExtraList[] = [];

  constructor(
    private readonly comparer: RecordComparer,
    private readonly desired: RowPresenter,
    private readonly actual: RowPresenter,
    private readonly desiredSource: IrSource,
    private readonly actualSource: IrSource,
    private readonly deferred: boolean,
    private readonly decide: ItemDecider | null,
  ) {}

  reset(): void {
    this.changedRefs.length = 0;
    this.changedEntries.length = 0;
    this.extraIndex.clear();
    this.extraEntries.length = 0;
    this.extraFirst.clear();
    this.extraMore.clear();
    this.pairLists = [];
    this.extraLists = [];
    this.actualRows = null;
    this.desiredBytes = undefined;
    this.joined = false;
  }

  addPairs(pairs: CandidatePairs): void {
    if (pairs.refs.length === 0) return;
    if (this.deferred) {
      this.pairLists.push(pairs);
      return;
    }
    const as = this.actual.present(pairs.actualStarts, null);
    const ds = this.desired.present(pairs.desiredStarts, pairs.desiredPositions);
    for (let k = 0; k < ds.length; k++) this.addPair(pairs.refs[k], ds[k], as[k]);
  }

  private addPair(ref: number, desired: ObservedRecord, actual: ObservedRecord): void {
    const item = changedItem(this.comparer, this.desiredSource, desired, actual);
    if (item !== null) this.addChanged(ref, sortableEntry(item, desired.keyText, this.decide));
  }

  private addChanged(ref: number, entry: SortableItem): void {
    this.changedRefs.push(ref);
    this.changedEntries.push(entry);
  }

  /** Extras of range `range` (local rows; -1 for rows known by position, see `ExtraRow`). */
  addExtras(range: number, locals: Int32Array, starts: Float64Array, keyStart: Int32Array, keys: Uint8Array): void {
    if (starts.length === 0) return;
    const list = { range, locals, starts, keyStart, keys };
    if (this.deferred) this.extraLists.push(list);
    else {
      const records = this.actual.present(starts, null);
      const chars = keyChars(list);
      for (let j = 0; j < starts.length; j++) {
        if (this.addExtraRow(list, chars, j)) this.extraEntries.push(sortableEntry(extraItem(this.actualSource, records[j]), records[j].keyText, this.decide));
      }
    }
  }

  /**
   * Adds row `j` of `list` (`chars`: its `keyChars`) to the extras: true when its key is new,
   * and the caller then pushes its entry to `extraEntries`.
   */
  private addExtraRow(list: ExtraList, chars: string, j: number): boolean {
    const key = chars.slice(list.keyStart[j], list.keyStart[j + 1]);
    const known = this.extraIndex.get(key);
    if (known === undefined) {
      this.extraIndex.set(key, this.extraFirst.length);
      this.extraFirst.push(list.range, list.locals[j], list.starts[j]);
      return true;
    }
    const row: ExtraRow = { range: list.range, local: list.locals[j], start: list.starts[j] };
    const more = this.extraMore.get(known);
    if (more === undefined) this.extraMore.set(known, [row]);
    else more.push(row);
    return false;
  }

  addPartial(range: number, partial: FastPartial): void {
    this.addPairs(partial.pairs);
    this.addExtras(range, partial.extras, partial.extraStarts, partial.extraKeyStart, partial.extraKeys);
  }

  /** The deferred candidates and extras, read by `readActual` (null: not yet). */
  private actualRows: { pairLists: CandidatePairs[]; extraLists: ExtraList[]; bytes: RowBytes | null } | null = null;
  /** The desired rows of the deferred candidates and the missing rows, read by `readDesired`. */
  private desiredBytes: RowBytes | null | undefined;
  /** Whether `desiredBytes` holds the actual rows too (see `finishJoined`). */
  private joined = false;

  /**
   * Reads the actual rows of the deferred candidates and extras (one pass over the file), first
   * thing `readDesired` does: once they are all known, while the workers close (see `run`).
   */
  private readActual(): void {
    if (this.actualRows !== null) return;
    const pairLists = this.pairLists;
    const extraLists = this.extraLists;
    this.pairLists = [];
    this.extraLists = [];
    const starts = concatenated([...pairLists.map((pairs) => pairs.actualStarts), ...extraLists.map((list) => list.starts)], (n) => new Float64Array(n));
    this.actualRows = { pairLists, extraLists, bytes: starts.length > 0 ? this.actual.read(starts) : null };
  }

  /** Reads the desired rows of the deferred candidates and the `missing` rows (one pass). */
  readDesired(missing: Rows): void {
    this.readActual();
    if (this.desiredBytes !== undefined) return;
    const pairLists = this.actualRows!.pairLists;
    const starts = concatenated([...pairLists.map((pairs) => pairs.desiredStarts), missing.starts], (n) => new Float64Array(n));
    const pairCount = starts.length - missing.starts.length;
    this.joined = false;
    if (starts.length === 0) {
      this.desiredBytes = null;
      return;
    }
    const actualBytes = this.actualRows!.bytes;
    const desiredShape = this.desired.rowShape;
    const actualShape = this.actual.rowShape;
    if (
      actualBytes !== null &&
      desiredShape.names.length === actualShape.names.length &&
      desiredShape.delimiter === actualShape.delimiter &&
      desiredShape.rowDelimiter === actualShape.rowDelimiter
    ) {
      // The actual rows among the desired ones (`finishJoined`): the actual row of each pair
      // right after its desired row, and the extras (in their order) spread evenly over the
      // desired rows, extra `k` of `e` before the desired row `floor(k * d / e)` of `d`.
      // Why spread: the code that makes items is optimised on the rows it has met. With all
      // the extras first, it was optimised on extras alone and thrown away (deoptimised) when
      // the first pairs and missing rows came, then compiled again, and the main thread ran
      // it unoptimised meanwhile. Spread, every kind comes within the first rows, before any
      // of that code is optimised. Nothing waits for anything: the items are the same, each
      // kind made in the same order.
      const actualOrder = actualBytes.order;
      const actualRow = new Int32Array(actualOrder.length);
      for (let i = 0; i < actualOrder.length; i++) actualRow[actualOrder[i]] = i;
      const lead = actualRow.subarray(pairCount);
      const leadBefore = new Int32Array(lead.length);
      for (let k = 0; k < lead.length; k++) leadBefore[k] = Math.floor((k * starts.length) / lead.length);
      const follow = new Int32Array(starts.length).fill(-1);
      follow.set(actualRow.subarray(0, pairCount));
      this.desiredBytes = this.desired.read(starts, { rows: actualBytes, lead, leadBefore, follow });
      this.joined = true;
      releaseRows(actualBytes);
      this.actualRows!.bytes = null;
      return;
    }
    this.desiredBytes = this.desired.read(starts);
  }

  /**
   * Builds what was deferred and the missing items (`missing`; pushed to `entries`) from the rows
   * `readActual` and `readDesired` read (they read them now if they have not yet). The items of
   * each kind are made in their file's order, the desired file's for missing and changed items
   * (files are often sorted by key, and the final sort then meets runs already in order).
   */
  finish(missing: Rows, entries: SortableItem[]): void {
    this.readDesired(missing);
    const { pairLists, extraLists, bytes: actualBytes } = this.actualRows!;
    const desiredBytes = this.desiredBytes ?? null;
    const joined = this.joined;
    this.actualRows = null;
    this.desiredBytes = undefined;
    this.joined = false;
    const refs = concatenated(pairLists.map((pairs) => pairs.refs), (n) => new Int32Array(n));
    const pairCount = refs.length;
    let extraCount = 0;
    for (const list of extraLists) extraCount += list.starts.length;
    if (joined) this.finishJoined(desiredBytes!, pairCount, extraCount, extraLists, refs, entries);
    else this.finishApart(actualBytes, desiredBytes, pairCount, extraCount, extraLists, refs, entries);
  }

  /**
   * `finish` with the rows of both files among each other (`readDesired` read them so): each
   * desired row, right after it the actual row of its pair, and the extras spread among them.
   * Why: each record lives only until its pair is compared (a pair that differs under the rules
   * makes an item at once), where reading one file's rows first would keep all of them. A row
   * of the text is the desired row `i` when it starts where that row was copied
   * (`RowBytes.bounds`), the actual row of a pair when a desired row waits for one, else an
   * extra.
   */
  private finishJoined(rows: RowBytes, pairCount: number, extraCount: number, extraLists: ExtraList[], refs: Int32Array, entries: SortableItem[]): void {
    const desiredOrder = rows.order;
    const desiredCount = desiredOrder.length;
    const textStarts = rows.starts;
    const bounds = rows.bounds;
    const { comparer, desiredSource, actualSource, decide } = this;
    const desired = this.desired;
    const actual = this.actual;
    const chars = extraLists.map(keyChars);
    // Extra `e` is row `extraRows[e]` of list `extraList[e]`. Why looked up, not counted along
    // the lists: a branch taken only now and then (moving on to the next list) had no feedback
    // when the code below was optimised, and taking it threw that code away.
    const extraList = new Int32Array(extraCount);
    const extraRows = new Int32Array(extraCount);
    for (let l = 0, e = 0; l < extraLists.length; l++) {
      for (let r = 0; r < extraLists[l].starts.length; r++, e++) {
        extraList[e] = l;
        extraRows[e] = r;
      }
    }
    let e = 0;
    let pending: Record<string, unknown> | null = null;
    // the pending row's values and raw record (null: made only if an item needs it, `rawOf`)
    let pendingValues: (string | undefined)[] = NO_VALUES;
    let pendingRaw: RawRecord | null = null;
    let pendingIndex = 0;
    let i = 0;
    parseRowBytes(rows, desired.rowShape, (values, row) => {
      if (pending !== null) {
        // The actual row of the pending desired row's pair.
        const record = actual.presentRow(values);
        const keyObj = comparer.hasByRule ? keyObject(desiredSource, desired.keyOf(pending)) : null;
        const comparison = comparer.compare(pending, record, keyObj);
        if (comparison.fields.length > 0) {
          const key = desired.keyOf(pending);
          const desiredRaw = desired.rawOf(pendingValues, pendingRaw);
          const item = changedItemOf(desiredSource, key, pending, desiredRaw, record, actual.rawOf(values, actual.lastRaw), comparison, keyObj);
          this.addChanged(refs[pendingIndex], sortableKeyedEntry(item, key, decide));
        }
        pending = null;
        pendingValues = NO_VALUES;
        pendingRaw = null;
        return;
      }
      if (i < desiredCount && textStarts[row] === bounds[i]) {
        const d = desiredOrder[i++];
        const record = desired.presentRow(values);
        if (d < pairCount) {
          pending = record;
          // kept past this call: the parser hands each row a new array of values
          pendingValues = values;
          pendingRaw = desired.lastRaw;
          pendingIndex = d;
        } else {
          const key = desired.keyOf(record);
          entries.push(sortableKeyedEntry(missingItemOf(desiredSource, key, record, desired.rawOf(values, desired.lastRaw)), key, decide));
        }
        return;
      }
      // An extra: its item when its key is new.
      const list = extraList[e];
      const record = actual.presentRow(values);
      if (this.addExtraRow(extraLists[list], chars[list], extraRows[e])) {
        const key = actual.keyOf(record);
        this.extraEntries.push(sortableKeyedEntry(extraItemOf(actualSource, key, record, actual.rawOf(values, actual.lastRaw)), key, decide));
      }
      e++;
    });
    releaseRows(rows);
    desired.lastRaw = null;
    actual.lastRaw = null;
  }

  /** `finish` reading the actual rows first, kept until the desired rows of their pairs are read. */
  private finishApart(
    actualBytes: RowBytes | null,
    desiredBytes: RowBytes | null,
    pairCount: number,
    extraCount: number,
    extraLists: ExtraList[],
    refs: Int32Array,
    entries: SortableItem[],
  ): void {
    const actualRecords: Record<string, unknown>[] = new Array(pairCount + extraCount);
    const actualRaws: RawRecord[] = new Array(pairCount + extraCount);
    if (actualBytes !== null) {
      this.actual.eachRecord(actualBytes, (record, raw, i) => {
        actualRecords[i] = record;
        actualRaws[i] = raw;
      });
      releaseRows(actualBytes);
    }
    let n = pairCount;
    const actual = this.actual;
    for (const list of extraLists) {
      const chars = keyChars(list);
      for (let j = 0; j < list.starts.length; j++) {
        if (this.addExtraRow(list, chars, j)) {
          const key = actual.keyOf(actualRecords[n + j]);
          this.extraEntries.push(sortableKeyedEntry(extraItemOf(this.actualSource, key, actualRecords[n + j], actualRaws[n + j]), key, this.decide));
        }
      }
      n += list.starts.length;
    }
    if (desiredBytes === null) return;
    const { comparer, desiredSource } = this;
    const desired = this.desired;
    desired.eachRecord(desiredBytes, (record, raw, i) => {
      if (i < pairCount) {
        const keyObj = comparer.hasByRule ? keyObject(desiredSource, desired.keyOf(record)) : null;
        const comparison = comparer.compare(record, actualRecords[i], keyObj);
        if (comparison.fields.length > 0) {
          const key = desired.keyOf(record);
          const item = changedItemOf(desiredSource, key, record, raw, actualRecords[i], actualRaws[i], comparison, keyObj);
          this.addChanged(refs[i], sortableKeyedEntry(item, key, this.decide));
        }
        actualRecords[i] = UNUSED;
        actualRaws[i] = UNUSED;
      } else {
        const key = desired.keyOf(record);
        entries.push(sortableKeyedEntry(missingItemOf(desiredSource, key, record, raw), key, this.decide));
      }
    });
    releaseRows(desiredBytes);
  }
}

/** The parts one after the other, in one new array made by `make(length)`. */
function concatenated<T extends Float64Array | Int32Array>(parts: readonly T[], make: (length: number) => T): T {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = make(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** One character per key byte of an extras list (the extras map only tells keys apart). */
function keyChars(list: ExtraList): string {
  const keys = list.keys;
  return Buffer.from(keys.buffer, keys.byteOffset, keys.byteLength).toString('latin1');
}

async function run(
  comparer: RecordComparer,
  desired: FastSide,
  actual: FastSide,
  ctx: ObserveContext,
  options: FastDiffOptions,
  pool: FastWorkerPool,
): Promise<DiffResult> {
  const entries: SortableItem[] = [];
  const decide = options.decide ?? null;
  const desiredPresenter = new RowPresenter(desired, 'desired', ctx);
  const actualPresenter = new RowPresenter(actual, 'actual', ctx);

  // 1. The desired side into shared arrays, handed from worker to worker (the main thread
  //    never holds them), each row put in the key table as it is scanned. The table is sized
  //    for the rows the file's size suggests, at the longest rows sampled through the file
  //    (`tableRowBytes`: where the arrays' pages beyond their rows cost nothing, the table's are
  //    all touched, so its estimate errs towards too few rows, which step 3 mends); a scan that
  //    starts over empties it first.
  let generation = 0;
  const scanTable = 1;
  const tableRows = Math.ceil((desired.size - desired.dataStart) / desired.tableRowBytes) + 64;
  const progress = options.onProgress !== undefined;
  const dScan = await scanSide<ScanDesiredResult>(
    desired,
    'desired',
    pool,
    options,
    (range, index) => ({
      kind: 'scan-desired',
      range,
      index,
      generation,
      estimatedRows: Math.ceil((((range.to === Infinity ? desired.size : range.to) - range.from) / desired.rowBytes) * 1.05) + 64,
      table: scanTable,
      tableRows,
      progress,
    }),
    async () => {
      generation++;
      // on the thread of range 0, which made the table
      await pool.runOne({ kind: 'clear-table' });
    },
  );
  await pool.broadcast({ kind: 'register', count: dScan.results.length, rowsBefore: dScan.rowsBefore, generation, table: scanTable });
  if (dScan.total * 2 < tableRows) traceNote(`diff: key table: sized for ${tableRows} desired rows, ${dScan.total} found`);
  tracePhase('diff: scan desired');

  // 2. Suspect desired rows: the read pipeline decides; the valid ones go into the table, and
  //    the keys the scan could not compare across ranges are compared (`settleTable`).
  let tableFull = dScan.results.some((result) => result.tableFull);
  {
    const sameHash = new Int32List();
    dScan.results.forEach((result, r) => {
      for (let j = 0; j < result.sameHash.length; j += 2) {
        sameHash.push(r * RANGE_STRIDE + result.sameHash[j]);
        sameHash.push(result.sameHash[j + 1]);
      }
    });
    const wanted: Wanted[] = [];
    const refs: number[] = [];
    dScan.results.forEach((result, r) => {
      const { suspects, suspectStarts } = result.outcome;
      for (let j = 0; j < suspectStarts.length; j++) {
        const local = suspects[2 * j];
        wanted.push({ start: suspectStarts[j], position: dScan.rowsBefore[r] + local + 1 });
        refs.push(r * RANGE_STRIDE + local);
      }
    });
    const invalidRefs: number[] = [];
    const validRefs: number[] = [];
    if (wanted.length > 0) {
      const seen = observeRows(desired, new RecordPipeline(desired.source, 'desired', ctx), wanted);
      const invalid: InvalidRecord[] = [];
      const invalidStarts: number[] = [];
      wanted.forEach((w, i) => {
        const bad = seen.invalid[i];
        if (bad) {
          invalid.push(bad);
          invalidStarts.push(w.start);
          invalidRefs.push(refs[i]);
        } else {
          validRefs.push(refs[i]);
        }
      });
      addLines(desired, invalid.map((record) => record.origin), invalidStarts);
      for (const record of invalid) entries.push(sortableEntry(invalidItem(desired.source, record), '', decide));
    }
    const invalid = Int32Array.from(invalidRefs);
    const valid = Int32Array.from(validRefs);
    if (tableFull) {
      if (wanted.length > 0) await pool.runAll([{ kind: 'mark', invalid, valid }]);
    } else if (wanted.length > 0 || sameHash.length > 0) {
      const [settled] = await pool.runAll<SettleResult>([{ kind: 'settle-table', invalid, valid, sameHash: sameHash.take() }]);
      tableFull = !settled.settled;
    }
  }
  tracePhase('diff: desired suspects');

  // 3. Only when the desired file had more rows than the table filled during the scan takes
  //    (its size suggested fewer): the key table built again, right-sized, one half per thread.
  if (tableFull) {
    traceNote(`diff: key table: ${dScan.total} desired rows, more than estimated: built after the scan`);
    await pool.runOne({ kind: 'create-table', rows: dScan.total, table: scanTable + 1 });
    await pool.broadcast({ kind: 'await-table', table: scanTable + 1 });
    await pool.runAll([0, 1].map((partition) => ({ kind: 'build' as const, partition })));
  }
  options.signal?.throwIfAborted();
  tracePhase('diff: build table');

  // 4. The actual side probes the table; the main thread builds changed and extra items from
  //    what the workers hand over meanwhile.
  const partials = options.eager ?? availableParallelism() > pool.parallelism;
  const builder = new ItemBuilder(comparer, desiredPresenter, actualPresenter, desired.source, actual.source, !partials, decide);
  const aScan = await scanSide<ScanActualResult>(
    actual,
    'actual',
    pool,
    options,
    (range) => ({ kind: 'scan-actual', range, partials, progress }),
    async () => {
      builder.reset();
      await pool.runAll([{ kind: 'clear-matches' }]);
    },
    partials ? (range, partial) => builder.addPartial(range, partial) : null,
  );
  tracePhase('diff: scan+probe actual');

  // Suspect actual rows: judged by the pipeline; the valid ones are probed by a worker.
  const suspectMatches: { ref: number; wanted: Wanted }[] = [];
  {
    const wanted: Wanted[] = [];
    const where: { r: number; j: number }[] = [];
    aScan.results.forEach((result, r) => {
      const { suspects, suspectStarts } = result.outcome;
      for (let j = 0; j < suspectStarts.length; j++) {
        wanted.push({ start: suspectStarts[j], position: aScan.rowsBefore[r] + suspects[2 * j] + 1 });
        where.push({ r, j });
      }
    });
    if (wanted.length > 0) {
      const seen = observeRows(actual, new RecordPipeline(actual.source, 'actual', ctx), wanted);
      const invalid: InvalidRecord[] = [];
      const invalidStarts: number[] = [];
      const valid: number[] = [];
      wanted.forEach((w, i) => {
        const bad = seen.invalid[i];
        if (bad) {
          invalid.push(bad);
          invalidStarts.push(w.start);
        } else {
          valid.push(i);
        }
      });
      addLines(actual, invalid.map((record) => record.origin), invalidStarts);
      for (const record of invalid) entries.push(sortableEntry(invalidItem(actual.source, record), '', decide));
      if (valid.length > 0) {
        const hashes = new Int32Array(3 * valid.length);
        const keyStart = new Int32Array(valid.length + 1);
        const keys: number[] = [];
        valid.forEach((i, n) => {
          const { r, j } = where[i];
          const lists = aScan.results[r].lists;
          hashes.set(lists.suspectHashes.subarray(3 * j, 3 * j + 3), 3 * n);
          for (const b of lists.suspectKeys.subarray(lists.suspectKeyStart[j], lists.suspectKeyStart[j + 1])) keys.push(b);
          keyStart[n + 1] = keys.length;
        });
        const rows = {
          hashes,
          keyStart,
          keys: Uint8Array.from(keys),
          starts: Float64Array.from(valid.map((i) => wanted[i].start)),
          positions: Float64Array.from(valid.map((i) => wanted[i].position)),
        };
        const [probed] = await pool.runAll<SuspectProbeResult>([{ kind: 'probe-suspects', rows }]);
        // Extras known by position: range -1, local = position - 1.
        const extraLocals: number[] = [];
        const extraStarts: number[] = [];
        const extraKeyStart = [0];
        const extraKeys: number[] = [];
        for (const n of probed.extras) {
          extraLocals.push(rows.positions[n] - 1);
          extraStarts.push(rows.starts[n]);
          for (const b of rows.keys.subarray(rows.keyStart[n], rows.keyStart[n + 1])) extraKeys.push(b);
          extraKeyStart.push(extraKeys.length);
        }
        builder.addExtras(-1, Int32Array.from(extraLocals), Float64Array.from(extraStarts), Int32Array.from(extraKeyStart), Uint8Array.from(extraKeys));
        probed.matched.forEach((n, m) => suspectMatches.push({ ref: probed.matchedRefs[m], wanted: wanted[valid[n]] }));
        builder.addPairs(probed.pairs);
      }
    }
  }
  tracePhase('diff: actual suspects');

  // Without eager building, the candidates and extras are all in the final lists.
  aScan.results.forEach((result, k) => {
    const { extras, extraStarts, extraKeyStart, extraKeys } = result.lists;
    builder.addPairs(result.pairs);
    builder.addExtras(k, extras, extraStarts, extraKeyStart, extraKeys);
  });

  // 5. What else the items need, from the threads that hold the shared arrays. The rows of
  //    candidates and extras are read only once the workers are closing (below): read
  //    meanwhile, they made the run's peak (the join's shared arrays, the workers' heaps and the
  //    rows at once: +10 MB at 1M, +27 MB at 5M), and the overlap saved no measurable time.
  const collected = await pool.runAll<DesiredCollectResult>(dScan.results.map((_, range) => ({ kind: 'collect-desired' as const, range })));
  const repeated = new Set<number>();
  for (const result of collected) for (const ref of result.repeatedRefs) repeated.add(ref);
  // Actual keys seen more than once: every row with such a key (a second pass, only then).
  const repeatedRows = new Map<number, Wanted[]>();
  if (repeated.size > 0) {
    const specs: RangeSpec[] = aScan.results.map((_, k) => ({
      file: actual.file,
      size: actual.size,
      plan: actual.scan,
      from: aScan.starts[k],
      guess: false,
      to: k === aScan.results.length - 1 ? Infinity : aScan.starts[k + 1],
    }));
    const found = await pool.runAll<RepeatsResult>(specs.map((range) => ({ kind: 'collect-repeats' as const, range })));
    found.forEach((result, k) => {
      for (let j = 0; j < result.starts.length; j++) {
        const ref = result.rows[2 * j];
        const list = repeatedRows.get(ref) ?? [];
        list.push({ start: result.starts[j], position: aScan.rowsBefore[k] + result.rows[2 * j + 1] + 1 });
        repeatedRows.set(ref, list);
      }
    });
    for (const match of suspectMatches) {
      if (!repeated.has(match.ref)) continue;
      const list = repeatedRows.get(match.ref) ?? [];
      list.push(match.wanted);
      repeatedRows.set(match.ref, list);
    }
  }
  tracePhase('diff: collect');

  // 6. Changed, extra and missing items; the changed minus keys that turned out to repeat;
  //    duplicates.
  let matchedOnce = 0;
  const missing = new RowsBuilder();
  const desiredDuplicates = new Map<string, Wanted[]>();
  for (const result of collected) {
    matchedOnce += result.matchedOnce;
    for (let j = 0; j < result.missingStarts.length; j++) missing.push(result.missingStarts[j], result.missingPositions[j]);
    result.duplicateKeys.forEach((key, j) => {
      const wanted = { start: result.duplicateStarts[j], position: result.duplicatePositions[j] };
      const group = desiredDuplicates.get(key);
      if (group) group.push(wanted);
      else desiredDuplicates.set(key, [wanted]);
    });
  }
  const missingRows = missing.take();
  // The workers end here, and the shared arrays and the table with them; meanwhile the rows of
  // candidates, extras and missing records are read.
  const closing = pool.close();
  closing.catch(() => undefined);
  builder.readDesired(missingRows);
  await closing;
  if (options.boundYoungGeneration === true) boundYoungGeneration();
  tracePhase('diff: workers closed');
  builder.finish(missingRows, entries);
  tracePhase('diff: changed and extra items');
  let changed = 0;
  const { changedRefs, changedEntries } = builder;
  for (let c = 0; c < changedRefs.length; c++) {
    if (repeated.has(changedRefs[c])) continue;
    entries.push(changedEntries[c]);
    changed++;
  }
  const actualDuplicates: Wanted[][] = [...repeatedRows.values()];
  const { extraEntries, extraFirst, extraMore } = builder;
  for (let e = 0; e < extraFirst.length; e++) {
    const more = extraMore.get(e);
    if (more === undefined) entries.push(extraEntries[e]);
    else actualDuplicates.push([extraFirst.row(e), ...more].map((row) => ({ start: row.start, position: row.range < 0 ? row.local + 1 : aScan.rowsBefore[row.range] + row.local + 1 })));
  }
  // Duplicates (rare), with the lines of their rows.
  const duplicates = (side: FastSide, presenter: RowPresenter, groups: Wanted[][], name: 'desired' | 'actual') => {
    const all = groups.flat();
    if (all.length === 0) return;
    const records = presenter.present(Float64Array.from(all, (w) => w.start), Float64Array.from(all, (w) => w.position));
    addLines(side, records.map((record) => record.origin), all.map((wanted) => wanted.start));
    let n = 0;
    for (const group of groups) {
      const members = records.slice(n, n + group.length);
      n += group.length;
      for (const item of duplicateItems(side.source, name, members)) entries.push(sortableEntry(item, members[0].keyText, decide));
    }
  };
  duplicates(desired, desiredPresenter, [...desiredDuplicates.values()], 'desired');
  duplicates(actual, actualPresenter, actualDuplicates, 'actual');
  tracePhase('diff: items');
  const ordered = orderedItems(entries, decide !== null);
  const items = ordered.items;
  tracePhase('diff: sort');
  const result: DiffResult = { summary: summarize(dScan.total, aScan.total, matchedOnce - changed, items), items };
  if (ordered.decided !== null) result.decided = ordered.decided;
  return result;
}
