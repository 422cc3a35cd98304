/**
 * The decisions of `within` (LANGUAGE.md 2.3), exact on the decimals of the values.
 *
 * Why: `within` used to add a relative floating-point slack (a few units in the last place of
 * the operands) so that `10.3` against `10.2` is within `0.1` although `10.3 - 10.2` is
 * `0.10000000000000142` in doubles. At large magnitudes that slack outgrew the tolerance: at
 * 5e13 `within 0.01` accepted a difference of `0.05`, and a ledger total that was off by five
 * cents was reported equal. Now a value's decimal is the shortest text that reads back as its
 * double (`String(x)`: what the user wrote in CSV or JSON unless it had more than 17 significant
 * digits), and `|desired - actual| <= tolerance` (absolute), `|desired - actual| * 100 <=
 * P * |desired|` (`within P%`) are decided on those decimals, with integers (`BigInt`) scaled
 * to a common power of ten — the decision a person makes on paper.
 *
 * Why floats first: each function decides in floating point when the float difference is
 * clearly on one side of the tolerance (outside a band of a few units in the last place, wider
 * than every rounding error of the float computation), and computes on decimals only inside
 * that band, so the cost on ordinary data (differences far from the tolerance) is unchanged.
 *
 * Durations: instants are whole nanoseconds, so `within DURATION` is decided on the integer
 * nanoseconds between the two instants against the duration as written (`durationNanos`: `1.1h`
 * is exactly 3960000 s although the compiler's product is 3960000.0000000005 ms).
 */
import type { Instant } from './value-coercion.js';

/** A decimal `units * 10^exponent`: exact, unlike a double, so `within` can be decided on it. */
export interface ScaledDecimal {
  units: bigint;
  exponent: number;
}

/** `String(x)` of a finite double: `-12.5`, `1e+21`, `5e-7`, `1.5e-10`. */
const NUMBER_TEXT = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;

/** The decimal of a finite double: the shortest text that reads back as it (`String(x)`). */
export function decimalOf(x: number): ScaledDecimal {
  const match = NUMBER_TEXT.exec(String(x));
  if (match === null) throw new RangeError(`not a finite number: ${x}`);
  const fraction = match[3] ?? '';
  const magnitude = BigInt(match[2] + fraction);
  return { units: match[1] === '-' ? -magnitude : magnitude, exponent: Number(match[4] ?? 0) - fraction.length };
}

const TEN = 10n;

/** `units * 10^(exponent - to)`, for `to <= exponent`. */
function scaledTo(units: bigint, exponent: number, to: number): bigint {
  return exponent === to ? units : units * TEN ** BigInt(exponent - to);
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

/** Whether `a * 10^ea <= b * 10^eb`. */
function atMost(a: bigint, ea: number, b: bigint, eb: number): boolean {
  const to = Math.min(ea, eb);
  return scaledTo(a, ea, to) <= scaledTo(b, eb, to);
}

/** `|d - a|` of two decimals, at the smaller of their exponents. */
function distance(d: ScaledDecimal, a: ScaledDecimal): ScaledDecimal {
  const to = Math.min(d.exponent, a.exponent);
  return { units: abs(scaledTo(d.units, d.exponent, to) - scaledTo(a.units, a.exponent, to)), exponent: to };
}

/** A non-negative double and the doubles next to it, up to `steps` on each side, nearest first. */
function neighbours(x: number, steps: number): number[] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const out: number[] = [];
  for (let k = 0; k <= 2 * steps; k++) {
    const b = bits + BigInt(k % 2 === 0 ? k / 2 : -(k + 1) / 2);
    if (b < 0n) continue;
    view.setBigUint64(0, b);
    const y = view.getFloat64(0);
    if (Number.isFinite(y)) out.push(y);
  }
  return out;
}

/**
 * The percentage `P` of `within P%` from the IR's fraction (the compiler stores `P / 100` in
 * doubles): the double `P` whose quotient by 100 is that fraction and whose text is shortest —
 * the one the user wrote (`1.1` for `0.011000000000000001`; `0.007`, not `0.007000000000000001`,
 * which divides to the same fraction) — or, should there be none, exactly 100 times the
 * fraction's decimal. Only a few doubles around `100 * fraction` can divide to it.
 */
export function percentDecimal(relative: number): ScaledDecimal {
  const fraction = decimalOf(relative);
  const hundredfold = Number(`${fraction.units}e${fraction.exponent + 2}`);
  let best: number | null = null;
  if (Number.isFinite(hundredfold)) {
    for (const candidate of neighbours(hundredfold, 3)) {
      if (candidate / 100 !== relative) continue;
      if (best === null || String(candidate).length < String(best).length) best = candidate;
    }
  }
  return best === null ? { units: fraction.units, exponent: fraction.exponent + 2 } : decimalOf(best);
}

/** `|desired - actual| <= tolerance` on the decimals of the three (finite) numbers. */
export function exactlyWithinAbsolute(desired: number, actual: number, tolerance: number): boolean {
  const gap = distance(decimalOf(desired), decimalOf(actual));
  const t = decimalOf(tolerance);
  return atMost(gap.units, gap.exponent, t.units, t.exponent);
}

/** `|desired - actual| * 100 <= P * |desired|` on decimals, `P` being `percentDecimal(relative)`. */
export function exactlyWithinRelative(desired: number, actual: number, relative: number): boolean {
  const d = decimalOf(desired);
  const gap = distance(d, decimalOf(actual));
  const p = percentDecimal(relative);
  return atMost(gap.units * 100n, gap.exponent, p.units * abs(d.units), p.exponent + d.exponent);
}

/**
 * A duration in milliseconds as whole nanoseconds (rounded down: the same decision for a whole
 * number of nanoseconds between two instants). Its decimal is the shortest among the doubles a
 * few units in the last place around it: the compiler multiplies the number written by the
 * unit, which can land next to the double of the product (`1.1h` is 3960000.0000000005 ms, the
 * written 3960000 s is the double beside it), and nobody writes a duration of 17 digits.
 */
export function durationNanos(durationMs: number): bigint {
  let written = durationMs;
  for (const candidate of neighbours(durationMs, 3)) if (String(candidate).length < String(written).length) written = candidate;
  const { units, exponent } = decimalOf(written);
  const e = exponent + 6;
  return e >= 0 ? units * TEN ** BigInt(e) : units / TEN ** BigInt(-e);
}

/** Whether the nanoseconds between two instants are at most the duration's (`durationNanos`). */
export function exactlyWithinDuration(desired: Instant, actual: Instant, durationMs: number): boolean {
  const seconds = desired.epochSeconds - actual.epochSeconds;
  const nanos = desired.nanos - actual.nanos;
  // Instants are whole seconds and nanoseconds; anything else is decided on the floats.
  if (!Number.isSafeInteger(seconds) || !Number.isSafeInteger(nanos)) return Math.abs(desired.millisSince(actual)) <= durationMs;
  const gap = BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
  return abs(gap) <= durationNanos(durationMs);
}

/*
 * The float decisions below. `band` bounds the float computation's distance from the exact one:
 * each of the operands' decimals lies within half a unit in the last place (2^-53 relative) of
 * its double, the subtraction and the product of `within P%` round once more each, and a
 * duration as written lies within 3 units in the last place of its double: 16 units of 2^-52
 * of the largest magnitude (3.552713678800501e-15) cover all of it, and 1e-300 the subnormals
 * (for instants, 1e-12 ms the rounding of the sub-second part, relative to a second). Inside
 * the band, and for an infinite difference, the exact decision is taken. The constants are
 * literals: esbuild makes module constants mutable variables that V8 does not fold.
 */

/** `within N`: `|desired - actual| <= tolerance`, exactly on decimals. */
export function withinAbsolute(desired: number, actual: number, tolerance: number): boolean {
  const difference = Math.abs(desired - actual);
  const band = 3.552713678800501e-15 * Math.max(Math.abs(desired), Math.abs(actual), tolerance) + 1e-300;
  if (difference < tolerance - band) return true;
  if (difference > tolerance + band && difference !== Infinity) return false;
  return exactlyWithinAbsolute(desired, actual, tolerance);
}

/** `within P%` (the IR's `relative` = P / 100): `|desired - actual| <= P% of |desired|`, exactly on decimals. */
export function withinRelative(desired: number, actual: number, relative: number): boolean {
  const difference = Math.abs(desired - actual);
  const tolerance = relative * Math.abs(desired);
  const band = 3.552713678800501e-15 * Math.max(Math.abs(desired), Math.abs(actual), tolerance) + 1e-300;
  if (difference < tolerance - band) return true;
  if (difference > tolerance + band && difference !== Infinity) return false;
  return exactlyWithinRelative(desired, actual, relative);
}

/** `within DURATION`: at most the duration between the two instants, to the nanosecond. */
export function withinDuration(desired: Instant, actual: Instant, durationMs: number): boolean {
  const difference = Math.abs(desired.millisSince(actual));
  // 1e-12: `millisSince` divides the nanoseconds' difference (up to a second) before adding it.
  const band = 3.552713678800501e-15 * Math.max(difference, durationMs) + 1e-12;
  if (difference < durationMs - band) return true;
  if (difference > durationMs + band) return false;
  return exactlyWithinDuration(desired, actual, durationMs);
}
