import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeUtf8, findInvalidUtf8, notUtf8Message, NotUtf8Error, Utf8ChunkDecoder } from '../../../runtime/connectors/utf8-text.js';

/** Bytes that are often UTF-8 and often not: pieces of valid text mixed with arbitrary bytes. */
const mixedBytes = fc
  .array(
    fc.oneof(
      fc.constantFrom('a', '\n', 'é', '€', '😀', '\uFEFF', '\uFFFD', 'x,y\n').map((s) => [...Buffer.from(s)]),
      fc.constantFrom([0xe9], [0xc3], [0xe2, 0x82], [0xf0, 0x9f], [0x80], [0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe0, 0x80, 0x80]),
      fc.integer({ min: 0, max: 255 }).map((b) => [b]),
    ),
    { maxLength: 40 },
  )
  .map((parts) => Uint8Array.from(parts.flat()));

describe('strict UTF-8 decoding', () => {
  it('finds a problem exactly when the native check rejects the bytes, wherever the chunks are cut', () => {
    fc.assert(
      fc.property(mixedBytes, fc.array(fc.nat(), { maxLength: 4 }), (bytes, cuts) => {
        const problem = findInvalidUtf8(bytes);
        expect(problem === null).toBe(isUtf8(bytes));
        expect(decodeUtf8(bytes) === null).toBe(problem !== null);
        // the chunked decoder agrees, and joins characters split between chunks
        const decoder = new Utf8ChunkDecoder();
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        let text = '';
        let from = 0;
        try {
          for (const at of [...points, bytes.length]) {
            text += decoder.write(bytes.subarray(from, at));
            from = at;
          }
          text += decoder.end();
          expect(problem).toBeNull();
          expect(text).toBe(Buffer.from(bytes).toString('utf8'));
        } catch (error) {
          expect(error).toBeInstanceOf(NotUtf8Error);
          expect(problem).not.toBeNull();
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('names the line and column (in characters) of the first bad byte', () => {
    expect(findInvalidUtf8(Buffer.from('id,name\n1,caf\xe9\n', 'latin1'))).toEqual({ line: 2, column: 6, byte: 0xe9, utf16: false });
    // characters before it count once each, a byte order mark not at all
    expect(findInvalidUtf8(Buffer.concat([Buffer.from('\uFEFFé€😀'), Buffer.from([0x80])]))).toEqual({ line: 1, column: 4, byte: 0x80, utf16: false });
    // a character cut short by the line end: its first byte
    expect(findInvalidUtf8(Buffer.from([0x61, 0xe2, 0x82, 0x0a]))).toEqual({ line: 1, column: 2, byte: 0xe2, utf16: false });
    // the file ends inside a character
    expect(findInvalidUtf8(Buffer.from([0x0a, 0x61, 0xf0, 0x9f]))).toEqual({ line: 2, column: 2, byte: null, utf16: false });
    // an encoded surrogate is not UTF-8
    expect(findInvalidUtf8(Buffer.from([0xed, 0xa0, 0x80]))?.byte).toBe(0xed);
    expect(findInvalidUtf8(Buffer.from('ok\n', 'utf8'))).toBeNull();
  });

  it('says what to do: convert the file, or save a UTF-16 file as UTF-8', () => {
    expect(notUtf8Message('people.csv', { line: 2, column: 6, byte: 0xe9, utf16: false })).toBe(
      'people.csv:2:6: not valid UTF-8 (byte 0xE9): the file must be UTF-8 — if it was saved as Latin-1 or Windows-1252, convert it (iconv -f WINDOWS-1252 -t UTF-8)',
    );
    const utf16 = findInvalidUtf8(Buffer.from('\uFEFFid,name\n', 'utf16le'));
    expect(utf16?.utf16).toBe(true);
    expect(notUtf8Message('people.csv', utf16)).toBe('people.csv:1:1: not valid UTF-8: the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8');
  });
});
