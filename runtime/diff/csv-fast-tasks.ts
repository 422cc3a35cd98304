/**
 * The units of work of the CSV fast path, as plain messages: the same `runFastTask` runs them in
 * a worker thread (`csv-scan-worker.ts`) or, when workers are not available, on the calling
 * thread.
 *
 * Why messages: a worker receives its task by structured clone; typed arrays backed by
 * SharedArrayBuffers travel as shared memory (never copied), plain result lists are transferred.
 */
import type { ScanPlan } from './csv-byte-scanner.js';
import {
  ActualProber,
  buildPartition,
  DesiredStore,
  RepeatCollector,
  scanRange,
  type DesiredRange,
  type ProbeLists,
  type RangeOutcome,
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

export type FastTask =
  | { kind: 'scan-desired'; range: RangeSpec; estimatedRows: number }
  | { kind: 'build'; ranges: DesiredRange[]; table: Uint32Array; partition: number }
  | { kind: 'scan-actual'; range: RangeSpec; ranges: DesiredRange[]; table: Uint32Array }
  | { kind: 'collect-repeats'; range: RangeSpec; ranges: DesiredRange[]; table: Uint32Array };

export interface ScanDesiredResult {
  outcome: RangeOutcome;
  range: DesiredRange;
}

export interface ScanActualResult {
  outcome: RangeOutcome;
  lists: ProbeLists;
}

export interface BuildResult {
  duplicates: number;
}

export interface RepeatsResult {
  /** Desired ref and actual local row, in pairs. */
  rows: Int32Array;
  starts: Float64Array;
}

export type FastTaskResult = ScanDesiredResult | ScanActualResult | BuildResult | RepeatsResult;

/** Runs one task; the second element lists buffers to transfer back (not shared ones). */
export function runFastTask(task: FastTask): [FastTaskResult, ArrayBuffer[]] {
  switch (task.kind) {
    case 'scan-desired': {
      const { range } = task;
      const store = new DesiredStore(task.estimatedRows, range.size);
      const outcome = scanRange(range.file, range.plan, range.from, range.guess, range.to, range.size, store);
      const suspects = store.suspects.take();
      const suspectStarts = store.suspectStarts.take();
      return [
        { outcome: { ...outcome, suspects, suspectStarts }, range: store.range() },
        [suspects.buffer as ArrayBuffer, suspectStarts.buffer as ArrayBuffer],
      ];
    }
    case 'build':
      return [{ duplicates: buildPartition(task.ranges, task.table, task.partition) }, []];
    case 'scan-actual': {
      const { range } = task;
      const prober = new ActualProber(task.ranges, task.table);
      const outcome = scanRange(range.file, range.plan, range.from, range.guess, range.to, range.size, prober);
      const suspects = prober.suspects.take();
      const suspectStarts = prober.suspectStarts.take();
      const lists = prober.lists();
      const transfer = [suspects.buffer, suspectStarts.buffer, ...Object.values(lists).map((a: { buffer: ArrayBufferLike }) => a.buffer)];
      return [{ outcome: { ...outcome, suspects, suspectStarts }, lists }, transfer as ArrayBuffer[]];
    }
    case 'collect-repeats': {
      const { range } = task;
      const collector = new RepeatCollector(task.ranges, task.table);
      scanRange(range.file, range.plan, range.from, range.guess, range.to, range.size, collector);
      const rows = collector.rows.take();
      const starts = collector.starts.take();
      return [{ rows, starts }, [rows.buffer as ArrayBuffer, starts.buffer as ArrayBuffer]];
    }
  }
}
