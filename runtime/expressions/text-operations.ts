/**
 * Text and collection functions: `len`, `lower`, `upper`, `trim`, `contains`, `starts_with`,
 * `ends_with`.
 *
 * Why null-tolerant: fields are optional (absent means null), so `lower(memo)` of a record without
 * `memo` is null and `starts_with(memo, "x")` is false, instead of a warning on every such record.
 * A value of the wrong type (a number where text is needed) is a run-time type error.
 */
import { EvaluationError } from './expression-errors.js';
import type { EvaluationScope, OperationTable } from './evaluation-scope.js';
import { isPlainObject } from './own-properties.js';
import { membership } from './logic-operations.js';
import { describeValue } from './value-semantics.js';

function textFunction(name: string, apply: (text: string) => string) {
  return function (this: EvaluationScope, value?: unknown): unknown {
    if (value === null || value === undefined) return null;
    if (typeof value !== 'string') throw new EvaluationError(`${name}() needs text, got ${describeValue(value)}`);
    return apply(value);
  };
}

function len(this: EvaluationScope, value?: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') {
    let count = 0;
    for (const _ of value) count++; // code points, not UTF-16 units
    return count;
  }
  if (Array.isArray(value)) return value.length;
  if (isPlainObject(value)) return Object.keys(value).length;
  throw new EvaluationError(`len() needs text, a list or an object, got ${describeValue(value)}`);
}

function affix(name: string, test: (text: string, part: string) => boolean) {
  return function (this: EvaluationScope, text?: unknown, part?: unknown): boolean {
    if (text === null || text === undefined || part === null || part === undefined) return false;
    if (typeof text !== 'string' || typeof part !== 'string') {
      throw new EvaluationError(`${name}() needs text, got ${describeValue(text)} and ${describeValue(part)}`);
    }
    return test(text, part);
  };
}

/** `len`, `lower`, `upper`, `trim`, `contains`, `starts_with`, `ends_with` as IR_OPERATIONS defines them. */
export const TEXT_OPERATIONS: OperationTable = {
  len,
  lower: textFunction('lower', (s) => s.toLowerCase()),
  upper: textFunction('upper', (s) => s.toUpperCase()),
  trim: textFunction('trim', (s) => s.trim()),
  contains: function (this: EvaluationScope, haystack?: unknown, needle?: unknown) {
    return membership('contains', haystack, needle);
  },
  starts_with: affix('starts_with', (t, p) => t.startsWith(p)),
  ends_with: affix('ends_with', (t, s) => t.endsWith(s)),
};
