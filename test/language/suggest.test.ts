import { describe, expect, it } from 'vitest';
import { closestName, didYouMean, editDistance } from '../../language/suggest.js';

describe('did you mean', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps as one edit', () => {
    expect(editDistance('csv', 'csv')).toBe(0);
    expect(editDistance('cvs', 'csv')).toBe(1);
    expect(editDistance('itmes', 'items')).toBe(1);
    expect(editDistance('crate', 'create')).toBe(1);
    expect(editDistance('exact', 'exakt')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('suggests only close names', () => {
    expect(closestName('cvs', ['csv', 'json', 'yaml'])).toBe('csv');
    expect(closestName('zzz', ['csv', 'json'])).toBeNull();
    expect(closestName('Ledger', ['ledger', 'legend'])).toBe('ledger');
  });

  it('builds the hint of a message', () => {
    expect(didYouMean('mising', ['missing', 'extra'])).toEqual({ hint: "; did you mean 'missing'?", suggestion: 'missing' });
    expect(didYouMean('qqqq', ['missing'])).toEqual({ hint: '', suggestion: null });
  });
});
