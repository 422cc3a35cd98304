/**
 * The characters of a JSON string written straight as UTF-8 bytes, and the growing byte buffer
 * they are written into, for the writers that build JSON as bytes rather than text (the
 * precondition digests of records, the `planned` audit lines, the JSON plan's item lines).
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

/**
 * A growing buffer of UTF-8 bytes that the byte writers fill: the JSON renderer (item lines,
 * handed on in chunks) and the `planned` audit lines (batches, `take`). `bytes` from 0 to
 * `length` is what is written so far. Writers make room first (`reserve`), then write.
 */
export class ByteChunk {
  length = 0;

  constructor(public bytes: Uint8Array) {}

  /** Makes room for `more` bytes after `length` and returns the buffer (which may be a new one). */
  reserve(more: number): Uint8Array {
    if (this.length + more > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + more));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    return this.bytes;
  }

  /** Appends bytes already encoded. */
  raw(piece: Uint8Array): void {
    const size = piece.length;
    const bytes = this.reserve(size);
    const at = this.length;
    // short pieces by hand (a call into `set` costs more than copying a dozen bytes)
    if (size > 12) bytes.set(piece, at);
    else for (let i = 0; i < size; i++) bytes[at + i] = piece[i]!;
    this.length = at + size;
  }

  /** Appends a text as UTF-8. */
  text(text: string): void {
    const bytes = this.reserve(text.length * 3);
    this.length += encoder.encodeInto(text, bytes.subarray(this.length)).written;
  }

  /** Appends a text of ASCII characters only (a number's text). */
  ascii(text: string): void {
    const size = text.length;
    const bytes = this.reserve(size);
    const at = this.length;
    for (let i = 0; i < size; i++) bytes[at + i] = text.charCodeAt(i);
    this.length = at + size;
  }

  /** Appends `JSON.stringify(text)`: its bytes written at once when it needs no escaping. */
  jsonString(text: string): void {
    const bytes = this.reserve(text.length * 3 + 2);
    const at = this.length;
    bytes[at] = 34;
    const end = writePlainJsonChars(text, bytes, at + 1);
    if (end < 0) {
      this.text(JSON.stringify(text));
      return;
    }
    bytes[end] = 34;
    this.length = end + 1;
  }

  /** The bytes so far, as a view valid until the next append; the buffer starts again empty. */
  take(): Uint8Array {
    const taken = this.bytes.subarray(0, this.length);
    this.length = 0;
    return taken;
  }

  /** Appends the characters of a string that needs no escaping, without quotes; false (having written nothing) if it needs some. */
  plainChars(text: string): boolean {
    const bytes = this.reserve(text.length * 3);
    const end = writePlainJsonChars(text, bytes, this.length);
    if (end < 0) return false;
    this.length = end;
    return true;
  }
}

const encoder = new TextEncoder();
