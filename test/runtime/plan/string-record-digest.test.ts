/**
 * The byte path of `sha256OfCanonical` for flat records of strings (every changed and extra plan
 * item's precondition) must give the digest of the general canonical writer for every record:
 * odd key names, any unicode, members that are undefined, null, numbers or nested values.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256OfCanonical, stringRecordSha256 } from '../../../runtime/plan/canonical-json.js';
import { referenceSha256OfCanonical } from './reference-canonical.js';

/** Characters the byte path must hand to the general writer (JSON escapes them). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Strings of every kind: ASCII, any UTF-16 code unit (lone surrogates too), full unicode, and ones close to the edges of UTF-8 byte lengths. */
const TEXT = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: fc.constantFrom('\u007f', '\u0080', '\u07ff', '\u0800', '\ud7ff', '\ue000', '\uffff', 'é', '€', 'a', '"', '\\', '\u0000', '\u001f', ' ') }),
);

/** Key names: odd ones (needing escapes, integer-like, `__proto__`, empty) as well as plain ones. */
const KEY = fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom('__proto__', '', '0', '10', '2', 'a"b', 'é', '\ud800', 'id', 'constructor'));

/** A member value: mostly strings (the byte path), sometimes anything else. */
const MEMBER = fc.oneof(
  { weight: 6, arbitrary: TEXT },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.oneof(fc.double(), fc.integer(), fc.boolean()) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

/** A record from entries, as a parsed row or a CSV reader makes one (own data properties, `__proto__` included). */
function record(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  return Object.fromEntries(entries) as Record<string, unknown>;
}

/** True when the byte path must take the record: every member a string without escapes, or undefined. */
function flatPlain(value: Record<string, unknown>): boolean {
  const values = Object.values(value);
  return values.length <= 16 && values.every((v) => v === undefined || (typeof v === 'string' && !ESCAPED.test(v)));
}

function check(value: Record<string, unknown>): void {
  const expected = referenceSha256OfCanonical(value);
  expect(sha256OfCanonical(value)).toBe(expected);
  const fast = stringRecordSha256(value);
  if (flatPlain(value)) expect(fast).toBe(expected);
  else expect(fast).toBeNull();
}

describe('sha256OfCanonical of flat string records (byte path)', () => {
  it('gives the general writer’s digest for any record', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(KEY, MEMBER), { maxLength: 20 }), (entries) => check(record(entries))),
      { numRuns: 3000 },
    );
  });

  it('gives the general writer’s digest for plain-string records, whatever their unicode', () => {
    const plain = TEXT.filter((text) => !ESCAPED.test(text));
    fc.assert(
      fc.property(fc.array(fc.tuple(KEY, fc.option(plain, { nil: undefined, freq: 8 })), { maxLength: 16 }), (entries) => {
        const value = record(entries);
        expect(flatPlain(value)).toBe(true);
        check(value);
      }),
      { numRuns: 3000 },
    );
  });

  it('gives the same digests for many records of one shape, as a file’s rows are', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(KEY, { minLength: 1, maxLength: 12 }),
        fc.array(fc.array(fc.option(TEXT, { nil: undefined, freq: 10 }), { minLength: 12, maxLength: 12 }), { minLength: 1, maxLength: 20 }),
        (keys, rows) => {
          for (const row of rows) check(record(keys.map((key, i) => [key, row[i]] as const)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('leaves records too large for its buffer, and records of more than 16 members, to the general writer', () => {
    const large = { id: 'x', memo: '€'.repeat(30000) };
    expect(stringRecordSha256(large)).toBeNull();
    expect(sha256OfCanonical(large)).toBe(referenceSha256OfCanonical(large));
    const wide = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, `${i}`]));
    expect(stringRecordSha256(wide)).toBeNull();
    expect(sha256OfCanonical(wide)).toBe(referenceSha256OfCanonical(wide));
    const justFits = { memo: 'a'.repeat(20000) };
    expect(stringRecordSha256(justFits)).toBe(referenceSha256OfCanonical(justFits));
  });

  it('writes the empty record and records whose members are all undefined as {}', () => {
    for (const value of [{}, { a: undefined }, { a: undefined, b: undefined }]) {
      expect(stringRecordSha256(value)).toBe(referenceSha256OfCanonical({}));
      expect(sha256OfCanonical(value)).toBe(referenceSha256OfCanonical({}));
    }
  });
});
