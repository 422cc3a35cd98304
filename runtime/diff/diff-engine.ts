/**
 * The generic diff: a hash join of observed desired and actual records on their key text, then
 * the compare rules on every matched pair.
 *
 * Why it exists next to the CSV fast path: it works for every connector and every rule (`by`
 * expressions, `where`, computed `select`s), and it is the reference the fast path must agree
 * with. It holds every observed record in memory, so it suits up to a few hundred thousand
 * records a side; `diffSources` picks the fast path for large CSV files when it can.
 *
 * Keys (LANGUAGE.md 2.1): records of one side that share a key are each reported `invalid`
 * ("duplicate key ...") and the key takes no part in the comparison — it is neither missing,
 * extra nor changed, even when the other side has it.
 *
 * Keys of different types whose item ids would be the same (`1` and `"1"`, `true` and `"true"`:
 * RUNTIME.md 3 writes key values as text in ids) are duplicates of one another on their side: two
 * items with one id would make `recon approve --item` ambiguous and let apply take the second for
 * done. Between the sides such keys do not match (declaring the key's type in `fields` makes them
 * match), and the diff says so in a warning, since the plan then shows the same key missing and
 * extra.
 *
 * `within` rules that met values they cannot read as their kind (ISO text under `within 5`) say
 * so in the result's warnings, once per rule (`within-unreadable.ts`); such pairs stay changed.
 *
 * Summary: `desired`/`actual` count the records in scope per side (after `where`), invalid ones
 * included; `unchanged` counts the matched pairs that compare equal.
 */
import type { IrPolicy, IrSource } from '../../language/ir/ir-types.js';
import type { EvaluationContext } from '../expressions/expression-evaluator.js';
import type { InvalidRecord, ObservedRecord } from '../observe/observed-record.js';
import {
  changedItem,
  duplicateItems,
  extraItem,
  invalidItem,
  missingItem,
  sortItems,
  summarize,
  withholdBrokenKeys,
  type SortableItem,
} from './diff-items.js';
import type { DiffItem, DiffResult } from './diff-result.js';
import { keyIdText } from '../plan/item-id.js';
import { RecordComparer } from './record-comparer.js';
import { unreadableWithinWarnings } from './within-unreadable.js';

/** What the record reader yields: presented records and the invalid ones, per batch. */
export interface ObservedBatch {
  records: ObservedRecord[];
  invalid: InvalidRecord[];
}

/** Run-wide values the comparison needs. */
export interface DiffOptions {
  /** For `by` rules: the run's `observed_at` and variables. */
  evaluation: EvaluationContext;
  /** Cancels a long diff (editor previews, time budgets). */
  signal?: AbortSignal;
}

interface Side {
  /** Records by key text; an array once a key repeats. */
  byKey: Map<string, ObservedRecord | ObservedRecord[]>;
  invalid: InvalidRecord[];
  count: number;
}

async function collect(batches: AsyncIterable<ObservedBatch>, signal: AbortSignal | undefined): Promise<Side> {
  const side: Side = { byKey: new Map(), invalid: [], count: 0 };
  for await (const batch of batches) {
    signal?.throwIfAborted();
    for (const record of batch.records) {
      const previous = side.byKey.get(record.keyText);
      if (previous === undefined) side.byKey.set(record.keyText, record);
      else if (Array.isArray(previous)) previous.push(record);
      else side.byKey.set(record.keyText, [previous, record]);
    }
    for (const invalid of batch.invalid) side.invalid.push(invalid);
    side.count += batch.records.length + batch.invalid.length;
  }
  return side;
}

/**
 * Diffs one policy's observed records: joins on the key, applies the compare rules, and returns
 * the items (in the order of `sortItems`) with the summary.
 */
export async function diffPolicy(
  policy: IrPolicy,
  desiredSource: IrSource,
  actualSource: IrSource,
  desired: AsyncIterable<ObservedBatch>,
  actual: AsyncIterable<ObservedBatch>,
  options: DiffOptions,
): Promise<DiffResult> {
  const comparer = new RecordComparer(policy, desiredSource, actualSource, options.evaluation);
  const [d, a] = await Promise.all([collect(desired, options.signal), collect(actual, options.signal)]);
  mergeSharedIds(d);
  mergeSharedIds(a);
  const entries: SortableItem[] = [];
  let unchanged = 0;

  for (const [keyText, entry] of d.byKey) {
    if (Array.isArray(entry)) {
      for (const item of duplicateItems(desiredSource, 'desired', entry)) entries.push({ item, keyText });
      continue;
    }
    const other = a.byKey.get(keyText);
    if (other === undefined) {
      entries.push({ item: missingItem(desiredSource, entry), keyText });
    } else if (!Array.isArray(other)) {
      const item = changedItem(comparer, desiredSource, entry, other);
      if (item === null) unchanged++;
      else entries.push({ item, keyText });
    }
  }
  for (const [keyText, entry] of a.byKey) {
    if (Array.isArray(entry)) {
      for (const item of duplicateItems(actualSource, 'actual', entry)) entries.push({ item, keyText });
    } else if (!d.byKey.has(keyText)) {
      entries.push({ item: extraItem(actualSource, entry), keyText });
    }
  }
  for (const record of d.invalid) entries.push({ item: invalidItem(desiredSource, record), keyText: '' });
  for (const record of a.invalid) entries.push({ item: invalidItem(actualSource, record), keyText: '' });

  const items = sortItems(withholdBrokenKeys(entries));
  const result: DiffResult = { summary: summarize(d.count, a.count, unchanged, items), items };
  const mismatch = typeMismatchWarning(items);
  const warnings = [...(mismatch === null ? [] : [mismatch]), ...(comparer.hasWithinRule ? unreadableWithinWarnings(items.map((item) => item.unreadable)) : [])];
  if (warnings.length > 0) result.warnings = warnings;
  return result;
}

/** True when some key value is not text: only then can two keys of a side share an item id. */
function hasTypedKeys(side: Side): boolean {
  for (const entry of side.byKey.values()) {
    const record = Array.isArray(entry) ? entry[0]! : entry;
    for (const value of record.key) if (typeof value !== 'string') return true;
  }
  return false;
}

/**
 * Makes the records of one side whose keys differ but would share an item id (`keyIdText`) one
 * group of duplicates, listed under the first such key (see the module comment).
 */
function mergeSharedIds(side: Side): void {
  if (!hasTypedKeys(side)) return;
  const firstById = new Map<string, string>();
  for (const [keyText, entry] of [...side.byKey]) {
    const record = Array.isArray(entry) ? entry[0]! : entry;
    const id = keyIdText(record.key);
    const first = firstById.get(id);
    if (first === undefined) {
      firstById.set(id, keyText);
      continue;
    }
    const group = side.byKey.get(first)!;
    side.byKey.set(first, [...(Array.isArray(group) ? group : [group]), ...(Array.isArray(entry) ? entry : [entry])]);
    side.byKey.delete(keyText);
  }
}

/**
 * A warning when keys missing on one side are extra on the other with the same text but another
 * type (`"1"` desired, `1` actual): keys of different types do not match between two untyped
 * sides, and the plan would create one record and delete the other.
 */
function typeMismatchWarning(items: readonly DiffItem[]): string | null {
  const keyed = items.filter((item) => (item.kind === 'missing' || item.kind === 'extra') && item.keyValues !== null);
  if (!keyed.some((item) => item.keyValues!.some((value) => typeof value !== 'string'))) return null;
  const missing = new Map<string, unknown[]>();
  for (const item of keyed) if (item.kind === 'missing') missing.set(keyIdText(item.keyValues!), item.keyValues!);
  const shown = (values: readonly unknown[]) => JSON.stringify(values.length === 1 ? values[0] : values);
  let count = 0;
  let example = '';
  for (const item of keyed) {
    if (item.kind !== 'extra') continue;
    const desiredValues = missing.get(keyIdText(item.keyValues!));
    if (desiredValues === undefined) continue;
    count++;
    if (example === '') example = `${shown(desiredValues)} desired, ${shown(item.keyValues!)} actual`;
  }
  if (count === 0) return null;
  return `${count} key${count === 1 ? ' is' : 's are'} both missing and extra, written with other types on the two sides (${example}): keys of different types do not match; declare the key's type in the fields of one source`;
}
