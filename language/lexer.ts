/**
 * The one lexer instance of the language (ARCHITECTURE.md convention 2).
 *
 * Why a wrapper: besides Chevrotain's own lexing errors, a few tokens exist only to be reported
 * (`2min`, a bad string escape, a line break inside a string); `lex` turns them into
 * diagnostics and removes them (or, for the unterminated string, turns the line break into the
 * string's end) so the parser sees a clean stream and recovers gracefully.
 */
import { endOf } from './source-position.js';
import { Lexer, type IToken, type TokenType } from 'chevrotain';
import { BadNumber, Duration, Identifier, KEYWORD_BY_WORD, lexerDefinition, NumberLiteral, StringBadEscape, StringEnd, StringUnterminated } from './tokens.js';
import type { Diagnostic } from './diagnostics.js';
import { diagnostic } from './diagnostics.js';

const lexer = new Lexer(lexerDefinition, {
  // Offsets only: nothing reads a token's line or column (positions become lines at the edges,
  // through `LineMap`), and tracking lines makes the lexer test every whitespace run for line
  // breaks and build tokens twice as large — the lexer ran about twice as fast without it.
  positionTracking: 'onlyOffset',
  ensureOptimizations: true,
  skipValidations: process.env.RECON_VALIDATE_GRAMMAR !== '1',
});

export interface LexResult {
  tokens: IToken[];
  comments: IToken[];
  diagnostics: Diagnostic[];
}

/**
 * Splits `text` into tokens; never throws. Offsets are 0-based, `endOffset` inclusive (Chevrotain).
 *
 * One pass over Chevrotain's token array, edited in place: it sets `endOffset` (the lexer tracks
 * only start offsets), retypes keywords, and drops or repairs the tokens that exist only to be
 * reported.
 */
export function lex(text: string): LexResult {
  const result = lexer.tokenize(text);
  const diagnostics: Diagnostic[] = [];
  for (const error of result.errors) {
    diagnostics.push(
      diagnostic('syntax-unexpected-character', error.offset, error.offset + Math.max(1, error.length), {
        char: displayChar(text, error.offset),
      }),
    );
  }
  const tokens = result.tokens;
  const count = tokens.length;
  let kept = 0;
  for (let i = 0; i < count; i++) {
    const token = tokens[i]!;
    token.endOffset = token.startOffset + token.image.length - 1;
    const type = token.tokenType;
    if (type === Identifier) {
      const keywordType = KEYWORD_BY_WORD.get(token.image);
      if (keywordType !== undefined) {
        token.tokenType = keywordType;
        token.tokenTypeIdx = keywordType.tokenTypeIdx!;
      }
      tokens[kept++] = token;
    } else if (type === BadNumber) {
      diagnostics.push(diagnostic('syntax-bad-number', token.startOffset, endOf(token), { text: token.image }));
      tokens[kept++] = repairBadNumber(token);
    } else if (type === StringBadEscape) {
      diagnostics.push(diagnostic('syntax-bad-escape', token.startOffset, endOf(token), { text: token.image.length > 1 && token.image[1] !== 'u' ? '\\' + displayChar(token.image, 1) : token.image }));
    } else if (type === StringUnterminated) {
      diagnostics.push(diagnostic('syntax-unterminated-string', token.startOffset, token.startOffset, {}));
      tokens[kept++] = retype(token, StringEnd, '');
    } else {
      tokens[kept++] = token;
    }
  }
  tokens.length = kept;
  const comments = (result.groups.comments as IToken[] | undefined) ?? [];
  for (const comment of comments) comment.endOffset = comment.startOffset + comment.image.length - 1;
  return { tokens, comments, diagnostics };
}

/**
 * How a character is quoted in a message: printable as itself (a whole surrogate pair), control
 * characters and lone surrogates as `U+XXXX` — a raw NUL or carriage return in a terminal line
 * would hide or overwrite the message.
 */
function displayChar(text: string, offset: number): string {
  const code = text.codePointAt(offset) ?? 0;
  if (code === 0x0a) return '\\n';
  if (code < 0x20 || (code >= 0x7f && code < 0xa0) || (code >= 0xd800 && code <= 0xdfff) || code === 0x2028 || code === 0x2029) {
    return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return String.fromCodePoint(code);
}

/** A token of another type over the same text (the parser matches on `tokenTypeIdx`). */
function retype(token: IToken, type: TokenType, image: string): IToken {
  return { ...token, image, tokenType: type, tokenTypeIdx: type.tokenTypeIdx!, endOffset: token.startOffset + image.length - 1 };
}

/**
 * After reporting `2min`, hand the parser what the author most likely meant (a duration when the
 * letters start with a unit, else the number), so one typo does not cascade into more errors.
 */
function repairBadNumber(token: IToken): IToken {
  const match = /^(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)([A-Za-z_])/.exec(token.image)!;
  const unit = match[2]!;
  if ('smhd'.includes(unit) && !/[eE]/.test(match[1]!)) return retype(token, Duration, match[1]! + unit);
  return retype(token, NumberLiteral, match[1]!);
}
