/**
 * The executor: performs one policy's actions against its writer, safely (RUNTIME.md 4).
 *
 * Why each mechanism is here:
 * - `concurrency` workers and a token bucket for `rate`: the actual system is protected from a
 *   burst, and retries take tokens like first attempts (no thundering retry).
 * - retries with exponential backoff and full jitter between the policy's bounds, only for
 *   transient failures (`WriteError.transient`, or any error with `transient: true`), honouring
 *   `retryAfterSeconds` up to a bound (`retryAfterRefusal`: a longer wait fails the action now
 *   instead of hanging the run); a permanent failure fails at once.
 * - a per-attempt timeout (an `AbortSignal` given to the writer, and a race in case the writer
 *   ignores it): a hung request becomes a transient failure instead of a hung run.
 * - the idempotency key (`plan_hash` + "/" + item id) travels with every action.
 * - checkpoints: an action is recorded `applied` only after the `commit` that made it durable
 *   returned. Staged (file) writers commit in batches — every `commitEvery` actions or
 *   `commitIntervalMs` — so a crash loses at most one uncommitted batch; a write-ahead intent in
 *   the apply journal lets the next run record a batch that was committed just before a crash
 *   (see `apply-journal.ts`). No new action is staged while a commit runs.
 * - audit events per attempt, each written to the OS as it happens: `retried` (an attempt failed
 *   and another follows), `failed` (the last attempt failed), `applied` (committed).
 * - a stop signal (SIGINT/SIGTERM in `recon watch` and `recon apply`): no new action starts, the
 *   actions in flight finish, staged ones are committed and recorded, the rest are `not_started`.
 */
import type { PlanItem } from '../plan/change-plan.js';
import type { AuditRecord } from '../state/audit-log.js';
import { DEFAULT_ACTION_TIMEOUT_MS, StaleWriteError, WriteError, type WriteAction, type WriteSession, type Writer } from '../write/writer.js';
import type { ApplyJournal } from './apply-journal.js';
import { backoffDelayMs, retryAfterRefusal, type RetrySettings } from './backoff.js';
import { TokenBucket } from './token-bucket.js';

export type { RetrySettings } from './backoff.js';

/** Where the executor writes audit events: the state directory's `AuditLog`, or a test's array. */
export interface AuditSink {
  append(record: AuditRecord): void;
  appendMany(records: readonly AuditRecord[]): void;
}

/** Staged writers commit at least every this many actions ... */
export const DEFAULT_COMMIT_EVERY = 200;
/** ... and at least this often (ms) while actions are staged. */
export const DEFAULT_COMMIT_INTERVAL_MS = 1_000;

export interface ExecutorOptions {
  policy: string;
  planHash: string;
  runId: string;
  /** The command recorded in audit events (`apply`, `watch`). */
  command: string;
  actor: string | null;
  writer: Writer;
  /** Actions in flight at once (the policy's `concurrency`). */
  concurrency: number;
  /** Actions (attempts) per second, or null for no limit (the policy's `rate.per_second`). */
  ratePerSecond: number | null;
  retry: RetrySettings;
  /** Per-attempt timeout in ms (default 30 s). */
  actionTimeoutMs?: number;
  /** Staged writers: commit after this many staged actions (default 200). */
  commitEvery?: number;
  /** Staged writers: commit staged actions at least this often, in ms (default 1000). */
  commitIntervalMs?: number;
  audit: AuditSink;
  /** The policy's apply journal (write-ahead intents); null to run without checkpoints. */
  journal?: ApplyJournal | null;
  /** Stops starting new actions; in-flight ones finish and are committed. */
  stop?: AbortSignal;
  /** For jitter; [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Called once per action when its fate is known (progress bars). */
  onOutcome?: (outcome: ActionOutcome) => void;
}

/**
 * `stale`: the writer found, at the moment of writing, that the actual record changed since the
 * plan (`StaleWriteError`) and did not act; the apply reports such an item as stale, not failed.
 */
export type ActionStatus = 'applied' | 'failed' | 'stale' | 'not_started';

export interface ActionOutcome {
  action: WriteAction;
  status: ActionStatus;
  /** Attempts made (0 when not started). */
  attempts: number;
  /** The last error, for failed actions. */
  error: string | null;
}

export interface ExecutionReport {
  /** One per action, in the order given. */
  outcomes: ActionOutcome[];
  applied: number;
  failed: number;
  /** Actions the writer refused because the actual record changed since the plan. */
  stale: number;
  notStarted: number;
  /** Attempts that failed transiently and were retried. */
  retries: number;
  /** Commits that made at least one action durable. */
  commits: number;
  durationMs: number;
}

/**
 * The idempotency key of an item of a plan (RUNTIME.md 4): `plan_hash/item id`, ASCII-safe for
 * headers. `correction` > 1 (the same plan's item corrected again after another writer undid it,
 * see `recon apply FILE`) appends `#n`: a retry of one correction keeps its key, so a remote
 * system drops a replay, but a new correction of reverted drift is not mistaken for one.
 */
export function idempotencyKey(planHash: string, itemId: string, correction = 1): string {
  const key = `${planHash}/${itemId}${correction > 1 ? `#${correction}` : ''}`;
  return key.replace(/[^\x21-\x7e]/gu, (character) => encodeURIComponent(character));
}

/** The write action of a plan item (which must have an effect); `correction` as for `idempotencyKey`. */
export function writeActionOf(planHash: string, item: PlanItem, correction = 1): WriteAction {
  if (item.effect === null) throw new Error(`item ${item.id} has no effect to perform`);
  return { item, effect: item.effect, idempotencyKey: idempotencyKey(planHash, item.id, correction) };
}

/** True for failures worth retrying: `WriteError.transient`, or any error marked `transient`. */
export function isTransient(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { transient?: unknown }).transient === true;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface Performed {
  index: number;
  attempts: number;
}

/**
 * Performs `actions` through `options.writer` and reports each one's fate, in the order given.
 * A failing action is `failed` with its error, never thrown: the run must still verify and
 * record. A writer that cannot be opened fails every action the same way.
 */
export async function executeActions(actions: readonly WriteAction[], options: ExecutorOptions): Promise<ExecutionReport> {
  const started = performance.now();
  const outcomes: (ActionOutcome | undefined)[] = new Array(actions.length);
  const report: ExecutionReport = { outcomes: [], applied: 0, failed: 0, stale: 0, notStarted: 0, retries: 0, commits: 0, durationMs: 0 };
  const finish = (): ExecutionReport => {
    for (let i = 0; i < actions.length; i++) {
      if (!outcomes[i]) settle(i, 'not_started', 0, null);
    }
    report.outcomes = outcomes as ActionOutcome[];
    report.durationMs = performance.now() - started;
    return report;
  };
  const settle = (index: number, status: ActionStatus, attempts: number, error: string | null): void => {
    if (outcomes[index]) return;
    const outcome: ActionOutcome = { action: actions[index]!, status, attempts, error };
    outcomes[index] = outcome;
    if (status === 'applied') report.applied++;
    else if (status === 'failed') report.failed++;
    else if (status === 'stale') report.stale++;
    else report.notStarted++;
    options.onOutcome?.(outcome);
  };
  if (actions.length === 0) return finish();

  const { writer, audit, journal = null, stop } = options;
  const staged = writer.staged;
  const attemptsAllowed = Math.max(1, Math.floor(options.retry.attempts));
  const timeoutMs = options.actionTimeoutMs ?? DEFAULT_ACTION_TIMEOUT_MS;
  const commitEvery = staged ? Math.max(1, options.commitEvery ?? DEFAULT_COMMIT_EVERY) : 1;
  const commitIntervalMs = options.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS;
  const random = options.random ?? Math.random;
  const bucket = options.ratePerSecond !== null && options.ratePerSecond > 0 ? new TokenBucket(options.ratePerSecond) : null;

  const event = (index: number, name: AuditRecord['event'], attempt: number | null, error: string | null, detail?: Record<string, unknown>): AuditRecord => {
    const action = actions[index]!;
    const record: AuditRecord = {
      ts: new Date().toISOString(),
      run_id: options.runId,
      command: options.command,
      policy: options.policy,
      plan_hash: options.planHash,
      item: action.item.id,
      event: name,
      attempt,
      actor: options.actor,
      error,
    };
    record.detail = { action: action.item.action, ...detail };
    return record;
  };
  const fail = (index: number, attempts: number, error: string): void => {
    audit.append(event(index, 'failed', attempts, error));
    settle(index, 'failed', attempts, error);
  };

  let session: WriteSession;
  try {
    session = await writer.open();
  } catch (error) {
    const message = `the writer could not be opened: ${messageOf(error)}`;
    for (let i = 0; i < actions.length; i++) fail(i, 0, message);
    return finish();
  }

  // --- commits -------------------------------------------------------------------------------
  let pending: Performed[] = [];
  let performing = 0;
  let drained: (() => void) | null = null;
  let commitInProgress: Promise<void> | null = null;
  let commitChain: Promise<void> = Promise.resolve();
  let queuedCommit: Promise<void> | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  /** Set when the writer can no longer be used: every further action fails with this. */
  let broken: string | null = null;

  const clearTimer = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };

  /** Commits what is pending now; commits never overlap, and no perform runs during one (staged). */
  const requestCommit = (): Promise<void> => {
    const run = async (): Promise<void> => {
      clearTimer();
      if (staged && performing > 0) await new Promise<void>((resolve) => (drained = resolve));
      drained = null;
      // From here on, actions that become pending need a commit of their own.
      queuedCommit = null;
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      const ids = batch.map((entry) => actions[entry.index]!.item.id);
      if (staged) journal?.intent(ids, true);
      let committed: WriteAction[] | null = null;
      let commitError: string | null = null;
      for (let attempt = 1; ; attempt++) {
        try {
          committed = await session.commit();
          break;
        } catch (error) {
          const retryAfter = error instanceof WriteError ? error.retryAfterSeconds : null;
          if (isTransient(error) && attempt < attemptsAllowed && retryAfterRefusal(options.retry, retryAfter) === null) {
            await sleepUnlessStopped(backoffDelayMs(options.retry, attempt, retryAfter, random), undefined);
            continue;
          }
          commitError = `commit failed: ${messageOf(error)}`;
          break;
        }
      }
      const durable = new Set((committed ?? []).map((action) => action.idempotencyKey));
      const records: AuditRecord[] = [];
      const settled: [Performed, ActionStatus, string | null][] = [];
      for (const entry of batch) {
        const action = actions[entry.index]!;
        if (committed !== null && (!staged || durable.has(action.idempotencyKey))) {
          records.push(event(entry.index, 'applied', entry.attempts, null, { idempotency_key: action.idempotencyKey }));
          settled.push([entry, 'applied', null]);
        } else {
          const message = commitError ?? 'the writer did not commit this action';
          records.push(event(entry.index, 'failed', entry.attempts, message));
          settled.push([entry, 'failed', message]);
        }
      }
      audit.appendMany(records);
      journal?.recorded(ids);
      if (settled.some(([, status]) => status === 'applied')) report.commits++;
      for (const [entry, status, message] of settled) settle(entry.index, status, entry.attempts, message);
      if (commitError !== null && staged) {
        // The session's state is unknown after a failed commit: start a fresh one.
        await session.close().catch(() => undefined);
        try {
          session = await writer.open();
        } catch (error) {
          broken = `the writer could not be reopened after a failed commit: ${messageOf(error)}`;
        }
      }
    };
    // A commit that is requested but has not started yet will take whatever is pending then:
    // further requests join it instead of queueing small commits behind it.
    if (queuedCommit !== null) return queuedCommit;
    const next = commitChain.then(async () => {
      commitInProgress = run();
      try {
        await commitInProgress;
      } finally {
        commitInProgress = null;
      }
    });
    commitChain = next.catch(() => undefined);
    queuedCommit = next;
    return next;
  };

  const performed = async (index: number, attempts: number): Promise<void> => {
    pending.push({ index, attempts });
    if (pending.length >= commitEvery) {
      await requestCommit();
    } else if (timer === null) {
      timer = setTimeout(() => {
        requestCommit().catch(() => undefined);
      }, commitIntervalMs);
    }
  };

  // --- one action ------------------------------------------------------------------------------
  const runOne = async (index: number): Promise<void> => {
    const action = actions[index]!;
    for (let attempt = 1; ; attempt++) {
      if (staged) while (commitInProgress) await commitInProgress;
      if (bucket) await bucket.acquire();
      if (staged) while (commitInProgress) await commitInProgress;
      if (broken !== null) {
        fail(index, attempt - 1, broken);
        return;
      }
      if (!staged) journal?.intent([action.item.id], false);
      performing++;
      let failure: unknown = null;
      try {
        await performWithTimeout(session, action, timeoutMs);
      } catch (error) {
        failure = error;
      } finally {
        performing--;
        if (performing === 0 && drained) drained();
      }
      if (failure === null) {
        await performed(index, attempt);
        return;
      }
      const message = messageOf(failure);
      if (failure instanceof StaleWriteError) {
        // Not a failure to retry or report as one: the evidence is stale (RUNTIME.md 4).
        audit.append(event(index, 'stale', attempt, message));
        settle(index, 'stale', attempt, message);
        if (!staged) journal?.recorded([action.item.id]);
        return;
      }
      const retryAfter = failure instanceof WriteError ? failure.retryAfterSeconds : null;
      // A retry the system asks to put off for longer than the apply waits is not made at all.
      const refusal = isTransient(failure) && attempt < attemptsAllowed ? retryAfterRefusal(options.retry, retryAfter) : null;
      if (isTransient(failure) && attempt < attemptsAllowed && !stop?.aborted && refusal === null) {
        const delay = backoffDelayMs(options.retry, attempt, retryAfter, random);
        audit.append(event(index, 'retried', attempt, message, { delay_ms: delay }));
        report.retries++;
        if (!staged) journal?.recorded([action.item.id]);
        if (!(await sleepUnlessStopped(delay, stop))) {
          fail(index, attempt, `${message} (stopped before retrying)`);
          return;
        }
        continue;
      }
      fail(
        index,
        attempt,
        refusal !== null ? `${message} (${refusal})` : isTransient(failure) && attempt >= attemptsAllowed && attemptsAllowed > 1 ? `${message} (after ${attempt} attempts)` : message,
      );
      if (!staged) journal?.recorded([action.item.id]);
      return;
    }
  };

  // --- workers ---------------------------------------------------------------------------------
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < actions.length && !stop?.aborted) {
      const index = next++;
      await runOne(index);
    }
  };
  try {
    const workers = Math.max(1, Math.min(Math.floor(options.concurrency) || 1, actions.length));
    await Promise.all(Array.from({ length: workers }, () => worker()));
    await requestCommit();
  } finally {
    clearTimer();
    await session.close().catch(() => undefined);
  }
  return finish();
}

/** One perform, failing transiently when it takes longer than `timeoutMs`. */
async function performWithTimeout(session: WriteSession, action: WriteAction, timeoutMs: number): Promise<void> {
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
    await session.perform(action);
    return;
  }
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new WriteError(`timed out after ${timeoutMs} ms`, true);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  const performing = session.perform(action, controller.signal);
  // After a timeout the perform may still settle; its late rejection must not go unhandled.
  performing.catch(() => undefined);
  try {
    await Promise.race([performing, timedOut]);
  } finally {
    if (timer !== null) clearTimeout(timer);
  }
}

/** Sleeps `ms`; resolves false early when `stop` aborts (true when the time passed). */
function sleepUnlessStopped(ms: number, stop: AbortSignal | undefined): Promise<boolean> {
  if (stop?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onStop = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      stop?.removeEventListener('abort', onStop);
      resolve(true);
    }, ms);
    stop?.addEventListener('abort', onStop, { once: true });
  });
}
