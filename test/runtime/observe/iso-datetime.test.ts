/**
 * The one ISO 8601 reader (`iso-datetime.ts`) and what its two callers make of it: the parts it
 * reads, and, as properties, that the record reader (`canonicalInstant`, text to the millisecond)
 * and the diff (`parseInstant`, instants to the nanosecond) agree on every text — which is a
 * datetime, and which instant it names — and that both `toNumber`s read the same numbers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coerceValue, canonicalInstant, decimalNumber } from '../../../runtime/observe/field-coercion.js';
import { daysInMonth, readIsoDateTime } from '../../../runtime/observe/iso-datetime.js';
import { Instant, parseInstant, toNumber } from '../../../runtime/diff/value-coercion.js';

const digits = (n: number) => fc.array(fc.constantFrom(...'0123456789'), { minLength: n, maxLength: n }).map((d) => d.join(''));
const twoOf = (...edges: string[]) => fc.oneof({ weight: 1, arbitrary: digits(2) }, { weight: 3, arbitrary: fc.constantFrom(...edges) });
const whiteSpace = fc.constantFrom('', '', '', ' ', '  ', '\t', '\n', '\u00a0', '\ufeff', '\u2028');

/**
 * ISO-like text: real and impossible dates (Feb 29/30, month 13, day 32), years 0000-0099 and
 * 9999, times to the hour, minute, second or fraction (1 to 12 digits, `.` or `,`), `T`/`t`/space
 * or a wrong separator, zones `Z`/`z`, offsets from -23:59 to +23:59 and beyond, in every
 * spelling, spaces before the zone and around the text.
 */
const isoLike = fc
  .record({
    year: fc.oneof(digits(4), fc.constantFrom('0000', '0001', '0004', '0050', '0099', '0100', '1900', '1970', '2000', '2024', '2026', '9999')),
    month: twoOf('01', '02', '03', '12', '13', '00'),
    day: twoOf('01', '09', '15', '28', '29', '30', '31', '32', '00'),
    hour: twoOf('00', '01', '12', '23', '24'),
    minute: twoOf('00', '30', '59', '60'),
    second: twoOf('00', '07', '59', '60'),
    time: fc.constantFrom('none', 'hm', 'hms', 'hms', 'hms'),
    fraction: fc.oneof(
      fc.constant(''),
      fc.tuple(fc.constantFrom('.', '.', ','), fc.integer({ min: 1, max: 12 }).chain(digits)).map(([mark, d]) => mark + d),
      fc.constantFrom('.', ',', '.x', '.000', '.5'),
    ),
    separator: fc.constantFrom('T', 'T', 't', ' ', 'x', '_'),
    beforeZone: fc.constantFrom('', '', '', ' ', '  ', '\t'),
    zone: fc.oneof(
      fc.constantFrom('', 'Z', 'Z', 'z', 'Z ', 'UTC', '+1', '+01:5', '+01:', '+2400', '-23:59', '+23:59', '+00:00', '-00'),
      fc
        .record({ sign: fc.constantFrom('+', '-'), hh: twoOf('00', '01', '05', '14', '23', '24', '99'), mm: twoOf('00', '30', '45', '59', '60'), form: fc.constantFrom('hh', 'hhmm', 'hh:mm') })
        .map(({ sign, hh, mm, form }) => (form === 'hh' ? sign + hh : form === 'hhmm' ? sign + hh + mm : `${sign}${hh}:${mm}`)),
    ),
    lead: whiteSpace,
    trail: whiteSpace,
  })
  .map((p) => {
    const date = `${p.year}-${p.month}-${p.day}`;
    if (p.time === 'none') return p.lead + date + p.trail;
    const time = p.time === 'hm' ? `${p.hour}:${p.minute}` : `${p.hour}:${p.minute}:${p.second}${p.fraction}`;
    return `${p.lead}${date}${p.separator}${time}${p.beforeZone}${p.zone}${p.trail}`;
  });

/** What machines write (the fast paths' text): `YYYY-MM-DDTHH:MM:SS[.f…]Z`, years 0000-9999. */
const machineWritten = fc
  .tuple(
    fc.date({ min: new Date('0000-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }),
    fc.oneof(fc.constant(''), fc.integer({ min: 1, max: 12 }).chain(digits).map((d) => `.${d}`)),
  )
  .map(([date, fraction]) => `${date.toISOString().slice(0, 19)}${fraction}Z`)
  .filter((text) => /^\d{4}-/.test(text));

/** One character of ISO-like text replaced by another (the fast paths' every position). */
const mutated = fc
  .tuple(fc.oneof(machineWritten, isoLike), fc.nat(), fc.constantFrom(...'0123456789-:.,TtZz+ x/'))
  .map(([text, at, c]) => {
    const i = text.length === 0 ? 0 : at % text.length;
    return text.slice(0, i) + c + text.slice(i + 1);
  });

const datetimeText = fc.oneof(
  { weight: 4, arbitrary: isoLike },
  { weight: 3, arbitrary: machineWritten },
  { weight: 3, arbitrary: mutated },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789-:.,TtZz+ '), maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 60, maxLength: 90 }).map((d) => `2026-11-26T12:00:00.${d}Z`) },
);

describe('readIsoDateTime', () => {
  it('reads the parts of every spelling of the grammar', () => {
    expect(readIsoDateTime(' 2026-11-26 13:30:05,1234567-05:30 ')).toEqual({
      year: 2026,
      month: 11,
      day: 26,
      hour: 13,
      minute: 30,
      second: 5,
      fraction: '1234567',
      zoned: true,
      offsetMinutes: -330,
    });
    expect(readIsoDateTime('2026-11-26')).toEqual({ year: 2026, month: 11, day: 26, hour: 0, minute: 0, second: 0, fraction: '', zoned: false, offsetMinutes: 0 });
    expect(readIsoDateTime('2026-11-26t12:00z')).toMatchObject({ hour: 12, zoned: true, offsetMinutes: 0 });
    expect(readIsoDateTime('2026-11-26T12:00:00 +0130')).toMatchObject({ zoned: true, offsetMinutes: 90 });
    expect(readIsoDateTime('2026-11-26T12:00:00+01')).toMatchObject({ offsetMinutes: 60 });
  });

  it('refuses impossible dates, times and offsets, and text off the grammar', () => {
    for (const bad of ['2026-02-29', '2024-02-30', '2026-13-01', '2026-00-10', '2026-11-26T24:00', '2026-11-26T12:60', '2026-11-26T12:00:60', '2026-11-26T12:00+24:00', '2026-11-26T12:00-01:60', '2026-11-26T12', '26/11/2026', '2026-11-26T12:00:00+1']) {
      expect(readIsoDateTime(bad), bad).toBeNull();
    }
    expect(readIsoDateTime('2000-02-29')).not.toBeNull();
    expect(daysInMonth(1900, 2)).toBe(28);
    expect(daysInMonth(2000, 2)).toBe(29);
  });
});

/** The instant of `parseInstant`'s result to the millisecond, as `canonicalInstant` writes it, or null when out of its years. */
function canonicalOfInstant(instant: Instant): string | null {
  const ms = instant.epochSeconds * 1000 + Math.floor(instant.nanos / 1e6);
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  return Number.isNaN(ms) || year < 0 || year > 9999 ? null : date.toISOString();
}

describe('the record reader and the diff read datetimes alike (properties)', () => {
  it('the generators reach both the fast paths and the general reading, accepting and refusing', () => {
    const texts = fc.sample(datetimeText, { numRuns: 4000, seed: 7 });
    const results = texts.map((text) => canonicalInstant(text));
    expect(results.filter((r) => r === null).length).toBeGreaterThan(400);
    expect(results.filter((r) => r !== null).length).toBeGreaterThan(1000);
    expect(texts.filter((t) => t.length === 20 && canonicalInstant(t) !== null).length).toBeGreaterThan(50);
    expect(texts.filter((t) => /^00\d\d-/.test(t.trim()) && canonicalInstant(t) !== null).length).toBeGreaterThan(20);
    expect(texts.filter((t) => /[+-]\d\d:?\d\d\s*$/.test(t) && parseInstant(t, true) !== null).length).toBeGreaterThan(10);
  });

  it('canonicalInstant and parseInstant accept the same texts and name the same instant', () => {
    fc.assert(
      fc.property(
        datetimeText.filter((text) => text.length >= 10 && text.length <= 64), // parseInstant's bounds
        (text) => {
          const parsed = parseInstant(text);
          expect(canonicalInstant(text)).toBe(parsed === null ? null : canonicalOfInstant(parsed));
        },
      ),
      { numRuns: 30_000 },
    );
  });

  it('requireZone keeps only the texts that name their zone', () => {
    fc.assert(
      fc.property(datetimeText, (text) => {
        const zoned = parseInstant(text, true);
        const any = parseInstant(text);
        expect(zoned === null || (any !== null && any.epochSeconds === zoned.epochSeconds && any.nanos === zoned.nanos)).toBe(true);
        if (any !== null) expect(zoned !== null).toBe(readIsoDateTime(text)?.zoned === true);
      }),
      { numRuns: 20_000 },
    );
  });

  it('years 0-99 keep their leap days on both readers', () => {
    expect(canonicalInstant('0000-02-29')).toBe('0000-02-29T00:00:00.000Z');
    expect(canonicalInstant('0000-02-29T12:30:00+01:00')).toBe('0000-02-29T11:30:00.000Z');
    expect(canonicalInstant('0004-02-29 00:00')).toBe('0004-02-29T00:00:00.000Z');
    expect(canonicalInstant('0099-12-31T23:59:59.5')).toBe('0099-12-31T23:59:59.500Z');
    expect(canonicalInstant('0000-01-01T00:30+01:00')).toBeNull(); // the year before 0
    expect(parseInstant('0000-02-29')?.toISOString()).toBe('0000-02-29T00:00:00Z');
  });

  it('both toNumbers read the same numbers; only the record reader makes -0 a 0', () => {
    const space = fc.constantFrom('', '', ' ', '\t', '\n', '\u00a0', '\ufeff', '\u2028', '\u3000', '\u200b', '\u180e');
    const decimalLike = fc
      .tuple(space, fc.string({ unit: fc.constantFrom(...'0123456789+-.eE xX,'), maxLength: 14 }), space)
      .map(([a, body, b]) => a + body + b);
    const value = fc.oneof(
      decimalLike,
      fc.double().map(String),
      fc.constantFrom('-0', '+0', '-0.0', '0e5', '-.0', '1e999', '-1e999', 'Infinity', 'NaN', '0x10', '1_000', ''),
      fc.double(),
      fc.constantFrom(0, -0, NaN, Infinity, -Infinity),
      fc.string({ maxLength: 12 }),
      fc.constantFrom(null, undefined, true, false, 10n, {}, [1], ['2']),
    );
    fc.assert(
      fc.property(value, (v) => {
        const diffNumber = toNumber(v);
        expect(Object.is(decimalNumber(v), diffNumber)).toBe(true);
        if (v !== null && v !== undefined && v !== '') {
          const coerced = coerceValue(v, 'number');
          expect(Object.is(coerced.ok ? coerced.value : null, diffNumber === 0 ? 0 : diffNumber)).toBe(true);
        }
      }),
      { numRuns: 20_000 },
    );
    expect(Object.is(toNumber('-0'), -0)).toBe(true);
    expect(coerceValue(' -0 ', 'number')).toEqual({ ok: true, value: 0 });
    expect(toNumber(' 1e3 ')).toBe(1000);
    expect(toNumber('0x10')).toBeNull();
  });
});
