/**
 * The checker's exported building blocks that the compiler and the language server reuse: name
 * resolution per context, built-in and connector tables, constant values, select coverage,
 * source shapes, type inference, writability.
 */
import { describe, expect, it } from 'vitest';
import type * as A from '../../../language/ast.js';
import { BUILTIN_FUNCTION_NAMES, builtinFunction, CONNECTOR_NAMES, connectorSpec, functionResultType } from '../../../language/checker/builtin-functions.js';
import { constantValue } from '../../../language/checker/constant-values.js';
import {
  connectorScope,
  constantScope,
  mapScope,
  resolveBareName,
  ruleScope,
  selectScope,
  untypedRoots,
  whereScope,
} from '../../../language/checker/expression-scope.js';
import { inferExpressionType, regexError } from '../../../language/checker/expression-types.js';
import { isCalendarDate, whyNotWritable } from '../../../language/checker/remediation-checks.js';
import { rawReads, selectLineInfo, uncoveredComputedFields } from '../../../language/checker/select-coverage.js';
import { pathText, sourceShape } from '../../../language/checker/source-shape.js';
import { MemoryModuleHost } from '../../../language/module-host.js';
import { loadProgram, type Module } from '../../../language/program.js';

function load(text: string): Module {
  return loadProgram('/ws/main.recon', new MemoryModuleHost({ '/ws/main.recon': text })).entry;
}

function letValue(module: Module, name: string): A.Expr {
  return module.symbols.let.get(name)!.value;
}

function sourceOf(module: Module, name: string): A.SourceDecl {
  return module.symbols.source.get(name)!;
}

const MODULE = load(`import "std/money"
let amount = "shadowed"
let big = 10000
let twice = big * 2
let greeting = "hi \${big}"
let neg = -1.5
let list = [1, { a: "b" }]
let moment = now()
source typed {
  from csv("t.csv")
  key id
  fields { id: string  amount: number  at: datetime }
}
source gw {
  from http("http://x")
  key id
  select {
    id = txn_id
    amount = amount_cents / big
    currency = upper(currency)
    label = meta.labels["app name"]
    first = items[0].sku
    total = net + tax
  }
  write { map { net = total } }
}
`);

describe('resolveBareName', () => {
  const typed = sourceShape(sourceOf(MODULE, 'typed'));

  it('gives record fields first, shadowing lets, in where and map', () => {
    expect(resolveBareName('amount', whereScope(MODULE, typed.record))).toMatchObject({ kind: 'field', type: 'number', shadowsLet: { kind: 'Let' } });
    expect(resolveBareName('at', mapScope(MODULE, typed.record))).toMatchObject({ kind: 'field', type: 'datetime', shadowsLet: null });
    expect(resolveBareName('record', whereScope(MODULE, typed.record))).toEqual({ kind: 'record' });
    expect(resolveBareName('big', whereScope(MODULE, typed.record))).toMatchObject({ kind: 'let' });
    expect(resolveBareName('amont', whereScope(MODULE, typed.record))).toMatchObject({ kind: 'unknown', candidates: expect.arrayContaining(['amount', 'record', 'big']) });
  });

  it('treats every name of the raw record as a field in select', () => {
    expect(resolveBareName('anything', selectScope(MODULE, 'gw'))).toMatchObject({ kind: 'field', type: 'unknown' });
    expect(resolveBareName('big', selectScope(MODULE, 'gw'))).toMatchObject({ kind: 'field', shadowsLet: { kind: 'Let' } });
    expect(resolveBareName('money', selectScope(MODULE, 'gw'))).toMatchObject({ kind: 'field' });
  });

  it('gives roots, then lets, then import aliases in rule contexts', () => {
    const scope = ruleScope(MODULE, untypedRoots());
    for (const root of ['desired', 'actual', 'key', 'diff']) expect(resolveBareName(root, scope)).toEqual({ kind: 'root', root });
    expect(resolveBareName('amount', scope)).toMatchObject({ kind: 'let' });
    expect(resolveBareName('money', scope)).toMatchObject({ kind: 'module', import: { alias: 'money' } });
    expect(resolveBareName('record', scope)).toMatchObject({ kind: 'unknown' });
  });

  it('gives only lets in connector and constant contexts', () => {
    expect(resolveBareName('desired', connectorScope(MODULE))).toMatchObject({ kind: 'unknown' });
    expect(resolveBareName('big', constantScope(MODULE))).toMatchObject({ kind: 'let' });
    expect(connectorScope(MODULE).allowSecret).toBe(true);
    expect(constantScope(MODULE).allowSecret).toBe(false);
  });
});

describe('built-in functions and connectors', () => {
  it('lists the built-ins of LANGUAGE.md section 3 with their arity', () => {
    expect([...BUILTIN_FUNCTION_NAMES].sort()).toEqual(
      ['abs', 'age', 'changed', 'coalesce', 'contains', 'ends_with', 'env', 'len', 'lower', 'max', 'min', 'now', 'only', 'round', 'secret', 'starts_with', 'trim', 'upper'].sort(),
    );
    expect(builtinFunction('round')).toMatchObject({ minArgs: 1, maxArgs: 2 });
    expect(builtinFunction('only')!.maxArgs).toBe(Infinity);
    expect(builtinFunction('constructor')).toBeUndefined();
    expect(functionResultType(builtinFunction('age')!, ['datetime'])).toBe('duration');
    expect(functionResultType(builtinFunction('coalesce')!, ['string', 'null'])).toBe('string');
  });

  it('lists the connectors of LANGUAGE.md 2.1 with their arguments and options', () => {
    expect([...CONNECTOR_NAMES].sort()).toEqual(['csv', 'exec', 'http', 'inline', 'json', 'jsonl', 'postgres', 'yaml']);
    const options = Object.fromEntries(CONNECTOR_NAMES.map((c) => [c, connectorSpec(c)!.options.map((o) => o.name)]));
    expect(options).toEqual({
      csv: ['delimiter', 'header'],
      json: ['items'],
      jsonl: [],
      yaml: ['items'],
      inline: [],
      http: ['items', 'next', 'headers', 'timeout'],
      postgres: ['table', 'query', 'timeout'],
      exec: ['items', 'timeout'],
    });
    expect(connectorSpec('exec')!.positional.map((p) => p.name)).toEqual(['command', 'args']);
    expect(connectorSpec('toString')).toBeUndefined();
  });
});

describe('constantValue', () => {
  it('evaluates literals, lets, interpolation and arithmetic', () => {
    expect(constantValue(letValue(MODULE, 'twice'), MODULE)).toEqual({ ok: true, value: 20000 });
    expect(constantValue(letValue(MODULE, 'greeting'), MODULE)).toEqual({ ok: true, value: 'hi 10000' });
    expect(constantValue(letValue(MODULE, 'neg'), MODULE)).toEqual({ ok: true, value: -1.5 });
    expect(constantValue(letValue(MODULE, 'list'), MODULE)).toEqual({ ok: true, value: [1, { a: 'b' }] });
  });

  it('names the part that is not constant', () => {
    const result = constantValue(letValue(MODULE, 'moment'), MODULE);
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.node.kind).toBe('Call');
  });

  it('does not loop on let cycles', () => {
    const module = load('let a = b\nlet b = a\n');
    expect(constantValue(letValue(module, 'a'), module).ok).toBe(false);
  });
});

describe('select coverage', () => {
  const gw = sourceOf(MODULE, 'gw');
  const select = gw.statements.find((s): s is A.SelectStmt => s.kind === 'Select')!;
  const infos = select.lines.map((l) => selectLineInfo(l, MODULE));

  it('tells plain paths and raw reads', () => {
    expect(infos.map((i) => [i.name, i.plainPath, i.reads])).toEqual([
      ['id', 'txn_id', ['txn_id']],
      ['amount', null, ['amount_cents']],
      ['currency', null, ['currency']],
      ['label', 'meta.labels["app name"]', ['meta.labels["app name"]']],
      ['first', 'items[0].sku', ['items[0].sku']],
      ['total', null, ['net', 'tax']],
    ]);
  });

  it('finds computed fields without an inverse', () => {
    expect(uncoveredComputedFields(gw, MODULE).map((i) => i.name)).toEqual(['amount', 'total']);
  });

  it('reads the record through record["..."]', () => {
    const module = load('let x = 1\nsource s {\n  from csv("a.csv")\n  key id\n  select { id = record["raw id"] + x }\n}\n');
    const line = (module.symbols.source.get('s')!.statements[2] as A.SelectStmt).lines[0]!;
    expect(rawReads(line.value, module)).toEqual(['raw id']);
  });
});

describe('shapes, types and writability', () => {
  it('computes the shape of a source', () => {
    const typed = sourceShape(sourceOf(MODULE, 'typed'));
    expect([...typed.record.fields!.entries()]).toEqual([['id', 'string'], ['amount', 'number'], ['at', 'datetime']]);
    expect(typed.key).toEqual(['id']);
    expect(typed.connector).toBe('csv');
    const gw = sourceShape(sourceOf(MODULE, 'gw'));
    expect([...gw.record.fields!.keys()]).toEqual(['id', 'amount', 'currency', 'label', 'first', 'total']);
    expect(sourceShape(sourceOf(load('source s {\n  from csv("a.csv")\n  key id\n}\n'), 's')).record.fields).toBeNull();
  });

  it('writes paths as the IR does', () => {
    const module = load('source s {\n  from csv("a.csv")\n  key a.b, c["odd key"], d[0].e, "quoted"\n}\n');
    const key = module.symbols.source.get('s')!.statements[1] as A.KeyStmt;
    expect(key.paths.map(pathText)).toEqual(['a.b', 'c["odd key"]', 'd[0].e', 'quoted']);
  });

  it('infers expression types without reporting', () => {
    const typed = sourceShape(sourceOf(MODULE, 'typed'));
    const module = load('let a = age(now())\nlet b = "x" + "y"\nlet c = 1 + 2\nlet d = 2m * 2\nlet e = desired.x\n');
    const scope = whereScope(module, typed.record);
    expect(['a', 'b', 'c', 'd', 'e'].map((n) => inferExpressionType(letValue(module, n), scope))).toEqual(['duration', 'string', 'integer', 'duration', 'unknown']);
    expect(module.diagnostics).toEqual([]);
  });

  it('validates regular expressions as the runtime compiles them', () => {
    expect(regexError('^a+$')).toBeNull();
    expect(regexError('(?i)^abc')).toBeNull();
    expect(regexError('(')).not.toBeNull();
  });

  it('validates calendar dates', () => {
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2023-02-29')).toBe(false);
    expect(isCalendarDate('2026-1-01')).toBe(false);
  });

  it('tells why a source cannot be written', () => {
    const module = load(`source a {\n  from inline([])\n  key id\n}\nsource b {\n  from http("http://x")\n  key id\n  write { update PUT "http://x" }\n}\nsource c {\n  from yaml("c.yaml")\n  key id\n}\n`);
    const shape = (n: string) => sourceShape(sourceOf(module, n));
    expect(whyNotWritable(shape('a'), 'create')).toBe(': inline sources are read-only');
    expect(whyNotWritable(shape('b'), 'update')).toBeNull();
    expect(whyNotWritable(shape('b'), 'delete')).toBe(": it has no 'delete' operation in write { }");
    expect(whyNotWritable(shape('c'), 'delete')).toBeNull();
  });
});
