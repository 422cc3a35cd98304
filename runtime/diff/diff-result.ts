/**
 * What the diff engine hands the decider: one item per difference, plus counts.
 *
 * Why records are carried: the decider evaluates `when` over `desired`/`actual`, builds effects
 * from the raw records, and fingerprints the actual record for the item's precondition.
 */
import type { IrDiffKind } from '../../language/ir/ir-types.js';
import type { RawRecord, RawRecordOrigin } from '../connectors/connector.js';
import type { FieldDelta, PlanItem, PolicySummary } from '../plan/change-plan.js';
import type { UnreadableNotes } from './within-unreadable.js';

export interface DiffItem {
  kind: IrDiffKind;
  /** Key fields by name (null for an invalid record without a usable key). */
  key: Record<string, unknown> | null;
  /** Key values in key order, as text (for item ids): see `itemId`. */
  keyValues: unknown[] | null;
  /** Presented records (after select/fields); null for an absent side. */
  desired: Record<string, unknown> | null;
  actual: Record<string, unknown> | null;
  /** Raw records as read; null for an absent side. */
  desiredRaw: RawRecord | null;
  actualRaw: RawRecord | null;
  /** changed: the differing fields; missing/extra: empty. */
  fields: FieldDelta[];
  /** The differing field paths (the `diff` root of conditions). */
  diff: string[];
  /** invalid: which side and where, and why. */
  side: 'desired' | 'actual' | null;
  origin: RawRecordOrigin | null;
  invalidReason: string | null;
  /**
   * Run-time errors met while comparing this pair (a `by` rule whose expression failed counts as
   * unequal, and says why here). Optional: absent when there were none.
   */
  warnings?: string[];
  /**
   * changed: values `within` rules could not read as their kind on this pair (ISO text under
   * `within 5`). Not shown on the item: the diff sums them over the items it keeps into one
   * policy warning per rule (`unreadableWithinWarnings`). Optional: absent when there were none.
   */
  unreadable?: UnreadableNotes;
}

export interface DiffResult {
  summary: PolicySummary;
  items: DiffItem[];
  /**
   * When the caller gave the diff an `ItemDecider`: the plan item of each of `items`, in the same
   * order. `items` then only identify the differences (kind, key, side, origin, reason): their
   * records, fields and diffs were released once decided. Absent otherwise.
   */
  decided?: PlanItem[];
  /** Warnings about the diff as a whole, for the policy plan (keys of two types that do not match, say). */
  warnings?: string[];
}

/**
 * Decides one item as soon as the diff has made it (the plan runner passes the decider's
 * `decide`): the diff then keeps only the plan item, and the item's four records can go.
 */
export type ItemDecider = (item: DiffItem) => PlanItem;
