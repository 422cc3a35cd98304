/**
 * The per-policy action rate (`rate 20/s`, LANGUAGE.md 2.3) as a token bucket.
 *
 * Why a bucket that starts almost empty: a policy's `rate` protects the actual system from a
 * thundering herd (RUNTIME.md 4; the essay's "thundering retry"), so a run must never start with a
 * burst of a full second's worth of actions. The bucket holds at most `burst` tokens (a tenth of a
 * second's worth, at least one) and starts with one: timers that fire late are absorbed by the
 * small burst, so the long-run rate is the declared one, and retries take tokens like any attempt.
 * Waiters are served first come, first served.
 */

/** A clock and a sleep, replaceable in tests. */
export interface BucketClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const REAL_CLOCK: BucketClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Limits acquisitions to `perSecond` on average, with a burst of `burst` tokens at most. */
export class TokenBucket {
  private tokens = 1;
  private last: number;
  private queue: Promise<void> = Promise.resolve();
  readonly burst: number;

  constructor(
    readonly perSecond: number,
    burst?: number,
    private readonly clock: BucketClock = REAL_CLOCK,
  ) {
    if (!(perSecond > 0) || !Number.isFinite(perSecond)) throw new RangeError(`a rate must be a positive number per second (got ${perSecond})`);
    this.burst = Math.max(1, burst ?? Math.floor(perSecond / 10));
    this.last = clock.now();
  }

  /** Resolves when a token is available (and takes it); waiters are served in order. */
  acquire(): Promise<void> {
    const turn = this.queue.then(() => this.take());
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async take(): Promise<void> {
    for (;;) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.clock.sleep(((1 - this.tokens) * 1000) / this.perSecond);
    }
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    this.last = now;
  }
}
