/**
 * Finding the lexer token at or before an offset.
 *
 * Why: the AST says what a file means, but editor requests often land where the AST has nothing —
 * on a keyword, in the middle of a word being typed, just after a `.`. The tokens of the cached
 * parse answer those questions without re-lexing.
 */
import type { IToken } from 'chevrotain';
import { endOf } from '../../language/source-position.js';

/** Index of the last token starting at or before `offset`, or -1. Tokens are in text order. */
export function lastTokenStartingAtOrBefore(tokens: readonly IToken[], offset: number): number {
  let low = 0;
  let high = tokens.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const start = tokens[mid]!.startOffset;
    if (Number.isNaN(start) || start <= offset) {
      if (!Number.isNaN(start)) found = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return found;
}

/** The token covering `offset` (start <= offset < end), or null. */
export function tokenAt(tokens: readonly IToken[], offset: number): IToken | null {
  const index = lastTokenStartingAtOrBefore(tokens, offset);
  if (index < 0) return null;
  const token = tokens[index]!;
  return offset < endOf(token) ? token : null;
}

/** Whether a token is a keyword (reserved or contextual): its type is `Kw<Word>`. */
export function isKeywordToken(token: IToken): boolean {
  return token.tokenType.name.startsWith('Kw');
}

/** Whether a token is a word (identifier or keyword). */
export function isWordToken(token: IToken): boolean {
  return token.tokenType.name === 'Identifier' || isKeywordToken(token);
}
