/**
 * Judges candidate pairs of the CSV fast path (matched keys whose fingerprints differ) with the
 * real comparison, inside the worker that found them.
 *
 * Why in the worker: many candidates differ only within a rule's tolerance (`within`,
 * `ignore_case`, ...) and are not drift. Reading, presenting and comparing them is the costliest
 * part of the diff after scanning; done here it runs on every core, and the main thread re-reads
 * only the pairs that really differ, to build their items. The verdict uses the same read
 * pipeline and comparer as the main thread, so it cannot disagree with it.
 */
import type { IrPolicy, IrSource } from '../../language/ir/ir-types.js';
import type { EvaluationContext } from '../expressions/expression-evaluator.js';
import { RecordPipeline } from '../observe/record-reader.js';
import { RANGE_STRIDE, type DesiredRange } from './csv-fast-join.js';
import { parseRowTexts, readRowTexts } from './csv-row-reader.js';

const CHECK_BATCH = 2048;
import { RecordComparer } from './record-comparer.js';

/** One side's file, as the worker needs it to read rows again. */
export interface CheckSide {
  source: IrSource;
  file: string;
  size: number;
  names: string[];
  delimiter: string;
  rowDelimiter: string;
}

/** What a worker needs to compare candidate pairs itself. */
export interface CandidateCheck {
  policy: IrPolicy;
  desired: CheckSide;
  actual: CheckSide;
  evaluation: EvaluationContext;
}

/**
 * For each candidate pair (`candidates`: desired ref, actual row; `starts`: the actual rows'
 * offsets), 1 when the pair differs under the rules — or when a row did not come out valid, so
 * the main thread looks at it — and 0 when it is unchanged.
 */
export function checkCandidates(
  check: CandidateCheck,
  ranges: readonly DesiredRange[],
  candidates: Int32Array,
  starts: Float64Array,
): Uint8Array {
  const n = starts.length;
  const verdicts = new Uint8Array(n);
  if (n === 0) return verdicts;
  const desiredOffsets = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const ref = candidates[2 * j];
    const r = (ref / RANGE_STRIDE) | 0;
    desiredOffsets[j] = ranges[r].rowStart[ref - r * RANGE_STRIDE];
  }
  const shape = (side: CheckSide) => ({ names: side.names, delimiter: side.delimiter, rowDelimiter: side.rowDelimiter });
  // Texts first (compact), then parse and compare in small batches: the garbage dies young.
  const desiredTexts = readRowTexts(check.desired.file, check.desired.size, check.desired.delimiter, desiredOffsets);
  const actualTexts = readRowTexts(check.actual.file, check.actual.size, check.actual.delimiter, starts);
  const comparer = new RecordComparer(check.policy, check.desired.source, check.actual.source, check.evaluation);
  const desiredPipeline = new RecordPipeline(check.desired.source, 'desired', check.evaluation);
  const actualPipeline = new RecordPipeline(check.actual.source, 'actual', check.evaluation);
  const out = RecordPipeline.emptyBatch();
  for (let from = 0; from < n; from += CHECK_BATCH) {
    const to = Math.min(n, from + CHECK_BATCH);
    const desiredRaws = parseRowTexts(desiredTexts, shape(check.desired), from, to);
    const actualRaws = parseRowTexts(actualTexts, shape(check.actual), from, to);
    for (let j = from; j < to; j++) {
      out.records.length = 0;
      out.invalid.length = 0;
      desiredPipeline.fromRaw(desiredRaws[j - from], { position: 0 }, out);
      actualPipeline.fromRaw(actualRaws[j - from], { position: 0 }, out);
      if (out.records.length !== 2) {
        verdicts[j] = 1;
        continue;
      }
      const [d, a] = out.records;
      verdicts[j] = comparer.compare(d.record, a.record, null).fields.length > 0 ? 1 : 0;
    }
  }
  return verdicts;
}
