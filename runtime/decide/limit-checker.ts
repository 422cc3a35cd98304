/**
 * Blast-radius limits of a policy (LANGUAGE.md 2.3, `limits { }`).
 *
 * Why separate from the rules: limits look at the whole policy's decisions at once — a rule
 * decides one item, a limit decides whether the sum of them is too much to do unattended.
 */
import type { IrLimits } from '../../language/ir/ir-types.js';

/** What the limits are checked against: acting items (create/update/delete), deletes, desired records in scope. */
export interface LimitCounts {
  acting: number;
  deletes: number;
  desired: number;
}

export interface LimitVerdict {
  exceeded: boolean;
  /** One sentence per limit exceeded, naming the limit, its value and the planned count. */
  reasons: string[];
}

/**
 * Checks the limits: exceeded when acting items are more than `max_changes`, their share of the
 * desired records in scope is more than `max_ratio` (with no desired record, any action exceeds
 * it), or deletes are more than `max_deletes`.
 */
export function checkLimits(limits: IrLimits, counts: LimitCounts): LimitVerdict {
  const reasons: string[] = [];
  if (limits.max_changes !== null && counts.acting > limits.max_changes) {
    reasons.push(
      `max_changes ${limits.max_changes}: ${counts.acting} acting ${counts.acting === 1 ? 'item is' : 'items are'} planned (create, update, delete)`,
    );
  }
  if (limits.max_ratio !== null && counts.acting > 0) {
    if (counts.desired === 0) {
      reasons.push(
        `max_ratio ${percent(limits.max_ratio)}: ${counts.acting} acting ${counts.acting === 1 ? 'item is' : 'items are'} planned but no desired record is in scope`,
      );
    } else if (counts.acting / counts.desired > limits.max_ratio) {
      reasons.push(
        `max_ratio ${percent(limits.max_ratio)}: ${counts.acting} acting ${counts.acting === 1 ? 'item is' : 'items are'} ${percent(counts.acting / counts.desired)} of ${counts.desired} desired ${counts.desired === 1 ? 'record' : 'records'}`,
      );
    }
  }
  if (limits.max_deletes !== null && counts.deletes > limits.max_deletes) {
    reasons.push(`max_deletes ${limits.max_deletes}: ${counts.deletes} ${counts.deletes === 1 ? 'delete is' : 'deletes are'} planned`);
  }
  return { exceeded: reasons.length > 0, reasons };
}

/** A fraction as a percentage with at most two decimals: 0.1 -> `10%`, 1/3 -> `33.33%`. */
export function percent(fraction: number): string {
  return `${Number((fraction * 100).toFixed(2))}%`;
}
