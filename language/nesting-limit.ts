/**
 * Limits on how deeply a file may nest, reported as located diagnostics (`nesting-too-deep`).
 *
 * Why: the parser, the AST builder, the checker, the compiler, the formatter and the runtime's
 * JsonLogic evaluation all recurse into expressions. Ten thousand parentheses, or an `or` of five
 * thousand conditions, overflowed the stack, and `recon check` answered "Maximum call stack size
 * exceeded" with no file, line or code. No hand-written policy comes near these limits; a
 * generated one that does is told where, and can split the expression with `let` constants.
 *
 * Two limits, because the parser recurses only into brackets while the later phases recurse into
 * every operator: the token stream is limited before parsing (`limitTokenNesting`), the built AST
 * after (`limitExpressionDepth`). Both remove what is too deep, so every later phase still runs
 * (and the language server still has an outline), and the diagnostic is an error, so nothing is
 * compiled or formatted from the shortened file.
 */
import { tokenMatcher, type IToken } from 'chevrotain';
import type * as A from './ast.js';
import { diagnostic, type Diagnostic } from './diagnostics.js';
import { endOf } from './source-position.js';
import * as T from './tokens.js';

/** Most brackets, parentheses, braces, interpolations and prefix operators open at one point. */
export const MAX_TOKEN_NESTING = 100;
/** Most nodes on one path from the file down to an expression that has parts of its own. */
export const MAX_EXPRESSION_DEPTH = 1000;

type Kind = 'open' | 'close' | 'prefix' | 'other';

function kindOf(token: IToken): Kind {
  const type = token.tokenType;
  if (type === T.LParen || type === T.LBracket || type === T.InterpolationStart || tokenMatcher(token, T.LCurly)) return 'open';
  if (type === T.RParen || type === T.RBracket || type === T.InterpolationEnd || tokenMatcher(token, T.RCurly)) return 'close';
  if (tokenMatcher(token, T.PrefixOperator)) return 'prefix';
  return 'other';
}

/**
 * The tokens with every part nested deeper than `MAX_TOKEN_NESTING` removed, and a diagnostic for
 * each. A too deep group keeps its brackets around a `0` (braces around nothing: `{}` is an empty
 * object), so the parser sees a well-formed expression there; a too long run of `not` and `-`
 * keeps its first operators. Prefix operators count as levels because the AST builder recurses
 * into each.
 */
export function limitTokenNesting(tokens: IToken[]): { tokens: IToken[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  // the weight of each open group: itself plus the prefix operators directly before it
  const weights: number[] = [];
  let depth = 0;
  let run = 0;
  let result: IToken[] | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const kind = kindOf(token);
    if (kind === 'prefix') {
      if (depth + run + 1 > MAX_TOKEN_NESTING) {
        result ??= tokens.slice(0, i);
        report(diagnostics, token, 'more than 100 operators and brackets are open here');
        while (i + 1 < tokens.length && kindOf(tokens[i + 1]!) === 'prefix') i++;
        continue;
      }
      run++;
    } else if (kind === 'open') {
      if (depth + run + 1 > MAX_TOKEN_NESTING) {
        result ??= tokens.slice(0, i);
        report(diagnostics, token, 'brackets, parentheses and interpolations nest more than 100 levels deep here');
        const close = matchingClose(tokens, i);
        result.push(token);
        if (!tokenMatcher(token, T.LCurly)) result.push(placeholder(token));
        if (close === -1) break;
        result.push(tokens[close]!);
        i = close;
        run = 0;
        continue;
      }
      weights.push(run + 1);
      depth += run + 1;
      run = 0;
    } else {
      if (kind === 'close' && weights.length > 0) depth -= weights.pop()!;
      run = 0;
    }
    result?.push(token);
  }
  return { tokens: result ?? tokens, diagnostics };
}

function report(diagnostics: Diagnostic[], token: IToken, detail: string): void {
  diagnostics.push(diagnostic('nesting-too-deep', token.startOffset, endOf(token), { detail }));
}

/** Index of the token closing the group `tokens[open]` opens, or -1 when the file ends first. */
function matchingClose(tokens: IToken[], open: number): number {
  let level = 0;
  for (let i = open; i < tokens.length; i++) {
    const kind = kindOf(tokens[i]!);
    if (kind === 'open') level++;
    else if (kind === 'close' && --level === 0) return i;
  }
  return -1;
}

/** A `0` standing for the removed inside of a group, at the group's start. */
function placeholder(open: IToken): IToken {
  const at = endOf(open);
  return { ...open, image: '0', tokenType: T.NumberLiteral, tokenTypeIdx: T.NumberLiteral.tokenTypeIdx!, startOffset: at, endOffset: at };
}

const EXPRESSION_KINDS: ReadonlySet<string> = new Set<A.Expr['kind']>([
  'String', 'Number', 'Duration', 'Percent', 'Bool', 'Null', 'List', 'Object', 'NameRef', 'Member', 'Index', 'Call', 'Binary', 'Unary', 'Paren',
]);

/**
 * Replaces each expression deeper than `MAX_EXPRESSION_DEPTH` (counted in AST nodes from the
 * file) by a missing expression — silent in every later phase — and reports it. Walks without
 * recursion, since what it guards against is a recursion too deep.
 */
export function limitExpressionDepth(file: A.ReconFile, tokens: readonly IToken[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  // Every node but an argument or a declaration's statement stands on a token of its own, so a
  // declaration of fewer tokens than half the limit cannot be too deep: only the rare large
  // ones are walked (a file of many small declarations costs one binary search each).
  const large = file.declarations.filter((d) => 2 * (tokenIndex(tokens, d.end) - tokenIndex(tokens, d.start)) + 16 >= MAX_EXPRESSION_DEPTH);
  if (large.length === 0) return diagnostics;
  /** A node or array, where it hangs, and the outermost expression it is part of (`root`). */
  interface Entry {
    value: object;
    depth: number;
    parent: Record<string | number, unknown>;
    key: string | number;
    root: A.Span | null;
  }
  const reported = new Set<A.Span>();
  const stack: Entry[] = [];
  const pushChildren = (value: object, depth: number, root: A.Span | null): void => {
    const container = value as Record<string | number, unknown>;
    for (const key in container) {
      const child = container[key];
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth, parent: container, key, root });
    }
  };
  pushChildren(large, 1, null);
  while (stack.length > 0) {
    const { value, depth, parent, key, root } = stack.pop()!;
    if (Array.isArray(value)) {
      pushChildren(value, depth, root);
      continue;
    }
    const node = value as Record<string, unknown>;
    if (typeof node.kind !== 'string') {
      pushChildren(node, depth, root);
      continue;
    }
    const nodeDepth = depth + 1;
    const isExpression = EXPRESSION_KINDS.has(node.kind);
    // an expression at the limit that has parts below it is replaced whole (several may be, at
    // the edge), and reported once for the outermost expression: at its start
    if (nodeDepth >= MAX_EXPRESSION_DEPTH && isExpression && hasParts(node)) {
      const span = node as unknown as A.Span;
      const at = root ?? span;
      if (!reported.has(at)) {
        reported.add(at);
        diagnostics.push(diagnostic('nesting-too-deep', at.start, at.end, { detail: `this expression is more than ${MAX_EXPRESSION_DEPTH} operations deep` }));
      }
      const missing: A.NameRef = { kind: 'NameRef', name: { kind: 'Name', text: '', start: span.start, end: span.start, missing: true }, start: span.start, end: span.start, missing: true };
      parent[key] = missing;
      continue;
    }
    pushChildren(node, nodeDepth, root ?? (isExpression ? (node as unknown as A.Span) : null));
  }
  return diagnostics;
}

function hasParts(node: Record<string, unknown>): boolean {
  for (const name in node) {
    const child = node[name];
    if (child !== null && typeof child === 'object') return true;
  }
  return false;
}

/** Index of the first token starting at or after `offset` (binary search). */
function tokenIndex(tokens: readonly IToken[], offset: number): number {
  let low = 0;
  let high = tokens.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (tokens[mid]!.startOffset < offset) low = mid + 1;
    else high = mid;
  }
  return low;
}
