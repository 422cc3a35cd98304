import { describe, expect, it } from 'vitest';
import { decodeIdPart, encodeIdPart, invalidItemId, itemId, keyedItemId, keyValueText } from '../../../runtime/plan/item-id.js';

describe('item ids', () => {
  it('joins policy, kind and key text', () => {
    expect(keyedItemId('settlement_parity', 'changed', ['t17'])).toBe('settlement_parity/changed/t17');
  });

  it("percent-encodes '/', ',' and '%' in key values, and nothing else", () => {
    expect(keyedItemId('p', 'missing', ['a/b,c%d e:f'])).toBe('p/missing/a%2Fb%2Cc%25d e:f');
    expect(encodeIdPart('100%')).toBe('100%25');
    expect(decodeIdPart(encodeIdPart('x/y,z%'))).toBe('x/y,z%');
  });

  it('joins composite keys with a comma, so a comma inside a value cannot be confused with the separator', () => {
    const composite = keyedItemId('p', 'extra', ['acme', '2026-11-01']);
    const single = keyedItemId('p', 'extra', ['acme,2026-11-01']);
    expect(composite).toBe('p/extra/acme,2026-11-01');
    expect(single).toBe('p/extra/acme%2C2026-11-01');
    expect(composite).not.toBe(single);
  });

  it('writes numbers, booleans, instants and null as text', () => {
    expect(keyedItemId('p', 'changed', [42, true, null])).toBe('p/changed/42,true,');
    expect(keyValueText(new Date('2026-11-01T00:00:00Z'))).toBe('2026-11-01T00:00:00.000Z');
    expect(keyValueText(1.5)).toBe('1.5');
    expect(keyValueText({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });

  it('names invalid items by side and 1-based position', () => {
    expect(invalidItemId('p', 'actual', 4)).toBe('p/invalid/actual/4');
    expect(itemId('p', { kind: 'invalid', keyValues: ['x'], side: 'desired', position: 2 })).toBe('p/invalid/desired/2');
    expect(itemId('p', { kind: 'missing', keyValues: ['x/1'], side: null, position: null })).toBe('p/missing/x%2F1');
  });

  it('keeps unicode as it is', () => {
    expect(keyedItemId('p', 'missing', ['Zürich/東京'])).toBe('p/missing/Zürich%2F東京');
  });
});
