/**
 * The units of work of the CSV fast path, as plain messages, and the state a thread keeps
 * between them: the same `runFastTask` runs them in a worker thread (`csv-scan-worker.ts`) or,
 * when workers are not available, on the calling thread.
 *
 * Why a per-thread state, and a channel between the workers: the desired side's shared arrays
 * and the key table go from worker to worker over a `BroadcastChannel` and stay in the workers;
 * the main thread never holds a reference to them. A SharedArrayBuffer that has reached the main
 * thread is released only by its garbage collector, and in practice not reliably (measured: most
 * of it stays resident); kept in the workers, it is released the moment they end. Plain result
 * lists are copied back (`csv-scan-worker.ts` says why they are not transferred).
 */
import { BroadcastChannel } from 'node:worker_threads';
import type { ScanPlan } from './csv-byte-scanner.js';
import {
  ActualProber,
  buildPartition,
  clearFlags,
  clearTable,
  createTable,
  DesiredStore,
  FLAG_DUP,
  FLAG_INVALID,
  FLAG_MATCHED,
  FLAG_MATCHED_TWICE,
  FLAG_SUSPECT,
  flagsAt,
  keyTextAt,
  Float64List,
  Int32List,
  probeBytes,
  RANGE_STRIDE,
  recordMatch,
  RepeatCollector,
  scanRange,
  setFlags,
  settleTable,
  type DesiredRange,
  type PartialLists,
  type ProbeLists,
  type RangeOutcome,
  type ReadBufferHolder,
} from './csv-fast-join.js';

/** Where a range of a file is. */
export interface RangeSpec {
  file: string;
  size: number;
  plan: ScanPlan;
  /** First byte of the range (a verified row start, or a bound to guess from). */
  from: number;
  /** Whether `from` is only a bound: the range starts after the next line feed. */
  guess: boolean;
  /** The range ends at the first row starting at or after this offset. */
  to: number;
}

/** What a thread keeps between tasks. */
export interface ThreadState {
  ranges: DesiredRange[];
  /** Desired rows before each range (for positions). */
  rowsBefore: number[];
  table: Uint32Array | null;
  /** The number of `table` (see `adoptTable`). */
  tableId: number;
  /** The channel to the other workers (null on the calling thread). */
  channel: BroadcastChannel | null;
  /** Ranges (by generation) and tables (by id) received from other workers. */
  received: Map<string, unknown>;
  /** Called when something arrives on the channel. */
  wake: (() => void) | null;
  /** The read buffer kept from range to range (see `scanRange`). */
  read: ReadBufferHolder;
}

export function newThreadState(): ThreadState {
  return { ranges: [], rowsBefore: [], table: null, tableId: -1, channel: null, received: new Map(), wake: null, read: { buffer: null } };
}

/** What workers send each other. */
type ChannelMessage = { kind: 'range'; generation: number; index: number; range: DesiredRange } | { kind: 'table'; id: number; table: Uint32Array };

function send(state: ThreadState, message: ChannelMessage): void {
  state.channel?.postMessage(message);
}

/**
 * Opens the thread's channel to the other workers of its pool. A worker does it as it starts
 * (the name comes in its `workerData`), so the channel is open before any task arrives and no
 * task is spent on it.
 */
export function openChannel(state: ThreadState, name: string): void {
  const channel = new BroadcastChannel(name);
  channel.onmessage = (event) => {
    const message = (event as { data: ChannelMessage }).data;
    const key = message.kind === 'range' ? `range/${message.generation}/${message.index}` : `table/${message.id}`;
    state.received.set(key, message.kind === 'range' ? message.range : message.table);
    const wake = state.wake;
    state.wake = null;
    wake?.();
  };
  state.channel = channel;
}

/** Waits until `ready()` holds, re-checking whenever the channel brings something. */
async function until(state: ThreadState, ready: () => boolean): Promise<void> {
  while (!ready()) {
    if (state.channel === null) throw new Error('internal: waiting for another worker without a channel');
    await new Promise<void>((resolve) => {
      state.wake = resolve;
    });
  }
}

/**
 * Makes table `id` the thread's table: creates it (sized for `rows`, and hands it to the other
 * workers) when `rows` is given, else waits for it from the worker that creates it. Nothing to
 * do when the thread has it already.
 */
async function adoptTable(state: ThreadState, id: number, rows: number | null): Promise<Uint32Array> {
  if (state.tableId !== id || state.table === null) {
    if (rows !== null) {
      state.table = createTable(rows);
      send(state, { kind: 'table', id, table: state.table });
    } else {
      const key = `table/${id}`;
      await until(state, () => state.received.has(key));
      state.table = state.received.get(key) as Uint32Array;
      state.received.delete(key);
    }
    state.tableId = id;
  }
  return state.table;
}

/** Valid suspect rows of the actual side, to be probed: see `probe-suspects`. */
export interface SuspectProbes {
  /** key hash, fpLo, fpHi per row. */
  hashes: Int32Array;
  /** Key bytes: `keyStart` (count + 1 entries) into `keys`. */
  keyStart: Int32Array;
  keys: Uint8Array;
  starts: Float64Array;
  positions: Float64Array;
}

export type FastTask =
  /**
   * Scans a desired range into shared arrays, inserting its rows into key table `table` as it
   * goes; the task of range 0 creates the table (sized for `tableRows`), the others wait for it.
   */
  | {
      kind: 'scan-desired';
      range: RangeSpec;
      estimatedRows: number;
      index: number;
      generation: number;
      table: number;
      tableRows: number;
      /** Report the rows scanned so far now and then (see `ProgressSink`). */
      progress: boolean;
    }
  /** Takes the ranges of a scan, and table `table`. */
  | { kind: 'register'; count: number; rowsBefore: number[]; generation: number; table: number }
  /** Empties the table before the desired side is scanned again (on the thread of range 0). */
  | { kind: 'clear-table' }
  | { kind: 'mark'; invalid: Int32Array; valid: Int32Array }
  /** `mark`, then `settleTable` (`sameHash`: desired ref and slot, in pairs). */
  | { kind: 'settle-table'; invalid: Int32Array; valid: Int32Array; sameHash: Int32Array }
  /** A table built after the scan (`build`), when the one filled during it overflowed. */
  | { kind: 'create-table'; rows: number; table: number }
  | { kind: 'await-table'; table: number }
  | { kind: 'build'; partition: number }
  | { kind: 'clear-matches' }
  /**
   * `partials`: hand candidates and extras over as they pile up (else all come in the result);
   * `progress`: as `scan-desired`'s.
   */
  | { kind: 'scan-actual'; range: RangeSpec; partials: boolean; progress: boolean }
  | { kind: 'probe-suspects'; rows: SuspectProbes }
  | { kind: 'collect-repeats'; range: RangeSpec }
  | { kind: 'collect-desired'; range: number };

export interface ScanDesiredResult {
  outcome: RangeOutcome;
  /** Local row and table slot, in pairs: see `DesiredStore.sameHash`. */
  sameHash: Int32Array;
  /** Whether rows were left out of the table (see `DesiredStore.tableFull`). */
  tableFull: boolean;
}

export interface SettleResult {
  /** False when the table would have overflowed: see `settleTable`. */
  settled: boolean;
}

/** Candidate pairs with both rows located, for the item phase. */
export interface CandidatePairs {
  /** Desired refs (to drop keys the actual side repeats). */
  refs: Int32Array;
  desiredStarts: Float64Array;
  desiredPositions: Float64Array;
  actualStarts: Float64Array;
  /** Actual rows: local row in the range (scan-actual) or position (probe-suspects). */
  actualRows: Float64Array;
}

export interface ScanActualResult {
  outcome: RangeOutcome;
  lists: ProbeLists;
  pairs: CandidatePairs;
}

export interface SuspectProbeResult {
  pairs: CandidatePairs;
  /** Index (in the probed list) of rows without a desired counterpart. */
  extras: Int32Array;
  /** Index and desired ref of rows whose key matched (for repeats). */
  matched: Int32Array;
  matchedRefs: Int32Array;
}

export interface RepeatsResult {
  /** Desired ref and actual local row, in pairs. */
  rows: Int32Array;
  starts: Float64Array;
}

export interface DesiredCollectResult {
  missingStarts: Float64Array;
  missingPositions: Float64Array;
  duplicateStarts: Float64Array;
  duplicatePositions: Float64Array;
  /** Key bytes (one char per byte) of each duplicate row. */
  duplicateKeys: string[];
  /** Rows matched by exactly one actual row. */
  matchedOnce: number;
  /** Refs of rows whose key the actual side repeats. */
  repeatedRefs: Int32Array;
}

/** Candidates and extras of a range handed over while it is still being probed. */
export interface FastPartial {
  pairs: CandidatePairs;
  /** Local rows, offsets and key bytes of extras (`keyStart` has count + 1 entries). */
  extras: Int32Array;
  extraStarts: Float64Array;
  extraKeyStart: Int32Array;
  extraKeys: Uint8Array;
}

/** Hands a partial result to whoever runs the task (a message from a worker, or a call). */
export type PartialSink = (partial: FastPartial, transfer: ArrayBuffer[]) => void;

/**
 * Tells whoever runs a scan task (a message from a worker, or a call) the rows its range has
 * scanned so far, when the task asks for it (`progress`): for the progress bar of long observes.
 */
export type ProgressSink = (rows: number) => void;

export type FastTaskResult = ScanDesiredResult | ScanActualResult | SuspectProbeResult | RepeatsResult | DesiredCollectResult | SettleResult | null;

function float64List(): Float64List {
  return new Float64List();
}
function int32List(): Int32List {
  return new Int32List();
}

/** Locates both rows of candidate pairs (desired refs and actual rows, in pairs). */
function locatePairs(state: ThreadState, candidates: Int32Array, starts: Float64Array): CandidatePairs {
  const n = starts.length;
  const pairs: CandidatePairs = {
    refs: new Int32Array(n),
    desiredStarts: new Float64Array(n),
    desiredPositions: new Float64Array(n),
    actualStarts: Float64Array.from(starts),
    actualRows: new Float64Array(n),
  };
  for (let j = 0; j < n; j++) {
    const ref = candidates[2 * j];
    const r = (ref / RANGE_STRIDE) | 0;
    const i = ref - r * RANGE_STRIDE;
    pairs.refs[j] = ref;
    pairs.desiredStarts[j] = state.ranges[r].rowStart[i];
    pairs.desiredPositions[j] = state.rowsBefore[r] + i + 1;
    pairs.actualRows[j] = candidates[2 * j + 1];
  }
  return pairs;
}

function pairBuffers(pairs: CandidatePairs): ArrayBuffer[] {
  return [pairs.refs, pairs.desiredStarts, pairs.desiredPositions, pairs.actualStarts, pairs.actualRows].map((a) => a.buffer as ArrayBuffer);
}

/** Flags the judged suspect rows of the desired side invalid or valid (no longer suspect). */
function mark(state: ThreadState, invalid: Int32Array, valid: Int32Array): void {
  for (const ref of invalid) {
    const r = (ref / RANGE_STRIDE) | 0;
    setFlags(state.ranges[r], ref - r * RANGE_STRIDE, FLAG_INVALID);
    clearFlags(state.ranges[r], ref - r * RANGE_STRIDE, FLAG_SUSPECT);
  }
  for (const ref of valid) {
    const r = (ref / RANGE_STRIDE) | 0;
    clearFlags(state.ranges[r], ref - r * RANGE_STRIDE, FLAG_SUSPECT);
  }
}

/**
 * Runs one task; the second element lists buffers to transfer back (never shared ones).
 * `emit` takes partial results, `report` the progress of scan tasks that ask for it.
 */
export async function runFastTask(
  task: FastTask,
  state: ThreadState,
  emit: PartialSink | null = null,
  report: ProgressSink | null = null,
): Promise<[FastTaskResult, ArrayBuffer[]]> {
  switch (task.kind) {
    case 'scan-desired': {
      const { range } = task;
      const table = await adoptTable(state, task.table, task.index === 0 ? task.tableRows : null);
      const store = new DesiredStore(task.estimatedRows, range.size, { table, range: task.index });
      const progress = task.progress ? report : null;
      const outcome = scanRange(range.file, range.plan, range.from, range.guess, range.to, range.size, store, state.read, progress);
      const suspects = store.suspects.take();
      const suspectStarts = store.suspectStarts.take();
      const sameHash = store.sameHash.take();
      const mine = store.range();
      state.received.set(`range/${task.generation}/${task.index}`, mine);
      send(state, { kind: 'range', generation: task.generation, index: task.index, range: mine });
      const result: ScanDesiredResult = { outcome: { ...outcome, suspects, suspectStarts }, sameHash, tableFull: store.tableFull };
      return [result, [suspects.buffer as ArrayBuffer, suspectStarts.buffer as ArrayBuffer, sameHash.buffer as ArrayBuffer]];
    }
    case 'register': {
      const keys = Array.from({ length: task.count }, (_, i) => `range/${task.generation}/${i}`);
      await until(state, () => keys.every((key) => state.received.has(key)));
      state.ranges = keys.map((key) => state.received.get(key) as DesiredRange);
      state.rowsBefore = task.rowsBefore;
      for (const key of [...state.received.keys()]) if (key.startsWith('range/')) state.received.delete(key);
      await adoptTable(state, task.table, null);
      return [null, []];
    }
    case 'clear-table':
      clearTable(state.table!);
      return [null, []];
    case 'create-table':
      await adoptTable(state, task.table, task.rows);
      return [null, []];
    case 'await-table':
      await adoptTable(state, task.table, null);
      return [null, []];
    case 'mark':
      mark(state, task.invalid, task.valid);
      return [null, []];
    case 'settle-table': {
      mark(state, task.invalid, task.valid);
      const result: SettleResult = { settled: settleTable(state.ranges, state.table!, task.sameHash, task.valid) };
      return [result, []];
    }
    case 'build':
      buildPartition(state.ranges, state.table!, task.partition);
      return [null, []];
    case 'clear-matches':
      for (const range of state.ranges) {
        for (let i = 0; i < range.count; i++) clearFlags(range, i, FLAG_MATCHED | FLAG_MATCHED_TWICE);
      }
      return [null, []];
    case 'scan-actual': {
      const { range } = task;
      const onPartial =
        emit === null || !task.partials
          ? null
          : (lists: PartialLists) => {
              const partial: FastPartial = {
                pairs: locatePairs(state, lists.candidates, lists.candidateStarts),
                extras: lists.extras,
                extraStarts: lists.extraStarts,
                extraKeyStart: lists.extraKeyStart,
                extraKeys: lists.extraKeys,
              };
              const transfer = [...pairBuffers(partial.pairs), lists.extras.buffer, lists.extraStarts.buffer, lists.extraKeyStart.buffer, lists.extraKeys.buffer];
              emit(partial, transfer as ArrayBuffer[]);
            };
      const prober = new ActualProber(state.ranges, state.table!, onPartial);
      const progress = task.progress ? report : null;
      const outcome = scanRange(range.file, range.plan, range.from, range.guess, range.to, range.size, prober, state.read, progress);
      const suspects = prober.suspects.take();
      const suspectStarts = prober.suspectStarts.take();
      const lists = prober.lists();
      const pairs = locatePairs(state, lists.candidates, lists.candidateStarts);
      const transfer = [suspects.buffer, suspectStarts.buffer, ...Object.values(lists).map((a: { buffer: ArrayBufferLike }) => a.buffer), ...pairBuffers(pairs)];
      return [{ outcome: { ...outcome, suspects, suspectStarts }, lists, pairs }, transfer as ArrayBuffer[]];
    }
    case 'probe-suspects': {
      const { rows } = task;
      const into = { candidates: int32List(), candidateStarts: float64List(), repeats: int32List(), repeatStarts: float64List() };
      const extras = int32List();
      const matched = int32List();
      const matchedRefs = int32List();
      for (let j = 0; j < rows.starts.length; j++) {
        const key = rows.keys.subarray(rows.keyStart[j], rows.keyStart[j + 1]);
        const ref = probeBytes(state.ranges, state.table!, rows.hashes[3 * j], key);
        if (ref < 0) {
          extras.push(j);
          continue;
        }
        matched.push(j);
        matchedRefs.push(ref);
        // The "local row" of these pairs is the row's position.
        recordMatch(state.ranges, ref, rows.hashes[3 * j + 1], rows.hashes[3 * j + 2], rows.positions[j], rows.starts[j], into);
      }
      const pairs = locatePairs(state, into.candidates.take(), into.candidateStarts.take());
      const result: SuspectProbeResult = { pairs, extras: extras.take(), matched: matched.take(), matchedRefs: matchedRefs.take() };
      return [result, [...pairBuffers(pairs), result.extras.buffer as ArrayBuffer, result.matched.buffer as ArrayBuffer, result.matchedRefs.buffer as ArrayBuffer]];
    }
    case 'collect-repeats': {
      const { range } = task;
      const collector = new RepeatCollector(state.ranges, state.table!);
      scanRange(range.file, range.plan, range.from, range.guess, range.to, range.size, collector, state.read);
      const rows = collector.rows.take();
      const starts = collector.starts.take();
      return [{ rows, starts }, [rows.buffer as ArrayBuffer, starts.buffer as ArrayBuffer]];
    }
    case 'collect-desired': {
      const r = task.range;
      const range = state.ranges[r];
      const before = state.rowsBefore[r];
      const missingStarts = float64List();
      const missingPositions = float64List();
      const duplicateStarts = float64List();
      const duplicatePositions = float64List();
      const duplicateKeys: string[] = [];
      const repeatedRefs = int32List();
      let matchedOnce = 0;
      for (let i = 0; i < range.count; i++) {
        const f = flagsAt(range, i);
        if ((f & FLAG_INVALID) !== 0) continue;
        if ((f & FLAG_MATCHED_TWICE) !== 0) repeatedRefs.push(r * RANGE_STRIDE + i);
        if ((f & FLAG_DUP) !== 0) {
          duplicateStarts.push(range.rowStart[i]);
          duplicatePositions.push(before + i + 1);
          duplicateKeys.push(keyTextAt(range, i));
        } else if ((f & FLAG_MATCHED) === 0) {
          missingStarts.push(range.rowStart[i]);
          missingPositions.push(before + i + 1);
        } else if ((f & FLAG_MATCHED_TWICE) === 0) {
          matchedOnce++;
        }
      }
      const result: DesiredCollectResult = {
        missingStarts: missingStarts.take(),
        missingPositions: missingPositions.take(),
        duplicateStarts: duplicateStarts.take(),
        duplicatePositions: duplicatePositions.take(),
        duplicateKeys,
        matchedOnce,
        repeatedRefs: repeatedRefs.take(),
      };
      const transfer = [result.missingStarts, result.missingPositions, result.duplicateStarts, result.duplicatePositions, result.repeatedRefs];
      return [result, transfer.map((a) => a.buffer as ArrayBuffer)];
    }
  }
}
