/**
 * The apply journal: a write-ahead checkpoint per policy, `checkpoints/<policy>.jsonl` in the
 * state directory (RUNTIME.md 4: "progress is checkpointed").
 *
 * Why: an action is recorded `applied` in the audit log only after the writer's `commit` made it
 * durable, so a crash (kill -9) between the commit and the audit line would leave an action that
 * happened but was never recorded. Before each commit (staged writers) or each perform (writers
 * that act at once) the executor appends an `intent` line naming the items; after their `applied`
 * events are in the audit log it appends a `recorded` line. The next apply of the policy finds
 * intents without a `recorded` line, re-reads those keys, and records the ones that converged as
 * applied (`detail.recovered`), so every action is recorded exactly once. A torn last line (the
 * crash hit the journal itself) is ignored: its intent had not reached the writer yet.
 *
 * Intent lines of staged batches are fsynced (one fsync per batch); per-action intents of remote
 * writers are written without fsync (they survive a killed process, and the idempotency key
 * protects the remote side against a replay after a power loss).
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** One line of the journal. */
export type JournalEntry =
  | { intent: string[]; plan_hash: string; run_id: string }
  | { recorded: string[]; plan_hash: string; run_id: string };

/** Items whose action may have been made durable without being recorded: grouped by plan hash. */
export interface PendingIntents {
  /** plan hash -> item ids with an intent and no `recorded` line. */
  byPlan: Map<string, Set<string>>;
  /** The run that wrote each plan hash's intents (for the audit detail). */
  runOf: Map<string, string>;
}

/** Where the journal of `policy` lives. */
export function journalPath(stateDir: string, policy: string): string {
  return join(stateDir, 'checkpoints', `${policy.replace(/[^A-Za-z0-9_.-]/g, '_')}.jsonl`);
}

/** Appends intents and records to one policy's journal. */
export class ApplyJournal {
  private fd: number | null = null;

  constructor(
    readonly path: string,
    private readonly planHash: string,
    private readonly runId: string,
  ) {}

  static forPolicy(stateDir: string, policy: string, planHash: string, runId: string): ApplyJournal {
    return new ApplyJournal(journalPath(stateDir, policy), planHash, runId);
  }

  /** Announces items about to be made durable; `durable` fsyncs the line. */
  intent(items: readonly string[], durable: boolean): void {
    this.write({ intent: [...items], plan_hash: this.planHash, run_id: this.runId }, durable);
  }

  /** Says the items' `applied` (or `failed`) events are in the audit log. */
  recorded(items: readonly string[]): void {
    this.write({ recorded: [...items], plan_hash: this.planHash, run_id: this.runId }, false);
  }

  /** Closes the journal; with `finished`, removes it (nothing is pending any more). */
  close(finished: boolean): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    if (finished) rmSync(this.path, { force: true });
  }

  private write(entry: JournalEntry, durable: boolean): void {
    if (this.fd === null) {
      mkdirSync(join(this.path, '..'), { recursive: true });
      const existing = existsSync(this.path) ? readFileSync(this.path) : null;
      const torn = existing !== null && existing.length > 0 && existing[existing.length - 1] !== 10;
      this.fd = openSync(this.path, 'a');
      if (torn) writeSync(this.fd, '\n');
    }
    writeSync(this.fd, JSON.stringify(entry) + '\n');
    if (durable) fsyncSync(this.fd);
  }
}

/** Reads a policy's journal: the intents that were never followed by a `recorded` line. */
export function readPendingIntents(stateDir: string, policy: string): PendingIntents {
  const path = journalPath(stateDir, policy);
  const pending: PendingIntents = { byPlan: new Map(), runOf: new Map() };
  if (!existsSync(path)) return pending;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    let entry: JournalEntry;
    try {
      entry = JSON.parse(line) as JournalEntry;
    } catch {
      continue;
    }
    if (typeof entry !== 'object' || entry === null || typeof entry.plan_hash !== 'string') continue;
    let set = pending.byPlan.get(entry.plan_hash);
    if (!set) {
      set = new Set();
      pending.byPlan.set(entry.plan_hash, set);
    }
    if ('intent' in entry && Array.isArray(entry.intent)) {
      for (const item of entry.intent) set.add(item);
      pending.runOf.set(entry.plan_hash, entry.run_id);
    } else if ('recorded' in entry && Array.isArray(entry.recorded)) {
      for (const item of entry.recorded) set.delete(item);
    }
  }
  for (const [hash, set] of pending.byPlan) if (set.size === 0) pending.byPlan.delete(hash);
  return pending;
}

/** Removes a policy's journal once its pending intents have been settled. */
export function clearJournal(stateDir: string, policy: string): void {
  rmSync(journalPath(stateDir, policy), { force: true });
}
