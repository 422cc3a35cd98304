/**
 * Where and why a JSON text failed to parse, in one line: `file:line:col: not valid JSON: why`.
 *
 * Why one module: the `json` and `jsonl` connectors, the `json` writer, saved plans (`recon
 * approve`/`apply PLAN.json`) and approvals files all parse JSON a user may have edited, and all
 * must report a broken one the same way — one line with the position, never V8's message that
 * quotes (possibly several lines of) the file's content.
 */
import { parse as parseTolerant, type ParseError } from 'jsonc-parser';

/** 1-based line and column of a character offset in `text`. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Where `JSON.parse` failed on `text` (a 0-based offset, or null when even that cannot be told)
 * and why, in one line: V8's message without its position and without the excerpt of the text
 * it quotes.
 *
 * Why: V8 gives a position for some errors only ("Expected ',' or '}' after property value in
 * JSON at position 6"); for others ("Unexpected token '}', ..."1,\n  "x": }\n" is not valid
 * JSON") it quotes a piece of the file instead — possibly spanning lines, so the error was not
 * one line, and without any location. Then `jsonc-parser`, in strict mode, locates the first
 * error: the same place, found by a well-kept parser rather than by hand.
 */
export function jsonSyntaxError(text: string, error: unknown): { offset: number | null; detail: string } {
  const message = error instanceof Error ? error.message : String(error);
  const match = /at position (\d+)/.exec(message);
  let offset: number | null = match ? Number(match[1]) : null;
  if (offset === null && /Unexpected end of JSON input/.test(message)) offset = text.length;
  if (offset === null) {
    const errors: ParseError[] = [];
    parseTolerant(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    if (errors.length > 0) {
      const { offset: at, length } = errors[0];
      // `nope`: jsonc-parser marks the word, V8 names the character it stopped at ('o')
      const token = /^Unexpected token '(.+?)'/.exec(message)?.[1];
      const named = token === undefined ? -1 : text.indexOf(token, at);
      offset = Math.min(named >= at && named < at + Math.max(length, 1) ? named : at, text.length);
    }
  }
  const detail = message
    .replace(/,\s*(?:\.\.\.)?"[\s\S]*" is not valid JSON$/, '')
    .replace(/ (?:in JSON )?at position \d+[\s\S]*$/, '')
    .split('\n')[0];
  return { offset, detail };
}

/**
 * The one-line message for JSON text `text` of `file` that `JSON.parse` rejected with `error`:
 * `file:line:col: not valid JSON: why` (`file: not valid JSON: why` when no position is known).
 */
export function notValidJson(file: string, text: string, error: unknown): string {
  const { offset, detail } = jsonSyntaxError(text, error);
  if (offset === null) return `${file}: not valid JSON: ${detail}`;
  const { line, column } = lineColumnAt(text, offset);
  return `${file}:${line}:${column}: not valid JSON: ${detail}`;
}
