import { describe, expect, it } from 'vitest';
import { checkLimits, percent } from '../../../runtime/decide/limit-checker.js';

const none = { max_changes: null, max_ratio: null, max_deletes: null, on_exceed: 'abort' as const };

describe('checkLimits', () => {
  it('is never exceeded without limits', () => {
    expect(checkLimits(none, { acting: 1000, deletes: 1000, desired: 0 })).toEqual({ exceeded: false, reasons: [] });
  });

  it('max_changes: more than the limit exceeds, equal does not', () => {
    expect(checkLimits({ ...none, max_changes: 3 }, { acting: 3, deletes: 0, desired: 10 }).exceeded).toBe(false);
    const verdict = checkLimits({ ...none, max_changes: 3 }, { acting: 4, deletes: 0, desired: 10 });
    expect(verdict.exceeded).toBe(true);
    expect(verdict.reasons).toEqual(['max_changes 3: 4 acting items are planned (create, update, delete)']);
  });

  it('max_ratio divides by the desired records in scope', () => {
    expect(checkLimits({ ...none, max_ratio: 0.1 }, { acting: 10, deletes: 0, desired: 100 }).exceeded).toBe(false);
    const verdict = checkLimits({ ...none, max_ratio: 0.1 }, { acting: 11, deletes: 0, desired: 100 });
    expect(verdict.reasons).toEqual(['max_ratio 10%: 11 acting items are 11% of 100 desired records']);
  });

  it('max_ratio with no desired record: any action exceeds it, no action does not', () => {
    expect(checkLimits({ ...none, max_ratio: 0.5 }, { acting: 0, deletes: 0, desired: 0 }).exceeded).toBe(false);
    const verdict = checkLimits({ ...none, max_ratio: 0.5 }, { acting: 1, deletes: 1, desired: 0 });
    expect(verdict.exceeded).toBe(true);
    expect(verdict.reasons[0]).toContain('no desired record is in scope');
  });

  it('max_deletes counts deletes only, and reasons list every limit exceeded', () => {
    const verdict = checkLimits({ ...none, max_changes: 1, max_deletes: 1 }, { acting: 2, deletes: 2, desired: 5 });
    expect(verdict.reasons).toHaveLength(2);
    expect(verdict.reasons[1]).toBe('max_deletes 1: 2 deletes are planned');
  });

  it('formats percentages with at most two decimals', () => {
    expect(percent(0.1)).toBe('10%');
    expect(percent(1 / 3)).toBe('33.33%');
  });
});
