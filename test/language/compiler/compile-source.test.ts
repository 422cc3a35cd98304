import { describe, expect, it } from 'vitest';
import type { IrSource } from '../../../language/ir/ir-types.js';
import { validateIr } from '../../../language/ir/ir-validate.js';
import { compileOk, compileText } from '../../helpers/compile-helpers.js';

/** The 1-based column of `needle` in the one-line source `source s { BODY }`. */
function column(body: string, needle: string): number {
  return 'source s { '.length + body.indexOf(needle) + 1;
}

/** Compiles `source` as the desired side of a policy (so it is in the IR) and returns it. */
function source(body: string, files: Record<string, string> = {}, entry?: string, prelude = ''): IrSource {
  const text = `${prelude}source s { ${body} }\nsource other { from inline([]) key id }\npolicy p { desired s actual other }`;
  const ir = compileOk(text, files, entry);
  return ir.sources.find((x) => x.name === 's')!;
}

describe('connectors', () => {
  it('resolves a file path against the declaring file, relative to the workspace root', () => {
    expect(source('from csv("data/ledger.csv") key id').connector).toEqual({
      kind: 'csv',
      path: 'data/ledger.csv',
      args: [],
      options: [],
      at: 'main.recon:1:17',
    });
    const body = 'from json("../data/./x.json", items: "rows") key id';
    const nested = source(body, {}, 'policies/main.recon');
    expect(nested.connector.path).toBe('data/x.json');
    expect(nested.connector.options).toEqual([{ name: 'items', value: 'rows', at: `policies/main.recon:1:${column(body, 'items')}` }]);
    expect(nested.at).toBe('policies/main.recon:1:1');
  });

  it('accepts a path built from lets', () => {
    expect(source('from yaml("${dir}/x.yaml") key id', {}, undefined, 'let dir = "cfg"\n').connector.path).toBe('cfg/x.yaml');
  });

  it('reports a path that leaves the workspace root', () => {
    const result = compileText('source s { from csv("../outside.csv") key id }\nsource o { from inline([]) key id }\npolicy p { desired s actual o }');
    expect(result.ir).toBeNull();
    expect(result.diagnostics.map((d) => d.code)).toEqual(['path-outside-workspace']);
    expect(result.diagnostics[0]!.message).toContain('../outside.csv');
  });

  it('reports a file path that is not constant', () => {
    const result = compileText('source s { from csv(env("FILE")) key id }\nsource o { from inline([]) key id }\npolicy p { desired s actual o }');
    expect(result.ir).toBeNull();
    expect(result.diagnostics.map((d) => d.code)).toEqual(['not-constant']);
  });

  it('compiles other arguments and options as expressions, keeping secret and env for the runtime', () => {
    const s = source('from postgres("postgres://app:${secret("PG_PASSWORD")}@db/x", table: env("TABLE")) key id');
    expect(s.connector).toMatchObject({
      kind: 'postgres',
      args: [{ concat: ['postgres://app:', { secret: ['PG_PASSWORD'] }, '@db/x'] }],
      options: [{ name: 'table', value: { env: ['TABLE'] } }],
    });
    expect(s.connector).not.toHaveProperty('path');
    const exec = source('from exec("kubectl", ["get", "pods", "-o", "json"], items: "items") key id');
    expect(exec.connector.args).toEqual(['kubectl', ['get', 'pods', '-o', 'json']]);
  });

  it('keeps inline records as expressions, objects included', () => {
    const s = source('from inline([{ id: "a", n: -1 }]) key id');
    expect(s.connector.args).toEqual([[{ object: ['id', 'a', 'n', -1] }]]);
  });
});

describe('key, fields, select, where', () => {
  it('writes key paths canonically', () => {
    expect(source('from inline([]) key account, meta.day, tags["x"], tags["cost-center"], items[0]').key).toEqual([
      'account',
      'meta.day',
      'tags.x',
      'tags["cost-center"]',
      'items[0]',
    ]);
  });

  it('keeps declared fields in order, null when untyped', () => {
    expect(source('from inline([]) key id fields { id: string  "cost-center": json  n: integer }').fields).toEqual([
      { name: 'id', type: 'string' },
      { name: 'cost-center', type: 'json' },
      { name: 'n', type: 'integer' },
    ]);
    expect(source('from inline([]) key id').fields).toBeNull();
  });

  it('records what each select line reads and whether it is a plain path', () => {
    const s = source(`from inline([]) key id
      select {
        id     = id
        app    = meta.labels.app
        cc     = record["cost-center"]
        amount = amount_cents / 100 + fee.cents / 100
        tag    = tags[kind]
        size   = len(record)
        first  = items[0].sku
        fixed  = limit
      }`, {}, undefined);
    const lines = Object.fromEntries(s.select!.map((l) => [l.name, { reads: l.reads, plainPath: l.plainPath }]));
    expect(lines).toEqual({
      id: { reads: ['id'], plainPath: 'id' },
      app: { reads: ['meta.labels.app'], plainPath: 'meta.labels.app' },
      cc: { reads: ['cost-center'], plainPath: 'cost-center' },
      amount: { reads: ['amount_cents', 'fee.cents'], plainPath: null },
      tag: { reads: ['tags', 'kind'], plainPath: null },
      size: { reads: [''], plainPath: null },
      first: { reads: ['items[0].sku'], plainPath: 'items[0].sku' },
      fixed: { reads: ['limit'], plainPath: 'limit' },
    });
  });

  it('compiles where over the presented record', () => {
    const body = 'from inline([]) key id select { id = id  state = status } where state != "voided"';
    const s = source(body);
    expect(s.where).toEqual({ expr: { '!==': [{ var: 'state' }, 'voided'] }, at: `main.recon:1:${column(body, 'where')}` });
  });
});

describe('write', () => {
  it('compiles http and exec operations and map lines', () => {
    const s = source(`from exec("list-things") key id
      select { id = ident  amount = cents / 100 }
      write {
        create post "http://x/things"
        update exec("bin/update", ["--id", key.id, "--dry=\${env("DRY")}"])
        delete exec("bin/delete")
        map { ident = id  cents = round(amount * 100, 0)  meta["odd key"] = amount }
      }`);
    expect(s.write!.ops).toEqual([
      { op: 'create', http: { method: 'POST', url: 'http://x/things' }, at: 'main.recon:4:9' },
      { op: 'update', exec: { command: 'bin/update', args: ['--id', { var: 'key.id' }, { concat: ['--dry=', { env: ['DRY'] }] }] }, at: 'main.recon:5:9' },
      { op: 'delete', exec: { command: 'bin/delete', args: [] }, at: 'main.recon:6:9' },
    ]);
    expect(s.write!.map.map((m) => [m.path, m.expr])).toEqual([
      ['ident', { var: 'id' }],
      ['cents', { round: [{ '*': [{ var: 'amount' }, 100] }, 0] }],
      ['meta["odd key"]', { var: 'amount' }],
    ]);
    expect(s.writable).toBe(true);
  });

  it('says which sources can be written', () => {
    expect(source('from csv("a.csv") key id').writable).toBe(true);
    expect(source('from postgres("postgres://db") key id').writable).toBe(true);
    expect(source('from inline([]) key id').writable).toBe(false);
    expect(source('from http("http://x") key id').writable).toBe(false);
    expect(source('from http("http://x") key id write { map { a = b } }').writable).toBe(false);
    expect(source('from http("http://x") key id write { delete DELETE "http://x/${key.id}" }').writable).toBe(true);
  });

  it('carries the doc comment', () => {
    const ir = compileOk('# The ledger.\n# Nightly export.\nsource s { from csv("a.csv") key id }\nsource o { from inline([]) key id }\npolicy p { desired s actual o }');
    const s = ir.sources.find((x) => x.name === 's')!;
    expect(s.doc).toBe('The ledger.\nNightly export.');
    validateIr(ir);
  });
});
