/**
 * Token types of the `.recon` language (LANGUAGE.md sections 1 and 6).
 *
 * Why keywords are tokens with categories: most keywords are reserved only where the grammar
 * needs them (a field may be called `key` or `status`). Every contextual keyword therefore also
 * belongs to the category `NameWord`, and the parser consumes `NameWord` wherever a name may
 * stand; `CompareFieldWord` excludes the two words that start a statement of a `compare` block
 * (`default`, `use`), which a field of that name must quote. Truly reserved words (`and`, `or`,
 * `not`, `in`, `matches`, `true`, `false`, `null`) belong to neither category.
 *
 * Strings are lexed with modes so interpolations can hold any expression, nested strings and
 * object literals included: `"` pushes the `string` mode, `${` pushes `interpolation`, and a `{`
 * inside an interpolation pushes `braced` so that only the matching `}` ends the interpolation.
 */
import { createToken, Lexer, type TokenType } from 'chevrotain';

/** Any word that may serve as a name (identifiers and contextual keywords). */
export const NameWord = createToken({ name: 'NameWord', pattern: Lexer.NA });
/** Names allowed as a compare rule's field: every NameWord but `default` and `use`. */
export const CompareFieldWord = createToken({ name: 'CompareFieldWord', pattern: Lexer.NA, categories: [NameWord] });

/** Every binary operator of expressions (precedence is applied by the AST builder). */
export const BinaryOperator = createToken({ name: 'BinaryOperator', pattern: Lexer.NA });
/** `not` and unary `-`. */
export const PrefixOperator = createToken({ name: 'PrefixOperator', pattern: Lexer.NA });

export const Identifier = createToken({
  name: 'Identifier',
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  categories: [CompareFieldWord, NameWord],
});

/** Words that are never names. */
const RESERVED = ['and', 'or', 'not', 'in', 'matches', 'true', 'false', 'null'] as const;

/**
 * Contextual keywords (names elsewhere). `default` and `use` are listed apart because a compare
 * block reads them as statements.
 */
const CONTEXTUAL = [
  'import', 'as', 'let', 'group', 'source', 'profile', 'policy', 'test',
  'from', 'key', 'fields', 'select', 'where', 'write', 'map',
  'description', 'owner', 'severity', 'mode', 'desired', 'actual', 'compare', 'remediate', 'limits',
  'retry', 'backoff', 'rate', 'concurrency', 'schedule', 'every',
  'within', 'normalize', 'unordered', 'by',
  'on', 'when', 'requires', 'approval', 'because', 'until', 'expect',
] as const;
const COMPARE_STATEMENT = ['default', 'use'] as const;

export type ReservedWord = (typeof RESERVED)[number];
export type KeywordWord = ReservedWord | (typeof CONTEXTUAL)[number] | (typeof COMPARE_STATEMENT)[number];

/**
 * Keywords are not matched by the lexer: every word is lexed as an `Identifier`, and `lex` retypes
 * the words found in `KEYWORD_BY_WORD` (one map lookup instead of trying dozens of patterns per
 * word — the lexer runs several times faster this way).
 */
function keyword(word: string, categories: TokenType[]): TokenType {
  const name = 'Kw' + word.charAt(0).toUpperCase() + word.slice(1);
  return createToken({ name, pattern: Lexer.NA, categories });
}

/** Keyword token types by their word. */
export const Keyword: Record<KeywordWord, TokenType> = {} as Record<KeywordWord, TokenType>;
for (const word of RESERVED) {
  const operator = word === 'and' || word === 'or' || word === 'in' || word === 'matches';
  Keyword[word] = keyword(word, operator ? [BinaryOperator] : word === 'not' ? [PrefixOperator] : []);
}
for (const word of CONTEXTUAL) Keyword[word] = keyword(word, [CompareFieldWord, NameWord]);
for (const word of COMPARE_STATEMENT) Keyword[word] = keyword(word, [NameWord]);

/** Keyword token types by word, for the lexer's retyping pass. */
export const KEYWORD_BY_WORD: ReadonlyMap<string, TokenType> = new Map(Object.entries(Keyword));

/** Every keyword of the language, for completion and hover. */
export const KEYWORDS: readonly string[] = [...RESERVED, ...CONTEXTUAL, ...COMPARE_STATEMENT];
/** Words that can never be used as a bare name. */
export const RESERVED_WORDS: ReadonlySet<string> = new Set(RESERVED);

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\uFEFF]+/, group: Lexer.SKIPPED });
/** Kept in the `comments` group: the formatter re-emits them; hover shows doc comments. */
export const Comment = createToken({ name: 'Comment', pattern: /#[^\n\r]*/, group: 'comments' });

export const Duration = createToken({ name: 'Duration', pattern: /\d+(?:\.\d+)?(?:ms|s|m|h|d)(?![A-Za-z0-9_])/ });
export const Percentage = createToken({ name: 'Percentage', pattern: /\d+(?:\.\d+)?%/ });
export const NumberLiteral = createToken({ name: 'NumberLiteral', pattern: /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![A-Za-z_0-9])/ });
/** `2min`: a number directly followed by letters that are not a duration unit. Reported, then dropped. */
export const BadNumber = createToken({ name: 'BadNumber', pattern: /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[A-Za-z_][A-Za-z0-9_]*/ });

export const Arrow = createToken({ name: 'Arrow', pattern: /=>/ });
export const EqEq = createToken({ name: 'EqEq', pattern: /==/, categories: [BinaryOperator] });
export const NotEq = createToken({ name: 'NotEq', pattern: /!=/, categories: [BinaryOperator] });
export const LessEq = createToken({ name: 'LessEq', pattern: /<=/, categories: [BinaryOperator] });
export const GreaterEq = createToken({ name: 'GreaterEq', pattern: />=/, categories: [BinaryOperator] });
export const Less = createToken({ name: 'Less', pattern: /</, categories: [BinaryOperator] });
export const Greater = createToken({ name: 'Greater', pattern: />/, categories: [BinaryOperator] });
export const Equals = createToken({ name: 'Equals', pattern: /=/ });
export const DotDot = createToken({ name: 'DotDot', pattern: /\.\./ });
export const Dot = createToken({ name: 'Dot', pattern: /\./ });
export const Comma = createToken({ name: 'Comma', pattern: /,/ });
export const Colon = createToken({ name: 'Colon', pattern: /:/ });
export const Plus = createToken({ name: 'Plus', pattern: /\+/, categories: [BinaryOperator] });
export const Minus = createToken({ name: 'Minus', pattern: /-/, categories: [BinaryOperator, PrefixOperator] });
export const Star = createToken({ name: 'Star', pattern: /\*/, categories: [BinaryOperator] });
export const Slash = createToken({ name: 'Slash', pattern: /\//, categories: [BinaryOperator] });
export const PercentSign = createToken({ name: 'PercentSign', pattern: /%/, categories: [BinaryOperator] });
export const LParen = createToken({ name: 'LParen', pattern: /\(/ });
export const RParen = createToken({ name: 'RParen', pattern: /\)/ });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/ });
export const RBracket = createToken({ name: 'RBracket', pattern: /]/ });

/** `{` and `}` as the parser sees them; the concrete tokens below differ only in lexer modes. */
export const LCurly = createToken({ name: 'LCurly', pattern: Lexer.NA });
export const RCurly = createToken({ name: 'RCurly', pattern: Lexer.NA });
const LCurlyPlain = createToken({ name: 'LCurlyPlain', pattern: /{/, categories: [LCurly] });
const RCurlyPlain = createToken({ name: 'RCurlyPlain', pattern: /}/, categories: [RCurly] });
const LCurlyPush = createToken({ name: 'LCurlyPush', pattern: /{/, categories: [LCurly], push_mode: 'braced' });
const RCurlyPop = createToken({ name: 'RCurlyPop', pattern: /}/, categories: [RCurly], pop_mode: true });

export const StringStart = createToken({ name: 'StringStart', pattern: /"/, push_mode: 'string' });
export const StringEnd = createToken({ name: 'StringEnd', pattern: /"/, pop_mode: true });
/**
 * A line break inside a string (`\n`, `\r\n` or a lone `\r`, the line ends `LineMap` counts): the
 * string is unterminated. Ends the string mode so lexing recovers.
 */
export const StringUnterminated = createToken({ name: 'StringUnterminated', pattern: /\r\n?|\n/, pop_mode: true, line_breaks: true });
/** Text of a string between interpolations, JSON escapes still encoded (decoded by the AST builder). */
export const StringText = createToken({
  name: 'StringText',
  pattern: /(?:[^"\\$\r\n]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4}|\$(?!\{)(?!\$\{))+/,
  // A complement set defeats Chevrotain's first-character analysis; list every possible start.
  start_chars_hint: stringTextStartChars(),
});

function stringTextStartChars(): string[] {
  const chars: string[] = [];
  for (let code = 0; code <= 0xffff; code++) {
    if (code !== 0x22 && code !== 0x0a && code !== 0x0d) chars.push(String.fromCharCode(code));
  }
  return chars;
}
/** `$${`: a literal `${`. */
export const StringEscapedInterpolation = createToken({ name: 'StringEscapedInterpolation', pattern: /\$\$\{/ });
/**
 * A backslash not starting a JSON escape. Reported, then dropped. A backslash at the end of a line
 * is one alone: the line break still ends the string (`StringUnterminated`), rather than the string
 * running on over the next lines.
 */
export const StringBadEscape = createToken({ name: 'StringBadEscape', pattern: /\\(?:u[0-9a-fA-F]{0,3}|[^"\\/bfnrtu\r\n]?)/ });
export const InterpolationStart = createToken({ name: 'InterpolationStart', pattern: /\$\{/, push_mode: 'interpolation' });
export const InterpolationEnd = createToken({ name: 'InterpolationEnd', pattern: /}/, pop_mode: true });

const codeTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  StringStart,
  Duration,
  Percentage,
  NumberLiteral,
  BadNumber,
  Identifier,
  Arrow,
  EqEq,
  NotEq,
  LessEq,
  GreaterEq,
  Less,
  Greater,
  Equals,
  DotDot,
  Dot,
  Comma,
  Colon,
  Plus,
  Minus,
  Star,
  Slash,
  PercentSign,
  LParen,
  RParen,
  LBracket,
  RBracket,
];

/** The multi-mode lexer definition. */
export const lexerDefinition = {
  defaultMode: 'code',
  modes: {
    code: [...codeTokens, LCurlyPlain, RCurlyPlain],
    interpolation: [...codeTokens, LCurlyPush, InterpolationEnd],
    braced: [...codeTokens, LCurlyPush, RCurlyPop],
    string: [StringEnd, StringUnterminated, StringEscapedInterpolation, InterpolationStart, StringText, StringBadEscape],
  },
};

/** Every token type the parser may see (categories included). */
export const allTokenTypes: TokenType[] = [
  BinaryOperator,
  PrefixOperator,
  ...Object.values(Keyword),
  NameWord,
  CompareFieldWord,
  LCurly,
  RCurly,
  LCurlyPlain,
  RCurlyPlain,
  LCurlyPush,
  RCurlyPop,
  ...codeTokens,
  StringEnd,
  StringUnterminated,
  StringEscapedInterpolation,
  InterpolationStart,
  InterpolationEnd,
  StringText,
  StringBadEscape,
];
