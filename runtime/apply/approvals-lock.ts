/**
 * The lock around the read-modify-write of an approvals file: `APPROVALS.json.lock` beside it,
 * held while `recon approve -o` reads the file, adds its records and replaces it.
 *
 * Why: the file is replaced atomically (`appendApprovals`), but each process reads it first.
 * Several reviewers' CI jobs approving into one file at once each read the same old content, and
 * the last to rename its copy over the file dropped the others' approvals — silently, so an apply
 * then waited for approvals that had been given. With the lock they take turns.
 *
 * It is the lock file of `state/lock-file.ts`, the one `recon apply` holds per policy: its holder
 * (user@host, pid, since) and lease are in the file; a lock whose holder is gone (its process no
 * longer runs on this host, or its lease ran out) is taken over; a live holder is waited for up to
 * `lockTimeoutMs` (default 5 s: a holder only reads and writes one small file), then
 * `ApprovalsLockError` names it. The lock file is removed when released.
 */
import { basename } from 'node:path';
import { acquireLockFile, LockHeldError, type FileLockHolder } from '../state/lock-file.js';

/** How long `recon approve` waits for another process's lock on the approvals file by default. */
export const DEFAULT_APPROVALS_LOCK_TIMEOUT_MS = 5_000;

/** What an approvals file's lock file holds: `file` is the approvals file's name. */
export type ApprovalsLockHolder = FileLockHolder<{ file: string }>;

/** Another process held the approvals file's lock for longer than the wait; the message names it. */
export class ApprovalsLockError extends Error {
  constructor(
    message: string,
    readonly holder: ApprovalsLockHolder | null,
  ) {
    super(message);
    this.name = 'ApprovalsLockError';
  }
}

/** The lock file of an approvals file: beside it, its name plus `.lock`. */
export function approvalsLockPath(approvalsPath: string): string {
  return `${approvalsPath}.lock`;
}

/** "approvals.json is being written by alice@host (pid 123) since ...". */
export function describeApprovalsHolder(approvalsPath: string, holder: ApprovalsLockHolder | null): string {
  if (holder === null) return `${approvalsPath} is being written by another process (its lock file ${approvalsLockPath(approvalsPath)} cannot be read)`;
  return `${approvalsPath} is being written by ${holder.owner} (pid ${holder.pid}) since ${holder.started}`;
}

/** How long to wait for the lock. */
export interface ApprovalsLockOptions {
  /** Default `DEFAULT_APPROVALS_LOCK_TIMEOUT_MS`. */
  lockTimeoutMs?: number;
  /** How often to look again while waiting. Default 100 ms. */
  pollMs?: number;
}

/**
 * Runs `work` while holding the lock of the approvals file at `approvalsPath` (as the user gave
 * it: messages name it so), and releases the lock after, also when `work` throws. Throws
 * `ApprovalsLockError` when another live process holds it for longer than the wait.
 */
export async function withApprovalsLock<T>(approvalsPath: string, work: () => T | Promise<T>, options: ApprovalsLockOptions = {}): Promise<T> {
  let lock;
  try {
    lock = await acquireLockFile(
      approvalsLockPath(approvalsPath),
      { file: basename(approvalsPath) },
      (holder) => describeApprovalsHolder(approvalsPath, holder),
      { lockTimeoutMs: options.lockTimeoutMs ?? DEFAULT_APPROVALS_LOCK_TIMEOUT_MS, pollMs: options.pollMs },
    );
  } catch (error) {
    if (error instanceof LockHeldError) throw new ApprovalsLockError(error.message, error.holder as ApprovalsLockHolder | null);
    throw error;
  }
  try {
    return await work();
  } finally {
    lock.release();
  }
}
