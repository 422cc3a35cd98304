/**
 * Arithmetic: `+`, `-`, `*`, `/`, `%`, `round`, `abs`, `min`, `max`.
 *
 * Why they replace json-logic-js's: its `+` and `*` `parseFloat` their arguments (`"1" + "1"` is
 * 2, `"a" * 2` is NaN). Here numbers stay numbers, `+` of two texts concatenates, anything else
 * is a run-time type error (a condition becomes false with a warning). A null operand (an absent
 * field) makes the result null, as in SQL, so `amount_cents / 100` of a record without
 * `amount_cents` is absent rather than 0; comparing that null is then simply false.
 */
import { EvaluationError } from './expression-errors.js';
import type { EvaluationScope, OperationTable } from './evaluation-scope.js';
import { describeValue, orderCompare } from './value-semantics.js';

function finite(symbol: string, value: number): number {
  if (!Number.isFinite(value)) throw new EvaluationError(`'${symbol}' gave a result that is not a finite number`);
  return value === 0 ? 0 : value; // no -0 in data
}

function numbersOnly(symbol: string, values: unknown[]): number[] | null {
  for (const v of values) if (v === null || v === undefined) return null;
  for (const v of values) {
    if (typeof v !== 'number') {
      throw new EvaluationError(
        `'${symbol}' needs numbers, got ${values.map((x) => describeValue(x)).join(' and ')}`,
      );
    }
  }
  return values as number[];
}

function plus(this: EvaluationScope, ...values: unknown[]): unknown {
  if (values.some((v) => v === null || v === undefined)) return null;
  if (values.length > 0 && values.every((v) => typeof v === 'string')) return (values as string[]).join('');
  const numbers = numbersOnly('+', values);
  if (numbers === null) return null;
  let sum = 0;
  for (const n of numbers) sum += n;
  return finite('+', sum);
}

function minus(this: EvaluationScope, ...values: unknown[]): unknown {
  if (values.length < 1 || values.length > 2) throw new EvaluationError("'-' takes one or two values");
  const numbers = numbersOnly('-', values);
  if (numbers === null) return null;
  return finite('-', numbers.length === 1 ? -numbers[0] : numbers[0] - numbers[1]);
}

function times(this: EvaluationScope, ...values: unknown[]): unknown {
  const numbers = numbersOnly('*', values);
  if (numbers === null) return null;
  let product = 1;
  for (const n of numbers) product *= n;
  return finite('*', product);
}

function divide(this: EvaluationScope, a?: unknown, b?: unknown): unknown {
  const numbers = numbersOnly('/', [a, b]);
  if (numbers === null) return null;
  if (numbers[1] === 0) throw new EvaluationError(`'/' divides ${describeValue(a)} by zero`);
  return finite('/', numbers[0] / numbers[1]);
}

function remainder(this: EvaluationScope, a?: unknown, b?: unknown): unknown {
  const numbers = numbersOnly('%', [a, b]);
  if (numbers === null) return null;
  if (numbers[1] === 0) throw new EvaluationError(`'%' divides ${describeValue(a)} by zero`);
  return finite('%', numbers[0] % numbers[1]);
}

/** Multiplies by 10^digits exactly, through the decimal exponent (no binary rounding on the way). */
function shiftDecimal(value: number, digits: number): number {
  const [mantissa, exponent = '0'] = String(value).split('e');
  return Number(`${mantissa}e${Number(exponent) + digits}`);
}

/**
 * Rounds half away from zero to `digits` decimals, on the decimal value as written (`round(1.005,
 * 2)` is 1.01, not 1.00 as binary floating point would give).
 */
export function roundHalfAwayFromZero(value: number, digits: number): number {
  if (!Number.isFinite(value)) return value;
  const magnitude = Math.abs(value);
  const rounded = shiftDecimal(Math.round(shiftDecimal(magnitude, digits)), -digits);
  if (!Number.isFinite(rounded)) return value;
  const result = value < 0 ? -rounded : rounded;
  return result === 0 ? 0 : result;
}

function round(this: EvaluationScope, value?: unknown, digits?: unknown): unknown {
  const n = digits === undefined || digits === null ? 0 : digits;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < -20 || n > 20) {
    throw new EvaluationError(`round() needs a whole number of decimals between -20 and 20, got ${describeValue(digits)}`);
  }
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number') throw new EvaluationError(`round() needs a number, got ${describeValue(value)}`);
  return roundHalfAwayFromZero(value, n);
}

function abs(this: EvaluationScope, value?: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number') throw new EvaluationError(`abs() needs a number, got ${describeValue(value)}`);
  return Math.abs(value);
}

function extreme(name: 'min' | 'max') {
  return function (this: EvaluationScope, ...args: unknown[]): unknown {
    const values = args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
    let best: unknown = null;
    for (const v of values) {
      if (v === null || v === undefined) continue;
      if (typeof v !== 'number' && typeof v !== 'string') {
        throw new EvaluationError(`${name}() needs numbers or texts, got ${describeValue(v)}`);
      }
      if (best === null) {
        best = v;
        continue;
      }
      const order = orderCompare(v, best);
      if (order === null) throw new EvaluationError(`${name}() cannot compare ${describeValue(v)} with ${describeValue(best)}`);
      if (name === 'min' ? order < 0 : order > 0) best = v;
    }
    return best;
  };
}

/** `+ - * / %`, `round`, `abs`, `min`, `max` as IR_OPERATIONS defines them. */
export const ARITHMETIC_OPERATIONS: OperationTable = {
  '+': plus,
  '-': minus,
  '*': times,
  '/': divide,
  '%': remainder,
  round,
  abs,
  min: extreme('min'),
  max: extreme('max'),
};
