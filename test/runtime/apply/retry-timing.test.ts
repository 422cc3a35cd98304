/**
 * Backoff delays and the token bucket (runtime/apply/backoff.ts, token-bucket.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../../runtime/apply/backoff.js';
import { TokenBucket } from '../../../runtime/apply/token-bucket.js';

describe('backoffDelayMs', () => {
  const settings = { attempts: 5, backoffMinMs: 200, backoffMaxMs: 10_000 };

  it('stays between the bounds: uniform in [min, min(max, min * 2^n)] after the n-th failed attempt', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, random) => {
        const delay = backoffDelayMs(settings, attempt, null, () => random);
        expect(delay).toBeGreaterThanOrEqual(200);
        expect(delay).toBeLessThanOrEqual(Math.min(10_000, 200 * 2 ** attempt));
      }),
    );
    expect(backoffDelayMs(settings, 1, null, () => 0)).toBe(200);
    expect(backoffDelayMs(settings, 1, null, () => 0.5)).toBe(300);
    expect(backoffDelayMs(settings, 1, null, () => 0.999)).toBe(400);
    expect(backoffDelayMs(settings, 3, null, () => 0.999)).toBe(1599);
    expect(backoffDelayMs(settings, 20, null, () => 0.999)).toBe(9990);
    // no room between the bounds: the bound itself
    expect(backoffDelayMs({ attempts: 3, backoffMinMs: 500, backoffMaxMs: 500 }, 1, null, () => 0.7)).toBe(500);
  });

  it('spreads retries out (full jitter): every attempt, the first retry too, gives different delays', () => {
    for (const attempt of [1, 4]) {
      const delays = new Set(Array.from({ length: 50 }, () => backoffDelayMs(settings, attempt)));
      expect(delays.size).toBeGreaterThan(20);
    }
  });

  it('honours Retry-After, even above the upper bound', () => {
    expect(backoffDelayMs(settings, 1, 3, () => 0)).toBe(3000);
    expect(backoffDelayMs(settings, 1, 30, () => 0)).toBe(30_000);
    expect(backoffDelayMs(settings, 5, 0.1, () => 0.999)).toBeGreaterThan(100);
  });
});

describe('TokenBucket', () => {
  /** A clock that only moves when the bucket sleeps. */
  function fakeClock() {
    const clock = { t: 0, now: () => clock.t, sleep: async (ms: number) => void (clock.t += ms) };
    return clock;
  }

  it('hands out tokens at the rate, starting with one (no initial burst)', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(10, undefined, clock);
    const times: number[] = [];
    for (let i = 0; i < 21; i++) {
      await bucket.acquire();
      times.push(clock.t);
    }
    expect(times[0]).toBe(0);
    expect(times[1]).toBeCloseTo(100, 5);
    expect(times[20]).toBeCloseTo(2000, 5);
  });

  it('lets a late timer catch up by at most the burst (a tenth of a second of tokens)', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(200, undefined, clock);
    expect(bucket.burst).toBe(20);
    await bucket.acquire();
    clock.t += 1000; // idle for a second: at most 20 tokens wait, not 200
    let immediate = 0;
    const before = clock.t;
    for (let i = 0; i < 30; i++) {
      await bucket.acquire();
      if (clock.t === before) immediate++;
    }
    expect(immediate).toBe(20);
  });

  it('refuses a rate that is not a positive number', () => {
    expect(() => new TokenBucket(0)).toThrow(RangeError);
    expect(() => new TokenBucket(Number.NaN)).toThrow(RangeError);
  });
});
