import { describe, expect, it } from 'vitest';
import { POLICY_DEFAULTS } from '../../../language/compiler/compile-policy.js';
import type { IrPolicy } from '../../../language/ir/ir-types.js';
import { compileOk, compileText } from '../../helpers/compile-helpers.js';

const SOURCES = `
source a { from csv("a.csv") key id }
source b { from csv("b.csv") key id }
`;

function policy(body: string, prelude = '', files: Record<string, string> = {}): IrPolicy {
  return compileOk(`${prelude}\n${SOURCES}\npolicy p { desired a actual b ${body} }`, files).policies[0]!;
}

describe('defaults', () => {
  it('fills every field a policy leaves out', () => {
    const p = policy('');
    expect(p).toEqual({
      name: 'p',
      description: null,
      owner: null,
      severity: 'medium',
      mode: 'audit',
      desired: 'a',
      actual: 'b',
      compare: { default: 'exact', rules: [] },
      remediate: [],
      limits: { max_changes: null, max_ratio: null, max_deletes: null, on_exceed: 'abort' },
      retry: { attempts: 3, backoff_min_ms: 200, backoff_max_ms: 10_000 },
      rate: null,
      concurrency: 4,
      schedule_ms: null,
      doc: null,
      at: p.at,
    });
    expect(p.at).toMatch(/^main\.recon:\d+:1$/);
    expect(p.retry).toEqual(POLICY_DEFAULTS.retry);
  });

  it('keeps the default backoff when retry gives only attempts, and limits set only what they name', () => {
    const p = policy('retry 5 limits { max_deletes 2 }');
    expect(p.retry).toEqual({ attempts: 5, backoff_min_ms: 200, backoff_max_ms: 10_000 });
    expect(p.limits).toEqual({ max_changes: null, max_ratio: null, max_deletes: 2, on_exceed: 'abort' });
  });
});

describe('statements', () => {
  it('compiles every statement of the specification example', () => {
    const p = policy(`
      description "Gateway settlements match the ledger"
      owner "payments@example.com"
      severity critical
      mode enforce
      limits { max_changes 100  max_ratio 10%  max_deletes 5  on_exceed approve }
      retry 4 backoff 1s..2m
      rate 20/s
      concurrency 8
      schedule every 15m`);
    expect(p).toMatchObject({
      description: 'Gateway settlements match the ledger',
      owner: 'payments@example.com',
      severity: 'critical',
      mode: 'enforce',
      limits: { max_changes: 100, max_ratio: 0.1, max_deletes: 5, on_exceed: 'approve' },
      retry: { attempts: 4, backoff_min_ms: 1000, backoff_max_ms: 120_000 },
      rate: { count: 20, per: 's', per_second: 20 },
      concurrency: 8,
      schedule_ms: 900_000,
    });
  });

  it('converts rates per minute and hour to per second', () => {
    expect(policy('rate 120/m').rate).toEqual({ count: 120, per: 'm', per_second: 2 });
    expect(policy('rate 36/h').rate).toEqual({ count: 36, per: 'h', per_second: 0.01 });
  });

  it('reports values the IR cannot hold instead of emitting them', () => {
    for (const [body, code] of [
      ['concurrency 0', 'value-out-of-range'],
      ['rate 5/d', 'unknown-rate-unit'],
      ['severity urgent', 'unknown-severity'],
      ['limits { max_changes 1.5 }', 'value-out-of-range'],
      ['retry 2 backoff 10s..1s', 'value-out-of-range'],
    ] as const) {
      const result = compileText(`${SOURCES}\npolicy p { desired a actual b ${body} }`);
      expect(result.ir, body).toBeNull();
      expect(result.diagnostics.map((d) => d.code), body).toEqual([code]);
    }
  });

  it('reports a policy without desired', () => {
    const result = compileText(`${SOURCES}\npolicy p { actual b }`);
    expect(result.ir).toBeNull();
    expect(result.diagnostics.map((d) => d.code)).toEqual(['missing-desired']);
  });
});

describe('compare', () => {
  it('compiles every comparator', () => {
    const p = policy(`compare {
      default ignore
      a exact
      b ignore
      c ignore_case
      d within 0.5
      e within 2%
      f within 90s
      g unordered
      h unordered by sku
      i normalize trim, lower, upper, collapse_space, nfc, utc, round(2)
      j by desired.j == actual.j
      "cost-center" exact
      tags["x"] exact
      tags["a b"].c exact
    }`);
    expect(p.compare.default).toBe('ignore');
    expect(p.compare.rules.map((r) => [r.path, r.comparator])).toEqual([
      ['a', { kind: 'exact' }],
      ['b', { kind: 'ignore' }],
      ['c', { kind: 'ignore_case' }],
      ['d', { kind: 'within', absolute: 0.5 }],
      ['e', { kind: 'within', relative: 0.02 }],
      ['f', { kind: 'within', duration_ms: 90_000 }],
      ['g', { kind: 'unordered', by: null }],
      ['h', { kind: 'unordered', by: 'sku' }],
      [
        'i',
        {
          kind: 'normalize',
          normalizers: [
            { name: 'trim' },
            { name: 'lower' },
            { name: 'upper' },
            { name: 'collapse_space' },
            { name: 'nfc' },
            { name: 'utc' },
            { name: 'round', digits: 2 },
          ],
        },
      ],
      ['j', { kind: 'by', expr: { '===': [{ var: 'desired.j' }, { var: 'actual.j' }] } }],
      ['cost-center', { kind: 'exact' }],
      ['tags.x', { kind: 'exact' }],
      ['tags["a b"].c', { kind: 'exact' }],
    ]);
    expect(p.compare.rules.every((r) => r.profile === null)).toBe(true);
  });

  it('flattens profiles, and a rule written in the policy overrides the profile rule for its path', () => {
    const prelude = `profile cash {
  amount   within 0.005
  currency ignore_case
  memo     ignore
}`;
    const p = policy('compare { memo exact  use cash  status ignore  amount within 0.01 }', prelude);
    expect(p.compare.rules.map((r) => [r.path, r.comparator, r.profile])).toEqual([
      ['memo', { kind: 'exact' }, null],
      ['currency', { kind: 'ignore_case' }, 'cash'],
      ['status', { kind: 'ignore' }, null],
      ['amount', { kind: 'within', absolute: 0.01 }, null],
    ]);
    const cashLine = prelude.split('\n').findIndex((l) => l.includes('currency')) + 1;
    expect(p.compare.rules[1]!.at).toBe(`main.recon:${cashLine}:3`);
  });

  it('lets a later profile override an earlier one, names imported profiles by alias, and locates their rules there', () => {
    const p = policy('compare { use money.cents  use local }', 'import "std/money"\nprofile local { currency exact }');
    expect(p.compare.rules.map((r) => [r.path, r.comparator, r.profile])).toEqual([
      ['amount', { kind: 'within', absolute: 0.005 }, 'money.cents'],
      ['currency', { kind: 'exact' }, 'local'],
    ]);
    expect(p.compare.rules[0]!.at).toMatch(/^std\/money\.recon:\d+:\d+$/);
  });

  it('reaches profiles of a relative import under the import alias', () => {
    const p = policy('compare { use shared.strict }', 'import "./lib/shared.recon"', {
      'lib/shared.recon': 'let tolerance = 0.5\nprofile strict { total by desired.total - actual.total < tolerance }',
    });
    expect(p.compare.rules).toEqual([
      {
        path: 'total',
        comparator: { kind: 'by', expr: { '<': [{ '-': [{ var: 'desired.total' }, { var: 'actual.total' }] }, 0.5] } },
        profile: 'shared.strict',
        at: 'lib/shared.recon:2:18',
      },
    ]);
  });
});

describe('remediate', () => {
  it('numbers rules from 1 and compiles approval, because and until', () => {
    const p = policy(
      `remediate {
        on missing when desired.amount > big => create requires approval from leads
        on extra when actual.origin == "manual" => ignore because "manual entries are tolerated" until "2030-12-31"
        on changed => update requires approval
        on invalid => report
        on any => ticket "Drift on \${key.id}"
      }`,
      'let big = 10000\ngroup leads = ["alice@example.com"]\ngroup unused = ["x"]',
    );
    expect(p.remediate.map((r) => ({ ...r, at: undefined }))).toEqual([
      {
        index: 1,
        on: 'missing',
        when: { '>': [{ var: 'desired.amount' }, 10000] },
        action: 'create',
        title: null,
        approval: { required: true, group: 'leads' },
        because: null,
        until: null,
        at: undefined,
      },
      {
        index: 2,
        on: 'extra',
        when: { '===': [{ var: 'actual.origin' }, 'manual'] },
        action: 'ignore',
        title: null,
        approval: { required: false, group: null },
        because: 'manual entries are tolerated',
        until: '2030-12-31',
        at: undefined,
      },
      {
        index: 3,
        on: 'changed',
        when: null,
        action: 'update',
        title: null,
        approval: { required: true, group: null },
        because: null,
        until: null,
        at: undefined,
      },
      {
        index: 4,
        on: 'invalid',
        when: null,
        action: 'report',
        title: null,
        approval: { required: false, group: null },
        because: null,
        until: null,
        at: undefined,
      },
      {
        index: 5,
        on: 'any',
        when: null,
        action: 'ticket',
        title: { concat: ['Drift on ', { var: 'key.id' }] },
        approval: { required: false, group: null },
        because: null,
        until: null,
        at: undefined,
      },
    ]);
  });

  it('puts only the groups that rules name in the IR, sorted, imported ones qualified', () => {
    const ir = compileOk(
      `import "./teams.recon" as teams
group leads = ["alice@example.com", "bob@example.com"]
group unused = ["x"]
${SOURCES}
policy p { desired a actual b remediate {
  on missing => create requires approval from teams.ops
  on extra => delete requires approval from leads
} }`,
      { 'teams.recon': 'group ops = ["ops@example.com"]' },
    );
    expect(ir.groups.map((g) => [g.name, g.members, g.at])).toEqual([
      ['leads', ['alice@example.com', 'bob@example.com'], 'main.recon:2:1'],
      ['teams.ops', ['ops@example.com'], 'teams.recon:1:1'],
    ]);
    expect(ir.policies[0]!.remediate.map((r) => r.approval.group)).toEqual(['teams.ops', 'leads']);
  });

  it('reports an until that is not a date', () => {
    const result = compileText(`${SOURCES}\npolicy p { desired a actual b remediate { on extra => ignore until "next year" } }`);
    expect(result.ir).toBeNull();
    expect(result.diagnostics.map((d) => d.code)).toEqual(['invalid-date']);
  });
});
