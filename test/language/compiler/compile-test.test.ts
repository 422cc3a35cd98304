import { describe, expect, it } from 'vitest';
import type { IrTest } from '../../../language/ir/ir-types.js';
import { compileOk, compileText } from '../../helpers/compile-helpers.js';

const PROGRAM = `
let big = 20000
let eur = "EUR"
source a { from csv("a.csv") key id }
source b { from csv("b.csv") key id }
policy p { desired a actual b }
`;

function test(body: string, prelude = ''): IrTest {
  return compileOk(`${prelude}${PROGRAM}\ntest "t" { policy p ${body} }`).tests[0]!;
}

describe('test records', () => {
  it('folds records to plain JSON values: lets, unary minus, durations, percentages', () => {
    const t = test(`desired [ { id: "t1", amount: big, currency: eur, delta: -1.5, wait: 2m, share: 10%, tags: ["a", null], ok: true, "odd key": { n: -big } } ]
      actual []
      expect no_drift`);
    expect(t.desired).toEqual([
      { id: 't1', amount: 20000, currency: 'EUR', delta: -1.5, wait: 120_000, share: 0.1, tags: ['a', null], ok: true, 'odd key': { n: -20000 } },
    ]);
    expect(t.actual).toEqual([]);
  });

  it('keeps a field named __proto__ as data', () => {
    const t = test('desired [ { id: "x", "__proto__": { polluted: true } } ] actual [] expect no_drift');
    const record = t.desired[0] as Record<string, unknown>;
    expect(Object.keys(record)).toEqual(['id', '__proto__']);
    expect(JSON.stringify(record)).toBe('{"id":"x","__proto__":{"polluted":true}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reports anything that is not constant', () => {
    for (const value of ['now()', 'desired.x', '1 + 1', 'not true', 'unknown_name', 'upper("a")']) {
      const result = compileText(`${PROGRAM}\ntest "t" { policy p desired [ { id: ${value} } ] actual [] expect no_drift }`);
      expect(result.ir, value).toBeNull();
      expect(result.diagnostics.map((d) => d.code), value).toEqual(['not-constant']);
      const d = result.diagnostics[0]!;
      const text = result.program.entry.parsed.text;
      expect(text.slice(d.start, d.end), value).toBe(value);
    }
  });

  it('points at the use of a let whose value is not constant', () => {
    const result = compileText(`let when_ = now()\n${PROGRAM}\ntest "t" { policy p desired [ { id: when_ } ] actual [] expect no_drift }`);
    expect(result.diagnostics.map((d) => d.code)).toEqual(['not-constant']);
    const d = result.diagnostics[0]!;
    expect(result.program.entry.parsed.text.slice(d.start, d.end)).toBe('when_');
  });
});

describe('expectations', () => {
  it('compiles no_drift', () => {
    expect(test('desired [] actual [] expect no_drift').expect).toEqual({ no_drift: true });
  });

  it('compiles counts and actions in order, with their keys', () => {
    const t = test(`desired [] actual [] expect {
      missing 1
      extra 0
      changed 2
      invalid 3
      ignored 4
      action create on "t2" requires approval
      action update on 42
      action ticket on ["acme", "2026-11-01"]
      action delete on [eur, -1]
    }`);
    expect(t.expect).toEqual({
      no_drift: false,
      counts: [
        { kind: 'missing', count: 1, at: expect.stringMatching(/^main\.recon:\d+:7$/) },
        { kind: 'extra', count: 0, at: expect.any(String) },
        { kind: 'changed', count: 2, at: expect.any(String) },
        { kind: 'invalid', count: 3, at: expect.any(String) },
        { kind: 'ignored', count: 4, at: expect.any(String) },
      ],
      actions: [
        { action: 'create', key: 't2', requires_approval: true, at: expect.any(String) },
        { action: 'update', key: 42, requires_approval: false, at: expect.any(String) },
        { action: 'ticket', key: ['acme', '2026-11-01'], requires_approval: false, at: expect.any(String) },
        { action: 'delete', key: ['EUR', -1], requires_approval: false, at: expect.any(String) },
      ],
    });
  });

  it('reports keys that are not strings, numbers or lists of them', () => {
    for (const key of ['[{ id: "x" }]', '[true]', '[]', '[["a"]]']) {
      const result = compileText(`${PROGRAM}\ntest "t" { policy p desired [] actual [] expect { action create on ${key} } }`);
      expect(result.ir, key).toBeNull();
      expect(result.diagnostics.map((d) => d.code), key).toEqual(['invalid-test-key']);
    }
  });

  it('reports a test of an unknown policy', () => {
    const result = compileText(`${PROGRAM}\ntest "t" { policy nope desired [] actual [] expect no_drift }`);
    expect(result.ir).toBeNull();
    expect(result.diagnostics.map((d) => d.code)).toEqual(['unknown-policy']);
  });

  it('names the test and locates it', () => {
    const ir = compileOk(`${PROGRAM}\ntest "a \\"quoted\\" name" { policy p desired [] actual [] expect no_drift }`);
    expect(ir.tests[0]!.name).toBe('a "quoted" name');
    expect(ir.tests[0]!.policy).toBe('p');
    expect(ir.tests[0]!.at).toBe('main.recon:8:1');
  });
});
