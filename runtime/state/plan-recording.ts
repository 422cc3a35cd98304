/**
 * What a dry run leaves in the state directory: one `planned` audit record per item and the
 * run's metrics (RUNTIME.md sections 2 and 5: `plan` writes only `-o` and these).
 */
import { randomUUID } from 'node:crypto';
import type { ChangePlan } from '../plan/change-plan.js';
import { jsonString } from '../plan/canonical-json.js';
import { AuditLog, type AuditRecord } from './audit-log.js';
import { markFlapping, readFlappingHistory } from './flapping.js';
import { MetricsStore } from './metrics-file.js';

/** A run identifier for audit records: time-ordered prefix for humans, random suffix for uniqueness. */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomUUID().slice(0, 8)}`;
}

/** The outcome label of a planned policy for `recon_reconcile_total`. */
export function planOutcome(policy: ChangePlan['policies'][number]): string {
  if (policy.limits.exceeded) return 'limit_exceeded';
  return policy.items.some((i) => i.action !== 'ignore') ? 'drift' : 'no_drift';
}

/**
 * Marks the items the audit log shows flapping (RUNTIME.md section 5). Changes `plan_hash`, so
 * `plan` and `apply FILE` both call it before a plan is shown, saved or approved. Reads only the
 * tail of the log that holds the plan's policies' last runs (`readFlappingHistory`).
 */
export function markPlanFlapping(stateDir: string, plan: ChangePlan): string[] {
  const history = readFlappingHistory(
    AuditLog.inStateDir(stateDir).path,
    plan.policies.map((policy) => policy.policy),
  );
  return markFlapping(plan, history);
}

/** Appends and updates everything a dry run records: `planned` events and the run's metrics. */
export function recordPlan(stateDir: string, plan: ChangePlan, options: { command: string; runId: string; actor?: string | null; durationSeconds: number }): void {
  recordPlannedEvents(stateDir, plan, options);
  const metrics = MetricsStore.load(stateDir);
  for (const policy of plan.policies) {
    metrics.inc('recon_reconcile_total', { policy: policy.policy, outcome: planOutcome(policy) });
    for (const kind of ['missing', 'extra', 'changed', 'invalid'] as const) {
      metrics.set('recon_drift_items', { policy: policy.policy, kind }, policy.summary[kind]);
    }
    metrics.set('recon_run_duration_seconds', { policy: policy.policy }, Number(options.durationSeconds.toFixed(3)));
  }
  metrics.save(stateDir);
}

/**
 * One `planned` audit record per item of the plan, written in batches of whole lines. Each line
 * is the text `JSON.stringify` gives the record; the members that are the same for a policy's
 * records are written once and reused, as they dominated the cost of tens of thousands of lines.
 */
export function recordPlannedEvents(stateDir: string, plan: ChangePlan, options: { command: string; runId: string; actor?: string | null }): void {
  const log = AuditLog.inStateDir(stateDir, false);
  try {
    log.appendLines(plannedLines(plan, new Date().toISOString(), options));
  } finally {
    log.close();
  }
}

/** The `planned` record of an item, as an object (the form `plannedLines` writes as text). */
export function plannedRecord(
  plan: ChangePlan,
  policy: string,
  item: ChangePlan['policies'][number]['items'][number],
  ts: string,
  options: { command: string; runId: string; actor?: string | null },
): AuditRecord {
  return {
    ts,
    run_id: options.runId,
    command: options.command,
    policy,
    plan_hash: plan.plan_hash,
    item: item.id,
    event: 'planned',
    attempt: null,
    actor: options.actor ?? null,
    error: null,
    detail: { kind: item.kind, action: item.action, gate: item.gate },
  };
}

/** `JSON.stringify(plannedRecord(…))` for every item of the plan, in plan order. */
function* plannedLines(plan: ChangePlan, ts: string, options: { command: string; runId: string; actor?: string | null }): Generator<string> {
  const middle = ',"event":"planned","attempt":null,"actor":' + JSON.stringify(options.actor ?? null) + ',"error":null,"detail":';
  const details = new Map<string, string>();
  for (const policy of plan.policies) {
    // everything before the item's id: ts, run_id, command, policy, plan_hash
    const head = JSON.stringify({ ts, run_id: options.runId, command: options.command, policy: policy.policy, plan_hash: plan.plan_hash });
    const start = head.length > 2 ? head.slice(0, -1) + ',"item":' : null;
    for (const item of policy.items) {
      const { id, kind, action, gate } = item;
      if (start === null || typeof id !== 'string' || typeof kind !== 'string' || typeof action !== 'string' || typeof gate !== 'string') {
        yield JSON.stringify(plannedRecord(plan, policy.policy, item, ts, options));
        continue;
      }
      const detailKey = `${kind.length}:${kind}${action.length}:${action}${gate}`;
      let detail = details.get(detailKey);
      if (detail === undefined) {
        detail = JSON.stringify({ kind, action, gate }) + '}';
        details.set(detailKey, detail);
      }
      yield start + jsonString(id) + middle + detail;
    }
  }
}
