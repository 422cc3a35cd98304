/**
 * Text to AST: lex, parse with recovery, build the AST, and turn every lexing and parsing error
 * into a located diagnostic with a message a user understands.
 *
 * Why messages are rebuilt here: Chevrotain speaks in token type names (`RCurly`, `KwFrom`,
 * `NameWord`); users read `}`, `from` and "a name".
 */
import { endOf, LineMap } from './source-position.js';
import type { IRecognitionException, IToken } from 'chevrotain';
import type { ReconFile } from './ast.js';
import { AstBuilder } from './ast-builder.js';
import { diagnostic, type Diagnostic } from './diagnostics.js';
import { lex } from './lexer.js';
import { limitExpressionDepth, limitTokenNesting } from './nesting-limit.js';
import { parseTokens } from './parser.js';

export interface ParsedFile {
  text: string;
  ast: ReconFile;
  tokens: IToken[];
  comments: IToken[];
  /** Lexical and syntax errors, in text order. */
  diagnostics: Diagnostic[];
  /** Line starts of `text`, computed once for every later offset-to-line conversion. */
  lines: LineMap;
}

const TOKEN_DISPLAY: Record<string, string> = {
  NameWord: 'a name',
  CompareFieldWord: 'a field name',
  Identifier: 'a name',
  StringStart: 'a string',
  StringEnd: 'the end of the string (")',
  StringText: 'text',
  NumberLiteral: 'a number',
  Duration: 'a duration (like 2m)',
  Percentage: 'a percentage (like 10%)',
  LCurly: "'{'",
  RCurly: "'}'",
  LParen: "'('",
  RParen: "')'",
  LBracket: "'['",
  RBracket: "']'",
  InterpolationEnd: "'}' closing the interpolation",
  Arrow: "'=>'",
  Equals: "'='",
  Colon: "':'",
  Comma: "','",
  DotDot: "'..'",
  Slash: "'/'",
};

function displayFound(tok: IToken): string {
  if (tok.tokenType?.name === 'EOF' || tok.image === undefined || tok.image === '') return 'end of file';
  if (tok.tokenType?.name === 'StringStart') return 'a string';
  return `'${tok.image}'`;
}

const RULE_DISPLAY: Record<string, string> = {
  file: 'a top-level declaration (import, let, group, source, profile, policy or test)',
  sourceDecl: 'a source statement (from, key, fields, select, where, write)',
  policyStmt: 'a policy statement (description, owner, severity, mode, desired, actual, compare, remediate, limits, retry, rate, concurrency, schedule)',
  compareBlock: 'a compare rule (default, use, or FIELD COMPARATOR)',
  comparator: 'a comparator (exact, ignore, ignore_case, within, unordered, normalize, by)',
  primary: 'an expression',
  expectEntry: 'an expectation (missing N, extra N, changed N, invalid N, ignored N, action ACTION on KEY)',
  writeOp: 'a write operation (create|update|delete METHOD "url", or exec(...))',
  expr: 'an expression',
  operand: 'an expression',
  list: 'a list element or ]',
  object: 'an object entry or }',
  limitEntry: 'a limit (max_changes N, max_ratio N%, max_deletes N, on_exceed abort|approve)',
};

/** Turns one parser error into a diagnostic; the message says what was expected and what was found. */
function syntaxDiagnostic(error: IRecognitionException, tokens: IToken[], textLength: number): Diagnostic {
  const tok = error.token;
  let start = tok.startOffset;
  let end = endOf(tok);
  if (Number.isNaN(start) || tok.tokenType?.name === 'EOF') {
    // at the end of input: point just after the last real token
    const previous = (error as IRecognitionException & { previousToken?: IToken }).previousToken ?? tokens[tokens.length - 1];
    start = previous && !Number.isNaN(previous.startOffset) ? endOf(previous) : textLength;
    end = start;
  }
  const found = displayFound(tok);
  let detail: string;
  if (error.name === 'MismatchedTokenException') {
    const expected = /-->\s*(\S+)\s*<--/.exec(error.message)?.[1];
    detail = `expected ${expected ? displayNamed(expected) : 'something else'} but found ${found}`;
  } else if (error.name === 'NotAllInputParsedException') {
    detail = `unexpected ${found}: expected ${RULE_DISPLAY.file}`;
  } else {
    const rule = error.context?.ruleStack?.at(-1) ?? '';
    const expectation = RULE_DISPLAY[rule] ?? 'something else';
    detail = `unexpected ${found}: expected ${expectation}`;
  }
  return diagnostic('syntax-error', start, end, { detail });
}

/** The display form of a token type named in one of Chevrotain's messages. */
function displayNamed(name: string): string {
  // only the file rule ends with EOF: what may stand there is a declaration
  if (name === 'EOF') return RULE_DISPLAY.file!;
  return TOKEN_DISPLAY[name] ?? (name.startsWith('Kw') ? `'${name.charAt(2).toLowerCase()}${name.slice(3)}'` : name);
}

/** Parses one file's text; never throws. */
export function parseFile(text: string): ParsedFile {
  const lexed = lex(text);
  const limited = limitTokenNesting(lexed.tokens);
  lexed.tokens = limited.tokens;
  const parsed = parseTokens(lexed.tokens);
  const diagnostics = [...lexed.diagnostics, ...limited.diagnostics];
  for (const error of parsed.errors) diagnostics.push(syntaxDiagnostic(error, lexed.tokens, text.length));
  const lines = new LineMap(text);
  const builder = new AstBuilder(lexed.comments, text, lines);
  const ast = builder.file(parsed.cst, text.length);
  diagnostics.push(...builder.diagnostics, ...limitExpressionDepth(ast, lexed.tokens));
  diagnostics.sort((a, b) => a.start - b.start);
  return { text, ast, tokens: lexed.tokens, comments: lexed.comments, diagnostics, lines };
}
