/**
 * `within` decided exactly on the values' decimals (`within-tolerance.ts`), through the
 * comparator as the diff engine calls it: the large-magnitude case the old floating-point slack
 * got wrong, the small-magnitude cases that slack existed for, signs, exponent forms, relative
 * tolerances and durations at the boundary, and properties against a decimal reference written
 * here on the decimal texts the generator writes (what a user types).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IrComparator } from '../../../language/ir/ir-types.js';
import { compareWith, type ComparisonScope } from '../../../runtime/diff/comparators.js';
import {
  decimalOf,
  durationNanos,
  exactlyWithinAbsolute,
  exactlyWithinDuration,
  exactlyWithinRelative,
  percentDecimal,
  withinAbsolute,
  withinDuration,
  withinRelative,
} from '../../../runtime/diff/within-tolerance.js';
import { Instant } from '../../../runtime/diff/value-coercion.js';
import type { FieldDelta } from '../../../runtime/plan/change-plan.js';
import { EVALUATION } from './diff-fixture.js';

const SCOPE: ComparisonScope = { desiredRecord: null, actualRecord: null, key: null, evaluation: EVALUATION, warnings: [] };

function equal(comparator: IrComparator, desired: unknown, actual: unknown): boolean {
  const out: FieldDelta[] = [];
  compareWith(comparator, desired, actual, null, 'f', out, SCOPE);
  return out.length === 0;
}

const absolute = (tolerance: number): IrComparator => ({ kind: 'within', absolute: tolerance });
/** As the compiler stores `within P%`: the number written, divided by 100. */
const percent = (text: string): IrComparator => ({ kind: 'within', relative: Number(text) / 100 });

describe('within N, exact on decimals', () => {
  it('does not accept a difference larger than the tolerance at large magnitudes', () => {
    // 5e13 + 0.05 is 0.046875 above 5e13 in doubles; the old slack (4 ulp of 5e13 ≈ 0.044) let it pass.
    expect(equal(absolute(0.01), 5e13, 50000000000000.05)).toBe(false);
    expect(equal(absolute(0.01), 50000000000000.05, 5e13)).toBe(false);
    expect(equal(absolute(0.01), '50000000000000.00', '50000000000000.05')).toBe(false);
    expect(equal(absolute(0.01), 5e13, 50000000000000.01)).toBe(true);
    expect(equal(absolute(0.05), 5e13, 50000000000000.05)).toBe(true);
    expect(equal(absolute(0.04), 5e13, 50000000000000.05)).toBe(false);
  });

  it('accepts what is within the tolerance on paper although the doubles differ by more', () => {
    expect(10.3 - 10.2).toBeGreaterThan(0.1);
    expect(equal(absolute(0.1), 10.3, 10.2)).toBe(true);
    expect(equal(absolute(0.1), '10.30', '10.20')).toBe(true);
    expect(equal(absolute(0.005), 0.3, 0.295)).toBe(true);
    expect(equal(absolute(0.1), 10.3, 10.19)).toBe(false);
    expect(equal(absolute(0.1), 10.3, 10.199999999999998)).toBe(false); // the double below 10.2
  });

  it('negatives and signs crossing zero', () => {
    expect(equal(absolute(0.1), -10.3, -10.2)).toBe(true);
    expect(equal(absolute(0.1), -10.2, -10.3)).toBe(true);
    expect(equal(absolute(0.1), -10.31, -10.2)).toBe(false);
    expect(0.2 - -0.1).toBeGreaterThan(0.3);
    expect(equal(absolute(0.3), -0.1, 0.2)).toBe(true);
    expect(equal(absolute(0.3), 0.2, -0.1)).toBe(true);
    expect(equal(absolute(0.3), 0.2, -0.10000000000000001)).toBe(true); // the same double as -0.1
    expect(equal(absolute(0.3), 0.2, -0.1000001)).toBe(false);
    expect(equal(absolute(0.01), -0.004, 0.006)).toBe(true);
    expect(equal(absolute(0.01), -0.004, 0.0060001)).toBe(false);
  });

  it('0.1 + 0.2 is not 0.3 within 0: the doubles’ decimals differ', () => {
    expect(equal(absolute(0), 0.1 + 0.2, 0.3)).toBe(false);
    expect(equal(absolute(4e-17), 0.1 + 0.2, 0.3)).toBe(true); // 0.30000000000000004 − 0.3
    expect(equal(absolute(3e-17), 0.1 + 0.2, 0.3)).toBe(false);
    expect(equal(absolute(0), 0.3, 0.3)).toBe(true);
  });

  it('exponent forms: 1e+21, 5e-7, subnormals', () => {
    const above = 1e21 + 131072; // String: 1.0000000000000001e+21, 1e5 above on paper
    expect(String(above)).toBe('1.0000000000000001e+21');
    expect(equal(absolute(100000), 1e21, above)).toBe(true);
    expect(equal(absolute(99999), 1e21, above)).toBe(false);
    expect(equal(absolute(1e-7), 5e-7, 6e-7)).toBe(true);
    expect(equal(absolute(1e-7), 5e-7, 6.000000001e-7)).toBe(false);
    expect(equal(absolute(1e-7), '5e-7', '0.0000004')).toBe(true);
    expect(equal(absolute(1.5e-10), 1e-10, -5e-11)).toBe(true);
    expect(equal(absolute(1.5e-10), 1e-10, -5.0000001e-11)).toBe(false);
    expect(equal(absolute(5e-324), 0, 5e-324)).toBe(true);
    expect(equal(absolute(5e-324), 0, 1e-323)).toBe(false);
    expect(equal(absolute(1e308), -1e308, 1e308)).toBe(false);
    expect(equal(absolute(1.7976931348623157e308), -1e308, 7e307)).toBe(true);
  });
});

describe('within P%, exact on decimals', () => {
  it('is inclusive at the boundary, relative to the desired value', () => {
    expect(equal(percent('1'), 100, 101)).toBe(true);
    expect(equal(percent('1'), 100, 99)).toBe(true);
    expect(equal(percent('1'), 100, 101.0000001)).toBe(false);
    expect(equal(percent('1'), 100, 98.9999999)).toBe(false);
    expect(equal(percent('1'), -100, -101)).toBe(true);
    expect(equal(percent('1'), -100, -101.0000001)).toBe(false);
    expect(0.07 * 100).toBeGreaterThan(7);
    expect(equal(percent('7'), 100, 107)).toBe(true);
    expect((Number('1.1') / 100) * 1000).toBeGreaterThan(11);
    expect(equal(percent('1.1'), 1000, 1011)).toBe(true);
    expect(equal(percent('1.1'), 1000, 1011.0000000000001)).toBe(false);
    expect(equal(percent('1.1'), 1000, 988.9999999999999)).toBe(false);
    expect(equal(percent('10'), 0.3, 0.33)).toBe(true);
    expect(equal(percent('10'), 0.3, 0.33000000000000007)).toBe(false);
    expect(equal(percent('100'), 5, -5)).toBe(false);
    expect(equal(percent('200'), 5, -5)).toBe(true);
    expect(equal(percent('0'), 5, 5.000000000000001)).toBe(false);
  });

  it('at large magnitudes too', () => {
    // 0.0000000000001% of 5e13 is 0.05
    expect(equal(percent('0.0000000000001'), 5e13, 50000000000000.05)).toBe(true);
    expect(equal(percent('0.00000000000001'), 5e13, 50000000000000.05)).toBe(false); // 0.005
    expect(equal(percent('0.0000000000001'), 5e12, 5000000000000.005)).toBe(true);
    expect(equal(percent('0.0000000000001'), 5e12, 5000000000000.006)).toBe(false);
  });

  it('reads the percentage the user wrote back from the stored fraction', () => {
    for (const text of ['0.007', '1.1', '7', '0.45', '12.5', '33.333', '0.0001', '150']) {
      const p = percentDecimal(Number(text) / 100);
      expect(p).toEqual(decimalOf(Number(text)));
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 9 }), fc.integer({ min: 0, max: 8 }), (units, places) => {
        const text = places === 0 ? String(units) : `${Math.floor(units / 10 ** places)}.${String(units % 10 ** places).padStart(places, '0')}`;
        expect(percentDecimal(Number(text) / 100)).toEqual(decimalOf(Number(text)));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('within DURATION, to the nanosecond', () => {
  const duration = (ms: number): IrComparator => ({ kind: 'within', duration_ms: ms });

  it('accepts exactly the duration and not a nanosecond more', () => {
    expect(equal(duration(120_000), '2026-11-26T12:00:00Z', '2026-11-26T12:02:00Z')).toBe(true);
    expect(equal(duration(120_000), '2026-11-26T12:02:00Z', '2026-11-26T12:00:00Z')).toBe(true);
    expect(equal(duration(120_000), '2026-11-26T12:00:00Z', '2026-11-26T12:02:00.000000001Z')).toBe(false);
    expect(equal(duration(120_000), '2026-11-26T12:00:00.999999999Z', '2026-11-26T12:02:00.999999999Z')).toBe(true);
    expect(equal(duration(120_000), '2026-11-26T12:00:00.000000001Z', '2026-11-26T11:58:00Z')).toBe(false);
    expect(equal(duration(120_000), '9999-12-31T23:59:00Z', '9999-12-31T23:57:00+00:00')).toBe(true);
  });

  it('a duration is read as written, although the compiler’s product is a hair off', () => {
    const h11 = 1.1 * 3_600_000; // `1.1h`: 3960000.0000000005 ms
    expect(durationNanos(h11)).toBe(3_960_000_000_000n);
    expect(equal(duration(h11), '2026-01-01T00:00:00Z', '2026-01-01T01:06:00Z')).toBe(true);
    expect(equal(duration(h11), '2026-01-01T00:00:00Z', '2026-01-01T01:06:00.000000001Z')).toBe(false);
    expect(durationNanos(581934.8 * 3_600_000)).toBe(2_094_965_280_000_000_000n); // 581934.8h
    expect(durationNanos(0.0000015)).toBe(1n); // 1.5 ns: whole nanoseconds up to 1
    expect(durationNanos(0.7 * 60_000)).toBe(42_000_000_000n);
    expect(durationNanos(1e-9)).toBe(0n);
  });
});

/*
 * The reference: decimals as texts of digits, scaled to a fixed number of places as BigInt, the
 * way a person lines up decimal points on paper. Generated numbers have at most 15 significant
 * digits, so the double's shortest text has the same value as the text written.
 */
const PLACES = 40;

function referenceUnits(text: string): bigint {
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const units = BigInt(whole! + fraction.padEnd(PLACES, '0'));
  return negative ? -units : units;
}

function referenceText(units: bigint): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(PLACES + 1, '0');
  const text = `${digits.slice(0, -PLACES)}.${digits.slice(-PLACES)}`.replace(/\.?0+$/, '');
  return negative ? `-${text}` : text;
}

const abs = (n: bigint) => (n < 0n ? -n : n);

/** How many significant digits a decimal text has (a double keeps up to 15 of them as written). */
const significantDigits = (text: string) => text.replace(/[-.]/g, '').replace(/^0+/, '').replace(/0+$/, '').length;

/** A decimal text of at most 15 significant digits: integer part up to 10^digits, `places` decimals. */
const decimalText = fc
  .record({
    negative: fc.boolean(),
    digits: fc.integer({ min: 1, max: 15 }),
    places: fc.integer({ min: 0, max: 12 }),
    seed: fc.bigInt({ min: 0n, max: 10n ** 15n - 1n }),
  })
  .map(({ negative, digits, places, seed }) => {
    const units = seed % 10n ** BigInt(digits);
    const text = units.toString().padStart(places + 1, '0');
    const value = places === 0 ? text : `${text.slice(0, -places)}.${text.slice(-places)}`;
    return referenceText(referenceUnits(negative ? `-${value}` : value));
  });

/** A non-negative tolerance of at most 15 significant digits. */
const toleranceText = decimalText.map((t) => (t.startsWith('-') ? t.slice(1) : t));

/** An actual value near the boundary: desired ± tolerance, nudged by a few units of its last place. */
const boundaryCase = fc
  .record({ desired: decimalText, tolerance: toleranceText, sign: fc.constantFrom(1n, -1n), nudge: fc.integer({ min: -2, max: 2 }) })
  .map(({ desired, tolerance, sign, nudge }) => {
    const base = referenceUnits(desired) + sign * referenceUnits(tolerance);
    // a unit of the 15th significant digit, so the nudged value can still be written in 15
    const step = 10n ** BigInt(Math.max(0, abs(base).toString().length - 15));
    return { desired, tolerance, actual: referenceText(base + BigInt(nudge) * step) };
  })
  .filter(({ actual }) => significantDigits(actual) <= 15);

describe('properties against the decimal reference', () => {
  it('within N: |desired − actual| ≤ N on the decimals written', () => {
    fc.assert(
      fc.property(fc.oneof(boundaryCase, fc.record({ desired: decimalText, tolerance: toleranceText, actual: decimalText })), ({ desired, tolerance, actual }) => {
        const expected = abs(referenceUnits(desired) - referenceUnits(actual)) <= referenceUnits(tolerance);
        expect(equal(absolute(Number(tolerance)), Number(desired), Number(actual))).toBe(expected);
        expect(equal(absolute(Number(tolerance)), desired, actual)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('within P%: |desired − actual| · 100 ≤ P · |desired| on the decimals written', () => {
    const percentText = fc.integer({ min: 0, max: 100_000 }).map((n) => referenceText(BigInt(n) * 10n ** BigInt(PLACES - 2)));
    const relativeCase = fc
      .record({ desired: decimalText, p: percentText, sign: fc.constantFrom(1n, -1n), nudge: fc.integer({ min: -1, max: 1 }) })
      .map(({ desired, p, sign, nudge }) => {
        // actual = desired ± P% of |desired|, exactly (P has 2 places: 4 more places at most), nudged
        const units = referenceUnits(desired);
        const gap = (abs(units) * referenceUnits(p)) / 10n ** BigInt(PLACES + 2);
        const base = units + sign * gap;
        const step = 10n ** BigInt(Math.max(0, abs(base).toString().length - 15));
        return { desired, p, actual: referenceText(base + BigInt(nudge) * step) };
      })
      .filter(({ actual }) => significantDigits(actual) <= 15);
    fc.assert(
      fc.property(relativeCase, ({ desired, p, actual }) => {
        const d = referenceUnits(desired);
        const expected = abs(d - referenceUnits(actual)) * 100n * 10n ** BigInt(PLACES) <= referenceUnits(p) * abs(d);
        expect(equal(percent(p), Number(desired), Number(actual))).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('within DURATION: the nanoseconds between two instants against the duration', () => {
    const base = Date.UTC(2026, 0, 1) / 1000;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 86_400 * 400 }),
        fc.integer({ min: 0, max: 999_999_999 }),
        fc.integer({ min: 1, max: 10 ** 7 }),
        fc.constantFrom('ms', 's', 'm', 'h'),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: -2, max: 2 }),
        (seconds, nanos, amount, unit, places, nudge) => {
          const unitNanos = { ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n }[unit]!;
          const text = places === 0 ? String(amount) : `${Math.floor(amount / 10 ** places)}.${String(amount % 10 ** places).padStart(places, '0')}`;
          const durationMs = Number(text) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]!; // as the compiler computes it
          const toleranceNanos = (BigInt(amount) * unitNanos) / 10n ** BigInt(places); // exact: whole ns for these units
          const from = BigInt(base + seconds) * 1_000_000_000n + BigInt(nanos);
          const to = from + toleranceNanos + BigInt(nudge);
          const iso = (n: bigint) => `${new Date(Number(n / 1_000_000_000n) * 1000).toISOString().slice(0, 19)}.${String(n % 1_000_000_000n).padStart(9, '0')}Z`;
          expect(equal({ kind: 'within', duration_ms: durationMs }, iso(from), iso(to))).toBe(nudge <= 0);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

/** The double `steps` units in the last place away from `x` (toward +∞ for positive steps on positive x). */
function ulpsAway(x: number, steps: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigInt64(0, view.getBigInt64(0) + BigInt(steps));
  return view.getFloat64(0);
}

describe('the float shortcut agrees with the exact decision', () => {
  const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
  const magnitude = fc.double({ min: 0, noNaN: true, noDefaultInfinity: true });
  /** Desired, tolerance, and an actual a few units in the last place around desired ± tolerance. */
  const near = fc
    .record({ d: finite, t: magnitude, sign: fc.constantFrom(1, -1), steps: fc.integer({ min: -40, max: 40 }) })
    .map(({ d, t, sign, steps }) => ({ d, t, a: ulpsAway(d + sign * t, steps) }))
    .filter(({ a }) => Number.isFinite(a));

  it('within N', () => {
    fc.assert(
      fc.property(fc.oneof(near, fc.record({ d: finite, t: magnitude, a: finite })), ({ d, t, a }) => {
        expect(withinAbsolute(d, a, t)).toBe(exactlyWithinAbsolute(d, a, t));
      }),
      { numRuns: 20_000 },
    );
  });

  it('within P%', () => {
    const relative = fc.integer({ min: 0, max: 1_000_000 }).map((n) => n / 1000 / 100);
    fc.assert(
      fc.property(finite, relative, fc.constantFrom(1, -1), fc.integer({ min: -40, max: 40 }), (d, r, sign, steps) => {
        const a = ulpsAway(d + sign * r * Math.abs(d), steps);
        fc.pre(Number.isFinite(a));
        expect(withinRelative(d, a, r)).toBe(exactlyWithinRelative(d, a, r));
      }),
      { numRuns: 20_000 },
    );
  });

  it('within DURATION', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 250_000_000_000 }),
        fc.integer({ min: 0, max: 999_999_999 }),
        fc.integer({ min: 0, max: 10_000_000_000_000 }).map((n) => n / 1000),
        fc.integer({ min: -3_000_000, max: 3_000_000 }),
        (seconds, nanos, durationMs, nudgeNanos) => {
          const from = new Instant(seconds, nanos);
          const total = BigInt(seconds) * 1_000_000_000n + BigInt(nanos) + BigInt(Math.round(durationMs * 1e6)) + BigInt(nudgeNanos);
          const to = new Instant(Number(total / 1_000_000_000n), Number(total % 1_000_000_000n));
          expect(withinDuration(from, to, durationMs)).toBe(exactlyWithinDuration(from, to, durationMs));
          expect(withinDuration(to, from, durationMs)).toBe(exactlyWithinDuration(to, from, durationMs));
        },
      ),
      { numRuns: 20_000 },
    );
  });
});
