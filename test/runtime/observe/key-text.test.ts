import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readPath } from '../../../runtime/observe/field-path.js';
import { keyText } from '../../../runtime/observe/key-text.js';

describe('keyText', () => {
  it('is equal for equal keys and distinct for different ones', () => {
    expect(keyText(['t1'])).toBe(keyText(['t1']));
    expect(keyText([1])).not.toBe(keyText(['1']));
    expect(keyText([-0])).toBe(keyText([0]));
    expect(keyText([1.0])).toBe(keyText([1]));
    expect(keyText(['a,b'])).not.toBe(keyText(['a', 'b']));
    expect(keyText(['a', 'b,c'])).not.toBe(keyText(['a,b', 'c']));
    expect(keyText([true])).not.toBe(keyText(['true']));
    expect(keyText([{ b: 1, a: 2 }])).toBe(keyText([{ a: 2, b: 1 }]));
  });

  it('never collides for different composite keys (property)', () => {
    const scalar = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean());
    fc.assert(
      fc.property(fc.array(scalar, { minLength: 1, maxLength: 3 }), fc.array(scalar, { minLength: 1, maxLength: 3 }), (a, b) => {
        const same = a.length === b.length && a.every((v, i) => Object.is(v, b[i]) || (v === 0 && b[i] === 0));
        expect(keyText(a) === keyText(b)).toBe(same);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('readPath', () => {
  const record = {
    id: 't1',
    metadata: { labels: { app: 'web', 'app.kubernetes.io/name': 'api' } },
    items: [{ sku: 'A' }, { sku: 'B' }],
    'cost-center': 'cc1',
    'cost-center2': { code: 7 },
    'user.id': 'u7',
  };

  it('reads names, nested paths, indexes and quoted names', () => {
    expect(readPath(record, 'id')).toBe('t1');
    expect(readPath(record, 'metadata.labels.app')).toBe('web');
    expect(readPath(record, 'items[1].sku')).toBe('B');
    expect(readPath(record, 'metadata.labels["app.kubernetes.io/name"]')).toBe('api');
    expect(readPath(record, '["cost-center"]')).toBe('cc1');
    expect(readPath(record, 'cost-center')).toBe('cc1');
    expect(readPath(record, 'cost-center2.code')).toBe(7);
    expect(readPath(record, 'metadata.labels.app.x')).toBeUndefined();
  });

  it('falls back to a field named like the whole path', () => {
    expect(readPath(record, 'user.id')).toBe('u7');
  });

  it('reads own properties only', () => {
    expect(readPath(record, 'constructor')).toBeUndefined();
    expect(readPath(record, 'items.length')).toBeUndefined();
    expect(readPath(record, 'id.length')).toBeUndefined();
    expect(readPath(record, '__proto__')).toBeUndefined();
    expect(readPath(record, 'missing.deeper')).toBeUndefined();
  });
});

describe('keyText of instants', () => {
  it('gives different instants different text and equal instants equal text', () => {
    const a = keyText([new Date('2026-11-01T00:00:00Z')]);
    const b = keyText([new Date('2026-11-02T00:00:00Z')]);
    expect(a).not.toBe(b);
    expect(keyText([new Date('2026-11-01T00:00:00.000Z')])).toBe(a);
    expect(a).not.toBe(keyText(['2026-11-01T00:00:00.000Z']));
  });
});
