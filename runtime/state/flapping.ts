/**
 * Flapping (RUNTIME.md section 5): an item that Recon corrected three or more times within its
 * policy's last ten runs is marked `"flapping": true`, and the text output warns that two writers
 * are fighting over it — Recon sets the record, something else sets it back, and every run
 * "fixes" it again. More retries will not help; a person must find the other writer.
 *
 * How it is counted, from the audit log alone:
 * - a policy's runs are the distinct `run_id`s of its audit records, in the order they first
 *   appear in the log (which is append-only, so that is time order); dry runs (`recon plan`)
 *   count as runs too, as the log records them;
 * - a correction is an `applied` event; one run counts at most once per item;
 * - an item is identified by its policy and key, whatever its kind: a record the other writer
 *   deletes is `missing` (Recon creates it), one it edits is `changed` (Recon updates it) — the
 *   same fight. Invalid items are never applied, so never flapping.
 */
import type { ChangePlan, PlanItem } from '../plan/change-plan.js';
import { computePlanHash } from '../plan/plan-hash.js';
import type { AuditRecord } from './audit-log.js';

/** Corrections within the window that make an item flapping. */
export const FLAPPING_CORRECTIONS = 3;
/** How many of the policy's most recent runs are looked at. */
export const FLAPPING_RUN_WINDOW = 10;

const KINDS = new Set(['missing', 'extra', 'changed']);

/**
 * What identifies an item across kinds: `policy/key` from `policy/kind/key`; null for invalid
 * items and ids that are not item ids.
 */
export function flappingSubject(itemId: string): string | null {
  const first = itemId.indexOf('/');
  if (first <= 0) return null;
  const second = itemId.indexOf('/', first + 1);
  if (second < 0) return null;
  const kind = itemId.slice(first + 1, second);
  if (!KINDS.has(kind)) return null;
  return itemId.slice(0, first) + '/' + itemId.slice(second + 1);
}

/**
 * The subjects (`policy/key`, see `flappingSubject`) of `policy` that were corrected at least
 * `FLAPPING_CORRECTIONS` times within the policy's last `FLAPPING_RUN_WINDOW` runs.
 */
export function flappingSubjects(policy: string, auditRecords: readonly AuditRecord[]): Set<string> {
  const runs: string[] = [];
  const seenRuns = new Set<string>();
  for (const record of auditRecords) {
    if (record.policy !== policy || typeof record.run_id !== 'string' || seenRuns.has(record.run_id)) continue;
    seenRuns.add(record.run_id);
    runs.push(record.run_id);
  }
  const window = new Set(runs.slice(-FLAPPING_RUN_WINDOW));
  const correctedIn = new Map<string, Set<string>>();
  for (const record of auditRecords) {
    if (record.policy !== policy || record.event !== 'applied' || record.item === null || !window.has(record.run_id)) continue;
    const subject = flappingSubject(record.item);
    if (subject === null) continue;
    let set = correctedIn.get(subject);
    if (!set) correctedIn.set(subject, (set = new Set()));
    set.add(record.run_id);
  }
  const flapping = new Set<string>();
  for (const [subject, inRuns] of correctedIn) if (inRuns.size >= FLAPPING_CORRECTIONS) flapping.add(subject);
  return flapping;
}

/**
 * Sets `flapping: true` on the plan's items that flap according to `auditRecords` (and removes
 * a stale mark from those that do not), keeping each item's documented key order. Because
 * `flapping` is part of the hashed plan, `plan_hash` is recomputed when anything changed.
 * Returns the ids of the flapping items, in plan order.
 */
export function markFlapping(plan: ChangePlan, auditRecords: readonly AuditRecord[]): string[] {
  const ids: string[] = [];
  let changed = false;
  for (const policy of plan.policies) {
    const subjects = flappingSubjects(policy.policy, auditRecords);
    policy.items = policy.items.map((item) => {
      const subject = flappingSubject(item.id);
      const flapping = subject !== null && subjects.has(subject);
      if (flapping) ids.push(item.id);
      if (flapping === (item.flapping === true)) return item;
      changed = true;
      return withFlapping(item, flapping);
    });
  }
  if (changed) plan.plan_hash = computePlanHash(plan);
  return ids;
}

/** The item with `flapping` set or removed, `flapping` before `warnings` as the plan builder orders them. */
function withFlapping(item: PlanItem, flapping: boolean): PlanItem {
  const { flapping: _old, warnings, ...rest } = item;
  const next: PlanItem = { ...rest };
  if (flapping) next.flapping = true;
  if (warnings !== undefined) next.warnings = warnings;
  return next;
}
