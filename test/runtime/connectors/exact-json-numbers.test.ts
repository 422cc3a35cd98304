import { afterEach, describe, expect, it } from 'vitest';
import type { IrSource } from '../../../language/ir/ir-types.js';
import {
  ExactNumberReading,
  findInexactLiterals,
  holdsLargeNumber,
  isExactLiteral,
  parseWithExactText,
  settleDocumentItems,
} from '../../../runtime/connectors/exact-json-numbers.js';
import { connectorFor, makeSource, makeWorkspace, readAll } from './source-fixture.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

describe('isExactLiteral', () => {
  it('accepts literals whose value is the double they read as, however written', () => {
    for (const literal of ['0', '-0', '0.0', '1', '-1', '0.1', '12.50', '9007199254740991', '9007199254740992', '1e300', '-1E+300', '1.5e-10', '100000000000000000000', '5e-324']) {
      expect(isExactLiteral(literal), literal).toBe(true);
    }
  });

  it('refuses literals that read as another number, or as none', () => {
    for (const literal of ['9007199254740993', '-9007199254740993', '12345678901234567890', '1.00000000000000001', '0.12345678901234567891', '1e400', '-1e400', '1e-400']) {
      expect(isExactLiteral(literal), literal).toBe(false);
    }
  });
});

describe('holdsLargeNumber', () => {
  it('is true only for a number of magnitude 2^53 or more (or not finite), anywhere in the value', () => {
    expect(holdsLargeNumber({ a: 1, b: [2.5, 'x'], c: { d: 9007199254740991 } })).toBe(false);
    expect(holdsLargeNumber({ c: { d: [9007199254740992] } })).toBe(true);
    expect(holdsLargeNumber({ a: -1e300 })).toBe(true);
    expect(holdsLargeNumber({ a: Infinity })).toBe(true);
  });
});

describe('findInexactLiterals', () => {
  it('gives the path, literal and line of each inexact number, the later of a repeated key', () => {
    const text = '{"rows": [\n {"id": 9007199254740993, "ok": 9007199254740992},\n {"m": {"n": [1, 12345678901234567890]}, "id": 1, "id": 9007199254740995}\n]}';
    expect(findInexactLiterals(text)).toEqual([
      { path: ['rows', 0, 'id'], literal: '9007199254740993', line: 2 },
      { path: ['rows', 1, 'm', 'n', 1], literal: '12345678901234567890', line: 3 },
      { path: ['rows', 1, 'id'], literal: '9007199254740995', line: 3 },
    ]);
  });

  it('reads a document that also holds a record nested 100,000 levels deep (no stack overflow), keys unescaped', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const text = `[{"id": "a", "deep": ${deep}},\n {"i\\"d": 9007199254740993, "list": [[1], 12345678901234567890]}]`;
    expect(findInexactLiterals(text)).toEqual([
      { path: [1, 'i"d'], literal: '9007199254740993', line: 2 },
      { path: [1, 'list', 1], literal: '12345678901234567890', line: 2 },
    ]);
  });
});

function source(overrides: Partial<IrSource>): IrSource {
  return makeSource('json', 'x.json', overrides);
}

describe('ExactNumberReading.settle', () => {
  const settle = (src: IrSource, text: string) => {
    const items = JSON.parse(text) as Record<string, unknown>[];
    const problems = settleDocumentItems(new ExactNumberReading(src), text, items, undefined);
    return { items, problems: Object.fromEntries([...problems].map(([i, p]) => [i, p.detail])) };
  };

  it('gives a top-level field declared string its digits as written; exact numbers stay numbers', () => {
    const result = settle(source({ fields: [{ name: 'id', type: 'string' }] }), '[{"id": 9007199254740993, "n": 9007199254740992}]');
    expect(result).toEqual({ items: [{ id: '9007199254740993', n: 9007199254740992 }], problems: {} });
  });

  it('reports a field declared another type, an undeclared field and a nested number', () => {
    const src = source({ fields: [{ name: 'id', type: 'integer' }] });
    const result = settle(src, '[{"id": 9007199254740993}, {"id": 1, "meta": {"n": 12345678901234567890}}]');
    expect(result.problems).toEqual({
      0: 'field id: the number 9007199254740993 cannot be read exactly (it would read as 9007199254740992); declare the field string (fields { id: string }) to keep its digits as text, or quote the value at the source',
      1: 'field meta.n: the number 12345678901234567890 cannot be read exactly (it would read as 12345678901234567000); take it only by a plain select line (name = meta.n) into a field declared string, or quote the value at the source',
    });
    // the record kept as the guess its key is withheld by holds the digits written
    expect(result.items[0]).toEqual({ id: '9007199254740993' });
  });

  it('with select: carried only by a plain path line into a field declared string that no other line reads', () => {
    const line = (name: string, plainPath: string | null, reads: string[]) => ({ name, expr: { var: reads[0] ?? '' }, reads, plainPath, at: 't:1:1' });
    const fields = [{ name: 'ref', type: 'string' as const }];
    const text = '[{"meta": {"n": 12345678901234567890}}]';
    expect(settle(source({ fields, select: [line('ref', 'meta.n', ['meta.n'])] }), text).problems).toEqual({});
    expect(settle(source({ fields, select: [line('ref', 'meta.n', ['meta.n'])] }), text).items).toEqual([{ meta: { n: '12345678901234567890' } }]);
    expect(Object.keys(settle(source({ fields, select: [line('ref', 'meta.n', ['meta.n']), line('all', null, ['meta'])] }), text).problems)).toEqual(['0']);
    expect(Object.keys(settle(source({ fields: [{ name: 'ref', type: 'number' }], select: [line('ref', 'meta.n', ['meta.n'])] }), text).problems)).toEqual(['0']);
  });
});

describe('parseWithExactText', () => {
  it('reads every inexact number as its text, and anything else as JSON.parse does', () => {
    expect(parseWithExactText('{"a": [9007199254740993, 2], "b": 1e300}')).toEqual({ a: ['9007199254740993', 2], b: 1e300 });
    expect(parseWithExactText('[{"x": 0.5}]')).toEqual([{ x: 0.5 }]);
  });
});

describe('the yaml connector', () => {
  it('reads hex and decimal integers beyond 2^53 as the json connector does; .inf and exact numbers as they are', async () => {
    const ws = makeWorkspace({ 'data/x.yaml': '- id: 9007199254740993\n  h: 0x20000000000001\n- id: 2\n  big: 9007199254740992\n  inf: .inf\n' });
    cleanups.push(ws.cleanup);
    const src = makeSource('yaml', 'data/x.yaml', { fields: [{ name: 'id', type: 'string' }] });
    const result = await readAll(connectorFor(src, ws.root));
    expect(result.records).toEqual([{ id: 2, big: 9007199254740992, inf: Infinity }]);
    expect(result.unreadable.map((u) => u.error)).toEqual([
      'data/x.yaml:1: record 1: field h: the number 0x20000000000001 cannot be read exactly (it would read as 9007199254740992); declare the field string (fields { h: string }) to keep its digits as text, or quote the value at the source',
    ]);
    expect(result.unreadable[0]!.salvaged).toEqual({ id: '9007199254740993', h: '0x20000000000001' });
  });
});
