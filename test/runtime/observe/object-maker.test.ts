/**
 * `objectMaker` gives one function per list of names (both sides of a policy with the same
 * columns call the same maker), a separate one per nullishness, and every call a new object.
 */
import { describe, expect, it } from 'vitest';
import { objectMaker } from '../../../runtime/observe/record-reader.js';

describe('objectMaker', () => {
  it('shares the maker of equal name lists, not of different ones or of another nullishness', () => {
    const a = objectMaker(['id', 'amount']);
    expect(a).not.toBeNull();
    expect(objectMaker(['id', 'amount'])).toBe(a);
    expect(objectMaker(['amount', 'id'])).not.toBe(a);
    expect(objectMaker(['id', 'amount'], true)).not.toBe(a);
    expect(objectMaker(['id', 'id'])).toBeNull();
    expect(objectMaker(['__proto__'])).toBeNull();
  });

  it('makes a new object per call, members in the order of the names', () => {
    const make = objectMaker(['b', 'a'])!;
    const first = make(['1', '2']);
    const second = make(['1', '2']);
    expect(first).not.toBe(second);
    expect(Object.keys(first)).toEqual(['b', 'a']);
    expect(first).toEqual({ b: '1', a: '2' });
    expect(objectMaker(['b', 'a'], true)!([undefined, 'x'])).toEqual({ b: null, a: 'x' });
  });
});
