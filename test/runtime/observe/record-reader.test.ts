import { afterEach, describe, expect, it } from 'vitest';
import type { IrExpr, IrSelectLine, IrSource } from '../../../language/ir/ir-types.js';
import { ConnectorError } from '../../../runtime/connectors/connector.js';
import { InvalidExpressionError } from '../../../runtime/expressions/expression-evaluator.js';
import { observeRecords, observeSource, type ObservedBatch, type ObserveContext } from '../../../runtime/observe/record-reader.js';
import { makeSource, makeWorkspace, OBSERVED_AT } from '../connectors/source-fixture.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function workspace(files: Record<string, string>) {
  const ws = makeWorkspace(files);
  cleanups.push(ws.cleanup);
  return ws.root;
}

function line(name: string, expr: IrExpr, plainPath: string | null = null): IrSelectLine {
  return { name, expr, reads: [], plainPath, at: `test.recon:5:${name.length}` };
}

async function observeAll(source: IrSource, root: string, side: 'desired' | 'actual' = 'desired', extra: Partial<ObserveContext> = {}) {
  const total: ObservedBatch = { records: [], invalid: [], warnings: [], outOfScope: 0 };
  let batches = 0;
  for await (const batch of observeSource(source, side, { workspaceRoot: root, trusted: true, observedAt: OBSERVED_AT, env: {}, ...extra })) {
    batches++;
    total.records.push(...batch.records);
    total.invalid.push(...batch.invalid);
    total.warnings.push(...batch.warnings);
    total.outOfScope += batch.outOfScope;
  }
  return { ...total, batches };
}

const LEDGER = ['txn_id,amount,currency,status,booked_at', 't1,10.50,EUR,settled,2026-11-26T12:00:00+01:00', 't2,abc,EUR,settled,', 't3,5,USD,voided,2026-11-01', ',7,EUR,settled,', 't5,1,eur,open,yesterday', ''].join('\n');

const typedLedger = (overrides: Partial<IrSource> = {}) =>
  makeSource('csv', 'ledger.csv', {
    key: ['txn_id'],
    fields: [
      { name: 'txn_id', type: 'string' },
      { name: 'amount', type: 'number' },
      { name: 'currency', type: 'string' },
      { name: 'status', type: 'string' },
      { name: 'booked_at', type: 'datetime' },
      { name: 'memo', type: 'string' },
    ],
    ...overrides,
  });

describe('observeSource', () => {
  it('coerces declared fields, makes absent ones null, and keeps raw records', async () => {
    const root = workspace({ 'ledger.csv': LEDGER });
    const result = await observeAll(typedLedger(), root);
    const t1 = result.records.find((r) => r.key[0] === 't1')!;
    expect(t1.record).toEqual({ txn_id: 't1', amount: 10.5, currency: 'EUR', status: 'settled', booked_at: '2026-11-26T11:00:00.000Z', memo: null });
    expect(Object.keys(t1.record)).toEqual(['txn_id', 'amount', 'currency', 'status', 'booked_at', 'memo']);
    expect(t1.raw).toEqual({ txn_id: 't1', amount: '10.50', currency: 'EUR', status: 'settled', booked_at: '2026-11-26T12:00:00+01:00' });
    expect(t1.keyText).toBe('["t1"]');
    expect(t1.origin).toEqual({ position: 1, line: 2 });
    expect(result.records.find((r) => r.key[0] === 't3')!.record.booked_at).toBe('2026-11-01T00:00:00.000Z');
  });

  it('makes a record with a value that cannot be coerced invalid, naming the field and value', async () => {
    const root = workspace({ 'ledger.csv': LEDGER });
    const result = await observeAll(typedLedger(), root);
    const t2 = result.invalid.find((i) => i.origin.position === 2)!;
    expect(t2).toMatchObject({ side: 'desired', origin: { position: 2, line: 3 }, key: { txn_id: 't2' }, reason: 'amount: "abc" (string) is not a number' });
    expect(t2.record).toMatchObject({ txn_id: 't2', amount: 'abc' });
    const t5 = result.invalid.find((i) => i.origin.position === 5)!;
    expect(t5.reason).toBe('booked_at: "yesterday" (string) is not an ISO 8601 datetime');
  });

  it('makes a record without its key invalid', async () => {
    const root = workspace({ 'ledger.csv': LEDGER });
    const result = await observeAll(typedLedger(), root, 'actual');
    const noKey = result.invalid.find((i) => i.origin.position === 4)!;
    expect(noKey).toMatchObject({ side: 'actual', key: null, reason: 'key field txn_id is absent' });
    expect(result.records.map((r) => r.key[0])).toEqual(['t1', 't3']);
  });

  it('drops records out of scope of where entirely, before the key check', async () => {
    const root = workspace({ 'ledger.csv': LEDGER });
    const where = { expr: { '!==': [{ var: 'status' }, 'voided'] } as IrExpr, at: 'test.recon:9:3' };
    const result = await observeAll(typedLedger({ where }), root);
    expect(result.records.map((r) => r.key[0])).toEqual(['t1']);
    expect(result.outOfScope).toBe(1);
    // The keyless row is settled, so still in scope and invalid; coercion failures stay invalid.
    expect(result.invalid.map((i) => i.origin.position).sort()).toEqual([2, 4, 5]);
  });

  it('applies where after fields, and a record it excludes is not checked for keys', async () => {
    const root = workspace({ 'a.csv': 'id,n\n,5\nb,50\nc,500\n' });
    const where = { expr: { '>': [{ var: 'n' }, 10] } as IrExpr, at: 'test.recon:9:3' };
    const source = makeSource('csv', 'a.csv', { fields: [{ name: 'n', type: 'number' }], where });
    const result = await observeAll(source, root);
    expect(result.records.map((r) => r.record)).toEqual([
      { n: 50, id: 'b' },
      { n: 500, id: 'c' },
    ]);
    expect(result.invalid).toEqual([]);
    expect(result.outOfScope).toBe(1);
  });

  it('makes where false with one warning when it fails on some records', async () => {
    const root = workspace({ 'a.jsonl': '{"id": "a", "n": 5}\n{"id": "b", "n": "x"}\n{"id": "c", "n": "y"}\n' });
    const where = { expr: { '>': [{ '*': [{ var: 'n' }, 2] }, 1] } as IrExpr, at: 'test.recon:9:3' };
    const result = await observeAll(makeSource('jsonl', 'a.jsonl', { where }), root);
    expect(result.records.map((r) => r.key[0])).toEqual(['a']);
    expect(result.outOfScope).toBe(2);
    expect(result.warnings).toEqual([
      `test.recon:9:3: where: '*' needs numbers, got "x" (string) and 2 (number)`,
      'test.recon:9:3: where: could not be evaluated on 1 more record either (out of scope, like the first)',
    ]);
  });

  it('reports a where that fails on every record of a large file in two lines, not one per record', async () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => `${i},${i}`);
    const root = workspace({ 'big.csv': ['id,n', ...rows].join('\n') });
    // untyped CSV text compared with a number: a type error on every record
    const where = { expr: { '>': [{ var: 'n' }, 10] } as IrExpr, at: 'test.recon:4:3' };
    const result = await observeAll(makeSource('csv', 'big.csv', { where }), root);
    expect(result.outOfScope).toBe(10_000);
    expect(result.warnings).toEqual([
      `test.recon:4:3: where: '>' cannot compare "0" (string) with 10 (number)`,
      'test.recon:4:3: where: could not be evaluated on 9999 more records either (out of scope, like the first)',
    ]);
    // a test block's records too
    const presented = observeRecords([{ id: 'a', n: 'x' }, { id: 'b', n: 'y' }, { id: 'c', n: 'z' }], makeSource('csv', 'big.csv', { where }), 'desired', {
      observedAt: OBSERVED_AT,
      env: {},
    });
    expect(presented.warnings).toHaveLength(2);
    expect(presented.warnings[1]).toBe('test.recon:4:3: where: could not be evaluated on 2 more records either (out of scope, like the first)');
  });

  it('builds records with select over the raw record', async () => {
    const root = workspace({ 'g.json': JSON.stringify({ data: [{ id: 'g1', amount_cents: 1250, currency: 'eur', 'cost-center': 'cc1' }, { id: 'g2', currency: 'usd' }] }) });
    const source = makeSource('json', 'g.json', {
      options: { items: 'data' },
      key: ['txn_id'],
      select: [
        line('txn_id', { var: 'id' }, 'id'),
        line('amount', { '/': [{ var: 'amount_cents' }, 100] }),
        line('currency', { upper: [{ var: 'currency' }] }),
        line('cc', { get: [{ var: '' }, 'cost-center'] }),
      ],
    });
    const result = await observeAll(source, root);
    expect(result.records.map((r) => r.record)).toEqual([
      { txn_id: 'g1', amount: 12.5, currency: 'EUR', cc: 'cc1' },
      { txn_id: 'g2', amount: null, currency: 'USD', cc: null },
    ]);
    expect(result.records[0].raw).toMatchObject({ id: 'g1', amount_cents: 1250 });
    expect(result.records[0].key).toEqual(['g1']);
  });

  it('makes a record invalid when a select line fails on it', async () => {
    const root = workspace({ 'g.jsonl': '{"id": "g1", "amount_cents": "12,50"}\n' });
    const source = makeSource('jsonl', 'g.jsonl', { select: [line('id', { var: 'id' }), line('amount', { '/': [{ var: 'amount_cents' }, 100] })] });
    const result = await observeAll(source, root);
    expect(result.records).toEqual([]);
    expect(result.invalid).toEqual([
      { side: 'desired', origin: { position: 1, line: 1 }, record: { id: 'g1', amount_cents: '12,50' }, key: { id: 'g1' }, reason: `select amount: '/' needs numbers, got "12,50" (string) and 100 (number)` },
    ]);
  });

  it('evaluates every select line of a record one fails on: each failure is named, and the key is kept (typed as fields type it)', async () => {
    const root = workspace({ 'g.jsonl': '{"ref": "07", "a": 1, "b": 0}\n{"ref": "x", "a": 1, "b": 0}\n{"a": 1, "b": 0}\n' });
    const source = makeSource('jsonl', 'g.jsonl', {
      select: [line('v', { '/': [{ var: 'a' }, { var: 'b' }] }), line('id', { var: 'ref' }, 'ref'), line('w', { '/': [{ var: 'b' }, { var: 'b' }] })],
      fields: [
        { name: 'id', type: 'integer' },
        { name: 'v', type: 'number' },
      ],
    });
    const result = await observeAll(source, root);
    expect(result.records).toEqual([]);
    expect(result.invalid.map((record) => [record.key, record.reason])).toEqual([
      [{ id: 7 }, "select v: '/' divides 1 (number) by zero; select w: '/' divides 0 (number) by zero"],
      // a key value `fields` cannot type is no key; an absent one neither
      [null, "select v: '/' divides 1 (number) by zero; select w: '/' divides 0 (number) by zero"],
      [null, "select v: '/' divides 1 (number) by zero; select w: '/' divides 0 (number) by zero"],
    ]);
    // the record shown is the raw record, as before
    expect(result.invalid[0]!.record).toEqual({ ref: '07', a: 1, b: 0 });
  });

  it('reads composite and nested keys, and refuses empty or structured key values', async () => {
    const rows = [
      { account: 'acme', day: '2026-11-01', n: 1 },
      { account: 'acme', day: '', n: 2 },
      { account: { id: 1 }, day: 'x', n: 3 },
      { account: 'acme', day: '2026-11-02', meta: { region: 'eu' } },
    ];
    const root = workspace({ 'k.json': JSON.stringify(rows) });
    const result = await observeAll(makeSource('json', 'k.json', { key: ['account', 'day'] }), root);
    expect(result.records.map((r) => r.keyText)).toEqual(['["acme","2026-11-01"]', '["acme","2026-11-02"]']);
    expect(result.invalid.map((i) => i.reason)).toEqual(['key field day is empty', 'key field account is {"id":1} (object), not a single value']);
    expect(result.invalid[0].key).toEqual({ account: 'acme' });

    const nested = await observeAll(makeSource('json', 'k.json', { key: ['meta.region'] }), root);
    expect(nested.records.map((r) => r.key)).toEqual([['eu']]);
    expect(nested.invalid).toHaveLength(3);
  });

  it('takes the key of a malformed row through select, fields and where, without their warnings', async () => {
    const root = workspace({ 'a.csv': 'id,n\nb\nc,1,2\nd,x,3\n' });
    const select = [line('txn', { var: 'id' }, 'id'), line('n', { var: 'n' }, 'n')];
    const where = { expr: { '!==': [{ var: 'txn' }, 'c'] } as IrExpr, at: 'test.recon:9:3' };
    const source = makeSource('csv', 'a.csv', { key: ['txn'], select, where, fields: [{ name: 'txn', type: 'string' }, { name: 'n', type: 'integer' }] });
    const result = await observeAll(source, root);
    // b: its key; c: out of scope, so nothing to withhold; d: `x` is no integer, but the key is known
    expect(result.invalid.map((i) => i.key)).toEqual([{ txn: 'b' }, null, { txn: 'd' }]);
    expect(result.invalid.map((i) => i.record)).toEqual([null, null, null]);
    expect(result.warnings).toEqual([]);
    expect(result.outOfScope).toBe(0);
  });

  it('reports unreadable rows as invalid records with their line', async () => {
    const root = workspace({ 'a.csv': 'id,n\na,1\nb\n' });
    const result = await observeAll(makeSource('csv', 'a.csv'), root);
    // the key as far as the row can be read: it withholds that key from the comparison
    expect(result.invalid).toEqual([{ side: 'desired', origin: { position: 2, line: 3 }, record: null, key: { id: 'b' }, reason: 'a.csv:3: 1 field where the header has 2' }]);
  });

  it('shares the raw record when nothing changes it', async () => {
    const root = workspace({ 'a.json': '[{"id": "a"}]' });
    const result = await observeAll(makeSource('json', 'a.json'), root);
    expect(result.records[0].record).toBe(result.records[0].raw);
  });

  it('yields batches and passes connector errors on', async () => {
    const root = workspace({ 'big.json': JSON.stringify(Array.from({ length: 5000 }, (_, i) => ({ id: `k${i}` }))) });
    const result = await observeAll(makeSource('json', 'big.json'), root);
    expect(result.records).toHaveLength(5000);
    expect(result.batches).toBe(2);
    await expect(observeAll(makeSource('json', 'nope.json'), root)).rejects.toThrow(ConnectorError);
    await expect(observeAll(makeSource('http', ['x']), root)).rejects.toThrow('source things: not a valid URL: x');
  });

  it('stops when cancelled', async () => {
    const root = workspace({ 'big.json': JSON.stringify(Array.from({ length: 9000 }, (_, i) => ({ id: `k${i}` }))) });
    const controller = new AbortController();
    const seen: number[] = [];
    const run = async () => {
      for await (const batch of observeSource(makeSource('json', 'big.json'), 'desired', { workspaceRoot: root, trusted: true, observedAt: OBSERVED_AT, signal: controller.signal })) {
        seen.push(batch.records.length);
        controller.abort();
      }
    };
    await expect(run()).rejects.toThrow(/reading was cancelled/);
    expect(seen).toEqual([4096]);
  });

  it('uses the run context for now() in where', async () => {
    const root = workspace({ 'a.json': JSON.stringify([{ id: 'old', at: '2026-11-20T12:00:00Z' }, { id: 'new', at: '2026-11-26T11:00:00Z' }]) });
    const where = { expr: { '<': [{ age: [{ var: 'at' }] }, 86_400_000] } as IrExpr, at: 'test.recon:9:3' };
    const result = await observeAll(makeSource('json', 'a.json', { where, fields: [{ name: 'at', type: 'datetime' }] }), root);
    expect(result.records.map((r) => r.key[0])).toEqual(['new']);
  });

  it('refuses a secret in select', async () => {
    const root = workspace({ 'a.json': '[{"id": "a"}]' });
    const source = makeSource('json', 'a.json', { select: [line('id', { var: 'id' }), line('t', { secret: ['TOKEN'] })] });
    await expect(observeAll(source, root)).rejects.toThrow(InvalidExpressionError);
  });
});

describe('observeRecords (recon test)', () => {
  const ctx = { observedAt: OBSERVED_AT, env: {} };

  it('skips select but applies fields, where and the key check', () => {
    const source = typedLedger({
      select: [line('txn_id', { var: 'id' })],
      where: { expr: { '!==': [{ var: 'status' }, 'voided'] }, at: 'test.recon:9:3' },
    });
    const result = observeRecords(
      [
        { txn_id: 't1', amount: 10.0, currency: 'EUR', booked_at: '2026-01-01T00:00:00+02:00' },
        { txn_id: 't2', amount: '20', status: 'voided' },
        { amount: 'ten' },
        { amount: 3 },
        'not a record',
      ],
      source,
      'actual',
      ctx,
    );
    expect(result.records).toHaveLength(1);
    expect(result.records[0]).toMatchObject({
      record: { txn_id: 't1', amount: 10, currency: 'EUR', status: null, booked_at: '2025-12-31T22:00:00.000Z', memo: null },
      key: ['t1'],
      origin: { position: 1 },
    });
    expect(result.outOfScope).toBe(1);
    expect(result.invalid.map((i) => [i.origin.position, i.reason])).toEqual([
      [3, 'amount: "ten" (string) is not a number'],
      [4, 'key field txn_id is absent'],
      [5, 'record 5 is "not a record" (string), not an object'],
    ]);
    expect(result.invalid.every((i) => i.side === 'actual')).toBe(true);
  });

  it('uses records as they are for an untyped source', () => {
    const result = observeRecords([{ id: 1, x: 'a' }], makeSource('inline', [[]]), 'desired', ctx);
    expect(result.records).toEqual([{ record: { id: 1, x: 'a' }, raw: { id: 1, x: 'a' }, key: [1], keyText: '[1]', origin: { position: 1 } }]);
  });
});
