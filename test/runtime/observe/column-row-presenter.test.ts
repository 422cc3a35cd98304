/**
 * The read pipeline specialised to fixed columns (`ColumnRowPresenter`) gives exactly what
 * `fromRaw` gives for the same raw record — valid or invalid, values, key, key text and the
 * order of fields — over generated rows and sources; and its helpers (`fastKeyText`,
 * `objectMaker`) agree with what they stand in for.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IrFieldType, IrSource } from '../../../language/ir/ir-types.js';
import type { RawRecord } from '../../../runtime/connectors/connector.js';
import { setOwn } from '../../../runtime/expressions/own-properties.js';
import { keyText } from '../../../runtime/observe/key-text.js';
import { ownText } from '../../../runtime/observe/flat-text.js';
import { fastKeyText, objectMaker, RecordPipeline, type ObservedBatch } from '../../../runtime/observe/record-reader.js';
import { makeSource, OBSERVED_AT } from '../connectors/source-fixture.js';

const CONTEXT = { observedAt: OBSERVED_AT, env: {} };

const VALUES: Record<IrFieldType, string[]> = {
  string: ['a', 'EUR', ' x ', '12', 'true'],
  number: ['10', '10.50', '-0', '+3', '.5', '5.', '1e3', ' 7 ', '0x10', 'abc', '-', '.', '1.2.3', '99999999999999999999'],
  integer: ['1', '01', '-3', '1.0', '1.5', '9007199254740993', '+7', 'x'],
  bool: ['true', 'false', 'TRUE', 'yes', 'no', '1', '0', 'maybe'],
  datetime: [
    '2024-01-01T00:00:00Z',
    '2024-02-29T23:59:59.123Z',
    '2023-02-29T00:00:00Z',
    '2024-01-01T00:00:00.1Z',
    '2024-01-01 00:00:00Z',
    '2024-01-01T01:00:00+01:00',
    '2024-01-01',
    '0099-01-01T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-01-01T24:00:00Z',
    'nope',
  ],
  json: ['{"a":1}', '[1,2]', '{bad', '3'],
};

const COLUMNS = ['id', 'amount', 'qty', 'flag', 'at', 'note', 'extra'];
const TYPES: Record<string, IrFieldType> = { id: 'string', amount: 'number', qty: 'integer', flag: 'bool', at: 'datetime', note: 'json', extra: 'string' };

function batch(): ObservedBatch {
  return RecordPipeline.emptyBatch();
}

/** A raw record of the columns (an empty cell is absent) and the column values left in place. */
function rawOf(names: readonly string[], cells: readonly string[]): { raw: RawRecord; values: (string | undefined)[] } {
  const raw: RawRecord = {};
  const values = cells.map((cell) => (cell === '' ? undefined : cell));
  names.forEach((name, i) => {
    if (values[i] !== undefined) setOwn(raw, name, values[i]);
  });
  return { raw, values };
}

const sourceArbitrary: fc.Arbitrary<IrSource> = fc
  .record({
    typed: fc.boolean(),
    declared: fc.subarray(COLUMNS.slice(1)),
    phantom: fc.boolean(),
    key: fc.constantFrom<string[]>(['id'], ['id', 'extra'], ['extra']),
  })
  .map(({ typed, declared, phantom, key }) =>
    makeSource('csv', 'a.csv', {
      key,
      fields: typed
        ? [
            { name: 'id', type: 'string' as IrFieldType },
            ...declared.map((name) => ({ name, type: TYPES[name] })),
            ...(phantom ? [{ name: 'ghost', type: 'number' as IrFieldType }] : []),
          ]
        : null,
    }),
  );

const rowArbitrary = fc.tuple(
  fc.constantFrom('k1', 'k2', '', 'ké', 'a"b', 'x\\y', 'tab\there'),
  ...COLUMNS.slice(1).map((name) => fc.constantFrom('', ...VALUES[TYPES[name]], ...VALUES.string)),
);

describe('ColumnRowPresenter', () => {
  it('presents a row exactly as fromRaw does (property)', () => {
    fc.assert(
      fc.property(sourceArbitrary, fc.array(rowArbitrary, { minLength: 1, maxLength: 20 }), fc.shuffledSubarray(COLUMNS, { minLength: COLUMNS.length }), (source, rows, order) => {
        const pipeline = new RecordPipeline(source, 'desired', CONTEXT);
        const presenter = pipeline.forColumns(order);
        expect(presenter).not.toBeNull();
        rows.forEach((row, n) => {
          const cells = order.map((name) => row[COLUMNS.indexOf(name)]);
          const { raw, values } = rawOf(order, cells);
          const expected = batch();
          pipeline.fromRaw(raw, { position: n + 1 }, expected);
          const got = batch();
          presenter!.present(values, raw, { position: n + 1 }, got);
          expect(got).toEqual(expected);
          if (expected.records.length === 1) {
            expect(Object.keys(got.records[0].record)).toEqual(Object.keys(expected.records[0].record));
            expect(got.records[0].keyText).toBe(expected.records[0].keyText);
            const record = presenter!.recordOf(values, raw);
            expect(record).toEqual(expected.records[0].record);
            expect(presenter!.keyOf(record!)).toEqual(expected.records[0].key);
          } else {
            expect(presenter!.recordOf(values, raw)).toBeNull();
          }
        });
      }),
      { numRuns: 400 },
    );
  });

  it('reads decimal text as the pipeline does, to the last bit (property)', () => {
    const source = makeSource('csv', 'a.csv', {
      fields: [
        { name: 'id', type: 'string' },
        { name: 'n', type: 'number' },
        { name: 'i', type: 'integer' },
      ],
    });
    const pipeline = new RecordPipeline(source, 'desired', CONTEXT);
    const presenter = pipeline.forColumns(['id', 'n', 'i'])!;
    const digits = fc.array(fc.constantFrom(...'0123456789'), { maxLength: 20 }).map((d) => d.join(''));
    const decimal = fc
      .tuple(fc.constantFrom('', '-', '+'), digits, fc.constantFrom('', '.'), digits)
      .map(([sign, whole, dot, part]) => `${sign}${whole}${dot}${dot === '' ? '' : part}`);
    const anyNumber = fc.double({ noNaN: true }).map(String);
    fc.assert(
      fc.property(fc.oneof(decimal, anyNumber), fc.oneof(decimal, fc.integer().map(String)), (n, i) => {
        const { raw, values } = rawOf(['id', 'n', 'i'], ['k', n, i]);
        const expected = batch();
        pipeline.fromRaw(raw, { position: 1 }, expected);
        const got = batch();
        presenter.present(values, raw, { position: 1 }, got);
        expect(got).toEqual(expected);
        if (expected.records.length === 1) {
          expect(Object.is(got.records[0].record.n, expected.records[0].record.n)).toBe(true);
          expect(Object.is(got.records[0].record.i, expected.records[0].record.i)).toBe(true);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('leaves sources with select or where, and odd column names, to the general pipeline', () => {
    const select = makeSource('csv', 'a.csv', { select: [{ name: 'id', expr: { var: 'id' }, reads: ['id'], plainPath: 'id', at: 't:1:1' }] });
    const where = makeSource('csv', 'a.csv', { where: { expr: true, at: 't:1:1' } });
    expect(new RecordPipeline(select, 'desired', CONTEXT).forColumns(['id', 'a'])).toBeNull();
    expect(new RecordPipeline(where, 'desired', CONTEXT).forColumns(['id', 'a'])).toBeNull();
    const plain = new RecordPipeline(makeSource('csv', 'a.csv'), 'desired', CONTEXT);
    expect(plain.forColumns(['id', '__proto__'])).toBeNull();
    expect(plain.forColumns(['id', '0'])).toBeNull();
    expect(plain.forColumns(['id', 'id'])).toBeNull();
    expect(plain.forColumns(['id', 'a'])).not.toBeNull();
  });
});

describe('fastKeyText', () => {
  it('is keyText (property)', () => {
    const scalar = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.integer(), fc.boolean());
    fc.assert(
      fc.property(fc.array(scalar, { minLength: 1, maxLength: 2 }), (key) => {
        expect(fastKeyText(key)).toBe(keyText(key));
      }),
      { numRuns: 3000 },
    );
    for (const text of ['', 'a"b', 'a\\b', '\u0000', '\u001f', '\ud800', '\udc00x', '😀', '\u2028', 'é']) {
      expect(fastKeyText([text])).toBe(keyText([text]));
    }
  });
});

describe('ownText', () => {
  it('is the same text, cut from a longer one or made by concatenation (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ maxLength: 20 }), fc.nat(), (text, tail, at) => {
        const long = tail + text + tail;
        const slice = long.slice(tail.length, tail.length + text.length);
        expect(ownText(slice)).toBe(text);
        expect(ownText(slice + tail)).toBe(text + tail);
        expect(ownText(text.slice(at % (text.length + 1)))).toBe(text.slice(at % (text.length + 1)));
      }),
      { numRuns: 2000 },
    );
    expect(ownText('')).toBe('');
    expect(ownText('2024-01-02T03:04:05Z'.slice(0, 19) + '.000Z')).toBe('2024-01-02T03:04:05.000Z');
  });
});

describe('objectMaker', () => {
  it('builds the object setOwn builds, in the same order', () => {
    const make = objectMaker(['b', 'a', 'constructor', 'toString'])!;
    const made = make(['1', 2, null, undefined]);
    const expected: Record<string, unknown> = {};
    ['b', 'a', 'constructor', 'toString'].forEach((name, i) => setOwn(expected, name, ['1', 2, null, undefined][i]));
    expect(Object.entries(made)).toEqual(Object.entries(expected));
    expect(Object.getPrototypeOf(made)).toBe(Object.prototype);
    expect(objectMaker(['id'], true)!([undefined])).toEqual({ id: null });
  });

  it('declines names a literal would treat differently', () => {
    expect(objectMaker(['__proto__'])).toBeNull();
    expect(objectMaker(['1', 'a'])).toBeNull();
    expect(objectMaker(['a', 'a'])).toBeNull();
    expect(objectMaker(['a b', 'x"y', 'z\\w', '\u2028'])!(['1', '2', '3', '4'])).toEqual({ 'a b': '1', 'x"y': '2', 'z\\w': '3', '\u2028': '4' });
  });
});
