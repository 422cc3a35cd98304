/**
 * Decoding file bytes as UTF-8, strictly: bytes that are not UTF-8 stop the read with an error
 * naming the first bad line, never a U+FFFD in a record.
 *
 * Why strict: Node's usual decoding replaces each bad byte with U+FFFD. A Latin-1 or
 * Windows-1252 export (`caf\xe9`) then reads as `caf\uFFFD`; the plan proposes to "update" it to
 * `café`, and `recon apply` would write the corrupted value to the real system (LANGUAGE.md 2.1:
 * bad input gets a clear error and loses nothing). Why the whole read stops rather than the row
 * becoming an invalid item: an encoding is a property of the file, not of a row — a Latin-1
 * file would otherwise give one invalid item per row holding an accented letter (thousands) and
 * compare the rest, while one message naming the first bad line and the fix (convert the file)
 * is what the user needs. The same holds for every file format (csv, jsonl, json, yaml).
 *
 * Finding the bad byte is done only once decoding has failed (by the native decoder, at the
 * speed of valid input), by `findInvalidUtf8`: the WHATWG UTF-8 decoder's rules, so it finds
 * exactly what `TextDecoder` with `fatal: true` and `buffer.isUtf8` reject.
 */
import { constants as bufferConstants } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IrSource } from '../../language/ir/ir-types.js';
import { ConnectorError } from './connector.js';
import { fileError, sourceLabel } from './connector-support.js';

/** Thrown by `Utf8ChunkDecoder`: the bytes are not UTF-8 (where: `findInvalidUtf8InFile`). */
export class NotUtf8Error extends Error {
  constructor() {
    super('not valid UTF-8');
    this.name = 'NotUtf8Error';
  }
}

/**
 * Decodes a file read in chunks; a character split between two chunks is joined. A byte order
 * mark is kept (`\uFEFF`): the connectors strip it themselves, as before.
 */
export class Utf8ChunkDecoder {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

  /** The text of `bytes` (without an incomplete character at the end, kept for the next). */
  write(bytes: Uint8Array): string {
    try {
      return this.decoder.decode(bytes, { stream: true });
    } catch {
      throw new NotUtf8Error();
    }
  }

  /** What remains at the end of the file (throws when it ends inside a character). */
  end(): string {
    try {
      return this.decoder.decode();
    } catch {
      throw new NotUtf8Error();
    }
  }
}

/**
 * The text of a whole file's bytes; null when they are not UTF-8. A byte order mark is kept.
 * Bytes that make a text longer than a JavaScript string can be (about 512 MiB) throw
 * `TextTooLongError`: before, that failure read as "not UTF-8", naming no bad byte.
 */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_STRING_TOO_LONG') throw new TextTooLongError(bytes.length);
    return null;
  }
}

/** Bytes whose text is longer than the longest JavaScript string (`decodeUtf8`). */
export class TextTooLongError extends Error {
  constructor(readonly bytes: number) {
    super(`it is ${Math.round(bytes / 2 ** 20)} MiB, more than the ${Math.round(bufferConstants.MAX_STRING_LENGTH / 2 ** 20)} MiB of text recon can hold as one whole file`);
    this.name = 'TextTooLongError';
  }
}

/** Where the first bytes that are not UTF-8 are. */
export interface Utf8Problem {
  /** 1-based line (lines counted by `\n`). */
  line: number;
  /** 1-based column in characters. */
  column: number;
  /** The byte that starts the bad sequence; null when the text ends inside a character. */
  byte: number | null;
  /** The file starts with a UTF-16 byte order mark. */
  utf16: boolean;
}

/**
 * Finds the first invalid UTF-8 sequence, fed chunk by chunk (a file too large to hold whole
 * is searched in pieces). Error path only: a byte at a time.
 */
class Utf8Finder {
  private line = 1;
  private column = 1;
  private offset = 0;
  private needed = 0;
  private seen = 0;
  private lower = 0x80;
  private upper = 0xbf;
  private lead = 0;
  private leadColumn = 1;
  private leadLine = 1;
  private first: number[] = [];

  /** The problem in `bytes` (which continue the bytes fed before), or null so far. */
  feed(bytes: Uint8Array): Utf8Problem | null {
    for (let i = 0; this.first.length < 3 && i < bytes.length; i++) this.first.push(bytes[i]);
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i];
      this.offset++;
      if (this.needed === 0) {
        if (byte <= 0x7f) {
          if (byte === 10) {
            this.line++;
            this.column = 1;
          } else this.column++;
          continue;
        }
        this.lead = byte;
        this.leadLine = this.line;
        this.leadColumn = this.column;
        if (byte >= 0xc2 && byte <= 0xdf) this.needed = 1;
        else if (byte >= 0xe0 && byte <= 0xef) {
          if (byte === 0xe0) this.lower = 0xa0;
          if (byte === 0xed) this.upper = 0x9f;
          this.needed = 2;
        } else if (byte >= 0xf0 && byte <= 0xf4) {
          if (byte === 0xf0) this.lower = 0x90;
          if (byte === 0xf4) this.upper = 0x8f;
          this.needed = 3;
        } else return this.problem(byte);
        continue;
      }
      if (byte < this.lower || byte > this.upper) return this.problem(this.lead);
      this.lower = 0x80;
      this.upper = 0xbf;
      if (++this.seen === this.needed) {
        this.needed = 0;
        this.seen = 0;
        // a byte order mark at the very start is no character an editor shows
        const [a, b, c] = this.first;
        if (!(this.offset === 3 && a === 0xef && b === 0xbb && c === 0xbf)) this.column++;
      }
    }
    return null;
  }

  /** The problem at the end of the bytes (they end inside a character), or null. */
  end(): Utf8Problem | null {
    return this.needed === 0 ? null : this.problem(null);
  }

  private problem(byte: number | null): Utf8Problem {
    const atLead = this.needed > 0 || byte === null;
    const [a, b] = this.first;
    return {
      line: atLead ? this.leadLine : this.line,
      column: atLead ? this.leadColumn : this.column,
      byte,
      utf16: (a === 0xff && b === 0xfe) || (a === 0xfe && b === 0xff),
    };
  }
}

/** The first invalid UTF-8 sequence of `bytes`, or null when they are all UTF-8. */
export function findInvalidUtf8(bytes: Uint8Array): Utf8Problem | null {
  const finder = new Utf8Finder();
  return finder.feed(bytes) ?? finder.end();
}

/** `findInvalidUtf8` over a file, read in chunks. */
export async function findInvalidUtf8InFile(path: string, signal?: AbortSignal): Promise<Utf8Problem | null> {
  const finder = new Utf8Finder();
  const stream = createReadStream(path, { highWaterMark: 1 << 16, signal });
  try {
    for await (const chunk of stream) {
      const problem = finder.feed(chunk as Buffer);
      if (problem !== null) return problem;
    }
  } finally {
    stream.destroy();
  }
  return finder.end();
}

/**
 * `FILE:LINE:COL: not valid UTF-8 (byte 0xE9): …` with what to do. `problem` null: the bytes
 * were rejected but the bad one was not found again (the file changed meanwhile).
 */
export function notUtf8Message(file: string, problem: Utf8Problem | null): string {
  if (problem === null) return `${file}: not valid UTF-8: the file must be UTF-8`;
  const where = `${file}:${problem.line}:${problem.column}`;
  if (problem.utf16) return `${where}: not valid UTF-8: the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8`;
  return `${where}: not valid UTF-8 (${foundText(problem)}): the file must be UTF-8 — if it was saved as Latin-1 or Windows-1252, convert it (iconv -f WINDOWS-1252 -t UTF-8)`;
}

/**
 * For bytes a program printed or a server answered: `WHAT is not valid UTF-8 (byte 0xE9 at
 * line 2, column 6); JSON must be UTF-8`.
 */
export function notUtf8Answer(what: string, problem: Utf8Problem): string {
  const where = `line ${problem.line}, column ${problem.column}`;
  if (problem.utf16) return `${what} is UTF-16 (it starts with a UTF-16 byte order mark), not UTF-8; JSON must be UTF-8`;
  return `${what} is not valid UTF-8 (${foundText(problem)} at ${where}); JSON must be UTF-8`;
}

function foundText(problem: Utf8Problem): string {
  return problem.byte === null ? 'it ends inside a character' : `byte 0x${problem.byte.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** The error for a source file that is not UTF-8, naming its first bad line. */
export async function notUtf8FileError(source: IrSource, file: string, absolute: string, signal?: AbortSignal): Promise<ConnectorError> {
  let problem: Utf8Problem | null = null;
  try {
    problem = await findInvalidUtf8InFile(absolute, signal);
  } catch {
    // unreadable now (removed, cancelled): the message says only that it is not UTF-8
  }
  return new ConnectorError(`${sourceLabel(source)}: ${notUtf8Message(file, problem)}`, source.connector.at);
}

/**
 * Reads a whole source file as UTF-8 text (json, yaml): a `ConnectorError` naming the first bad
 * line when it is not UTF-8, the usual one-line `fileError` when it cannot be read.
 */
export async function readUtf8File(source: IrSource, file: string, absolute: string, signal?: AbortSignal): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(absolute, { signal });
  } catch (error) {
    throw fileError(source, error);
  }
  let text: string | null;
  try {
    text = decodeUtf8(bytes);
  } catch (error) {
    if (error instanceof TextTooLongError) {
      // json and yaml documents are read whole; JSON Lines is read line by line
      throw new ConnectorError(`${sourceLabel(source)}: ${file}: ${error.message}; split it, or write it as JSON Lines (jsonl), which is read line by line`, source.connector.at);
    }
    throw error;
  }
  if (text !== null) return text;
  throw new ConnectorError(`${sourceLabel(source)}: ${notUtf8Message(file, findInvalidUtf8(bytes))}`, source.connector.at);
}
