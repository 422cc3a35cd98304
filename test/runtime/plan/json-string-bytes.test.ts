import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { writePlainJsonChars } from '../../../runtime/plan/json-string-bytes.js';

/** The bytes `JSON.stringify` gives between the quotes. */
function stringifiedChars(text: string): Buffer {
  return Buffer.from(JSON.stringify(text).slice(1, -1), 'utf8');
}

describe('writePlainJsonChars', () => {
  it('writes exactly the bytes JSON.stringify gives, or declines text that JSON escapes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })), fc.nat(8), (text, at) => {
        const bytes = new Uint8Array(at + text.length * 3);
        const end = writePlainJsonChars(text, bytes, at);
        const escapes = [...text].some((char) => {
          const c = char.charCodeAt(0);
          return c < 32 || c === 34 || c === 92 || (c >= 0xd800 && c <= 0xdfff);
        });
        if (escapes) expect(end).toBe(-1);
        else expect(Buffer.from(bytes.subarray(at, end))).toEqual(stringifiedChars(text));
      }),
      { numRuns: 500 },
    );
  });

  it('declines quotes, backslashes, controls and surrogates; takes two- and three-byte characters', () => {
    const bytes = new Uint8Array(64);
    for (const text of ['a"b', 'a\\b', 'tab\there', '\u0000', '😀', '\ud800x']) expect(writePlainJsonChars(text, bytes, 0)).toBe(-1);
    expect(writePlainJsonChars('é€', bytes, 2)).toBe(2 + 2 + 3);
    expect(Buffer.from(bytes.subarray(2, 7)).toString('utf8')).toBe('é€');
  });
});
