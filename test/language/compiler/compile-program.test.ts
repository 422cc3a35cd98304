import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileProgram, serializeIr } from '../../../language/compiler/compile-program.js';
import type { IrDocument } from '../../../language/ir/ir-types.js';
import { loadIr, validateIr } from '../../../language/ir/ir-validate.js';
import { MemoryModuleHost } from '../../../language/module-host.js';
import { loadProgram } from '../../../language/program.js';
import { compileOk, compileText } from '../../helpers/compile-helpers.js';

/** LANGUAGE.md section 2 as one file (without the relative import and the write fragment). */
const SECTION_2 = readFileSync(fileURLToPath(new URL('./fixtures/section2.recon', import.meta.url)), 'utf8');

describe('the examples of LANGUAGE.md section 2', () => {
  it('compile clean to an IR that passes the schema', () => {
    const result = compileText(SECTION_2);
    expect(result.loadDiagnostics).toEqual([]);
    expect(result.diagnostics).toEqual([]);
    expect(result.ir).not.toBeNull();
    validateIr(result.ir);
  });

  it('hold the sources the policy uses, the group its rules name, the policy and both tests', () => {
    const ir = compileOk(SECTION_2);
    expect(ir.file).toBe('main.recon');
    expect(ir.sources.map((s) => s.name)).toEqual(['gateway', 'ledger']);
    expect(ir.groups).toEqual([{ name: 'payments_leads', members: ['alice@example.com', 'bob@example.com'], at: 'main.recon:5:1' }]);
    expect(ir.policies.map((p) => p.name)).toEqual(['settlement_parity']);
    expect(ir.tests.map((t) => [t.name, t.policy])).toEqual([
      ['tolerated rounding is not drift', 'settlement_parity'],
      ['a big missing payment waits for a lead', 'settlement_parity'],
    ]);
  });

  it('inline the let, flatten the profile, and keep the secret for the runtime', () => {
    const ir = compileOk(SECTION_2);
    const policy = ir.policies[0]!;
    expect(policy.remediate[0]!.when).toEqual({ '>': [{ var: 'desired.amount' }, 10000] });
    expect(policy.compare.rules.filter((r) => r.profile === 'cash').map((r) => r.path)).toEqual(['amount', 'currency']);
    const headers = ir.sources[0]!.connector.options.find((o) => o.name === 'headers')!;
    expect(headers.value).toEqual({ object: ['Authorization', { concat: ['Bearer ', { secret: ['GATEWAY_TOKEN'] }] }] });
    expect(ir.tests[0]!.actual).toEqual([{ txn_id: 't1', amount: 10.004, currency: 'eur', total: 10 }]);
  });

  it('compile to the same bytes every time, also from a fresh load', () => {
    const first = serializeIr(compileOk(SECTION_2));
    const second = serializeIr(compileOk(SECTION_2));
    expect(second).toBe(first);
    expect(first.endsWith('}\n')).toBe(true);
    expect(first).toContain('\n  "version": 1,\n');
    expect(loadIr(first)).toEqual(JSON.parse(first));
  });

  it('compile with the standard library profile money.cents', () => {
    const text = SECTION_2.replace('use cash', 'use money.cents');
    const ir = compileOk(text);
    const rules = ir.policies[0]!.compare.rules.filter((r) => r.profile === 'money.cents');
    expect(rules.map((r) => [r.path, r.comparator])).toEqual([
      ['amount', { kind: 'within', absolute: 0.005 }],
      ['currency', { kind: 'ignore_case' }],
    ]);
    expect(rules[0]!.at).toMatch(/^std\/money\.recon:\d+:\d+$/);
  });
});

describe('what the IR holds', () => {
  const shared = `
source gateway { from http("http://x/settlements") key id }
source unused { from inline([]) key id }
`;

  it('names imported sources by alias, sorts sources by name, and leaves out unused ones', () => {
    const ir = compileOk(
      `import "./shared/sources.recon" as src
source ledger { from csv("data/ledger.csv") key id }
source zeta { from inline([]) key id }
policy b_second { desired ledger actual src.gateway }
policy a_first { desired zeta actual ledger }`,
      { 'shared/sources.recon': shared },
    );
    expect(ir.sources.map((s) => s.name)).toEqual(['ledger', 'src.gateway', 'zeta']);
    expect(ir.policies.map((p) => [p.name, p.desired, p.actual])).toEqual([
      ['b_second', 'ledger', 'src.gateway'],
      ['a_first', 'zeta', 'ledger'],
    ]);
    expect(ir.sources[1]!.at).toBe('shared/sources.recon:2:1');
  });

  it('resolves an imported source file path against the imported file', () => {
    const ir = compileOk(`import "./lib/s.recon" as lib\nsource o { from inline([]) key id }\npolicy p { desired lib.s actual o }`, {
      'lib/s.recon': 'source s { from jsonl("../data/s.jsonl") key id }',
    });
    expect(ir.sources[0]!.connector.path).toBe('data/s.jsonl');
  });

  it('writes the compiled file relative to the workspace root', () => {
    const ir = compileOk('source a { from csv("x.csv") key id }\npolicy p { desired a actual a }', {}, 'deep/er/main.recon');
    expect(ir.file).toBe('deep/er/main.recon');
    expect(ir.sources[0]!.connector.path).toBe('deep/er/x.csv');
    expect(ir.policies[0]!.at).toBe('deep/er/main.recon:2:1');
  });

  it('compiles a file of nothing but lets and profiles to an empty IR', () => {
    const ir = compileOk('let x = 1\nprofile q { a exact }');
    expect(ir).toEqual({ version: 1, file: 'main.recon', sources: [], groups: [], policies: [], tests: [] });
  });

  it('uses the workspace root found from recon.json, or the file folder without one', () => {
    const host = new MemoryModuleHost({ '/solo/dir/main.recon': 'source a { from csv("a.csv") key id }\npolicy p { desired a actual a }' });
    const { ir } = compileProgram(loadProgram('/solo/dir/main.recon', host));
    expect(ir?.file).toBe('main.recon');
    expect(ir?.sources[0]!.connector.path).toBe('a.csv');
  });
});

describe('odd input', () => {
  it('reports instead of compiling a file with syntax errors', () => {
    const result = compileText('source a { from csv("a.csv") key }\npolicy p { desired a actual a remediate { on missing when => create } }');
    expect(result.loadDiagnostics.length).toBeGreaterThan(0);
    expect(result.ir).toBeNull();
    expect(result.diagnostics.length).toBeGreaterThan(0);
    expect(result.diagnostics.every((d) => d.severity === 'error' && d.file === '/ws/main.recon')).toBe(true);
  });

  it('never throws, and returns either a valid IR or diagnostics, for any cut or splice of the examples', () => {
    fc.assert(
      fc.property(fc.nat(SECTION_2.length), fc.nat(SECTION_2.length), fc.string({ maxLength: 8 }), (a, b, insert) => {
        const [from, to] = a <= b ? [a, b] : [b, a];
        const text = SECTION_2.slice(0, from) + insert + SECTION_2.slice(to);
        const result = compileText(text);
        if (result.ir === null) {
          expect(result.diagnostics.length).toBeGreaterThan(0);
        } else {
          validateIr(result.ir);
          expect(result.diagnostics.some((d) => d.code === 'internal-compiler-error')).toBe(false);
        }
      }),
      { numRuns: 150, seed: 20261126 },
    );
  });

  it('returns no IR when any error is reported, and says where', () => {
    const result = compileText(`source a { from csv("a.csv") key id }
policy p { desired a actual missing_source }`);
    expect(result.ir).toBeNull();
    expect(result.diagnostics).toHaveLength(1);
    const d = result.diagnostics[0]!;
    expect(d.code).toBe('unknown-source');
    expect(result.program.entry.parsed.text.slice(d.start, d.end)).toBe('missing_source');
  });
});

/** A tiny check that the doc of an IR type stays true to what the compiler emits. */
describe('IR conventions', () => {
  it('puts an at location on every node that has one', () => {
    const ir: IrDocument = compileOk(SECTION_2);
    const locations: string[] = [];
    const visit = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(visit);
      else if (value !== null && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) {
          if (k === 'at') locations.push(v as string);
          else visit(v);
        }
      }
    };
    visit(ir);
    expect(locations.length).toBeGreaterThan(30);
    expect(locations.every((l) => /^main\.recon:\d+:\d+$/.test(l))).toBe(true);
  });
});
