import { describe, expect, it } from 'vitest';
import { BUILTIN_FUNCTION_NAMES } from '../../../language/checker/builtin-functions.js';
import { BUILTIN_FUNCTIONS } from '../../../language/compiler/compile-expression.js';
import { IR_OPERATIONS, type IrExpr } from '../../../language/ir/ir-types.js';
import { evaluate } from '../../../runtime/expressions/expression-evaluator.js';
import { compileOk, compileText } from '../../helpers/compile-helpers.js';

const SOURCES = `
source a { from csv("a.csv") key id }
source b { from csv("b.csv") key id }
`;

/** The JsonLogic of `expr` as a `when` condition (a rule context). */
function when(expr: string, prelude = ''): IrExpr {
  const ir = compileOk(`${prelude}\n${SOURCES}\npolicy p { desired a actual b remediate { on changed when ${expr} => update } }`);
  return ir.policies[0]!.remediate[0]!.when;
}

/** The JsonLogic of `expr` as the `where` of the desired source (a record context). */
function where(expr: string, prelude = '', sourceBody = ''): IrExpr {
  const ir = compileOk(`${prelude}
source a { from csv("a.csv") key id ${sourceBody} where ${expr} }
source b { from csv("b.csv") key id }
policy p { desired a actual b }`);
  return ir.sources.find((s) => s.name === 'a')!.where!.expr;
}

const CTX = { observedAt: '2026-11-26T12:00:00.000Z', env: {} };

describe('literals', () => {
  it('keeps a plain string a string and turns interpolation into concat', () => {
    expect(when('key.id == "plain"')).toEqual({ '===': [{ var: 'key.id' }, 'plain'] });
    expect(when('key.id == "t-${key.id}-x"')).toEqual({
      '===': [{ var: 'key.id' }, { concat: ['t-', { var: 'key.id' }, '-x'] }],
    });
    expect(when('key.id == "${key.id}"')).toEqual({ '===': [{ var: 'key.id' }, { concat: [{ var: 'key.id' }] }] });
  });

  it('compiles durations to milliseconds and percentages to fractions', () => {
    expect(when('age(actual.at) > 1.5h')).toEqual({ '>': [{ age: [{ var: 'actual.at' }] }, 5_400_000] });
    expect(when('desired.ratio < 10%')).toEqual({ '<': [{ var: 'desired.ratio' }, 0.1] });
    expect(when('desired.n > 250ms')).toEqual({ '>': [{ var: 'desired.n' }, 250] });
  });

  it('folds a minus on a literal and keeps it as an operation elsewhere', () => {
    expect(when('desired.n > -5')).toEqual({ '>': [{ var: 'desired.n' }, -5] });
    expect(when('-desired.n > 0')).toEqual({ '>': [{ '-': [{ var: 'desired.n' }] }, 0] });
  });

  it('compiles true, false and null to themselves', () => {
    expect(when('desired.flag == true or desired.flag == false or desired.flag == null')).toEqual({
      or: [
        { '===': [{ var: 'desired.flag' }, true] },
        { '===': [{ var: 'desired.flag' }, false] },
        { '===': [{ var: 'desired.flag' }, null] },
      ],
    });
  });

  it('compiles lists to arrays and objects always to the object operation', () => {
    expect(when('desired.tags == ["a", 1]')).toEqual({ '===': [{ var: 'desired.tags' }, ['a', 1]] });
    expect(when('desired.meta == { name: "x", "odd key": 1, nested: { y: [] } }')).toEqual({
      '===': [{ var: 'desired.meta' }, { object: ['name', 'x', 'odd key', 1, 'nested', { object: ['y', []] }] }],
    });
    expect(when('desired.meta == {}')).toEqual({ '===': [{ var: 'desired.meta' }, { object: [] }] });
  });

  it('produces object literals the runtime evaluates to objects, not operations', () => {
    const expr = when('desired.meta == { var: "x", "==": 1 }');
    const right = (expr as { '===': IrExpr[] })['==='][1]!;
    expect(evaluate(right, {}, CTX)).toEqual({ var: 'x', '==': 1 });
  });
});

describe('operators', () => {
  it('maps == and != to strict operations', () => {
    expect(when('desired.a == actual.a')).toEqual({ '===': [{ var: 'desired.a' }, { var: 'actual.a' }] });
    expect(when('desired.a != actual.a')).toEqual({ '!==': [{ var: 'desired.a' }, { var: 'actual.a' }] });
  });

  it('maps comparisons, in and matches by name', () => {
    for (const op of ['<', '<=', '>', '>=']) {
      expect(when(`desired.a ${op} 1`)).toEqual({ [op]: [{ var: 'desired.a' }, 1] });
    }
    expect(when('desired.a in ["x", "y"]')).toEqual({ in: [{ var: 'desired.a' }, ['x', 'y']] });
    expect(when('desired.a matches "^t[0-9]+$"')).toEqual({ matches: [{ var: 'desired.a' }, '^t[0-9]+$'] });
  });

  it('keeps arithmetic binary and in precedence order', () => {
    expect(when('desired.a + desired.b * 2 - 1 > desired.c % 3 / 4')).toEqual({
      '>': [
        { '-': [{ '+': [{ var: 'desired.a' }, { '*': [{ var: 'desired.b' }, 2] }] }, 1] },
        { '/': [{ '%': [{ var: 'desired.c' }, 3] }, 4] },
      ],
    });
  });

  it('flattens chains of and/or and compiles not to !', () => {
    expect(when('desired.a and desired.b and (desired.c and desired.d)')).toEqual({
      and: [{ var: 'desired.a' }, { var: 'desired.b' }, { var: 'desired.c' }, { var: 'desired.d' }],
    });
    expect(when('desired.a or desired.b and not desired.c')).toEqual({
      or: [{ var: 'desired.a' }, { and: [{ var: 'desired.b' }, { '!': [{ var: 'desired.c' }] }] }],
    });
  });
});

describe('calls', () => {
  it('compiles built-ins by name with their arguments', () => {
    expect(when('round(desired.total, 2) == round(actual.total, 2)')).toEqual({
      '===': [{ round: [{ var: 'desired.total' }, 2] }, { round: [{ var: 'actual.total' }, 2] }],
    });
    expect(when('age(actual.at) > 0 and now() != null')).toEqual({
      and: [{ '>': [{ age: [{ var: 'actual.at' }] }, 0] }, { '!==': [{ now: [] }, null] }],
    });
    expect(when('coalesce(desired.a, env("X")) == lower(trim(upper(actual.a)))')).toEqual({
      '===': [
        { coalesce: [{ var: 'desired.a' }, { env: ['X'] }] },
        { lower: [{ trim: [{ upper: [{ var: 'actual.a' }] }] }] },
      ],
    });
  });

  it('gives changed and only the diff root as first argument', () => {
    expect(when('changed("metadata.labels.app")')).toEqual({ changed: [{ var: 'diff' }, 'metadata.labels.app'] });
    expect(when('only("a", "b")')).toEqual({ only: [{ var: 'diff' }, 'a', 'b'] });
  });

  it('knows the same built-ins as the checker, each an IR operation of its own name', () => {
    expect([...BUILTIN_FUNCTIONS].sort()).toEqual([...BUILTIN_FUNCTION_NAMES].sort());
    for (const name of BUILTIN_FUNCTIONS) expect(Object.keys(IR_OPERATIONS)).toContain(name);
  });

  it('reports an unknown function instead of throwing', () => {
    const result = compileText(`${SOURCES}\npolicy p { desired a actual b remediate { on changed when frobnicate(1) => update } }`);
    expect(result.ir).toBeNull();
    expect(result.diagnostics.map((d) => d.code)).toEqual(['unknown-function']);
    expect(result.diagnostics[0]!.message).toContain("'frobnicate'");
  });
});

describe('paths', () => {
  it('joins identifiers and list indexes into one dotted var', () => {
    expect(when('desired.metadata.labels.app == "x"')).toEqual({ '===': [{ var: 'desired.metadata.labels.app' }, 'x'] });
    expect(when('desired.items[0].sku == "x"')).toEqual({ '===': [{ var: 'desired.items.0.sku' }, 'x'] });
    expect(when('desired["amount"] == 1')).toEqual({ '===': [{ var: 'desired.amount' }, 1] });
    expect(when('diff == []')).toEqual({ '===': [{ var: 'diff' }, []] });
  });

  it('switches to get from a computed step or a name holding a dot', () => {
    expect(when('desired.tags[key.id] == 1')).toEqual({ '===': [{ get: [{ var: 'desired.tags' }, { var: 'key.id' }] }, 1] });
    expect(when('desired.tags["a.b"].c == 1')).toEqual({ '===': [{ get: [{ get: [{ var: 'desired.tags' }, 'a.b'] }, 'c'] }, 1] });
    expect(when('upper(desired.a).b == 1')).toEqual({ '===': [{ get: [{ upper: [{ var: 'desired.a' }] }, 'b'] }, 1] });
  });

  it('reads record["cost-center"] through the record root', () => {
    expect(where('record["cost-center"] == "x"')).toEqual({ '===': [{ var: 'cost-center' }, 'x'] });
    expect(where('record["a.b"] == "x"')).toEqual({ '===': [{ get: [{ var: '' }, 'a.b'] }, 'x'] });
    expect(where('len(record) > 0')).toEqual({ '>': [{ len: [{ var: '' }] }, 0] });
  });

  it('reads the same values the runtime finds at those paths', () => {
    const data = { desired: { items: [{ sku: 'A' }], tags: { 'a.b': { c: 7 } } }, key: { id: 'a.b' } };
    expect(evaluate(when('desired.items[0].sku == "A"'), data, CTX)).toBe(true);
    expect(evaluate(when('desired.tags[key.id].c == 7'), data, CTX)).toBe(true);
  });
});

describe('names and lets', () => {
  it('inlines lets in rule contexts, also lets that use other lets and imported ones', () => {
    const prelude = 'import "./consts.recon" as c\nlet big = 10000\nlet bigger = big * 2';
    const ir = compileOk(
      `${prelude}\n${SOURCES}\npolicy p { desired a actual b remediate { on missing when desired.amount > bigger and desired.n < c.limit => create } }`,
      { 'consts.recon': 'let limit = -3' },
    );
    expect(ir.policies[0]!.remediate[0]!.when).toEqual({
      and: [{ '>': [{ var: 'desired.amount' }, { '*': [10000, 2] }] }, { '<': [{ var: 'desired.n' }, -3] }],
    });
  });

  it('lets a field shadow a let in a record of unknown fields: var with the let as default', () => {
    const expr = where('status == wanted', 'let wanted = "open"');
    expect(expr).toEqual({ '===': [{ var: 'status' }, { var: ['wanted', 'open'] }] });
    expect(evaluate(expr, { status: 'open' }, CTX)).toBe(true);
    expect(evaluate(expr, { status: 'open', wanted: 'closed' }, CTX)).toBe(false);
  });

  it('treats a declared field as a field and another let as its value in a typed record', () => {
    const prelude = 'let status = "shadowed"\nlet wanted = "open"';
    const expr = where('status == wanted', prelude, 'fields { id: string status: string }');
    expect(expr).toEqual({ '===': [{ var: 'status' }, 'open'] });
  });

  it('keeps a let in the default of var in select, where the raw record is unknown', () => {
    const ir = compileOk(`let fallback = "EUR"
source a { from csv("a.csv") key id select { id = id  currency = coalesce(currency, fallback) } }
source b { from csv("b.csv") key id }
policy p { desired a actual b }`);
    const line = ir.sources[0]!.select![1]!;
    expect(line.expr).toEqual({ coalesce: [{ var: 'currency' }, { var: ['fallback', 'EUR'] }] });
    expect(line.reads).toEqual(['currency']);
  });

  it('compiles the roots as var in rule contexts, also in write URLs and ticket titles', () => {
    const ir = compileOk(`
source a { from csv("a.csv") key id }
source b {
  from http("http://x/items")
  key id
  write { update PATCH "http://x/items/\${key.id}?v=\${desired.v}" }
}
policy p { desired a actual b remediate { on extra => ticket "Extra \${key.id} (\${actual.name})" on changed => update } }`);
    expect(ir.sources[1]!.write!.ops[0]!.http!.url).toEqual({
      concat: ['http://x/items/', { var: 'key.id' }, '?v=', { var: 'desired.v' }],
    });
    expect(ir.policies[0]!.remediate[0]!.title).toEqual({ concat: ['Extra ', { var: 'key.id' }, ' (', { var: 'actual.name' }, ')'] });
  });

  it('reports a name that is neither a root nor a let in a rule context', () => {
    const result = compileText(`${SOURCES}\npolicy p { desired a actual b remediate { on changed when amount > 1 => update } }`);
    expect(result.ir).toBeNull();
    expect(result.diagnostics.map((d) => d.code)).toEqual(['unknown-name']);
  });

  it('reports a let cycle once and does not loop', () => {
    const result = compileText(`let x = y\nlet y = x\n${SOURCES}\npolicy p { desired a actual b remediate { on changed when desired.a == x => update } }`);
    expect(result.ir).toBeNull();
    expect(result.diagnostics.map((d) => d.code)).toEqual(['let-cycle']);
  });
});
