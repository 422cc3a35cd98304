/**
 * A cap on the records read from one source during a plan.
 *
 * Why: the editor's "Preview drift" must answer quickly whatever the size of the data, so it
 * reads at most N records a side; a plan made that way is partial, and says so (`truncated` and
 * a warning on the policy plan) rather than presenting counts of part of the data as the truth.
 * The CLI never sets a cap.
 */
import type { ObservedBatch } from '../observe/record-reader.js';

/**
 * Passes batches through until `cap` records (valid and invalid) have been read, then stops
 * reading (returning from the loop closes the connector) and calls `onCut` once.
 *
 * A source is cut only when a record beyond the cap exists: a source of exactly `cap` records is
 * complete. Telling the two apart costs reading at most one batch past the cap.
 */
export async function* capRecords(batches: AsyncIterable<ObservedBatch>, cap: number, onCut: () => void): AsyncGenerator<ObservedBatch> {
  let seen = 0;
  for await (const batch of batches) {
    const size = batch.records.length + batch.invalid.length;
    if (seen + size <= cap) {
      seen += size;
      yield batch;
      continue;
    }
    const room = Math.max(0, cap - seen);
    const records = batch.records.slice(0, room);
    const invalid = batch.invalid.slice(0, room - records.length);
    onCut();
    if (records.length + invalid.length > 0) yield { ...batch, records, invalid };
    return;
  }
}

/** The policy-level warning for a source cut short at the cap. */
export function truncationWarning(source: string, side: 'desired' | 'actual', cap: number): string {
  return `the ${side} source '${source}' has more than ${cap} records: reading stopped at the cap, so this plan covers only the records read (items and counts are partial)`;
}
