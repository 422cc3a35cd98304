import jsonLogic from 'json-logic-js';
import { describe, expect, it } from 'vitest';
import { IR_OPERATIONS, type IrExpr } from '../../../language/ir/ir-types.js';
import {
  evaluate,
  evaluateCondition,
  evaluateConnectorValue,
  EvaluationError,
  InvalidExpressionError,
  SUPPORTED_OPERATIONS,
  validateExpression,
  type EvaluationContext,
} from '../../../runtime/expressions/expression-evaluator.js';

const ctx: EvaluationContext = {
  observedAt: '2026-11-26T12:00:00.000Z',
  env: { REGION: 'eu-west-1', TOKEN: 's3cr3t-value', EMPTY: '' },
};

const ev = (expr: unknown, data: unknown = {}) => evaluate(expr as IrExpr, data, ctx);
const cond = (expr: unknown, data: unknown = {}) => evaluateCondition(expr as IrExpr, data, ctx);

describe('the operation registry', () => {
  it('supports exactly the IR operations', () => {
    expect([...SUPPORTED_OPERATIONS].sort()).toEqual(Object.keys(IR_OPERATIONS).sort());
  });

  it('evaluates every IR operation without an unknown-operation error', () => {
    const samples: Record<string, unknown> = {
      var: { var: 'a' },
      get: { get: [{ var: '' }, 'a'] },
      object: { object: ['k', 1] },
      concat: { concat: ['a', 1] },
      or: { or: [false, true] },
      and: { and: [true, true] },
      '!': { '!': [false] },
      '===': { '===': [1, 1] },
      '!==': { '!==': [1, 2] },
      '<': { '<': [1, 2] },
      '<=': { '<=': [1, 2] },
      '>': { '>': [2, 1] },
      '>=': { '>=': [2, 1] },
      in: { in: ['a', ['a']] },
      matches: { matches: ['abc', '^a'] },
      '+': { '+': [1, 2] },
      '-': { '-': [3, 2] },
      '*': { '*': [2, 3] },
      '/': { '/': [6, 3] },
      '%': { '%': [7, 3] },
      changed: { changed: [['a'], 'a'] },
      only: { only: [['a'], 'a'] },
      len: { len: ['abc'] },
      lower: { lower: ['A'] },
      upper: { upper: ['a'] },
      trim: { trim: [' a '] },
      round: { round: [1.5, 0] },
      abs: { abs: [-1] },
      min: { min: [1, 2] },
      max: { max: [1, 2] },
      contains: { contains: ['abc', 'b'] },
      starts_with: { starts_with: ['abc', 'a'] },
      ends_with: { ends_with: ['abc', 'c'] },
      coalesce: { coalesce: [null, 1] },
      now: { now: [] },
      age: { age: ['2026-11-26T11:00:00Z'] },
      env: { env: ['REGION'] },
    };
    for (const op of SUPPORTED_OPERATIONS) {
      if (op === 'secret') continue;
      expect(samples[op], `a sample for ${op}`).toBeDefined();
      expect(() => ev(samples[op], { a: 1 })).not.toThrow();
    }
  });

  it('removes json-logic-js defaults that are not IR operations, even for direct callers', () => {
    expect(() => jsonLogic.apply({ log: ['x'] } as never)).toThrow(/Unrecognized operation/);
    expect(() => jsonLogic.apply({ cat: ['a', 'b'] } as never)).toThrow(/Unrecognized operation/);
    expect(() => jsonLogic.apply({ '==': [1, '1'] } as never)).toThrow(/Unrecognized operation/);
  });
});

describe('security', () => {
  it('never reaches prototypes through var', () => {
    expect(ev({ var: '__proto__' })).toBeNull();
    expect(ev({ var: 'constructor.name' })).toBeNull();
    expect(ev({ var: 'constructor' })).toBeNull();
    expect(ev({ var: 'toString' })).toBeNull();
    expect(ev({ var: 'a.__proto__.polluted' }, { a: {} })).toBeNull();
    expect(ev({ var: 'items.length' }, { items: [1, 2] })).toBeNull();
    expect(ev({ var: 'name.length' }, { name: 'abc' })).toBeNull();
  });

  it('never reaches prototypes through get', () => {
    expect(ev({ get: [{ var: '' }, '__proto__'] })).toBeNull();
    expect(ev({ get: [{ var: '' }, 'constructor'] })).toBeNull();
    expect(ev({ get: [{ var: 'list' }, 'length'] }, { list: [1] })).toBeNull();
    expect(ev({ get: ['text', 'length'] })).toBeNull();
  });

  it('reads a field that is really called __proto__ or constructor', () => {
    const data = JSON.parse('{"__proto__": {"x": 1}, "constructor": "Ford"}') as unknown;
    expect(ev({ var: '__proto__.x' }, data)).toBe(1);
    expect(ev({ var: 'constructor' }, data)).toBe('Ford');
  });

  it('refuses the method operation', () => {
    expect(() => ev({ method: [{ var: 'name' }, 'toUpperCase'] }, { name: 'x' })).toThrow(InvalidExpressionError);
    expect(() => ev({ method: [{ var: 'name' }, 'toUpperCase'] }, { name: 'x' })).toThrow(/method/);
  });

  it('refuses operations outside the IR, including the ones json-logic-js runs itself', () => {
    for (const op of ['if', '?:', 'map', 'filter', 'reduce', 'all', 'some', 'none', 'log', 'cat', 'substr', 'merge', 'missing', '==', '!=', '!!']) {
      expect(() => ev({ [op]: [[1], true] }), op).toThrow(InvalidExpressionError);
    }
    expect(() => ev({ 'var.prototype.constructor': ['x'] })).toThrow(InvalidExpressionError);
    expect(() => ev({ __recon_truthy: [1] })).toThrow(InvalidExpressionError);
  });

  it('refuses operations nested anywhere, before running anything', () => {
    expect(() => validateExpression({ '===': [1, [{ method: ['a', 'b'] }]] } as IrExpr)).toThrow(InvalidExpressionError);
    expect(() => ev({ a: 1, b: 2 })).toThrow(/exactly one key/);
  });

  it('does not let an object literal built by an expression change a prototype', () => {
    const result = ev({ object: ['__proto__', { object: ['polluted', true] }] }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.keys(result)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('var, get, object, concat, coalesce', () => {
  const data = { a: { b: [10, { c: 'deep' }] }, n: null, 'cost-center': 'cc1' };

  it('walks dotted paths through objects and list indexes', () => {
    expect(ev({ var: 'a.b.0' }, data)).toBe(10);
    expect(ev({ var: 'a.b.1.c' }, data)).toBe('deep');
    expect(ev({ var: 'a.missing' }, data)).toBeNull();
    expect(ev({ var: 'n' }, data)).toBeNull();
    expect(ev({ var: '' }, data)).toBe(data);
  });

  it('uses the default only when the path is absent', () => {
    expect(ev({ var: ['zzz', 5] }, data)).toBe(5);
    expect(ev({ var: ['a.b.0', 5] }, data)).toBe(10);
  });

  it('reads computed names and indexes with get', () => {
    expect(ev({ get: [{ var: '' }, 'cost-center'] }, data)).toBe('cc1');
    expect(ev({ get: [{ var: 'a.b' }, 1] }, data)).toEqual({ c: 'deep' });
    expect(ev({ get: [{ var: 'a.b' }, 9] }, data)).toBeNull();
    expect(ev({ get: [null, 'x'] })).toBeNull();
  });

  it('builds objects and lists', () => {
    expect(ev({ object: ['x', 1, 'y', { var: 'a.b.0' }] }, data)).toEqual({ x: 1, y: 10 });
    expect(ev([1, { var: 'a.b.0' }], data)).toEqual([1, 10]);
    expect(() => ev({ object: ['x'] })).toThrow(EvaluationError);
  });

  it('interpolates text with null as empty', () => {
    expect(ev({ concat: ['id=', 7, ' ', null, true, ' ', [1, 2]] })).toBe('id=7 true [1,2]');
  });

  it('coalesces to the first non-null value', () => {
    expect(ev({ coalesce: [null, { var: 'zzz' }, 0, 1] })).toBe(0);
    expect(ev({ coalesce: [null] })).toBeNull();
  });
});

describe('logic and equality', () => {
  it('and/or short-circuit and return booleans', () => {
    expect(ev({ and: [1, 'x'] })).toBe(true);
    expect(ev({ and: [1, 0] })).toBe(false);
    expect(ev({ or: [0, ''] })).toBe(false);
    expect(ev({ or: [0, 'x'] })).toBe(true);
    // The second operand would be a type error; short-circuit never evaluates it.
    expect(ev({ and: [false, { '*': ['a', 2] }] })).toBe(false);
    expect(ev({ or: [true, { '*': ['a', 2] }] })).toBe(true);
    expect(ev({ '!': [[]] })).toBe(true);
  });

  it('=== is strict and null-safe', () => {
    expect(ev({ '===': [null, null] })).toBe(true);
    expect(ev({ '===': [{ var: 'absent' }, null] })).toBe(true);
    expect(ev({ '===': [null, 0] })).toBe(false);
    expect(ev({ '===': [null, ''] })).toBe(false);
    expect(ev({ '===': ['10', 10] })).toBe(false);
    expect(ev({ '===': [1, 1.0] })).toBe(true);
    expect(ev({ '===': [true, 1] })).toBe(false);
    expect(ev({ '===': [[1, [2, 3]], [1, [2, 3]]] })).toBe(true);
    expect(ev({ '===': [[1, 2], [2, 1]] })).toBe(false);
    expect(ev({ '===': [{ object: ['a', 1, 'b', 2] }, { object: ['b', 2, 'a', 1] }] })).toBe(true);
    expect(ev({ '===': [{ object: ['a', 1] }, { object: ['a', 2] }] })).toBe(false);
  });

  it('=== compares two ISO instants as instants', () => {
    expect(ev({ '===': ['2026-01-01T12:00:00Z', '2026-01-01T13:00:00+01:00'] })).toBe(true);
    expect(ev({ '===': ['2026-01-01T12:00:00.000Z', '2026-01-01T12:00:00Z'] })).toBe(true);
    expect(ev({ '===': ['2026-01-01T12:00:00Z', '2026-01-01T12:00:01Z'] })).toBe(false);
    expect(ev({ '===': ['2026-01-01', '2026-01-01T00:00:00Z'] })).toBe(false);
  });

  it('!== negates === (a record without status is not voided)', () => {
    expect(ev({ '!==': [{ var: 'status' }, 'voided'] }, {})).toBe(true);
    expect(ev({ '!==': [{ var: 'status' }, 'voided'] }, { status: 'voided' })).toBe(false);
  });

  it('orderings compare numbers, texts and instants, and are false with a null side', () => {
    expect(ev({ '<': [1, 2] })).toBe(true);
    expect(ev({ '<=': [2, 2] })).toBe(true);
    expect(ev({ '>': [1, 2] })).toBe(false);
    expect(ev({ '>=': [3, 2] })).toBe(true);
    expect(ev({ '<': ['apple', 'banana'] })).toBe(true);
    expect(ev({ '<': ['2026-01-01T12:30:00+01:00', '2026-01-01T12:00:00Z'] })).toBe(true);
    for (const op of ['<', '<=', '>', '>=']) {
      expect(ev({ [op]: [null, 1] }), op).toBe(false);
      expect(ev({ [op]: [1, { var: 'absent' }] }), op).toBe(false);
    }
  });

  it('orderings of different types are run-time type errors', () => {
    expect(() => ev({ '<': ['10', 9] })).toThrow(EvaluationError);
    expect(() => ev({ '>': [true, false] })).toThrow(/cannot compare/);
  });

  it('in finds list elements and substrings', () => {
    expect(ev({ in: ['b', ['a', 'b']] })).toBe(true);
    expect(ev({ in: [1, ['1']] })).toBe(false);
    expect(ev({ in: ['ell', 'hello'] })).toBe(true);
    expect(ev({ in: ['x', null] })).toBe(false);
    expect(() => ev({ in: [5, 'hello'] })).toThrow(EvaluationError);
  });

  it('matches tests regular expressions', () => {
    expect(ev({ matches: ['INV-0042', '^INV-\\d+$'] })).toBe(true);
    expect(ev({ matches: ['inv-1', '^INV'] })).toBe(false);
    expect(ev({ matches: ['inv-1', '(?i)^INV'] })).toBe(true);
    expect(ev({ matches: [null, '.'] })).toBe(false);
    expect(() => ev({ matches: ['a', '('] })).toThrow(/not a valid regular expression/);
  });
});

describe('arithmetic', () => {
  it('adds numbers and concatenates two texts, never parsing text', () => {
    expect(ev({ '+': [1, 2] })).toBe(3);
    expect(ev({ '+': ['a', 'b'] })).toBe('ab');
    expect(ev({ '+': ['1', '1'] })).toBe('11');
    expect(() => ev({ '+': ['1', 1] })).toThrow(EvaluationError);
  });

  it('computes - * / %', () => {
    expect(ev({ '-': [5, 3] })).toBe(2);
    expect(ev({ '-': [5] })).toBe(-5);
    expect(ev({ '*': [2, 3.5] })).toBe(7);
    expect(ev({ '/': [1250, 100] })).toBe(12.5);
    expect(ev({ '%': [7, 4] })).toBe(3);
  });

  it('propagates null (an absent field) instead of treating it as 0', () => {
    expect(ev({ '/': [{ var: 'amount_cents' }, 100] }, {})).toBeNull();
    expect(ev({ '+': [null, 1] })).toBeNull();
    expect(ev({ '-': [null] })).toBeNull();
  });

  it('reports type errors and division by zero', () => {
    expect(() => ev({ '*': ['a', 2] })).toThrow(/'\*' needs numbers/);
    expect(() => ev({ '/': [1, 0] })).toThrow(/by zero/);
    expect(() => ev({ '%': [1, 0] })).toThrow(/by zero/);
    expect(() => ev({ '-': [true] })).toThrow(EvaluationError);
  });

  it('rounds half away from zero on the decimal value', () => {
    expect(ev({ round: [1.005, 2] })).toBe(1.01);
    expect(ev({ round: [2.5] })).toBe(3);
    expect(ev({ round: [-2.5, 0] })).toBe(-3);
    expect(ev({ round: [1234.5678, -2] })).toBe(1200);
    expect(ev({ round: [0.1 + 0.2, 2] })).toBe(0.3);
    expect(ev({ round: [null, 2] })).toBeNull();
    expect(() => ev({ round: [1, 1.5] })).toThrow(EvaluationError);
  });

  it('abs, min and max', () => {
    expect(ev({ abs: [-3.5] })).toBe(3.5);
    expect(ev({ min: [3, 1, 2] })).toBe(1);
    expect(ev({ max: [[3, 9, 2]] })).toBe(9);
    expect(ev({ max: [null, 4] })).toBe(4);
    expect(ev({ min: [] })).toBeNull();
    expect(ev({ min: ['b', 'a'] })).toBe('a');
    expect(() => ev({ min: [1, 'a'] })).toThrow(EvaluationError);
  });
});

describe('text functions', () => {
  it('len counts characters, elements and fields', () => {
    expect(ev({ len: ['héllo'] })).toBe(5);
    expect(ev({ len: ['😀'] })).toBe(1);
    expect(ev({ len: [[1, 2, 3]] })).toBe(3);
    expect(ev({ len: [{ object: ['a', 1] }] })).toBe(1);
    expect(ev({ len: [null] })).toBeNull();
    expect(() => ev({ len: [5] })).toThrow(EvaluationError);
  });

  it('lower, upper, trim', () => {
    expect(ev({ lower: ['EUR'] })).toBe('eur');
    expect(ev({ upper: ['eur'] })).toBe('EUR');
    expect(ev({ trim: ['  x \n'] })).toBe('x');
    expect(ev({ upper: [{ var: 'absent' }] })).toBeNull();
    expect(() => ev({ upper: [5] })).toThrow(/upper\(\) needs text/);
  });

  it('contains, starts_with, ends_with', () => {
    expect(ev({ contains: ['hello', 'ell'] })).toBe(true);
    expect(ev({ contains: [['a', 'b'], 'b'] })).toBe(true);
    expect(ev({ contains: [null, 'b'] })).toBe(false);
    expect(ev({ starts_with: ['INV-1', 'INV'] })).toBe(true);
    expect(ev({ ends_with: ['file.csv', '.json'] })).toBe(false);
    expect(ev({ starts_with: [null, 'x'] })).toBe(false);
    expect(() => ev({ ends_with: [5, 'x'] })).toThrow(EvaluationError);
  });
});

describe('run functions', () => {
  it('changed: the path or a path below it is in diff', () => {
    expect(ev({ changed: [{ var: 'diff' }, 'amount'] }, { diff: ['amount'] })).toBe(true);
    expect(ev({ changed: [{ var: 'diff' }, 'metadata'] }, { diff: ['metadata.labels.app'] })).toBe(true);
    expect(ev({ changed: [{ var: 'diff' }, 'meta'] }, { diff: ['metadata'] })).toBe(false);
    expect(ev({ changed: [{ var: 'diff' }, 'items'] }, { diff: ['items[0].sku'] })).toBe(true);
    expect(ev({ changed: [{ var: 'diff' }, 'amount'] }, { diff: null })).toBe(false);
  });

  it('only: those paths differ and no other does', () => {
    const only = (diff: string[], ...paths: string[]) => ev({ only: [{ var: 'diff' }, ...paths] }, { diff });
    expect(only(['booked_at'], 'booked_at')).toBe(true);
    expect(only(['booked_at', 'amount'], 'booked_at')).toBe(false);
    expect(only(['a', 'b'], 'a', 'b')).toBe(true);
    expect(only(['a'], 'a', 'b')).toBe(false);
    expect(only(['metadata.labels.app'], 'metadata')).toBe(true);
    expect(only([], 'a')).toBe(false);
  });

  it('now() and age() read the run, never the clock', () => {
    expect(ev({ now: [] })).toBe('2026-11-26T12:00:00.000Z');
    expect(ev({ age: ['2026-11-26T11:58:00Z'] })).toBe(120_000);
    expect(ev({ age: ['2026-11-26T12:00:00+01:00'] })).toBe(3_600_000);
    expect(ev({ age: ['2026-11-25'] })).toBe(36 * 3_600_000);
    expect(ev({ age: [null] })).toBeNull();
    expect(() => ev({ age: ['yesterday'] })).toThrow(EvaluationError);
    const other = evaluate({ now: [] }, {}, { observedAt: '2030-01-01T00:00:00.000Z' });
    expect(other).toBe('2030-01-01T00:00:00.000Z');
  });

  it('env() reads the given variables, null when unset', () => {
    expect(ev({ env: ['REGION'] })).toBe('eu-west-1');
    expect(ev({ env: ['NOT_SET_ANYWHERE'] })).toBeNull();
    expect(ev({ env: ['toString'] })).toBeNull();
  });

  it('env() defaults to process.env', () => {
    process.env.RECON_EVALUATOR_TEST = 'from-process';
    try {
      expect(evaluate({ env: ['RECON_EVALUATOR_TEST'] }, {}, { observedAt: ctx.observedAt })).toBe('from-process');
    } finally {
      delete process.env.RECON_EVALUATOR_TEST;
    }
  });
});

describe('conditions', () => {
  it('returns truthiness with no warning when evaluation succeeds', () => {
    expect(cond({ '>': [{ var: 'amount' }, 100] }, { amount: 150 })).toEqual({ value: true, warning: null });
    expect(cond({ '>': [{ var: 'amount' }, 100] }, {})).toEqual({ value: false, warning: null });
  });

  it('turns a run-time type error into false plus a warning', () => {
    const result = cond({ '!': [{ '>': [{ '*': [{ var: 'x' }, 2] }, 1] }] }, { x: 'a' });
    expect(result.value).toBe(false);
    expect(result.warning).toMatch(/'\*' needs numbers, got "a" \(string\) and 2 \(number\)/);
  });

  it('still throws for an expression that may not run', () => {
    expect(() => cond({ method: ['a', 'b'] })).toThrow(InvalidExpressionError);
  });
});

describe('secrets', () => {
  it('are refused outside connector values', () => {
    expect(() => ev({ secret: ['TOKEN'] })).toThrow(InvalidExpressionError);
    expect(() => cond({ '===': [{ secret: ['TOKEN'] }, 'x'] })).toThrow(/connector arguments and options/);
  });

  it('are read in connector values, and redacted in what may be shown', () => {
    const result = evaluateConnectorValue(
      { object: ['Authorization', { concat: ['Bearer ', { secret: ['TOKEN'] }] }, 'Accept', 'application/json'] },
      ctx,
    );
    expect(result.value).toEqual({ Authorization: 'Bearer s3cr3t-value', Accept: 'application/json' });
    expect(result.redacted).toEqual({ Authorization: 'Bearer ***', Accept: 'application/json' });
    expect(result.secret).toBe(true);
    expect(result.secrets).toEqual(['s3cr3t-value']);
    expect(JSON.stringify(result.redacted)).not.toContain('s3cr3t');
  });

  it('leave values without secrets untouched', () => {
    const result = evaluateConnectorValue({ concat: ['https://', { env: ['REGION'] }] }, ctx);
    expect(result).toEqual({ value: 'https://eu-west-1', redacted: 'https://eu-west-1', secret: false, secrets: [] });
  });

  it('redact a transformed secret by hiding the whole value', () => {
    const result = evaluateConnectorValue({ concat: ['k=', { upper: [{ secret: ['TOKEN'] }] }] }, ctx);
    expect(result.value).toBe('k=S3CR3T-VALUE');
    expect(result.redacted).toBe('***');
  });

  it('use the data root for bare names (write URLs over the key)', () => {
    const result = evaluateConnectorValue(
      { concat: ['https://api/items/', { var: 'key.id' }, '?token=', { secret: ['TOKEN'] }] },
      ctx,
      { key: { id: 't17' } },
    );
    expect(result.redacted).toBe('https://api/items/t17?token=***');
  });

  it('an unset secret is an error that names the variable', () => {
    expect(() => evaluateConnectorValue({ secret: ['NOT_SET_ANYWHERE'] }, ctx)).toThrow(
      'secret("NOT_SET_ANYWHERE") is not set: set the environment variable NOT_SET_ANYWHERE',
    );
  });
});

describe('reentrancy', () => {
  it('keeps per-call context separate when evaluations interleave', () => {
    // An expression evaluated inside another evaluation's operation must not see the outer context.
    const a: EvaluationContext = { observedAt: '2026-01-01T00:00:00.000Z', env: { X: 'a' } };
    const b: EvaluationContext = { observedAt: '2027-01-01T00:00:00.000Z', env: { X: 'b' } };
    const expr: IrExpr = { concat: [{ now: [] }, '/', { env: ['X'] }] };
    const results = [evaluate(expr, {}, a), evaluate(expr, {}, b), evaluate(expr, {}, a)];
    expect(results).toEqual(['2026-01-01T00:00:00.000Z/a', '2027-01-01T00:00:00.000Z/b', '2026-01-01T00:00:00.000Z/a']);
  });
});
