/**
 * Logic and comparison: `!`, `===`, `!==`, `<`, `<=`, `>`, `>=`, `in`, `matches`, plus the
 * internal `__recon_truthy` that turns json-logic-js's `and`/`or` results into booleans.
 *
 * Why they replace the library's: its `===` is JavaScript identity (two equal lists differ) and
 * its `<` coerces (`"10" < 9` compares numbers, `null < 1` is true). LANGUAGE.md section 3 wants
 * strict, null-safe equality and orderings that are false with a null side; ordering values of
 * different types is a run-time type error (the condition is false, with a warning).
 */
import { EvaluationError } from './expression-errors.js';
import type { EvaluationScope, OperationTable } from './evaluation-scope.js';
import { describeValue, orderCompare, strictEquals, truthy } from './value-semantics.js';

/**
 * The internal operation the evaluator wraps around `and`/`or` (json-logic-js evaluates those
 * itself and returns an operand, not a boolean). Not an IR operation: IR using it is refused.
 */
export const TRUTHY_OPERATION = '__recon_truthy';

function ordering(symbol: string, test: (order: number) => boolean) {
  return function (this: EvaluationScope, a?: unknown, b?: unknown, ...rest: unknown[]): boolean {
    if (rest.length > 0) throw new EvaluationError(`'${symbol}' compares exactly two values`);
    if (a === null || a === undefined || b === null || b === undefined) return false;
    const order = orderCompare(a, b);
    if (order === null) {
      throw new EvaluationError(`'${symbol}' cannot compare ${describeValue(a)} with ${describeValue(b)}`);
    }
    return test(order);
  };
}

function inOperation(this: EvaluationScope, needle?: unknown, haystack?: unknown): boolean {
  return membership('in', haystack, needle);
}

/** Shared by `in` and `contains`: an element of a list (strict equality) or a substring. */
export function membership(name: string, haystack: unknown, needle: unknown): boolean {
  if (haystack === null || haystack === undefined) return false;
  if (Array.isArray(haystack)) return haystack.some((element) => strictEquals(element, needle));
  if (typeof haystack === 'string') {
    if (needle === null || needle === undefined) return false;
    if (typeof needle === 'string') return haystack.includes(needle);
  }
  throw new EvaluationError(
    `'${name}' looks for ${describeValue(needle)} in ${describeValue(haystack)}: it needs a list, or text in text`,
  );
}

const REGEX_CACHE_LIMIT = 256;
const regexCache = new Map<string, RegExp>();

/**
 * Compiles a `matches` pattern (JavaScript syntax; a leading `(?i)` makes it case-insensitive),
 * with a small cache: the same pattern is tested against every record.
 */
export function compilePattern(pattern: string): RegExp {
  let compiled = regexCache.get(pattern);
  if (compiled) return compiled;
  const insensitive = pattern.startsWith('(?i)');
  try {
    compiled = new RegExp(insensitive ? pattern.slice(4) : pattern, insensitive ? 'i' : '');
  } catch (error) {
    throw new EvaluationError(`'matches': ${JSON.stringify(pattern)} is not a valid regular expression (${(error as Error).message})`);
  }
  if (regexCache.size >= REGEX_CACHE_LIMIT) regexCache.clear();
  regexCache.set(pattern, compiled);
  return compiled;
}

function matchesOperation(this: EvaluationScope, text?: unknown, pattern?: unknown): boolean {
  if (typeof pattern !== 'string') throw new EvaluationError(`'matches' needs a pattern as text, got ${describeValue(pattern)}`);
  if (text === null || text === undefined) return false;
  if (typeof text !== 'string') throw new EvaluationError(`'matches' needs text to test, got ${describeValue(text)}`);
  return compilePattern(pattern).test(text);
}

/** `!`, `===`, `!==`, orderings, `in`, `matches` as IR_OPERATIONS defines them. */
export const LOGIC_OPERATIONS: OperationTable = {
  '!': function (this: EvaluationScope, value?: unknown) {
    return !truthy(value);
  },
  '===': function (this: EvaluationScope, a?: unknown, b?: unknown) {
    return strictEquals(a, b);
  },
  '!==': function (this: EvaluationScope, a?: unknown, b?: unknown) {
    return !strictEquals(a, b);
  },
  '<': ordering('<', (o) => o < 0),
  '<=': ordering('<=', (o) => o <= 0),
  '>': ordering('>', (o) => o > 0),
  '>=': ordering('>=', (o) => o >= 0),
  in: inOperation,
  matches: matchesOperation,
  [TRUTHY_OPERATION]: function (this: EvaluationScope, value?: unknown) {
    return truthy(value);
  },
};
