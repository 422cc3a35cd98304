import { describe, expect, it } from 'vitest';
import type { IrExpr } from '../../../language/ir/ir-types.js';
import { evaluateConnectorValue, EvaluationError, type EvaluationContext } from '../../../runtime/expressions/expression-evaluator.js';

/**
 * Attacks on expression evaluation that the evaluator itself must stop (the audit of #3: nothing
 * reaches prototypes, no secret is shown).
 */
const SECRET = 'Super(SecretVALUE-0123456789-abcdefghijklmnopqrstuvwxyz';
const ctx: EvaluationContext = { observedAt: '2026-11-26T12:00:00.000Z', env: { TOK: SECRET } };

function failure(expr: unknown): Error {
  try {
    evaluateConnectorValue(expr as IrExpr, ctx);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the evaluation to fail');
}

describe('an error while evaluating a connector value', () => {
  it('never quotes a secret read before it failed (a pattern that does not compile)', () => {
    const error = failure({ matches: [{ secret: ['TOK'] }, { secret: ['TOK'] }] });
    expect(error).toBeInstanceOf(EvaluationError);
    expect(error.message).toMatch(/matches/);
    expect(error.message).not.toContain('Super(Secret');
  });

  it('never quotes the truncated start of a long secret (a type error describing the value)', () => {
    const error = failure({ '*': [{ coalesce: [{ secret: ['TOK'] }] }, 2] });
    expect(error).toBeInstanceOf(EvaluationError);
    expect(error.message).toMatch(/'\*'/);
    expect(error.message).not.toContain('Super(Secret');
  });

  it('keeps messages that quote no secret as they are', () => {
    const error = failure({ '/': [{ len: [{ concat: ['x', { secret: ['TOK'] }] }] }, 0] });
    expect(error.message).toMatch(/^'\/' divides \d+ \(number\) by zero$/);
  });
});

describe('a connector value holding a secret both as is and transformed', () => {
  it('is hidden whole: the transformed copy would show the secret', () => {
    const shown = (expr: unknown) => evaluateConnectorValue(expr as IrExpr, ctx).redacted;
    const both = { concat: [{ secret: ['TOK'] }, '/', { lower: [{ secret: ['TOK'] }] }] };
    expect(shown(both)).toBe('***');
    expect(shown({ object: ['X', both, 'Accept', 'json'] })).toEqual({ X: '***', Accept: '***' });
    expect(shown({ concat: ['Bearer ', { secret: ['TOK'] }, ' ', { upper: [{ secret: ['TOK'] }] }] })).toBe('***');
    // a plain use keeps its other text readable
    expect(shown({ concat: ['Bearer ', { secret: ['TOK'] }] })).toBe('Bearer ***');
  });
});
