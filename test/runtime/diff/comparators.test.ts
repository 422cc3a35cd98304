/**
 * Each comparator and normalizer on small inputs, and the property the fast path relies on:
 * every comparator but `by` accepts two equal values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IrComparator } from '../../../language/ir/ir-types.js';
import { canonicalKey, compareWith, UNCOERCIBLE, type ComparisonScope } from '../../../runtime/diff/comparators.js';
import { childPath, matchPath, parsePath } from '../../../runtime/diff/field-path.js';
import { applyNormalizer, applyNormalizers } from '../../../runtime/diff/normalizers.js';
import type { FieldDelta } from '../../../runtime/plan/change-plan.js';
import { EVALUATION } from './diff-fixture.js';

function scope(desiredRecord: Record<string, unknown> | null = null, actualRecord: Record<string, unknown> | null = null): ComparisonScope {
  return { desiredRecord, actualRecord, key: null, evaluation: EVALUATION, warnings: [] };
}

/** The differences one comparator reports for one field. */
function diff(comparator: IrComparator, desired: unknown, actual: unknown, path = 'f', s: ComparisonScope = scope()): FieldDelta[] {
  const out: FieldDelta[] = [];
  compareWith(comparator, desired, actual, null, path, out, s);
  return out;
}

const equal = (comparator: IrComparator, d: unknown, a: unknown) => diff(comparator, d, a).length === 0;

describe('normalizers', () => {
  it('trim, lower, upper, collapse_space, nfc', () => {
    expect(applyNormalizer('  a b  ', { name: 'trim' })).toBe('a b');
    expect(applyNormalizer('ÀbC', { name: 'lower' })).toBe('àbc');
    expect(applyNormalizer('àbc', { name: 'upper' })).toBe('ÀBC');
    expect(applyNormalizer(' a \t\n b ', { name: 'collapse_space' })).toBe(' a b ');
    expect(applyNormalizer('e\u0301', { name: 'nfc' })).toBe('\u00e9');
  });

  it('round(N) rounds numbers and decimal text half away from zero', () => {
    expect(applyNormalizer(1.005, { name: 'round', digits: 2 })).toBe(1.01);
    expect(applyNormalizer(-2.5, { name: 'round', digits: 0 })).toBe(-3);
    expect(applyNormalizer('10.049', { name: 'round', digits: 1 })).toBe(10);
    expect(applyNormalizer('abc', { name: 'round', digits: 1 })).toBe('abc');
  });

  it('utc writes an instant in UTC, and leaves other text alone', () => {
    expect(applyNormalizer('2026-11-26T13:00:00+01:00', { name: 'utc' })).toBe('2026-11-26T12:00:00Z');
    expect(applyNormalizer('2026-11-26 12:00:00.250Z', { name: 'utc' })).toBe('2026-11-26T12:00:00.25Z');
    expect(applyNormalizer('soon', { name: 'utc' })).toBe('soon');
  });

  it('applies in order, to list elements, and leaves other types alone', () => {
    expect(applyNormalizers('  A  B ', [{ name: 'collapse_space' }, { name: 'trim' }, { name: 'lower' }])).toBe('a b');
    expect(applyNormalizers(['A ', 'b'], [{ name: 'trim' }, { name: 'upper' }])).toEqual(['A', 'B']);
    expect(applyNormalizers(42, [{ name: 'lower' }])).toBe(42);
  });
});

describe('comparators', () => {
  it('exact: numbers and instants by value, null equals missing, lists and objects deeply', () => {
    const exact: IrComparator = { kind: 'exact' };
    expect(equal(exact, 10, 10.0)).toBe(true);
    expect(equal(exact, null, undefined)).toBe(true);
    expect(equal(exact, '2026-11-26T12:00:00Z', '2026-11-26T13:00:00+01:00')).toBe(true);
    expect(equal(exact, '2026-11-26', '2026-11-26T00:00:00Z')).toBe(false);
    expect(equal(exact, 'a', 'A')).toBe(false);
    expect(equal(exact, { a: 1, b: null }, { a: 1 })).toBe(true);
    expect(equal(exact, [1, 2], [2, 1])).toBe(false);
    expect(equal(exact, 1, '1')).toBe(false);
  });

  it('exact reports the deepest differing paths', () => {
    const exact: IrComparator = { kind: 'exact' };
    expect(diff(exact, { labels: { app: 'a', tier: 'x' } }, { labels: { app: 'b', tier: 'x' } }, 'metadata')).toEqual([
      { path: 'metadata.labels.app', desired: 'a', actual: 'b' },
    ]);
    expect(diff(exact, { 'cost-center': 1 }, { 'cost-center': 2 }, 'tags')).toEqual([{ path: 'tags["cost-center"]', desired: 1, actual: 2 }]);
    expect(diff(exact, [{ sku: 'a' }], [{ sku: 'b' }], 'items')).toEqual([{ path: 'items[0].sku', desired: 'a', actual: 'b' }]);
    expect(diff(exact, [1], [1, 2], 'items')).toEqual([{ path: 'items', desired: [1], actual: [1, 2] }]);
  });

  it('a value that could not be coerced is unequal to anything', () => {
    expect(diff({ kind: 'exact' }, UNCOERCIBLE, UNCOERCIBLE)).toHaveLength(1);
    expect(diff({ kind: 'within', absolute: 1 }, 1, UNCOERCIBLE)).toHaveLength(1);
  });

  it('ignore never differs', () => {
    expect(equal({ kind: 'ignore' }, 1, 'two')).toBe(true);
  });

  it('ignore_case compares text case-insensitively', () => {
    expect(equal({ kind: 'ignore_case' }, 'EUR', 'eur')).toBe(true);
    expect(equal({ kind: 'ignore_case' }, 'EUR', 'usd')).toBe(false);
    expect(equal({ kind: 'ignore_case' }, 'EUR', null)).toBe(false);
  });

  it('within an absolute tolerance, with floating-point slack', () => {
    const within: IrComparator = { kind: 'within', absolute: 0.005 };
    expect(equal(within, 0.3, 0.295)).toBe(true);
    expect(equal(within, 10, 10.004)).toBe(true);
    expect(equal(within, 10, '10.004')).toBe(true);
    expect(equal(within, 10, 10.006)).toBe(false);
    expect(equal(within, 10, null)).toBe(false);
    expect(equal(within, null, null)).toBe(true);
    expect(equal(within, 'abc', 'abc')).toBe(true);
    expect(equal(within, 'abc', 'abd')).toBe(false);
  });

  it('within a percentage is relative to the desired value', () => {
    const within: IrComparator = { kind: 'within', relative: 0.1 };
    expect(equal(within, 100, 110)).toBe(true);
    expect(equal(within, 100, 111)).toBe(false);
    expect(equal(within, 100, 90)).toBe(true);
    expect(equal(within, 0, 0.0001)).toBe(false);
    // Relative to desired, not symmetric: 110 -> 100 is within 10% of 110 (11).
    expect(equal(within, 110, 99.5)).toBe(true);
  });

  it('within a duration compares instants whatever their zones', () => {
    const within: IrComparator = { kind: 'within', duration_ms: 120_000 };
    expect(equal(within, '2026-11-26T12:00:00Z', '2026-11-26T13:01:59+01:00')).toBe(true);
    expect(equal(within, '2026-11-26T12:00:00Z', '2026-11-26T12:02:00.001Z')).toBe(false);
    expect(equal(within, '2026-11-26T12:00:00Z', 'later')).toBe(false);
  });

  it('unordered compares lists as multisets', () => {
    const unordered: IrComparator = { kind: 'unordered', by: null };
    expect(equal(unordered, [1, 2, 2], [2, 1, 2])).toBe(true);
    expect(equal(unordered, [1, 2, 2], [2, 1, 1])).toBe(false);
    expect(equal(unordered, [{ a: 1, b: null }], [{ a: 1 }])).toBe(true);
    expect(equal(unordered, [1], 1)).toBe(false);
  });

  it('unordered by FIELD matches elements on FIELD and names the element that differs', () => {
    const byName: IrComparator = { kind: 'unordered', by: 'name' };
    const desired = [
      { name: 'web', image: 'nginx:1' },
      { name: 'db', image: 'pg:15' },
      { name: 'cache', image: 'redis' },
    ];
    const actual = [
      { name: 'db', image: 'pg:15' },
      { name: 'web', image: 'nginx:2' },
      { name: 'side car', image: 'envoy' },
    ];
    expect(diff(byName, desired, actual, 'containers')).toEqual([
      { path: 'containers[name=web].image', desired: 'nginx:1', actual: 'nginx:2' },
      { path: 'containers[name=cache]', desired: { name: 'cache', image: 'redis' }, actual: null },
      { path: 'containers[name="side car"]', desired: null, actual: { name: 'side car', image: 'envoy' } },
    ]);
    expect(equal(byName, [...desired].reverse(), desired)).toBe(true);
  });

  it('normalize applies the normalizers to both sides, then compares exactly', () => {
    const n: IrComparator = { kind: 'normalize', normalizers: [{ name: 'trim' }, { name: 'lower' }] };
    expect(equal(n, ' Settled ', 'settled')).toBe(true);
    expect(equal(n, 'settled', 'pending')).toBe(false);
    expect(equal({ kind: 'normalize', normalizers: [{ name: 'round', digits: 2 }] }, 10.001, 10.004)).toBe(true);
  });

  it('by EXPR decides over the whole records, and a failing expression is unequal with a warning', () => {
    // round(desired.total, 2) == round(actual.total, 2)
    const by: IrComparator = {
      kind: 'by',
      expr: { '===': [{ round: [{ var: 'desired.total' }, 2] }, { round: [{ var: 'actual.total' }, 2] }] },
    };
    expect(diff(by, 1, 2, 'total', scope({ total: 10.001 }, { total: 10.004 }))).toEqual([]);
    expect(diff(by, 1, 2, 'total', scope({ total: 10.001 }, { total: 10.02 }))).toHaveLength(1);
    const failing: IrComparator = { kind: 'by', expr: { '*': [{ var: 'desired.total' }, 'x'] } };
    const s = scope({ total: 1 }, { total: 1 });
    expect(diff(failing, 1, 1, 'total', s)).toHaveLength(1);
    expect(s.warnings[0]).toMatch(/^total: the "by" rule could not be evaluated/);
  });

  it('every comparator but by accepts two equal values (the fast path relies on it)', () => {
    const comparators: IrComparator[] = [
      { kind: 'exact' },
      { kind: 'ignore_case' },
      { kind: 'within', absolute: 0 },
      { kind: 'within', relative: 0 },
      { kind: 'within', duration_ms: 0 },
      { kind: 'unordered', by: null },
      { kind: 'unordered', by: 'id' },
      { kind: 'normalize', normalizers: [{ name: 'round', digits: 1 }, { name: 'utc' }, { name: 'collapse_space' }] },
    ];
    fc.assert(
      fc.property(fc.constantFrom(...comparators), fc.jsonValue(), (comparator, value) => {
        expect(diff(comparator, value, structuredClone(value))).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('canonical keys identify values up to exact equality', () => {
    expect(canonicalKey({ b: 1, a: [1, 'x'], c: null })).toBe(canonicalKey({ a: [1, 'x'], b: 1 }));
    expect(canonicalKey('2026-11-26T12:00:00Z')).toBe(canonicalKey('2026-11-26T13:00:00+01:00'));
    expect(canonicalKey('1')).not.toBe(canonicalKey(1));
  });
});

describe('field paths', () => {
  it('parses rule paths as the read pipeline does', () => {
    expect(parsePath('metadata.labels.app')).toEqual(['metadata', 'labels', 'app']);
    expect(parsePath('tags["cost-center"]')).toEqual(['tags', 'cost-center']);
    expect(parsePath('items[0].sku')).toEqual(['items', 0, 'sku']);
    expect(parsePath('cost-center')).toEqual(['cost-center']);
  });

  it('prints reported paths', () => {
    expect(childPath('', 'cost-center')).toBe('cost-center');
    expect(childPath('tags', 'cost-center')).toBe('tags["cost-center"]');
    expect(matchPath('containers', 'name', 'web')).toBe('containers[name=web]');
    expect(matchPath('containers', 'name', 'a]b')).toBe('containers[name="a]b"]');
    expect(matchPath('items', 'id', 7)).toBe('items[id=7]');
  });
});
