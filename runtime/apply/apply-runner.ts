/**
 * `recon apply` without the command line (RUNTIME.md sections 2, 4 and 5): plan (or re-observe a
 * saved plan), decide what may be done, act through the executor, verify, and record.
 *
 * Why in this order, per policy, under the policy's lock:
 * 1. recover the apply journal of a crashed run (actions made durable but never recorded);
 * 2. `apply FILE` plans afresh; `apply PLAN.json` re-observes the keys it would act on: an item
 *    the audit log records as `applied` for this plan hash, or whose key has converged, is done;
 *    an item whose actual record no longer matches its `precondition` is `stale` and is never
 *    applied on stale evidence;
 * 3. gates: `blocked` is never applied (mode audit, limits with `on_exceed abort`); `approval`
 *    only with an approval for that item of that plan hash from a member of its group
 *    (`--auto-approve` covers items without a group); tickets go to the ticket sink;
 * 4. the executor acts (rate, concurrency, retries, checkpoints);
 * 5. verify re-reads the touched keys and compares them with the policy's full rules:
 *    `converged` or `not_converged`; a failed action whose key converged anyway (an attempt took
 *    effect but its answer was lost) is `done`; tickets of converged items are resolved;
 * 6. metrics are written once per run.
 *
 * The result says, per policy and item, what happened; the CLI maps it to exit codes.
 */
import type { IrDocument, IrPolicy, IrSource } from '../../language/ir/ir-types.js';
import { ACTING_ACTIONS } from '../decide/decider.js';
import { currentObservedAt, policySources, selectPolicies } from '../plan/policy-selection.js';
import { policyKeyCoercion } from '../observe/key-typing.js';
import type { ChangePlan, Gate, PlanItem, PolicyPlan } from '../plan/change-plan.js';
import { runPlan, type RunPlanOptions } from '../plan/plan-runner.js';
import { AuditLog, type AuditRecord } from '../state/audit-log.js';
import { MetricsStore } from '../state/metrics-file.js';
import { markPlanFlapping, recordPlannedEvents } from '../state/plan-recording.js';
import { newRunId } from '../state/plan-recording.js';
import type { OpenOutcome, TicketSink } from '../state/tickets.js';
import { WriteError, type WriteAction, type Writer, type WriterContext } from '../write/writer.js';
import { fileWriteProblem } from '../write/writer-registry.js';
import { ApplyJournal, clearJournal, readPendingIntents } from './apply-journal.js';
import { ApplyHistoryReader, type ApplyHistory } from './apply-history.js';
import { resolveApprovals, type ApprovalRecord } from './approvals.js';
import { executeActions, writeActionOf, type AuditSink, type ExecutionReport } from './executor.js';
import { itemKeyPart, observeKeyStates, type KeyState } from './key-state.js';

/** A lock on one policy held for the whole apply. */
export interface PolicyLockHandle {
  release(): void | Promise<void>;
}

/** The collaborators apply needs from other parts of the runtime; tests may replace them. */
export interface ApplyServices {
  createWriter(source: IrSource, context: WriterContext): Writer;
  /** Takes a policy's lock (a clear error naming the holder when it is held); `onLost` when a lease is taken over. */
  acquireLock(
    stateDir: string,
    policy: string,
    options: { owner: string; timeoutMs: number; runId: string; onLost?: (holder: string) => void },
  ): Promise<PolicyLockHandle>;
  /** The ticket sink of a state directory (`tickets.jsonl`). */
  tickets(stateDir: string): TicketSink;
}

/** What the apply is given: a compiled `.recon` file (plan afresh) or a saved plan. */
export type ApplyInput = { kind: 'file'; ir: IrDocument } | { kind: 'plan'; plan: ChangePlan };

export interface ApplyRunOptions {
  /** Absolute path of the workspace root. */
  workspaceRoot: string;
  stateDir: string;
  services: ApplyServices;
  /** Only this policy (`--policy NAME`). */
  policy?: string;
  approvals?: readonly ApprovalRecord[];
  autoApprove?: boolean;
  /** How long to wait for a policy's lock (`--lock-timeout`, default 0: fail at once). */
  lockTimeoutMs?: number;
  env?: Readonly<Record<string, string | undefined>>;
  /** Who runs the apply (audit `actor`); default `RECON_ACTOR`, else the user name. */
  actor?: string | null;
  runId?: string;
  /** The command recorded in the audit log (`apply`, `watch`). */
  command?: string;
  /** SIGINT/SIGTERM: no new action starts; actions in flight finish and are recorded. */
  stop?: AbortSignal;
  /** Called after planning, when items wait for approval: may return approvals (a TTY prompt). */
  promptApprovals?: (plan: ChangePlan, waiting: PlanItem[]) => Promise<ApprovalRecord[]>;
  /** Progress of the actions (progress bars). */
  onProgress?: (event: ApplyProgressEvent) => void;
  /** Records read so far while a `.recon` file is planned afresh (the observe progress bar; see `RunPlanOptions.onProgress`). */
  onObserveProgress?: RunPlanOptions['onProgress'];
  /**
   * The audit log's history as summed up by earlier runs of this process (`recon watch` keeps
   * one for its state directory's log), so this run reads only the lines appended since; a
   * one-shot apply leaves it out and reads the log once.
   */
  history?: ApplyHistoryReader;
  /** Executor tuning (tests): commit batch size and interval, jitter source, per-attempt timeout. */
  commitEvery?: number;
  commitIntervalMs?: number;
  random?: () => number;
  actionTimeoutMs?: number;
}

export interface ApplyProgressEvent {
  policy: string;
  /** Actions this policy will attempt. */
  total: number;
  /** Actions settled so far. */
  settled: number;
  failed: number;
}

/** What became of one plan item. */
export type ItemOutcome =
  | 'applied' // performed and committed by this run
  | 'done' // already applied for this plan hash, or its key already converged
  | 'failed'
  | 'stale' // the actual record changed since the plan: not applied
  | 'waiting' // needs an approval it does not have
  | 'blocked' // mode audit, or limits with on_exceed abort
  | 'report' // report-only (invalid items included)
  | 'ignored'
  | 'ticket' // a ticket was opened (or kept open)
  | 'not_started'; // the run was stopped first

export interface ItemResult {
  id: string;
  kind: PlanItem['kind'];
  action: PlanItem['action'];
  gate: Gate;
  outcome: ItemOutcome;
  /** After verification: converged or not; null when the item was not verified. */
  verified: 'converged' | 'not_converged' | null;
  attempts: number;
  error: string | null;
  approvedBy: string | null;
  /**
   * For outcome `ticket`: what the ticket sink did. Kept so that `recon_actions_total` counts
   * only tickets opened or reopened, not one that merely stays open at every run.
   */
  ticket?: OpenOutcome;
}

/** How a policy's apply ended (also the `outcome` label of `recon_reconcile_total`). */
export type PolicyApplyStatus = 'no_drift' | 'converged' | 'drift' | 'waiting_approval' | 'limit_exceeded';

export interface PolicyApplyResult {
  policy: string;
  mode: PolicyPlan['mode'];
  status: PolicyApplyStatus;
  limits: PolicyPlan['limits'];
  items: ItemResult[];
  counts: Partial<Record<ItemOutcome, number>>;
  retries: number;
  /** Items recorded as applied from a crashed run's journal. */
  recovered: number;
  durationSeconds: number;
}

export interface ApplyResult {
  plan: ChangePlan;
  runId: string;
  policies: PolicyApplyResult[];
  /** Approval records that were not used, with the reason. */
  rejectedApprovals: { record: ApprovalRecord; reason: string }[];
  /** The run was stopped (SIGINT/SIGTERM) before every action started. */
  interrupted: boolean;
  /** The overall status, by precedence: limit_exceeded, waiting_approval, drift, converged/no_drift. */
  status: PolicyApplyStatus;
  /** Warnings about the run's own records (the metrics could not be updated), one line each. */
  warnings: string[];
}

/** The actor recorded in the audit log: `RECON_ACTOR`, else the OS user, else null. */
export function defaultActor(env: Readonly<Record<string, string | undefined>> = process.env): string | null {
  return env.RECON_ACTOR || env.USER || env.USERNAME || null;
}

const STATUS_PRECEDENCE: PolicyApplyStatus[] = ['limit_exceeded', 'waiting_approval', 'drift', 'converged', 'no_drift'];

/** The overall status of several policies: the first of limit_exceeded, waiting_approval, drift that holds. */
export function overallStatus(statuses: readonly PolicyApplyStatus[]): PolicyApplyStatus {
  for (const status of STATUS_PRECEDENCE) if (statuses.includes(status)) return status;
  return 'no_drift';
}

/** Outcomes that leave drift behind (exit code 2). */
const DRIFT_OUTCOMES: ReadonlySet<ItemOutcome> = new Set(['failed', 'stale', 'blocked', 'report', 'not_started']);

/** An audit sink over the state directory's log: per-attempt events written at once, batches fsynced. */
function auditSink(stateDir: string, durableBatches: boolean): AuditSink & { close(): void } {
  const fast = AuditLog.inStateDir(stateDir, false);
  const durable = durableBatches ? AuditLog.inStateDir(stateDir, true) : fast;
  return {
    append: (record) => fast.append(record),
    appendMany: (records) => durable.appendMany(records),
    close: () => {
      fast.close();
      durable.close();
    },
  };
}

/**
 * Applies a plan (made afresh from `input.ir`, or the saved `input.plan`) and returns what
 * happened. Throws for errors that stop the run (a lock held by another apply, a source that
 * cannot be read, an unknown policy): the CLI reports them as exit 1.
 */
export async function runApply(input: ApplyInput, options: ApplyRunOptions): Promise<ApplyResult> {
  const runId = options.runId ?? newRunId();
  const command = options.command ?? 'apply';
  const actor = options.actor === undefined ? defaultActor(options.env ?? process.env) : options.actor;
  const ir = input.kind === 'plan' ? input.plan.ir : input.ir;
  const policies = input.kind === 'plan' ? planPolicies(input.plan, options.policy) : selectPolicies(ir, options.policy);
  const locks: PolicyLockHandle[] = [];
  const owner = actor ?? 'recon';
  // Stops the actions: the caller's stop (SIGINT/SIGTERM), or a lock lost to another process.
  const halt = new AbortController();
  let lostLock: string | null = null;
  const onCallerStop = (): void => halt.abort();
  if (options.stop?.aborted) halt.abort();
  options.stop?.addEventListener('abort', onCallerStop, { once: true });
  try {
    for (const name of [...policies.map((policy) => policy.name)].sort()) {
      locks.push(
        await options.services.acquireLock(options.stateDir, name, {
          owner,
          timeoutMs: options.lockTimeoutMs ?? 0,
          runId,
          onLost: (holder) => {
            lostLock ??= holder;
            halt.abort();
          },
        }),
      );
    }
    const base = { runId, command, actor, ir, stop: halt.signal };
    // One reader of the log for the whole run: recovery and the history read below share its
    // pass over the log (the second read takes only the lines appended since).
    const historyReader = options.history ?? new ApplyHistoryReader(AuditLog.inStateDir(options.stateDir).path);
    const recovered = new Map<string, number>();
    for (const policy of policies) recovered.set(policy.name, await recoverJournal(policy, base, options, historyReader));

    const planStarted = performance.now();
    let plan: ChangePlan;
    if (input.kind === 'plan') {
      plan = input.plan;
    } else {
      plan = await runPlan(ir, {
        workspaceRoot: options.workspaceRoot,
        policy: options.policy,
        env: options.env,
        onProgress: options.onObserveProgress,
        writeTargetProblem: fileWriteProblem,
      });
      // The same flapping marks `recon plan` gives, so both make the same plan hash.
      markPlanFlapping(options.stateDir, plan);
      recordPlannedEvents(options.stateDir, plan, { command, runId, actor });
    }
    const planSeconds = (performance.now() - planStarted) / 1000;
    const selected = plan.policies.filter((policyPlan) => policies.some((policy) => policy.name === policyPlan.policy));

    let approvalRecords = [...(options.approvals ?? [])];
    let resolved = resolveApprovals(plan, approvalRecords, options.autoApprove ?? false);
    const waiting = selected.flatMap((policyPlan) => policyPlan.items.filter((item) => item.gate === 'approval' && !resolved.approvedBy.has(item.id)));
    if (waiting.length > 0 && options.promptApprovals && !halt.signal.aborted) {
      const given = await options.promptApprovals(plan, waiting);
      if (given.length > 0) {
        approvalRecords = [...approvalRecords, ...given];
        resolved = resolveApprovals(plan, approvalRecords, options.autoApprove ?? false);
      }
    }

    const history = historyReader.read(plan.plan_hash);
    const results: PolicyApplyResult[] = [];
    for (const policyPlan of selected) {
      const policy = policies.find((candidate) => candidate.name === policyPlan.policy)!;
      results.push(
        await applyPolicy(plan, policyPlan, policy, {
          ...base,
          options,
          approvedBy: resolved.approvedBy,
          history,
          fromSavedPlan: input.kind === 'plan',
          planSeconds,
          recovered: recovered.get(policy.name) ?? 0,
        }),
      );
    }
    const metricsWarning = await writeMetrics(options.stateDir, plan, results, { planned: input.kind === 'file', history });
    if (lostLock !== null) throw new Error(`the lock was taken over while applying (${lostLock}); stopped after the actions in flight, which are recorded`);
    return {
      plan,
      runId,
      policies: results,
      rejectedApprovals: resolved.rejected,
      interrupted: options.stop?.aborted === true,
      status: overallStatus(results.map((result) => result.status)),
      warnings: metricsWarning === null ? [] : [metricsWarning],
    };
  } finally {
    options.stop?.removeEventListener('abort', onCallerStop);
    for (const lock of locks.reverse()) await lock.release();
  }
}

/** The IR policies of a saved plan's policies (all, or the one named). */
function planPolicies(plan: ChangePlan, name: string | undefined): IrPolicy[] {
  const names = plan.policies.map((policy) => policy.policy);
  const chosen = selectPolicies(plan.ir, name);
  return chosen.filter((policy) => names.includes(policy.name));
}

interface RunBase {
  runId: string;
  command: string;
  actor: string | null;
  ir: IrDocument;
  /** No new action starts once this aborts. */
  stop: AbortSignal;
}

function record(base: RunBase, fields: Pick<AuditRecord, 'policy' | 'plan_hash' | 'item' | 'event'> & Partial<AuditRecord>): AuditRecord {
  return {
    ts: new Date().toISOString(),
    run_id: base.runId,
    command: base.command,
    policy: fields.policy,
    plan_hash: fields.plan_hash,
    item: fields.item,
    event: fields.event,
    attempt: fields.attempt ?? null,
    actor: fields.actor === undefined ? base.actor : fields.actor,
    error: fields.error ?? null,
    ...(fields.detail ? { detail: fields.detail } : {}),
  };
}

/**
 * Items a crashed run made durable without recording them: recorded `applied` now, when their key
 * converged. An item the audit log already records as `applied` for its plan hash and policy (by
 * the crashed run or an earlier one) is left alone.
 *
 * Why through `ApplyHistoryReader`: it streams the log and keeps, per plan hash, only where its
 * `applied` records are, so recovery holds the applied counts of the journal's plan hashes and
 * never the whole history as objects (a state dir kept for months has hundreds of megabytes of
 * log, and the apply after a crash is when it must not run out of memory). The reader is the
 * run's own, so the history read that follows takes only the lines appended since.
 */
async function recoverJournal(policy: IrPolicy, base: RunBase, options: ApplyRunOptions, historyReader: ApplyHistoryReader): Promise<number> {
  const pending = readPendingIntents(options.stateDir, policy.name);
  if (pending.byPlan.size === 0) {
    clearJournal(options.stateDir, policy.name);
    return 0;
  }
  const keys = new Set<string>();
  const candidates: { planHash: string; item: string; key: string }[] = [];
  for (const [planHash, items] of pending.byPlan) {
    // valid until the next read: used before the loop reads the next plan hash's
    const recorded = historyReader.read(planHash).appliedBefore(policy.name);
    for (const item of items) {
      if (recorded.has(item)) continue;
      const kind = item.split('/')[1] as PlanItem['kind'];
      const key = itemKeyPart({ id: item, kind });
      if (key === null) continue;
      keys.add(key);
      candidates.push({ planHash, item, key });
    }
  }
  let count = 0;
  if (candidates.length > 0) {
    const states = await observeKeyStates(base.ir, policy, keys, observeContext(options));
    const records: AuditRecord[] = [];
    for (const candidate of candidates) {
      if (!states.get(candidate.key)?.converged) continue;
      records.push(
        record(base, {
          policy: policy.name,
          plan_hash: candidate.planHash,
          item: candidate.item,
          event: 'applied',
          detail: { recovered: true, from_run: pending.runOf.get(candidate.planHash) ?? null },
        }),
      );
    }
    const log = AuditLog.inStateDir(options.stateDir, true);
    try {
      log.appendMany(records);
    } finally {
      log.close();
    }
    count = records.length;
  }
  clearJournal(options.stateDir, policy.name);
  return count;
}

function observeContext(options: ApplyRunOptions) {
  return { workspaceRoot: options.workspaceRoot, observedAt: currentObservedAt(), env: options.env, trusted: true };
}

/** `planned` events for a plan made by apply (dry runs record theirs through `recordPlan`). */
interface PolicyContext extends RunBase {
  options: ApplyRunOptions;
  approvedBy: ReadonlyMap<string, string>;
  history: ApplyHistory;
  fromSavedPlan: boolean;
  planSeconds: number;
  recovered: number;
}

async function applyPolicy(plan: ChangePlan, policyPlan: PolicyPlan, policy: IrPolicy, ctx: PolicyContext): Promise<PolicyApplyResult> {
  const started = performance.now();
  const { options } = ctx;
  const name = policy.name;
  const results = new Map<string, ItemResult>();
  const audit = AuditLog.inStateDir(options.stateDir, false);
  const events: AuditRecord[] = [];
  const note = (item: PlanItem, event: AuditRecord['event'], fields: Partial<AuditRecord> = {}): void => {
    events.push(record(ctx, { policy: name, plan_hash: plan.plan_hash, item: item.id, event, ...fields }));
  };
  const set = (item: PlanItem, outcome: ItemOutcome, extra: Partial<ItemResult> = {}): ItemResult => {
    const result: ItemResult = {
      id: item.id,
      kind: item.kind,
      action: item.action,
      gate: item.gate,
      outcome,
      verified: null,
      attempts: 0,
      error: null,
      approvedBy: ctx.approvedBy.get(item.id) ?? null,
      ...extra,
    };
    results.set(item.id, result);
    return result;
  };
  // How often each item of this plan was applied before (by earlier runs of the same plan hash).
  const appliedBefore = ctx.history.appliedBefore(name);
  const limitAbort = policyPlan.limits.exceeded && policy.limits.on_exceed === 'abort';

  // 1. Gates.
  const candidates: PlanItem[] = [];
  const tickets: PlanItem[] = [];
  for (const item of policyPlan.items) {
    if (item.action === 'ignore') {
      set(item, 'ignored');
      continue;
    }
    if (item.action === 'report' || item.gate === 'none') {
      set(item, 'report');
      continue;
    }
    if (item.gate === 'blocked') {
      set(item, 'blocked');
      note(item, 'skipped', { detail: { action: item.action, reason: item.reason.message ?? 'blocked' } });
      continue;
    }
    if (item.gate === 'approval') {
      const by = ctx.approvedBy.get(item.id);
      if (by === undefined) {
        set(item, 'waiting');
        note(item, 'skipped', { detail: { action: item.action, reason: `waiting for approval${item.approvers ? ` from ${item.approvers}` : ''}` } });
        continue;
      }
      note(item, 'approved', { actor: by, detail: { action: item.action, approver: by, ...(by === 'auto-approve' ? { by: ctx.actor } : {}) } });
    }
    if (item.action === 'ticket') tickets.push(item);
    else candidates.push(item);
  }

  // 2. Done, stale, or to perform.
  const toPerform: PlanItem[] = [];
  let keyStates = new Map<string, KeyState>();
  if (ctx.fromSavedPlan) {
    const keys = new Set(candidates.filter((item) => !appliedBefore.has(item.id)).map((item) => itemKeyPart(item)).filter((key): key is string => key !== null));
    keyStates = await observeKeyStates(ctx.ir, policy, keys, observeContext(options));
  }
  for (const item of candidates) {
    if (item.effect === null) {
      set(item, 'failed', { error: `${item.action} has no effect to perform${item.warnings?.length ? `: ${item.warnings.join('; ')}` : ''}` });
      note(item, 'failed', { error: results.get(item.id)!.error, detail: { action: item.action } });
      continue;
    }
    // A saved plan applied before (a re-run, or a run after a crash) is done for that item. A
    // fresh plan is fresh evidence: drift seen now after an earlier apply of the same plan means
    // another writer undid it, and it is corrected again (and counts towards flapping).
    if (ctx.fromSavedPlan && appliedBefore.has(item.id)) {
      set(item, 'done');
      continue;
    }
    if (ctx.fromSavedPlan) {
      const key = itemKeyPart(item);
      const state = key === null ? undefined : keyStates.get(key);
      if (state?.converged) {
        set(item, 'done', { verified: 'converged' });
        note(item, 'converged', { detail: { action: item.action, already: true } });
        continue;
      }
      const current = state ? state.actualFingerprint : null;
      if (!state || state.ambiguous || current !== item.precondition) {
        const why = state?.ambiguous
          ? 'the actual side now has several records with this key'
          : item.precondition === null
            ? 'an actual record with this key appeared since the plan was made'
            : current === null
              ? 'the actual record is gone since the plan was made'
              : 'the actual record changed since the plan was made';
        set(item, 'stale', { error: why });
        note(item, 'stale', { error: why, detail: { action: item.action, precondition: item.precondition, observed: current } });
        continue;
      }
    }
    toPerform.push(item);
  }
  audit.appendMany(events.splice(0));

  // 3. Tickets: opened in the ticket sink (not a write to the actual side).
  if (tickets.length > 0) {
    const sink = options.services.tickets(options.stateDir);
    for (const item of tickets) {
      const title = item.effect?.kind === 'ticket' ? item.effect.title : item.id;
      const { outcome } = sink.open({ id: item.id, policy: name, title, planHash: plan.plan_hash, runId: ctx.runId });
      set(item, 'ticket', { ticket: outcome });
      // Only a ticket that was (re)opened is an event; one that stays open is not news.
      if (outcome !== 'already_open') note(item, 'applied', { detail: { action: 'ticket', ticket: outcome, title } });
    }
    audit.appendMany(events.splice(0));
  }

  // 4. Act.
  let report: ExecutionReport | null = null;
  if (toPerform.length > 0 && !ctx.stop.aborted) {
    const sources = policySources(ctx.ir, policy);
    const source = sources.actual;
    let writer: Writer;
    try {
      writer = options.services.createWriter(source, {
        workspaceRoot: options.workspaceRoot,
        env: options.env,
        observedAt: plan.observed_at,
        // find records by the keys as the plan matched them
        keyCoercion: policyKeyCoercion(sources.desired, sources.actual).actual,
      });
    } catch (error) {
      // A writer that cannot exist (an unavailable connector) fails every action, not the run.
      writer = unavailableWriter(error instanceof Error ? error.message : String(error));
    }
    const journal = ApplyJournal.forPolicy(options.stateDir, name, plan.plan_hash, ctx.runId);
    const sink = auditSink(options.stateDir, writer.staged);
    const actions: WriteAction[] = toPerform.map((item) => writeActionOf(plan.plan_hash, item, (appliedBefore.get(item.id) ?? 0) + 1));
    let settled = 0;
    let failed = 0;
    options.onProgress?.({ policy: name, total: actions.length, settled, failed });
    try {
      report = await executeActions(actions, {
        policy: name,
        planHash: plan.plan_hash,
        runId: ctx.runId,
        command: ctx.command,
        actor: ctx.actor,
        writer,
        concurrency: policy.concurrency,
        ratePerSecond: policy.rate?.per_second ?? null,
        retry: { attempts: policy.retry.attempts, backoffMinMs: policy.retry.backoff_min_ms, backoffMaxMs: policy.retry.backoff_max_ms },
        actionTimeoutMs: options.actionTimeoutMs ?? sourceTimeoutMs(source),
        commitEvery: options.commitEvery,
        commitIntervalMs: options.commitIntervalMs,
        audit: sink,
        journal,
        stop: ctx.stop,
        random: options.random,
        onOutcome: (outcome) => {
          settled++;
          if (outcome.status === 'failed') failed++;
          options.onProgress?.({ policy: name, total: actions.length, settled, failed });
        },
      });
    } finally {
      sink.close();
      // Every batch was recorded (or the executor threw before committing anything): nothing is pending.
      journal.close(true);
    }
    for (const outcome of report.outcomes) {
      const item = outcome.action.item;
      set(item, outcome.status, {
        attempts: outcome.attempts,
        error: outcome.error,
      });
    }
  } else {
    for (const item of toPerform) set(item, 'not_started');
  }

  // 5. Verify what this run (or an earlier one for this plan) applied.
  const touched = [...results.values()].filter((result) => result.outcome === 'applied' || (result.outcome === 'done' && result.verified === null));
  // Actions that failed after being sent are checked too: when an attempt took effect but its
  // answer was lost (a timeout), the retry can fail on the very change it finds (a create answered
  // 409 Conflict). Their key having converged means the item is done (RUNTIME.md 4: an item whose
  // actual record already is what the action would make it counts as done), not drift.
  // So are items a writer refused as stale when it wrote (another writer may have made the very
  // change meanwhile, or this run's own earlier attempt whose answer was lost).
  const failedSent = [...results.values()].filter((result) => (result.outcome === 'failed' || result.outcome === 'stale') && result.attempts > 0);
  if (touched.length > 0 || failedSent.length > 0) {
    const byId = new Map(policyPlan.items.map((item) => [item.id, item]));
    const keys = new Set([...touched, ...failedSent].map((result) => itemKeyPart(byId.get(result.id)!)).filter((key): key is string => key !== null));
    const states = await observeKeyStates(ctx.ir, policy, keys, observeContext(options));
    for (const result of failedSent) {
      const item = byId.get(result.id)!;
      const key = itemKeyPart(item);
      if (key === null || states.get(key)?.converged !== true) continue;
      result.outcome = 'done';
      result.verified = 'converged';
      note(item, 'converged', { detail: { action: item.action, after_failure: result.error } });
    }
    for (const result of touched) {
      const item = byId.get(result.id)!;
      const key = itemKeyPart(item);
      const state = key === null ? undefined : states.get(key);
      const converged = state?.converged === true;
      result.verified = converged ? 'converged' : 'not_converged';
      note(item, converged ? 'converged' : 'not_converged', {
        detail: { action: item.action, ...(converged ? {} : { drift: state?.drift ?? 'unknown' }) },
      });
    }
    audit.appendMany(events.splice(0));
  }
  audit.close();

  // 6. Tickets of converged items are resolved; so are open tickets whose item no longer drifts.
  resolveTickets(policyPlan, results, ctx);

  const counts: Partial<Record<ItemOutcome, number>> = {};
  for (const result of results.values()) counts[result.outcome] = (counts[result.outcome] ?? 0) + 1;
  const items = policyPlan.items.map((item) => results.get(item.id)!);
  return {
    policy: name,
    mode: policyPlan.mode,
    status: policyStatus(items, limitAbort),
    limits: policyPlan.limits,
    items,
    counts,
    retries: report?.retries ?? 0,
    recovered: ctx.recovered,
    durationSeconds: (performance.now() - started) / 1000 + ctx.planSeconds,
  };
}

/** A writer whose every session fails to open with `message` (permanently). */
function unavailableWriter(message: string): Writer {
  return {
    staged: false,
    open: () => Promise.reject(new WriteError(message, false)),
  };
}

/** The per-attempt timeout of a source: its `timeout` option when it is a literal duration, else the default. */
function sourceTimeoutMs(source: IrSource): number | undefined {
  const option = source.connector.options.find((candidate) => candidate.name === 'timeout');
  return option && typeof option.value === 'number' && option.value > 0 ? option.value : undefined;
}

function policyStatus(items: readonly ItemResult[], limitAbort: boolean): PolicyApplyStatus {
  if (limitAbort && items.some((item) => ACTING_ACTIONS.has(item.action))) return 'limit_exceeded';
  if (items.some((item) => item.outcome === 'waiting')) return 'waiting_approval';
  if (items.some((item) => DRIFT_OUTCOMES.has(item.outcome) || item.verified === 'not_converged')) return 'drift';
  if (items.some((item) => item.outcome === 'applied' || item.outcome === 'done' || item.outcome === 'ticket')) return 'converged';
  return 'no_drift';
}

/**
 * Resolves the open tickets of items that no longer drift: items verified converged (or found
 * done), and — when the plan was made by this run, so it is current — items of the policy whose
 * key the plan no longer lists as drifting at all. A saved plan is old evidence: its absence of
 * an item says nothing about now, so only verified items resolve tickets then.
 */
function resolveTickets(policyPlan: PolicyPlan, results: ReadonlyMap<string, ItemResult>, ctx: PolicyContext): void {
  const sink = ctx.options.services.tickets(ctx.options.stateDir);
  const open = sink.list().filter((ticket) => ticket.status === 'open' && ticket.policy === policyPlan.policy);
  if (open.length === 0) return;
  const converged = new Set<string>();
  const drifting = new Set<string>();
  for (const item of policyPlan.items) {
    const key = itemKeyPart(item) ?? item.id;
    const result = results.get(item.id);
    if (result?.verified === 'converged') converged.add(key);
    else if (item.action !== 'ignore') drifting.add(key);
  }
  const stillDrifting = open
    .map((ticket) => ticket.id)
    .filter((id) => {
      const key = itemKeyPart({ id, kind: (id.split('/')[1] ?? 'invalid') as PlanItem['kind'] }) ?? id;
      if (drifting.has(key)) return true;
      if (converged.has(key)) return false;
      return ctx.fromSavedPlan;
    });
  sink.resolveConverged(stillDrifting, { policies: [policyPlan.policy], runId: ctx.runId, planHash: null });
}

/**
 * Updates `metrics.prom` once per run. `history` is the audit log as summed up before acting
 * (from this run's `planned` events and every earlier `converged` one: all time-to-converge needs).
 */
async function writeMetrics(
  stateDir: string,
  plan: ChangePlan,
  results: readonly PolicyApplyResult[],
  { planned, history }: { planned: boolean; history: ApplyHistory },
): Promise<string | null> {
  return MetricsStore.update(stateDir, (metrics) => recordRun(metrics, plan, results, { planned, history }));
}

/** One apply run's changes to the metrics. */
function recordRun(
  metrics: MetricsStore,
  plan: ChangePlan,
  results: readonly PolicyApplyResult[],
  { planned, history }: { planned: boolean; history: ApplyHistory },
): void {
  for (const result of results) {
    const policy = result.policy;
    metrics.inc('recon_reconcile_total', { policy, outcome: result.status });
    for (const item of result.items) {
      if (item.action === 'ignore' || item.action === 'report') continue;
      // A ticket that was already open was not acted on: counting it would grow at every run.
      if (item.ticket === 'already_open') continue;
      metrics.inc('recon_actions_total', { policy, action: item.action, outcome: item.outcome });
    }
    metrics.inc('recon_retries_total', { policy }, result.retries);
    metrics.set('recon_run_duration_seconds', { policy }, Number(result.durationSeconds.toFixed(3)));
    if (planned) {
      const policyPlan = plan.policies.find((candidate) => candidate.policy === policy);
      if (policyPlan) for (const kind of ['missing', 'extra', 'changed', 'invalid'] as const) metrics.set('recon_drift_items', { policy, kind }, policyPlan.summary[kind]);
    }
    if (result.status === 'converged') {
      const seconds = timeToConverge(history, policy, result.items.filter((item) => item.verified === 'converged').map((item) => item.id));
      if (seconds !== null) metrics.set('recon_time_to_converge_seconds', { policy }, Number(seconds.toFixed(3)));
    }
  }
}

/**
 * Seconds from the first run that found the drift of these items to now: per item, its first
 * `planned` event since it last converged in an earlier run; the earliest of them.
 */
function timeToConverge(history: ApplyHistory, policy: string, items: readonly string[]): number | null {
  let earliest: number | null = null;
  for (const item of items) {
    const first = history.driftStartedAt(policy, item);
    if (first !== undefined) earliest = earliest === null ? first : Math.min(earliest, first);
  }
  return earliest === null ? null : Math.max(0, (Date.now() - earliest) / 1000);
}
