/**
 * An exclusive lock held through a lock file that names its holder (user@host, pid, when it
 * started) and a lease that the holder renews while it works. Two users: the policy lock of
 * `recon apply` (`policy-lock.ts`, RUNTIME.md section 4) and the lock around the
 * read-modify-write of an approvals file (`apply/approvals-lock.ts`).
 *
 * Why a file and a lease: two processes (a person and `recon watch`, two CI jobs) must not both
 * work on one thing at once. The lock file is created atomically — the content is written to a
 * private file first and then hard-linked to the lock's name, which fails when the name exists
 * (an exclusive create, like `wx`, but a reader never sees a half written lock) — so exactly one
 * process gets it. A holder that is gone must not block forever: a lock whose process no longer
 * runs on this host, or whose lease expired (its holder crashed on another machine, or hangs),
 * is taken over.
 *
 * Taking over without two takers: each taker first creates, exclusively, a marker file named
 * after the stale lock's token; only the one that creates it may replace the lock, and it does so
 * only after checking that the lock still holds that very token, by renaming a fresh lock file
 * over it (atomic: the name never disappears, so a plain acquirer cannot slip in). It then reads
 * the lock back to confirm it is its own. Markers left by a taker that died are removed once their
 * own process is gone or the lease time has passed.
 *
 * While held, a timer (unref'd: it never keeps the process alive) renews the lease; if the lock
 * file no longer holds this holder's token (someone took it over after the lease ran out), the
 * lock is marked lost and `onLost` is called, so the holder can stop.
 *
 * What the lock is for is a "label" of text fields written first into the lock file (`policy`
 * for a policy lock, `file` for an approvals lock), so a person who finds a lock file can tell.
 */
import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';

/** The text fields that say what a lock is for (`{ policy }`, `{ file }`). */
export type LockLabel = Record<string, string>;

/** What every lock file holds besides its label. */
export interface LockFields {
  /** `user@host` of the holder. */
  owner: string;
  host: string;
  pid: number;
  /** ISO 8601: when the holder took the lock. */
  started: string;
  /** ISO 8601: until when the lock is valid unless renewed. */
  lease_expires: string;
  /** Random, unique per acquisition: tells this holder's lock from any later one. */
  token: string;
}

/** What a lock file with label `L` holds. */
export type FileLockHolder<L extends LockLabel = LockLabel> = L & LockFields;

/** How long to wait and how long a lease lasts. */
export interface FileLockOptions<L extends LockLabel = LockLabel> {
  /** How long to wait for a held lock; 0 (default) fails at once. */
  lockTimeoutMs?: number;
  /** Lease length; renewed every third of it while held. Default 30 s. */
  leaseMs?: number;
  /** How often to look again while waiting. Default 100 ms. */
  pollMs?: number;
  /** `user@host` to record; default the current user at this host. */
  owner?: string;
  /** Called (once) when the lock turns out to have been taken over while held. */
  onLost?: (holder: FileLockHolder<L> | null) => void;
}

/** The lock is held by someone else; the message (made by the caller's `describe`) names them. */
export class LockHeldError<L extends LockLabel = LockLabel> extends Error {
  constructor(
    message: string,
    /** The holder, when the lock file could be read. */
    readonly holder: FileLockHolder<L> | null,
  ) {
    super(message);
    this.name = 'LockHeldError';
  }
}

const DEFAULT_LEASE_MS = 30_000;
const DEFAULT_POLL_MS = 100;
const TAKEOVER_RETRIES = 50;
const TAKEOVER_RETRY_MS = 20;

/** `user@host` of this process. */
export function currentOwner(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
  return `${user}@${hostname()}`;
}

/** Whether a process with this pid runs on this host (EPERM: it runs, as another user). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseHolder<L extends LockLabel>(text: string, labelKeys: readonly (keyof L & string)[]): FileLockHolder<L> | null {
  try {
    const value = JSON.parse(text) as Partial<LockFields> & Record<string, unknown>;
    if (typeof value.token !== 'string' || typeof value.pid !== 'number' || typeof value.lease_expires !== 'string') return null;
    const label: LockLabel = {};
    for (const key of labelKeys) label[key] = String(value[key] ?? '');
    return {
      ...(label as L),
      owner: String(value.owner ?? 'unknown'),
      host: String(value.host ?? ''),
      pid: value.pid,
      started: String(value.started ?? ''),
      lease_expires: value.lease_expires,
      token: value.token,
    };
  } catch {
    return null;
  }
}

type LockFileState<L extends LockLabel> = { kind: 'missing' } | { kind: 'held'; holder: FileLockHolder<L> } | { kind: 'unreadable'; modifiedMs: number };

function readLockFile<L extends LockLabel>(path: string, labelKeys: readonly (keyof L & string)[]): LockFileState<L> {
  let text: string;
  let modifiedMs: number;
  try {
    modifiedMs = statSync(path).mtimeMs;
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw error;
  }
  const holder = parseHolder<L>(text, labelKeys);
  return holder ? { kind: 'held', holder } : { kind: 'unreadable', modifiedMs };
}

/** Who holds the lock file at `path` now, or null when nobody does (or the file cannot be read). */
export function readLockHolder<L extends LockLabel>(path: string, labelKeys: readonly (keyof L & string)[]): FileLockHolder<L> | null {
  const state = readLockFile<L>(path, labelKeys);
  return state.kind === 'held' ? state.holder : null;
}

/** Whether a holder is gone: its lease ran out, or its process no longer runs on this host. */
export function holderIsGone(holder: LockFields, nowMs = Date.now()): boolean {
  const expires = Date.parse(holder.lease_expires);
  if (!Number.isFinite(expires) || expires <= nowMs) return true;
  return holder.host === hostname() && !processAlive(holder.pid);
}

/** Writes `content` to a fresh private file beside `path` and fsyncs it; returns its name. */
function writePrivate(path: string, content: string, suffix: string): string {
  const temporary = `${path}.${suffix}.tmp`;
  writeSyncedAndClose(openSync(temporary, 'wx', 0o644), content);
  return temporary;
}

/** Writes `content` to the new file `fd`, fsyncs it and closes it (also when writing fails). */
function writeSyncedAndClose(fd: number, content: string): void {
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A held lock. */
export class FileLock<L extends LockLabel = LockLabel> {
  private timer: NodeJS.Timeout | null = null;
  private released = false;
  private lostHolder: FileLockHolder<L> | null | undefined = undefined;

  constructor(
    readonly path: string,
    private current: FileLockHolder<L>,
    private readonly labelKeys: readonly (keyof L & string)[],
    private readonly leaseMs: number,
    private readonly onLost?: (holder: FileLockHolder<L> | null) => void,
  ) {
    this.timer = setInterval(() => this.renewFromTimer(), Math.max(10, Math.floor(leaseMs / 3)));
    this.timer.unref();
  }

  /** This holder's record, as last written. */
  get holder(): FileLockHolder<L> {
    return this.current;
  }

  /** True when another process took the lock over while this one held it. */
  get lost(): boolean {
    return this.lostHolder !== undefined;
  }

  /**
   * Extends the lease (the timer does this on its own). Returns false, and marks the lock lost,
   * when the file no longer holds this holder's token.
   */
  renew(): boolean {
    if (this.released || this.lost) return false;
    const state = readLockFile<L>(this.path, this.labelKeys);
    if (state.kind !== 'held' || state.holder.token !== this.current.token) {
      this.markLost(state.kind === 'held' ? state.holder : null);
      return false;
    }
    const next: FileLockHolder<L> = { ...this.current, lease_expires: new Date(Date.now() + this.leaseMs).toISOString() };
    const temporary = writePrivate(this.path, JSON.stringify(next) + '\n', `renew-${this.current.token}-${randomBytes(4).toString('hex')}`);
    try {
      renameSync(temporary, this.path);
    } catch (error) {
      unlinkQuietly(temporary);
      throw error;
    }
    this.current = next;
    return true;
  }

  /**
   * The timer's renewal. A renewal that fails (a full disk, the folder made read-only) must not
   * end the process from inside a timer, mid-apply, with a stack trace: it is tried again at the
   * next tick, while two thirds of the lease are left; should the lease run out meanwhile and
   * another process take the lock, a later renewal finds that and marks the lock lost.
   */
  private renewFromTimer(): void {
    try {
      this.renew();
    } catch {
      // Tried again at the next tick (see above).
    }
  }

  /** Gives the lock up (only if it is still this holder's). Safe to call twice. */
  release(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.released) return;
    this.released = true;
    const state = readLockFile<L>(this.path, this.labelKeys);
    if (state.kind === 'held' && state.holder.token === this.current.token) unlinkQuietly(this.path);
  }

  private markLost(holder: FileLockHolder<L> | null): void {
    if (this.lost) return;
    this.lostHolder = holder;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.onLost?.(holder);
  }
}

/**
 * Takes the lock file at `path` (its folder must exist), labelled `label`, waiting up to
 * `lockTimeoutMs` while someone else holds it; takes over a lock whose holder is gone. Throws
 * `LockHeldError` with the message `describe` makes of the holder when the time is up.
 */
export async function acquireLockFile<L extends LockLabel>(
  path: string,
  label: L,
  describe: (holder: FileLockHolder<L> | null) => string,
  options: FileLockOptions<L> = {},
): Promise<FileLock<L>> {
  const labelKeys = Object.keys(label) as (keyof L & string)[];
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const pollMs = Math.max(1, options.pollMs ?? DEFAULT_POLL_MS);
  const deadline = Date.now() + Math.max(0, options.lockTimeoutMs ?? 0);
  const owner = options.owner ?? currentOwner();
  const fresh = (): FileLockHolder<L> => {
    const now = Date.now();
    return {
      ...label,
      owner,
      host: hostname(),
      pid: process.pid,
      started: new Date(now).toISOString(),
      lease_expires: new Date(now + leaseMs).toISOString(),
      token: randomBytes(12).toString('hex'),
    };
  };
  const held = (holder: FileLockHolder<L>) => new FileLock<L>(path, holder, labelKeys, leaseMs, options.onLost);

  // A lock being taken over by another process still names its gone holder for a moment: look
  // again shortly (a bounded number of times) rather than fail naming a holder that is gone.
  let takeoverRetries = 0;
  for (;;) {
    const mine = fresh();
    if (createExclusively(path, mine)) return held(mine);
    const state = readLockFile<L>(path, labelKeys);
    if (state.kind === 'missing') continue; // released just now: try again at once
    if (state.kind === 'held' && holderIsGone(state.holder)) {
      if (takeOver(path, state.holder, mine, leaseMs, labelKeys)) return held(mine);
      if (takeoverRetries++ < TAKEOVER_RETRIES) {
        await sleep(TAKEOVER_RETRY_MS);
        continue;
      }
    }
    if (state.kind === 'unreadable' && state.modifiedMs + leaseMs < Date.now()) {
      // A lock file nobody can read and nobody renewed for a whole lease: a crash left it.
      const moved = `${path}.unreadable-${mine.token}`;
      try {
        renameSync(path, moved);
      } catch {
        continue; // someone else cleaned it up
      }
      // What was moved may be a fresh lock created in between: then it goes back.
      if (readLockFile<L>(moved, labelKeys).kind === 'held') {
        try {
          linkSync(moved, path);
        } catch {
          // Another lock exists by now; the moved one's holder will find out when it renews.
        }
      }
      unlinkQuietly(moved);
      continue;
    }
    const now = Date.now();
    if (now >= deadline) {
      const holder = state.kind === 'held' ? state.holder : null;
      throw new LockHeldError<L>(describe(holder), holder);
    }
    await sleep(Math.min(pollMs, deadline - now));
  }
}

/** Creates the lock file with `holder` in it, only if there is none. */
function createExclusively(path: string, holder: LockFields): boolean {
  const content = JSON.stringify(holder) + '\n';
  const temporary = writePrivate(path, content, `new-${holder.token}`);
  try {
    linkSync(temporary, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
    // A file system without hard links: an exclusive create, then the content.
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (inner) {
      if ((inner as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw inner;
    }
    writeSyncedAndClose(fd, content);
    return true;
  } finally {
    unlinkQuietly(temporary);
  }
}

/** Replaces the lock of a gone holder with `mine`; false when another process got there first. */
function takeOver<L extends LockLabel>(path: string, stale: LockFields, mine: LockFields, leaseMs: number, labelKeys: readonly (keyof L & string)[]): boolean {
  const marker = `${path}.takeover-${stale.token.replace(/[^A-Za-z0-9]/g, '_')}`;
  let fd: number;
  try {
    fd = openSync(marker, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    clearAbandonedMarker(marker, leaseMs);
    return false;
  }
  try {
    writeSync(fd, JSON.stringify({ host: hostname(), pid: process.pid }) + '\n');
  } finally {
    closeSync(fd);
  }
  try {
    const current = readLockFile<L>(path, labelKeys);
    if (current.kind !== 'held' || current.holder.token !== stale.token) return false;
    const temporary = writePrivate(path, JSON.stringify(mine) + '\n', `takeover-${mine.token}`);
    try {
      renameSync(temporary, path);
    } catch (error) {
      unlinkQuietly(temporary);
      throw error;
    }
    const after = readLockFile<L>(path, labelKeys);
    return after.kind === 'held' && after.holder.token === mine.token;
  } finally {
    unlinkQuietly(marker);
  }
}

/** Removes a takeover marker whose taker died (its process is gone, or it is older than a lease). */
function clearAbandonedMarker(marker: string, leaseMs: number): void {
  try {
    const info = statSync(marker);
    const taker = JSON.parse(readFileSync(marker, 'utf8') || '{}') as { host?: string; pid?: number };
    const dead = taker.host === hostname() && typeof taker.pid === 'number' && !processAlive(taker.pid);
    if (dead || info.mtimeMs + leaseMs < Date.now()) unlinkQuietly(marker);
  } catch {
    // Gone already, or being written: leave it.
  }
}
