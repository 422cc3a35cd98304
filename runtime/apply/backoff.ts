/**
 * Retry delays: exponential backoff with full jitter between the policy's bounds (`retry 3
 * backoff 200ms..10s`, LANGUAGE.md 2.3), and `Retry-After` honoured (RUNTIME.md 4).
 *
 * Why full jitter: when many actions fail at once (a 503 from an overloaded service), retrying
 * them all after the same delay hits the service again in lockstep — the essay's "thundering
 * retry". Drawing each delay uniformly between the lower bound and the exponential ceiling
 * spreads them out; the ceiling never exceeds the upper bound.
 */

/** The retry settings of one policy, from the IR's `retry`. */
export interface RetrySettings {
  /** Attempts per action in total (1: no retry). */
  attempts: number;
  backoffMinMs: number;
  backoffMaxMs: number;
}

/**
 * The delay before attempt `failedAttempt + 1`, after attempt `failedAttempt` (1-based) failed:
 * uniform in [min, min(max, min * 2^failedAttempt)], and at least `retryAfterSeconds` when the
 * system asked for it. `random` returns a number in [0, 1).
 *
 * Why 2^failedAttempt and not 2^(failedAttempt-1): the latter gives the first retry the range
 * [min, min] — every first retry of a burst waited exactly the lower bound, in lockstep, which
 * is what jitter is there to prevent. (With `backoff A..A` there is no room, and the delay is A.)
 */
export function backoffDelayMs(
  settings: RetrySettings,
  failedAttempt: number,
  retryAfterSeconds: number | null = null,
  random: () => number = Math.random,
): number {
  const min = Math.max(0, settings.backoffMinMs);
  const max = Math.max(min, settings.backoffMaxMs);
  const ceiling = Math.min(max, min * 2 ** Math.max(1, failedAttempt));
  const jittered = min + random() * (ceiling - min);
  const asked = retryAfterSeconds !== null && Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0 ? retryAfterSeconds * 1000 : 0;
  return Math.round(Math.max(jittered, asked));
}

/**
 * The longest `Retry-After` an apply waits for before retrying an action: a minute, or the
 * policy's upper backoff bound when that is longer (`backoff 1s..5m` lets a policy wait longer).
 * Why a bound: a server answering `Retry-After: 3600` would otherwise hold the apply — and the
 * policy's lock — silently for an hour per attempt. The action fails at once instead, saying
 * how long the server asked to wait (the `http` reader draws the same line when reading).
 */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Why a retry the system asked for is not made: its `Retry-After` is longer than the apply
 * waits (see `MAX_RETRY_AFTER_MS`); null when the wait is acceptable or none was asked for.
 */
export function retryAfterRefusal(settings: RetrySettings, retryAfterSeconds: number | null): string | null {
  if (retryAfterSeconds === null || !Number.isFinite(retryAfterSeconds)) return null;
  const limitMs = Math.max(MAX_RETRY_AFTER_MS, settings.backoffMaxMs);
  if (retryAfterSeconds * 1000 <= limitMs) return null;
  return `it asks to retry after ${retryAfterSeconds}s, longer than recon waits (${limitMs / 1000}s: a minute, or the policy's upper backoff bound); not retried`;
}
