/**
 * What a dry run leaves in the state directory: one `planned` audit record per item and the
 * run's metrics (RUNTIME.md sections 2 and 5: `plan` writes only `-o` and these).
 */
import { randomUUID } from 'node:crypto';
import type { ChangePlan } from '../plan/change-plan.js';
import { ByteChunk } from '../plan/json-string-bytes.js';
import { APPEND_BATCH_LINES, AuditLog, type AuditRecord } from './audit-log.js';
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

/**
 * Appends and updates everything a dry run records: `planned` events and the run's metrics.
 * Returns null, or a warning when the metrics could not be recorded (`MetricsStore.update`).
 */
export async function recordPlan(stateDir: string, plan: ChangePlan, options: { command: string; runId: string; actor?: string | null; durationSeconds: number }): Promise<string | null> {
  recordPlannedEvents(stateDir, plan, options);
  return MetricsStore.update(stateDir, (metrics) => {
    for (const policy of plan.policies) {
      metrics.inc('recon_reconcile_total', { policy: policy.policy, outcome: planOutcome(policy) });
      for (const kind of ['missing', 'extra', 'changed', 'invalid'] as const) {
        metrics.set('recon_drift_items', { policy: policy.policy, kind }, policy.summary[kind]);
      }
      metrics.set('recon_run_duration_seconds', { policy: policy.policy }, Number(options.durationSeconds.toFixed(3)));
    }
  });
}

/**
 * One `planned` audit record per item of the plan (one without an item for a policy that has
 * none: `noDriftRecord`), written in batches of whole lines. Each line
 * is the text `JSON.stringify` gives the record; the members that are the same for a policy's
 * records are encoded once and copied, and only each item's id is written anew, straight into
 * the batch's bytes, as these lines are tens of thousands a run.
 */
export function recordPlannedEvents(stateDir: string, plan: ChangePlan, options: { command: string; runId: string; actor?: string | null }): void {
  const log = AuditLog.inStateDir(stateDir, false);
  try {
    writePlannedLines(plan, new Date().toISOString(), options, (lines) => log.appendEncodedLines(lines));
  } finally {
    log.close();
  }
}

/** The `planned` record of an item, as an object (the form `writePlannedLines` writes as text). */
export function plannedRecord(
  plan: ChangePlan,
  policy: string,
  item: ChangePlan['policies'][number]['items'][number],
  ts: string,
  options: PlannedOptions,
): AuditRecord {
  return planned(plan, policy, item.id, { kind: item.kind, action: item.action, gate: item.gate }, ts, options);
}

/**
 * The `planned` record of a policy whose plan has no item: `item` is null and `detail.items` 0,
 * so every run of the policy, clean ones included, is in the log (RUNTIME.md 5: dry runs are
 * recorded; flapping looks at the policy's last ten runs).
 */
export function noDriftRecord(plan: ChangePlan, policy: string, ts: string, options: PlannedOptions): AuditRecord {
  return planned(plan, policy, null, { items: 0 }, ts, options);
}

/** Who planned: the command, its run and its actor. */
interface PlannedOptions {
  command: string;
  runId: string;
  actor?: string | null;
}

/** A `planned` audit record of one item (or of a policy without items: `item` null). */
function planned(plan: ChangePlan, policy: string, item: string | null, detail: Record<string, unknown>, ts: string, options: PlannedOptions): AuditRecord {
  return {
    ts,
    run_id: options.runId,
    command: options.command,
    policy,
    plan_hash: plan.plan_hash,
    item,
    event: 'planned',
    attempt: null,
    actor: options.actor ?? null,
    error: null,
    detail,
  };
}

/**
 * `JSON.stringify(plannedRecord(…))` and a newline for every item of the plan, in plan order
 * (and a `noDriftRecord` for each policy without items),
 * handed to `write` as UTF-8 in batches of `APPEND_BATCH_LINES` lines. Each batch is a view of
 * one reused buffer, valid only during the call. (A plain loop, not a generator: V8 does not
 * optimise a generator's loop while it runs, and this one runs once over every item.)
 */
function writePlannedLines(
  plan: ChangePlan,
  ts: string,
  options: { command: string; runId: string; actor?: string | null },
  write: (lines: Uint8Array) => void,
): void {
  // one buffer, reused from batch to batch (and grown when a batch does not fit)
  const out = new ByteChunk(new Uint8Array(1 << 20));
  const middle = ',"event":"planned","attempt":null,"actor":' + JSON.stringify(options.actor ?? null) + ',"error":null,"detail":';
  // the end of a line (from `event` on) for each kind, action and gate
  const ends = new Map<string, Map<string, Map<string, Uint8Array>>>();
  const endOf = (kind: string, action: string, gate: string): Uint8Array => {
    let byAction = ends.get(kind);
    if (byAction === undefined) ends.set(kind, (byAction = new Map()));
    let byGate = byAction.get(action);
    if (byGate === undefined) byAction.set(action, (byGate = new Map()));
    let end = byGate.get(gate);
    if (end === undefined) byGate.set(gate, (end = encoder.encode(middle + JSON.stringify({ kind, action, gate }) + '}\n')));
    return end;
  };
  let lastKind = '';
  let lastAction = '';
  let lastGate = '';
  let lastEnd = endOf('', '', '');
  let lines = 0;
  for (const policy of plan.policies) {
    // everything before the item's id: ts, run_id, command, policy, plan_hash
    const head = JSON.stringify({ ts, run_id: options.runId, command: options.command, policy: policy.policy, plan_hash: plan.plan_hash });
    const start = head.length > 2 ? encoder.encode(head.slice(0, -1) + ',"item":') : null;
    if (policy.items.length === 0) {
      // A run that found no drift is still a run: one record without an item says so. Flapping
      // counts a policy's last ten runs from the log, and without it only the runs that found
      // drift would count — an item set back once a day under a 15-minute schedule would look
      // corrected at every one of its "last ten runs".
      out.text(JSON.stringify(noDriftRecord(plan, policy.policy, ts, options)) + '\n');
      if (++lines === APPEND_BATCH_LINES) {
        write(out.take());
        lines = 0;
      }
      continue;
    }
    for (const item of policy.items) {
      const { id, kind, action, gate } = item;
      if (start === null || typeof id !== 'string' || typeof kind !== 'string' || typeof action !== 'string' || typeof gate !== 'string') {
        out.text(JSON.stringify(plannedRecord(plan, policy.policy, item, ts, options)) + '\n');
      } else {
        // items come sorted, so most share the previous item's kind, action and gate
        if (kind !== lastKind || action !== lastAction || gate !== lastGate) {
          lastEnd = endOf(kind, action, gate);
          lastKind = kind;
          lastAction = action;
          lastGate = gate;
        }
        out.raw(start);
        out.jsonString(id);
        out.raw(lastEnd);
      }
      if (++lines === APPEND_BATCH_LINES) {
        write(out.take());
        lines = 0;
      }
    }
  }
  if (lines > 0) write(out.take());
}

/** Encodes the texts every line repeats, once. */
const encoder = new TextEncoder();

