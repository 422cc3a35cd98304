/**
 * What an apply needs from the audit log's history, summed up in one pass: how often each item
 * of this plan was applied before (by earlier runs of the same plan hash), and since when each
 * item has drifted (its first `planned` event since it last converged), for
 * `recon_time_to_converge_seconds`.
 *
 * Why a summary and not the records: the log grows by a line per item and run forever (a
 * `recon watch` of a policy with a few hundred open tickets adds them at every run); holding all
 * of it as objects made every run's memory grow with the history, not with the plan. The summary
 * holds one entry per item that drifts.
 */
import { forEachAuditRecord } from '../state/audit-log.js';

/** The summed-up history; read once per run, before acting. */
export interface ApplyHistory {
  /** Per policy, item id -> how often it was applied under the plan hash the history was read for. */
  appliedBefore(policy: string): ReadonlyMap<string, number>;
  /** Epoch ms of the item's first `planned` event since it last converged; undefined when none. */
  driftStartedAt(policy: string, item: string): number | undefined;
}

/** Reads the audit log at `path` once and sums up what an apply of `planHash` needs. */
export function readApplyHistory(path: string, planHash: string): ApplyHistory {
  const applied = new Map<string, Map<string, number>>();
  // `policy` NUL `item` -> first planned time since the last converged event
  const since = new Map<string, number>();
  forEachAuditRecord(path, (record) => {
    const { policy, item, event } = record;
    if (typeof policy !== 'string' || typeof item !== 'string') return;
    if (event === 'applied') {
      if (record.plan_hash !== planHash) return;
      let counts = applied.get(policy);
      if (!counts) applied.set(policy, (counts = new Map()));
      counts.set(item, (counts.get(item) ?? 0) + 1);
    } else if (event === 'converged') {
      since.delete(`${policy}\u0000${item}`);
    } else if (event === 'planned') {
      const key = `${policy}\u0000${item}`;
      if (since.has(key)) return;
      const at = Date.parse(record.ts);
      if (Number.isFinite(at)) since.set(key, at);
    }
  });
  const none = new Map<string, number>();
  return {
    appliedBefore: (policy) => applied.get(policy) ?? none,
    driftStartedAt: (policy, item) => since.get(`${policy}\u0000${item}`),
  };
}
