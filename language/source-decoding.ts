/**
 * Decoding a `.recon` file's bytes: UTF-8 (LANGUAGE.md section 1), and where it is not, where.
 *
 * Why not Node's usual decoding alone: it turns each byte that is not UTF-8 into U+FFFD without
 * a word. A file saved as Latin-1 (`owner "café"`) would then check clean, compile `caf\uFFFD`
 * into the IR, and `recon fmt` would write the U+FFFD back over the user's bytes. The text is
 * still decoded leniently (so the editor, the parser and every later diagnostic see the same
 * offsets), and the first bad byte is reported as a located error (`invalid-encoding`).
 */
import { isUtf8 } from 'node:buffer';

/** The text of a file, and where its bytes first stop being UTF-8 (if they do). */
export interface DecodedSource {
  text: string;
  /** Set when the bytes are not UTF-8: the offset in `text` of the U+FFFD that replaced them. */
  notUtf8?: { offset: number; byte: number | null };
}

const REPLACEMENT = 0xfffd;

/**
 * Decodes `bytes` as UTF-8 (a byte order mark is kept as `\uFEFF`, which the lexer skips).
 * Costs one native validation on valid input; the bad byte is searched only when it fails.
 */
export function decodeSource(bytes: Uint8Array): DecodedSource {
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
  if (isUtf8(bytes)) return { text };
  // Every character before the first bad sequence was decoded from valid bytes, so the byte
  // offset of text[i] is the UTF-8 length of text[0, i): the first U+FFFD whose bytes are not
  // EF BF BD (a U+FFFD written in the file) is where the file stops being UTF-8.
  let byteOffset = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === REPLACEMENT) {
      if (!(bytes[byteOffset] === 0xef && bytes[byteOffset + 1] === 0xbf && bytes[byteOffset + 2] === 0xbd)) {
        return { text, notUtf8: { offset: i, byte: byteOffset < bytes.length ? bytes[byteOffset]! : null } };
      }
      byteOffset += 3;
    } else if (code < 0x80) byteOffset += 1;
    else if (code < 0x800) byteOffset += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      byteOffset += 4;
      i++;
    } else byteOffset += 3;
  }
  // not reached for input `isUtf8` rejects; kept total: point at the end
  return { text, notUtf8: { offset: text.length, byte: null } };
}

/** The `{byte}` and `{hint}` of an `invalid-encoding` message. */
export function notUtf8Arguments(problem: { byte: number | null }, text: string): { byte: string; hint: string } {
  const byte = problem.byte === null ? 'the file ends inside a character' : `byte 0x${problem.byte.toString(16).toUpperCase().padStart(2, '0')}`;
  const utf16 = text.startsWith('\uFFFD\uFFFD') && problem.byte !== null && (problem.byte === 0xff || problem.byte === 0xfe);
  return { byte, hint: utf16 ? ' (the file looks like UTF-16)' : '' };
}
