/**
 * The characters of a JSON string written straight as UTF-8 bytes, for the writers that build
 * JSON as bytes rather than text (the precondition digests of records, the `planned` audit lines).
 *
 * Why bytes: a text joined from many pieces must be flattened and encoded again before it is
 * hashed or written; writing the bytes at once checks the escaping and encodes in one pass. Only
 * text that JSON writes as it is takes this path: anything `JSON.stringify` would escape is left
 * to the general writers, so the bytes are always those of the text they would write.
 */

/**
 * Writes `text`'s UTF-8 bytes into `bytes` from `at` (no quotes) and returns the offset after
 * them, or -1 when the text needs escaping in JSON (`"`, `\`, a control character) or holds a
 * surrogate (a lone half is escaped; a pair is left to the general writer too), having then
 * written an unspecified part of it. The caller makes room: at most 3 bytes per UTF-16 unit.
 */
export function writePlainJsonChars(text: string, bytes: Uint8Array, at: number): number {
  const length = text.length;
  let n = at;
  for (let j = 0; j < length; j++) {
    const c = text.charCodeAt(j);
    if (c < 128) {
      if (c < 32 || c === 34 || c === 92) return -1;
      bytes[n++] = c;
    } else if (c < 2048) {
      bytes[n++] = 192 | (c >> 6);
      bytes[n++] = 128 | (c & 63);
    } else {
      if ((c & 0xf800) === 0xd800) return -1;
      bytes[n++] = 224 | (c >> 12);
      bytes[n++] = 128 | ((c >> 6) & 63);
      bytes[n++] = 128 | (c & 63);
    }
  }
  return n;
}
