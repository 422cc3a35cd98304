/**
 * The one interface every writer implements: how `recon apply` changes the actual side.
 *
 * Why sessions: a file writer must rewrite its file atomically, and rewriting a large file once
 * per action would be quadratic; a session collects actions and `commit` makes them durable
 * together. Writers to remote systems (HTTP, exec, PostgreSQL) commit each action as it is
 * performed and make `commit` a no-op (or end a transaction). The executor records an action as
 * `applied` in the audit log only after the `commit` that made it durable returned.
 */
import type { IrSource } from '../../language/ir/ir-types.js';
import type { KeyCoercion } from '../observe/key-typing.js';
import type { Effect, PlanItem } from '../plan/change-plan.js';

/** One action to perform: the plan item, its effect, and its idempotency key (`plan_hash` + item id). */
export interface WriteAction {
  item: PlanItem;
  effect: NonNullable<Effect>;
  idempotencyKey: string;
}

/** Raised by a writer; `transient` failures (network, timeout, 429, 5xx) may be retried. */
export class WriteError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
    /** Seconds to wait before retrying, when the system said so (HTTP `Retry-After`). */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
    this.name = 'WriteError';
  }
}

/**
 * Raised by a writer that finds, when it comes to act, that the actual record is no longer the
 * one the plan saw (its fingerprint differs from the item's `precondition`): the postgres writer
 * checks under a row lock, the file writer when it reads the file. The apply runner checks
 * preconditions when it re-observes, but a record can change after that and before the write:
 * the action is then not performed (RUNTIME.md 4: never applied on stale evidence), and the item
 * is `stale`, not a failure. Never transient: retrying cannot make the evidence fresh.
 */
export class StaleWriteError extends WriteError {
  constructor(message: string) {
    super(message, false);
    this.name = 'StaleWriteError';
  }
}

export interface WriteSession {
  /** Performs (or stages) one action. Idempotent: a create of an existing key updates it; a delete of a missing key succeeds. */
  perform(action: WriteAction, signal?: AbortSignal): Promise<void>;
  /** Makes every staged action durable; returns the actions it committed. */
  commit(): Promise<WriteAction[]>;
  /** Releases resources without committing staged actions. */
  close(): Promise<void>;
}

export interface Writer {
  /** Whether `perform` only stages (true: file writers) or acts at once (false: remote systems). */
  readonly staged: boolean;
  open(): Promise<WriteSession>;
}

export interface WriterContext {
  workspaceRoot: string;
  env?: Readonly<Record<string, string | undefined>>;
  observedAt: string;
  /**
   * How the policy matched the actual source's key values (`policyKeyCoercion(...).actual`),
   * when the desired source types a key field that it does not: writers that find records by
   * key (the file writers' `RecordKeyIndex`) must key them the same way as the plan did, or
   * a plan's key (`"1"`) would not find its record (`1`). Absent: keys as read.
   */
  keyCoercion?: KeyCoercion | null;
}

/**
 * The default time limit of one write attempt when the source sets no `timeout`: the executor
 * gives up on an attempt after it, and the postgres writer makes it the server's
 * `statement_timeout`, so that a statement given up on does not go on holding the session.
 */
export const DEFAULT_ACTION_TIMEOUT_MS = 30_000;

/** Builds the writer for an actual source; one factory per connector kind. */
export type WriterFactory = (source: IrSource, context: WriterContext) => Writer;
