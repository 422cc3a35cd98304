/**
 * One apply per policy at a time (RUNTIME.md section 4): a lock file `locks/<policy>.lock` in the
 * state directory, naming its holder (user@host, pid, when it started) and a lease that the
 * holder renews while it works.
 *
 * Why a lock: two `recon apply` runs (a person and `recon watch`, two CI jobs) on one policy would
 * act on the same records from two plans. The mechanism — atomic creation, the lease and its
 * renewal, taking over the lock of a holder that is gone — is the lock file of `lock-file.ts`,
 * which the approvals file's lock shares; this module adds where a policy's lock lives, what its
 * file says it is for (`policy`) and how a held lock is described.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  acquireLockFile,
  LockHeldError,
  readLockHolder,
  type FileLock,
  type FileLockHolder,
  type FileLockOptions,
} from './lock-file.js';


/** What a policy's lock file holds. */
export type LockHolder = FileLockHolder<{ policy: string }>;

/** A held policy lock. */
export type PolicyLock = FileLock<{ policy: string }>;

/** How long to wait and how long a lease lasts; the defaults suit `recon apply` (fail at once, 30 s lease). */
export type PolicyLockOptions = FileLockOptions<{ policy: string }>;

/** The lock of a policy is held by someone else; the message names them. */
export class PolicyLockError extends LockHeldError<{ policy: string }> {
  constructor(
    message: string,
    readonly policy: string,
    /** The holder, when the lock file could be read. */
    holder: LockHolder | null,
  ) {
    super(message, holder);
    this.name = 'PolicyLockError';
  }
}

/** The lock file of a policy; names are percent-encoded so any policy name is one file name. */
export function policyLockPath(stateDir: string, policy: string): string {
  const safe = policy.replace(/[^A-Za-z0-9_.-]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
  return join(stateDir, 'locks', `${safe.startsWith('.') ? '%2E' + safe.slice(1) : safe}.lock`);
}

/** Who holds the lock of `policy` now, or null when nobody does (or the file cannot be read). */
export function readPolicyLock(stateDir: string, policy: string): LockHolder | null {
  return readLockHolder<{ policy: string }>(policyLockPath(stateDir, policy), ['policy']);
}

/** "policy X is being applied by alice@host (pid 123) since ...". */
export function describeHolder(policy: string, holder: LockHolder | null): string {
  if (holder === null) return `policy ${policy} is being applied by another process (its lock file cannot be read)`;
  return `policy ${policy} is being applied by ${holder.owner} (pid ${holder.pid}) since ${holder.started}`;
}

/**
 * Takes the lock of `policy` in `stateDir`, waiting up to `lockTimeoutMs` while someone else
 * holds it; takes over a lock whose holder is gone. Throws `PolicyLockError` naming the holder
 * when the time is up.
 */
export async function acquirePolicyLock(stateDir: string, policy: string, options: PolicyLockOptions = {}): Promise<PolicyLock> {
  mkdirSync(join(stateDir, 'locks'), { recursive: true });
  try {
    return await acquireLockFile(policyLockPath(stateDir, policy), { policy }, (holder) => describeHolder(policy, holder), options);
  } catch (error) {
    if (error instanceof LockHeldError) throw new PolicyLockError(error.message, policy, error.holder as LockHolder | null);
    throw error;
  }
}
