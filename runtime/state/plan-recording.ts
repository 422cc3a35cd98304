/**
 * What a dry run leaves in the state directory: one `planned` audit record per item and the
 * run's metrics (RUNTIME.md sections 2 and 5: `plan` writes only `-o` and these).
 */
import { randomUUID } from 'node:crypto';
import type { ChangePlan } from '../plan/change-plan.js';
import { AuditLog, readAuditLog, type AuditRecord } from './audit-log.js';
import { markFlapping } from './flapping.js';
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
 * `plan` and `apply FILE` both call it before a plan is shown, saved or approved.
 */
export function markPlanFlapping(stateDir: string, plan: ChangePlan): string[] {
  return markFlapping(plan, readAuditLog(AuditLog.inStateDir(stateDir).path).records);
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

/** One `planned` audit record per item of the plan, written together. */
export function recordPlannedEvents(stateDir: string, plan: ChangePlan, options: { command: string; runId: string; actor?: string | null }): void {
  const ts = new Date().toISOString();
  const records: AuditRecord[] = [];
  for (const policy of plan.policies) {
    for (const item of policy.items) {
      records.push({
        ts,
        run_id: options.runId,
        command: options.command,
        policy: policy.policy,
        plan_hash: plan.plan_hash,
        item: item.id,
        event: 'planned',
        attempt: null,
        actor: options.actor ?? null,
        error: null,
        detail: { kind: item.kind, action: item.action, gate: item.gate },
      });
    }
  }
  const log = AuditLog.inStateDir(stateDir, false);
  try {
    log.appendMany(records);
  } finally {
    log.close();
  }
}
