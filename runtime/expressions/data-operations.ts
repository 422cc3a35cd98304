/**
 * Operations that read and build data: `var`, `get`, `object`, `concat`, `coalesce`.
 *
 * Why they replace json-logic-js's own `var`: the library's walks `data[name]`, which reaches
 * prototype members (`{"var": "constructor.name"}` answers "Object"). These walk own properties
 * of plain objects and canonical list indexes only (see `own-properties.ts`).
 */
import { EvaluationError } from './expression-errors.js';
import type { EvaluationScope, OperationTable } from './evaluation-scope.js';
import { ownValue, setOwn } from './own-properties.js';
import { describeValue, textOf } from './value-semantics.js';

/**
 * Walks a dotted path (`a.b.0.c`) through own properties from `root`; `undefined` when any step is
 * absent. The empty path is the root itself.
 */
export function walkDottedPath(root: unknown, path: string): unknown {
  if (path === '') return root;
  let current = root;
  let start = 0;
  for (;;) {
    const dot = path.indexOf('.', start);
    const name = dot < 0 ? path.slice(start) : path.slice(start, dot);
    current = ownValue(current, name);
    if (current === undefined) return undefined;
    if (dot < 0) return current;
    start = dot + 1;
  }
}

function varOperation(this: EvaluationScope, path?: unknown, fallback?: unknown): unknown {
  const notFound = fallback === undefined ? null : fallback;
  if (path === undefined || path === null || path === '') return this.data;
  if (typeof path !== 'string' && typeof path !== 'number') {
    throw new EvaluationError(`a field path must be text, got ${describeValue(path)}`);
  }
  const value = walkDottedPath(this.data, String(path));
  return value === undefined ? notFound : value;
}

function getOperation(this: EvaluationScope, container?: unknown, name?: unknown): unknown {
  if (container === null || container === undefined || name === null || name === undefined) return null;
  if (typeof name !== 'string' && typeof name !== 'number') {
    throw new EvaluationError(`a field name or index must be text or a number, got ${describeValue(name)}`);
  }
  const value = ownValue(container, name);
  return value === undefined ? null : value;
}

function objectOperation(this: EvaluationScope, ...parts: unknown[]): unknown {
  if (parts.length % 2 !== 0) throw new EvaluationError('object() needs pairs of name and value');
  const result: Record<string, unknown> = {};
  for (let i = 0; i < parts.length; i += 2) {
    const name = parts[i];
    if (typeof name !== 'string') throw new EvaluationError(`an object field name must be text, got ${describeValue(name)}`);
    setOwn(result, name, parts[i + 1] === undefined ? null : parts[i + 1]);
  }
  return result;
}

function concatOperation(this: EvaluationScope, ...parts: unknown[]): unknown {
  let text = '';
  for (const part of parts) text += textOf(part);
  return text;
}

function coalesceOperation(this: EvaluationScope, ...values: unknown[]): unknown {
  for (const value of values) if (value !== null && value !== undefined) return value;
  return null;
}

/** `var`, `get`, `object`, `concat`, `coalesce` as IR_OPERATIONS defines them. */
export const DATA_OPERATIONS: OperationTable = {
  var: varOperation,
  get: getOperation,
  object: objectOperation,
  concat: concatOperation,
  coalesce: coalesceOperation,
};
