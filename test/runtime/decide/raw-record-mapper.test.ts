import { describe, expect, it } from 'vitest';
import type { IrSource } from '../../../language/ir/ir-types.js';
import { createDecideExpressions } from '../../../runtime/decide/decide-expressions.js';
import { setPath, topField } from '../../../runtime/decide/raw-path.js';
import { mapToRaw, readsOf, toRawValue } from '../../../runtime/decide/raw-record-mapper.js';
import { GATEWAY, LEDGER } from './ir-fixture.js';

const expressions = createDecideExpressions({ observedAt: '2026-11-26T12:00:00Z', env: {} });
const evaluate = expressions.value;

const nested: IrSource = {
  ...GATEWAY,
  connector: { kind: 'json', path: 'data/x.json', args: [], options: [], at: 'f:1:1' },
  select: [
    { name: 'txn_id', expr: { var: 'meta.id' }, reads: ['meta.id'], plainPath: 'meta.id', at: 'f:2:1' },
    { name: 'center', expr: { var: 'tags.cost-center' }, reads: ['tags["cost-center"]'], plainPath: 'tags["cost-center"]', at: 'f:3:1' },
    { name: 'label', expr: { concat: [{ var: 'first' }, ' ', { var: 'last' }] }, reads: ['first', 'last'], plainPath: null, at: 'f:4:1' },
    { name: 'amount', expr: { '/': [{ var: 'amount_cents' }, 100] }, reads: ['amount_cents'], plainPath: null, at: 'f:5:1' },
  ],
  write: { ops: [], map: [{ path: 'amount_cents', expr: { round: [{ '*': [{ var: 'amount' }, 100] }, 0] }, at: 'f:6:1' }], at: 'f:6:1' },
};

describe('mapToRaw', () => {
  it('writes plain-path fields to their (nested) raw paths and computed ones through map', () => {
    const { raw, warnings } = mapToRaw({ txn_id: 't1', center: 'R&D', amount: 1.5 }, nested, null, evaluate);
    expect(raw).toEqual({ meta: { id: 't1' }, tags: { 'cost-center': 'R&D' }, amount_cents: 150 });
    expect(warnings).toEqual([]);
  });

  it('warns about a computed field that nothing writes back', () => {
    const { raw, warnings } = mapToRaw({ txn_id: 't1', label: 'A B' }, nested, null, evaluate);
    expect(raw).toEqual({ meta: { id: 't1' } });
    expect(warnings[0]).toContain('field "label" of source gateway is computed by select (f:4:1)');
  });

  it('an update writes the requested fields only, absent ones as null, and the map lines that read them', () => {
    const { raw } = mapToRaw({ txn_id: 't1', center: 'Ops', amount: 2 }, nested, ['txn_id', 'amount'], evaluate);
    expect(raw).toEqual({ meta: { id: 't1' }, amount_cents: 200 });
    const cleared = mapToRaw({ txn_id: 't1' }, nested, ['txn_id', 'center'], evaluate);
    expect(cleared.raw).toEqual({ meta: { id: 't1' }, tags: { 'cost-center': null } });
  });

  it('without select the record is the raw record; instants become ISO text', () => {
    const { raw } = mapToRaw({ txn_id: 't', at: new Date('2026-01-02T03:04:05Z'), amount: undefined }, LEDGER, null, evaluate);
    expect(raw).toEqual({ txn_id: 't', at: '2026-01-02T03:04:05.000Z' });
  });

  it('a field read from the raw field of its own name is written back as it is', () => {
    const { raw } = mapToRaw({ txn_id: 'a', currency: 'EUR' }, GATEWAY, ['txn_id', 'currency'], evaluate);
    expect(raw).toEqual({ id: 'a', currency: 'EUR' });
  });

  it('csv rows are flat: a dotted raw path is one column', () => {
    const csv: IrSource = { ...nested, connector: { kind: 'csv', path: 'x.csv', args: [], options: [], at: 'f:1:1' } };
    expect(mapToRaw({ txn_id: 't' }, csv, ['txn_id'], evaluate).raw).toEqual({ 'meta.id': 't' });
  });
});

describe('raw paths', () => {
  it('never writes to a prototype', () => {
    const target: Record<string, unknown> = {};
    setPath(target, '__proto__.polluted', 1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(target)).toEqual(['__proto__']);
  });

  it('creates lists for index segments', () => {
    const target: Record<string, unknown> = {};
    setPath(target, 'items[1].sku', 'x');
    expect(target).toEqual({ items: [undefined, { sku: 'x' }] });
  });

  it('finds the top-level field of reported paths', () => {
    expect(topField('metadata.labels.app')).toBe('metadata');
    expect(topField('containers[name=web].image')).toBe('containers');
    expect(topField('cost-center.x', ['cost-center'])).toBe('cost-center');
    expect(topField('cost-center')).toBe('cost-center');
    expect(topField('tags["a.b"]')).toBe('tags');
  });

  it('knows which fields a map expression reads', () => {
    expect(readsOf({ round: [{ '*': [{ var: 'amount' }, 100] }, 0] })).toEqual(new Set(['amount']));
    expect(readsOf({ var: 'meta.id' })).toEqual(new Set(['meta']));
    expect(readsOf({ get: [{ var: 'record' }, 'cost-center'] })).toBe('all');
  });
});

describe('toRawValue', () => {
  it('keeps a field named __proto__ (JSON.parse makes it an own field) as a field, never as a prototype', () => {
    const value = JSON.parse('{"__proto__": {"isAdmin": true}, "y": 2}') as Record<string, unknown>;
    const raw = toRawValue(value) as Record<string, unknown>;
    expect(Object.getPrototypeOf(raw)).toBe(Object.prototype);
    expect(Object.keys(raw)).toEqual(['__proto__', 'y']);
    expect(JSON.stringify(raw)).toBe('{"__proto__":{"isAdmin":true},"y":2}');
    expect((raw as { isAdmin?: unknown }).isAdmin).toBeUndefined();
  });
});
