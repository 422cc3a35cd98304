import { describe, expect, it } from 'vitest';
import type { IrFieldType, IrSource } from '../../../language/ir/ir-types.js';
import { policyKeyCoercion } from '../../../runtime/observe/key-typing.js';
import { observeRecords } from '../../../runtime/observe/record-reader.js';
import { EVALUATION, source } from '../diff/diff-fixture.js';

function typed(name: string, fields: Record<string, IrFieldType> | null, key = ['id']): IrSource {
  return source(name, { fields, key });
}

describe('policyKeyCoercion', () => {
  it('coerces nothing when neither side or both sides declare the same key type', () => {
    expect(policyKeyCoercion(typed('d', null), typed('a', null))).toEqual({ desired: null, actual: null });
    expect(policyKeyCoercion(typed('d', { id: 'integer' }), typed('a', { id: 'integer' }))).toEqual({ desired: null, actual: null });
    // a declared field that is not the key does not count
    expect(policyKeyCoercion(typed('d', { n: 'integer' }), typed('a', null))).toEqual({ desired: null, actual: null });
  });

  it('coerces the untyped side to the type the other side declares, position by position', () => {
    const d = typed('want', { account: 'string', day: 'datetime' }, ['account', 'day']);
    const a = typed('have', { n: 'string', m: 'integer' }, ['n', 'at']);
    expect(policyKeyCoercion(d, a)).toEqual({
      desired: null,
      actual: { types: [null, 'datetime'], declaredBy: [null, "the desired source 'want'"] },
    });
    expect(policyKeyCoercion(typed('want', { a: 'string' }, ['a', 'b']), typed('have', { y: 'integer' }, ['x', 'y']))).toEqual({
      desired: { types: [null, 'integer'], declaredBy: [null, "the actual source 'have'"] },
      actual: { types: ['string', null], declaredBy: ["the desired source 'want'", null] },
    });
    expect(policyKeyCoercion(typed('want', null), typed('have', { id: 'integer' }))).toEqual({
      desired: { types: ['integer'], declaredBy: ["the actual source 'have'"] },
      actual: null,
    });
  });

  it('coerces the actual side to the desired type when both declare different ones', () => {
    expect(policyKeyCoercion(typed('want', { id: 'string' }), typed('have', { id: 'integer' }))).toEqual({
      desired: null,
      actual: { types: ['string'], declaredBy: ["the desired source 'want'"] },
    });
  });
});

describe('reading with a key coercion', () => {
  const coercion = policyKeyCoercion(typed('want', { id: 'integer' }), typed('have', null)).actual;

  it('coerces the key (and its key text), not the record', () => {
    const out = observeRecords([{ id: '07', v: 'x' }, { id: 8 }], typed('have', null), 'actual', EVALUATION, coercion);
    expect(out.invalid).toEqual([]);
    expect(out.records.map((r) => [r.key, r.keyText, r.record])).toEqual([
      [[7], '[7]', { id: '07', v: 'x' }],
      [[8], '[8]', { id: 8 }],
    ]);
  });

  it('makes a record whose key cannot be coerced invalid, naming the declaring source', () => {
    const out = observeRecords([{ id: 'x7' }, { id: 1.5 }], typed('have', null), 'actual', EVALUATION, coercion);
    expect(out.records).toEqual([]);
    expect(out.invalid.map((r) => [r.key, r.reason])).toEqual([
      [{ id: 'x7' }, `key field id: "x7" (string) is not a whole number; the desired source 'want' declares it integer, and keys are matched as declared`],
      [{ id: 1.5 }, `key field id: 1.5 (number) is not a whole number; the desired source 'want' declares it integer, and keys are matched as declared`],
    ]);
  });

  it('coerces the key of a record invalid for another reason, so the diff withholds that key', () => {
    const have = typed('have', null);
    const withFields: IrSource = { ...have, fields: [{ name: 'n', type: 'number' }] };
    const out = observeRecords([{ id: '3', n: 'three' }], withFields, 'actual', EVALUATION, coercion);
    expect(out.invalid.map((r) => r.key)).toEqual([{ id: 3 }]);
  });

  it('matches two untyped sides as read: "1" and 1 stay different keys', () => {
    const none = policyKeyCoercion(typed('want', null), typed('have', null));
    const desired = observeRecords([{ id: '1' }], typed('want', null), 'desired', EVALUATION, none.desired);
    const actual = observeRecords([{ id: 1 }], typed('have', null), 'actual', EVALUATION, none.actual);
    expect(desired.records[0]!.keyText).not.toBe(actual.records[0]!.keyText);
  });
});
