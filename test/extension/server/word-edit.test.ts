import { describe, expect, it } from 'vitest';
import { changedRegion, mapOffset, offsetBeforeWordEdit } from '../../../extension/server/word-edit.js';

describe('changedRegion', () => {
  it('finds the one region where two texts differ', () => {
    expect(changedRegion('desired.a > 1', 'desired.amo > 1')).toEqual({ start: 9, beforeEnd: 9, afterEnd: 11 });
    expect(changedRegion('same', 'same')).toBeNull();
    expect(changedRegion('abc', '')).toEqual({ start: 0, beforeEnd: 3, afterEnd: 0 });
  });

  it('prefers the region that ends at the cursor when several fit', () => {
    // typing b into ab|b: the new b is the one before the cursor
    expect(changedRegion('abb', 'abbb', 3)).toEqual({ start: 2, beforeEnd: 2, afterEnd: 3 });
    expect(changedRegion('abb', 'abbb')).toEqual({ start: 1, beforeEnd: 1, afterEnd: 2 });
  });
});

describe('offsetBeforeWordEdit', () => {
  it('maps the cursor back when only the word at the cursor was typed or erased', () => {
    expect(offsetBeforeWordEdit('x = desired.\n', 'x = desired.am\n', 14)).toBe(12);
    expect(offsetBeforeWordEdit('x = desired.amo\n', 'x = desired.a\n', 13)).toBe(15);
    expect(offsetBeforeWordEdit('use cash\n', 'use cab\n', 7)).toBe(8);
    expect(offsetBeforeWordEdit('abb', 'abbb', 3)).toBe(2);
    expect(offsetBeforeWordEdit('unchanged', 'unchanged', 4)).toBe(4);
  });

  it('refuses anything else: a space or a bracket typed, an edit elsewhere, the cursor away from the edit', () => {
    expect(offsetBeforeWordEdit('desired.a', 'desired.a ', 10)).toBeNull();
    expect(offsetBeforeWordEdit('f(a', 'f(a)', 4)).toBeNull();
    expect(offsetBeforeWordEdit('# note\nuse ca', '# notes\nuse ca', 14)).toBeNull();
    expect(offsetBeforeWordEdit('use ca', 'use cab', 5)).toBeNull();
    expect(offsetBeforeWordEdit('a.b', 'a.bc', 99)).toBeNull();
  });
});

describe('mapOffset', () => {
  it('moves offsets after the region by its growth and clamps those inside it to its start', () => {
    const region = changedRegion('ab--cd', 'abXYZcd')!;
    expect(region).toEqual({ start: 2, beforeEnd: 4, afterEnd: 5 });
    expect(mapOffset(region, 1)).toBe(1);
    expect(mapOffset(region, 3)).toBe(2);
    expect(mapOffset(region, 4)).toBe(5);
    expect(mapOffset(null, 7)).toBe(7);
  });

  it('keeps the start of a range before an insertion and moves its end after it', () => {
    const insertion = changedRegion('ab', 'abcd')!;
    expect(insertion).toEqual({ start: 2, beforeEnd: 2, afterEnd: 4 });
    expect(mapOffset(insertion, 2, 'start')).toBe(2);
    expect(mapOffset(insertion, 2, 'end')).toBe(4);
  });
});
