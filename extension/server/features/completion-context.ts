/**
 * Where the cursor stands, for completion: which block it is in (top level, a source, `fields`,
 * `select`, `write`, `map`, a policy, `compare`, `remediate`, `limits`, a test, `expect`, a
 * connector call, a list, an object, a string, an interpolation), how far the current statement
 * has got, and therefore what may come next.
 *
 * Why from tokens and not the AST: while a word is being typed the file rarely parses, and error
 * recovery may have dropped exactly the statement under the cursor. The tokens before the cursor
 * are always there; a bracket stack over them gives the block, and a small reading of the current
 * statement (the tokens of the block on the cursor's line, since the canonical layout puts one
 * statement on a line, from the last statement keyword) gives the position in the grammar. The
 * AST and the symbol tables of the cached analysis then say which names exist.
 */
import type { IToken } from 'chevrotain';
import type * as A from '../../../language/ast.js';
import { connectorSpec, type ConnectorSpec, type ValueType } from '../../../language/checker/builtin-functions.js';
import {
  connectorScope,
  constantScope,
  mapScope,
  ruleScope,
  selectScope,
  untypedRoots,
  whereScope,
  type ExpressionScope,
} from '../../../language/checker/expression-scope.js';
import { referencedLets } from '../../../language/checker/let-analysis.js';
import { untypedRecord, type RecordShape } from '../../../language/checker/source-shape.js';
import type { SymbolKind } from '../../../language/program.js';
import { endOf } from '../../../language/source-position.js';
import type { DocumentAnalysis } from '../document-analysis.js';
import type { PolicySidesInfo, SourceInfo, WordCategory } from '../semantic-index.js';

/** Statement keywords of each block. */
export const TOP_LEVEL_KEYWORDS = ['import', 'let', 'group', 'source', 'profile', 'policy', 'test'] as const;
export const SOURCE_KEYWORDS = ['from', 'key', 'fields', 'select', 'where', 'write'] as const;
export const POLICY_KEYWORDS = ['description', 'owner', 'severity', 'mode', 'desired', 'actual', 'compare', 'remediate', 'limits', 'retry', 'rate', 'concurrency', 'schedule'] as const;
export const TEST_KEYWORDS = ['policy', 'desired', 'actual', 'expect'] as const;
export const WRITE_KEYWORDS = ['create', 'update', 'delete', 'map'] as const;
export const COMPARATOR_KEYWORDS = ['exact', 'ignore', 'ignore_case', 'within', 'unordered', 'normalize', 'by'] as const;

/** The expression context of a completion: its scope and the sources behind its roots. */
export interface ExpressionSite {
  scope: ExpressionScope;
  /** The source whose record bare names refer to (select, where, map). */
  record: SourceInfo | null;
  desired: SourceInfo | null;
  actual: SourceInfo | null;
  key: SourceInfo | null;
  /**
   * Lets not to offer: the one whose value is being written and those that depend on it, since
   * naming any of them there makes a let cycle (an error).
   */
  hiddenLets: readonly string[];
}

/** What may be offered at the cursor; completion turns each into items. */
export type Offer =
  | { kind: 'keywords'; words: readonly string[] }
  | { kind: 'words'; category: WordCategory; words?: readonly string[] }
  /** Declarations of a kind, from this module and (qualified) imported ones; `alias` after `alias.`. */
  | { kind: 'declarations'; symbol: SymbolKind; alias: string | null }
  /**
   * Field names of a source (`quoted`: names that are not identifiers are offered as strings);
   * `record`, when given, stands for the source's record (fields read from the text ahead).
   */
  | { kind: 'fields'; source: SourceInfo | null; quoted: boolean; exclude?: readonly string[]; record?: RecordShape }
  | { kind: 'expression'; site: ExpressionSite }
  /** After `object.` in an expression. */
  | { kind: 'member'; site: ExpressionSite; object: string }
  | { kind: 'operators' }
  | { kind: 'connectors' }
  | { kind: 'options'; spec: ConnectorSpec; used: readonly string[] }
  | { kind: 'stdlib-modules' };

export interface CompletionContext {
  /** Start of the word being typed (the range completion replaces ends at the cursor). */
  wordStart: number;
  offers: Offer[];
}

type FrameKind =
  | 'top'
  | 'source'
  | 'fields'
  | 'select'
  | 'write'
  | 'map'
  | 'policy'
  | 'profile'
  | 'compare'
  | 'remediate'
  | 'limits'
  | 'test'
  | 'expect'
  | 'object'
  | 'list'
  | 'paren'
  | 'string'
  | 'interpolation';

interface Frame {
  kind: FrameKind;
  /** The declaration's name (source, policy, profile) or the callee of a paren. */
  name: string | null;
  /** Offset of the opening token. */
  openAt: number;
  /** Tokens directly in this frame (nested frames contribute only their open and close tokens). */
  tokens: IToken[];
  parent: Frame | null;
}

const BLOCK_AFTER_KEYWORD: Readonly<Record<string, FrameKind>> = {
  fields: 'fields',
  select: 'select',
  write: 'write',
  map: 'map',
  compare: 'compare',
  remediate: 'remediate',
  limits: 'limits',
  expect: 'expect',
};

/** `Array.prototype.findLastIndex` (ES2023, beyond the project's ES2022 lib). */
function findLastIndex<T>(list: readonly T[], predicate: (item: T) => boolean): number {
  for (let i = list.length - 1; i >= 0; i--) if (predicate(list[i]!)) return i;
  return -1;
}

function typeName(token: IToken | undefined): string {
  return token?.tokenType.name ?? '';
}

/** The word of an identifier or keyword token, else null. */
function wordOf(token: IToken | undefined): string | null {
  if (!token) return null;
  const name = token.tokenType.name;
  return name === 'Identifier' || name.startsWith('Kw') ? token.image : null;
}

function isOpenCurly(token: IToken): boolean {
  const n = typeName(token);
  return n === 'LCurlyPlain' || n === 'LCurlyPush';
}

function isCloseCurly(token: IToken): boolean {
  const n = typeName(token);
  return n === 'RCurlyPlain' || n === 'RCurlyPop';
}

/** A token after which an operand is complete (so an operator or a new statement may follow). */
function endsOperand(token: IToken | undefined): boolean {
  const n = typeName(token);
  return (
    n === 'Identifier' ||
    n === 'NumberLiteral' ||
    n === 'Duration' ||
    n === 'Percentage' ||
    n === 'StringEnd' ||
    n === 'RParen' ||
    n === 'RBracket' ||
    n === 'RCurlyPlain' ||
    n === 'RCurlyPop' ||
    n === 'KwTrue' ||
    n === 'KwFalse' ||
    n === 'KwNull'
  );
}

/** Builds the frame stack over the tokens before the word being typed. */
function buildFrames(tokens: readonly IToken[], until: number, cursor: number): Frame {
  const top: Frame = { kind: 'top', name: null, openAt: 0, tokens: [], parent: null };
  let frame = top;
  const push = (kind: FrameKind, token: IToken, name: string | null): void => {
    frame.tokens.push(token);
    frame = { kind, name, openAt: token.startOffset, tokens: [], parent: frame };
  };
  const pop = (accept: (kind: FrameKind) => boolean, token: IToken): void => {
    let f: Frame | null = frame;
    while (f && f.kind !== 'top' && !accept(f.kind)) f = f.parent;
    if (!f || f.kind === 'top') return; // unmatched: ignore
    frame = f.parent!;
    frame.tokens.push(token);
  };
  for (const token of tokens) {
    if (Number.isNaN(token.startOffset)) continue;
    // Tokens before the word; a token that spans the cursor (string text) belongs to its frame too.
    if (!(token.startOffset < until || (token.startOffset < cursor && wordOf(token) === null))) break;
    const n = typeName(token);
    if (isOpenCurly(token)) {
      push(curlyKind(frame), token, curlyName(frame));
    } else if (isCloseCurly(token)) {
      pop((k) => k !== 'paren' && k !== 'list' && k !== 'string' && k !== 'interpolation', token);
    } else if (n === 'LParen') {
      push('paren', token, wordOf(frame.tokens.at(-1)));
    } else if (n === 'RParen') {
      pop((k) => k === 'paren', token);
    } else if (n === 'LBracket') {
      push('list', token, null);
    } else if (n === 'RBracket') {
      pop((k) => k === 'list', token);
    } else if (n === 'StringStart') {
      push('string', token, null);
    } else if (n === 'StringEnd') {
      // an unterminated string's end sits at the line break: only a real end closes it
      if (token.image !== '' || token.startOffset < cursor) pop((k) => k === 'string', token);
    } else if (n === 'InterpolationStart') {
      push('interpolation', token, null);
    } else if (n === 'InterpolationEnd') {
      pop((k) => k === 'interpolation', token);
    } else {
      frame.tokens.push(token);
    }
  }
  return frame;
}

/** What a `{` opens, from the tokens before it in its frame. */
function curlyKind(frame: Frame): FrameKind {
  const t = frame.tokens;
  const last = wordOf(t.at(-1));
  if (frame.kind !== 'object' && frame.kind !== 'list' && frame.kind !== 'paren' && frame.kind !== 'interpolation') {
    if (last && Object.prototype.hasOwnProperty.call(BLOCK_AFTER_KEYWORD, last) && typeName(t.at(-1)).startsWith('Kw')) {
      const kind = BLOCK_AFTER_KEYWORD[last]!;
      // `expect {` only in tests, `map {` only in write blocks, `select`/`fields` in sources
      if (kind === 'expect' && frame.kind !== 'test') return 'object';
      return kind;
    }
    if (frame.kind === 'top') {
      const before = wordOf(t.at(-2));
      if (last && (before === 'source' || before === 'policy' || before === 'profile')) return before as FrameKind;
      if (typeName(t.at(-1)) === 'StringEnd') {
        const start = findLastIndex(t, (tok) => typeName(tok) === 'StringStart');
        if (start > 0 && wordOf(t[start - 1]) === 'test') return 'test';
      }
    }
  }
  return 'object';
}

function curlyName(frame: Frame): string | null {
  if (frame.kind !== 'top') return null;
  const before = wordOf(frame.tokens.at(-2));
  return before === 'source' || before === 'policy' || before === 'profile' ? wordOf(frame.tokens.at(-1)) : null;
}

/** The keywords that start a statement of a block (a boundary for the current statement). */
const STATEMENT_STARTS: Partial<Record<FrameKind, ReadonlySet<string>>> = {
  top: new Set(TOP_LEVEL_KEYWORDS),
  source: new Set(SOURCE_KEYWORDS),
  policy: new Set(POLICY_KEYWORDS),
  test: new Set(TEST_KEYWORDS),
  write: new Set(WRITE_KEYWORDS),
  remediate: new Set(['on']),
  compare: new Set(['default', 'use']),
  expect: new Set(['missing', 'extra', 'changed', 'invalid', 'ignored', 'action']),
  limits: new Set(['max_changes', 'max_ratio', 'max_deletes', 'on_exceed']),
};

/**
 * The tokens of the frame's current statement: those on the cursor's line (or since the frame
 * opened), from the last statement keyword that stands where a statement may start.
 */
function currentStatement(frame: Frame, lineStart: number, excludeLast = false): IToken[] {
  const tokens = excludeLast ? frame.tokens.slice(0, -1) : frame.tokens;
  let from = tokens.findIndex((t) => t.startOffset >= lineStart);
  if (from < 0) from = tokens.length;
  if (frame.kind === 'top' || frame.kind === 'policy' || frame.kind === 'source' || frame.kind === 'test' || frame.kind === 'write') {
    // a closed nested block (`compare { ... }`) ends the statement it belonged to
    const lastClose = findLastIndex(tokens, (t) => isCloseCurly(t));
    if (lastClose >= from) from = lastClose + 1;
  }
  const starts = STATEMENT_STARTS[frame.kind];
  if (starts) {
    for (let i = tokens.length - 1; i >= from; i--) {
      const word = wordOf(tokens[i]);
      if (word && starts.has(word) && (i === from || endsOperand(tokens[i - 1]) || typeName(tokens[i - 1]) === 'KwApproval')) {
        from = i;
        break;
      }
    }
  }
  return tokens.slice(from);
}

/** The analysis facts completion needs about the enclosing declarations. */
class Surroundings {
  constructor(
    private readonly analysis: DocumentAnalysis,
    private readonly offset: number,
  ) {}

  private declAt<K extends A.Decl['kind']>(kind: K, name: string | null): Extract<A.Decl, { kind: K }> | null {
    const declarations = this.analysis.module.parsed.ast.declarations;
    const byName = declarations.find((d) => d.kind === kind && 'name' in d && d.name.kind === 'Name' && d.name.text === name && d.start <= this.offset);
    const containing = declarations.filter((d) => d.kind === kind && d.start <= this.offset).at(-1);
    return ((byName ?? containing) as Extract<A.Decl, { kind: K }> | undefined) ?? null;
  }

  source(name: string | null): SourceInfo | null {
    const decl = this.declAt('Source', name);
    return decl ? this.analysis.index.sourceInfo(decl, this.analysis.module) : null;
  }

  sides(name: string | null): PolicySidesInfo | null {
    const decl = this.declAt('Policy', name);
    return decl ? this.analysis.index.policySides(decl) : null;
  }

  /** The sides of the policy a test (containing the cursor) names. */
  testSides(): PolicySidesInfo | null {
    const decl = this.declAt('Test', null);
    if (!decl || decl.policy.missing || decl.policy.name.missing) return null;
    const occ = this.analysis.index.at(decl.policy.name.start);
    if (occ?.type !== 'symbol' || !occ.target || occ.target.decl.kind !== 'Policy') return null;
    return this.analysis.index.policySides(occ.target.decl, occ.target.module);
  }

  get module() {
    return this.analysis.module;
  }

  get text(): string {
    return this.analysis.text;
  }

  /**
   * The tokens after the word at the cursor up to the end of the block the cursor is in (what
   * follows it in that block, nested blocks included).
   */
  tokensAhead(): IToken[] {
    const ahead: IToken[] = [];
    let depth = 0;
    for (const token of this.analysis.module.parsed.tokens) {
      if (Number.isNaN(token.startOffset) || token.startOffset < this.offset) continue;
      const n = typeName(token);
      if (isOpenCurly(token) || n === 'LParen' || n === 'LBracket' || n === 'InterpolationStart') depth++;
      else if (isCloseCurly(token) || n === 'RParen' || n === 'RBracket' || n === 'InterpolationEnd') depth--;
      if (depth < 0) break;
      ahead.push(token);
    }
    return ahead;
  }
}

/** The types a `fields` block may declare (LANGUAGE.md, `fields`). */
const FIELD_TYPES = ['string', 'number', 'integer', 'bool', 'datetime', 'json'] as const;

/**
 * The names written before `separator` (`Colon` for keys, `Equals` for select lines) directly in
 * `tokens` (not in nested brackets), each with the token after the separator: `name:` and
 * `"quoted name":`.
 */
function namesBefore(tokens: readonly IToken[], separator: string, text: string): { name: string; next: IToken | undefined }[] {
  const found: { name: string; next: IToken | undefined }[] = [];
  let depth = 0;
  tokens.forEach((token, i) => {
    const n = typeName(token);
    if (isOpenCurly(token) || n === 'LParen' || n === 'LBracket' || n === 'InterpolationStart') depth++;
    else if (isCloseCurly(token) || n === 'RParen' || n === 'RBracket' || n === 'InterpolationEnd') depth--;
    if (depth !== 0 || typeName(tokens[i + 1]) !== separator) return;
    const word = wordOf(token);
    if (word !== null) found.push({ name: word, next: tokens[i + 2] });
    else if (n === 'StringEnd') {
      const start = findLastIndex(tokens.slice(0, i), (t) => typeName(t) === 'StringStart');
      if (start >= 0) found.push({ name: text.slice(tokens[start]!.endOffset! + 1, token.startOffset), next: tokens[i + 2] });
    }
  });
  return found;
}

/**
 * The record a source's `fields` or `select` block further down declares, read from the tokens
 * ahead of the cursor. Why: in `key <|>` with such a block on the next lines, parser recovery
 * reads `fields` (or `select`) as the key name and loses the block, so the analysed source has no
 * fields; the tokens still have them.
 */
function recordAhead(s: Surroundings, name: string): RecordShape | null {
  const ahead = s.tokensAhead();
  let depth = 0;
  for (let i = 0; i < ahead.length; i++) {
    const token = ahead[i]!;
    if (isOpenCurly(token)) {
      const block = wordOf(ahead[i - 1]);
      if (depth === 0 && (block === 'fields' || block === 'select')) {
        let end = i + 1;
        for (let d = 1; end < ahead.length; end++) {
          if (isOpenCurly(ahead[end]!)) d++;
          else if (isCloseCurly(ahead[end]!) && --d === 0) break;
        }
        const inner = ahead.slice(i + 1, end);
        const fields = new Map<string, ValueType>();
        for (const f of namesBefore(inner, block === 'fields' ? 'Colon' : 'Equals', s.text)) {
          const type = block === 'fields' ? wordOf(f.next) : null;
          fields.set(f.name, type !== null && (FIELD_TYPES as readonly string[]).includes(type) ? (type as ValueType) : 'unknown');
        }
        if (fields.size > 0) return { source: name, fields };
      }
      depth++;
    } else if (isCloseCurly(token)) depth--;
  }
  return null;
}

function site(scope: ExpressionScope, extra: Partial<Omit<ExpressionSite, 'scope'>> = {}): ExpressionSite {
  return { scope, record: null, desired: null, actual: null, key: null, hiddenLets: [], ...extra };
}

/**
 * The site of a let's value (`stmt` is the top-level statement `let NAME = ...`): the constants,
 * without the let itself nor the lets that use it, directly or through others (a cycle).
 */
function letSite(s: Surroundings, stmt: readonly IToken[]): ExpressionSite {
  const lets = s.module.symbols.let;
  const target = lets.get(wordOf(stmt[1]) ?? '');
  if (!target) return site(constantScope(s.module));
  const users = new Map<A.LetDecl, A.LetDecl[]>();
  for (const decl of lets.values()) {
    for (const r of referencedLets(decl.value, s.module)) {
      if (r.module === s.module) users.set(r.decl, [...(users.get(r.decl) ?? []), decl]);
    }
  }
  const hidden = new Set<A.LetDecl>([target]);
  const queue = [target];
  while (queue.length > 0) {
    for (const user of users.get(queue.pop()!) ?? []) {
      if (!hidden.has(user)) {
        hidden.add(user);
        queue.push(user);
      }
    }
  }
  return site(constantScope(s.module), { hiddenLets: [...hidden].map((d) => d.name.text) });
}

function ruleSite(s: Surroundings, sides: PolicySidesInfo | null): ExpressionSite {
  if (!sides) return site(ruleScope(s.module, untypedRoots()));
  return site(ruleScope(s.module, sides.roots), { desired: sides.desired, actual: sides.actual, key: sides.key });
}

function writeSite(s: Surroundings, info: SourceInfo | null): ExpressionSite {
  if (!info) return site(ruleScope(s.module, untypedRoots()));
  return site(ruleScope(s.module, { desired: untypedRecord('desired'), actual: info.shape.record, key: info.shape.keyRecord }), { actual: info, key: info });
}

/** Computes what may be offered at `offset` of the analysed text. */
export function completionContext(analysis: DocumentAnalysis, offset: number): CompletionContext {
  const text = analysis.text;
  let wordStart = offset;
  while (wordStart > 0 && /[A-Za-z0-9_]/.test(text.charAt(wordStart - 1))) wordStart--;
  const tokens = analysis.module.parsed.tokens;
  const frame = buildFrames(tokens, wordStart, offset);
  const lineStart = text.lastIndexOf('\n', wordStart - 1) + 1;
  const s = new Surroundings(analysis, offset);
  // a comment runs to the end of its line: nothing to complete there
  for (const comment of analysis.module.parsed.comments) {
    if (comment.startOffset < offset && offset <= endOf(comment)) return { wordStart, offers: [] };
  }
  return { wordStart, offers: offersIn(frame, s, lineStart) };
}

/** The offers of the innermost frame at the cursor. */
function offersIn(frame: Frame, s: Surroundings, lineStart: number): Offer[] {
  let stmt = currentStatement(frame, lineStart);
  // `object.` before the word: completion of a member or a qualified name
  let dotObject: string | null = null;
  if (typeName(stmt.at(-1)) === 'Dot') {
    dotObject = wordOf(stmt.at(-2));
    if (dotObject === null) return [];
    stmt = stmt.slice(0, -2);
  }
  const words = stmt.map(wordOf);
  const last = words.at(-1) ?? null;
  const first = words[0] ?? null;
  const expression = (x: ExpressionSite): Offer[] => {
    if (dotObject !== null) return [{ kind: 'member', site: x, object: dotObject }];
    if (endsOperand(stmt.at(-1))) return [{ kind: 'operators' }];
    return [{ kind: 'expression', site: x }];
  };
  const ref = (symbol: SymbolKind): Offer[] => [{ kind: 'declarations', symbol, alias: dotObject }];
  switch (frame.kind) {
    case 'top': {
      if (stmt.length === 0) return dotObject ? [] : [{ kind: 'keywords', words: TOP_LEVEL_KEYWORDS }];
      if (first === 'let' && stmt.some((t) => typeName(t) === 'Equals')) return expression(letSite(s, stmt));
      return [];
    }
    case 'source': {
      const info = s.source(frame.name);
      if (stmt.length === 0) return dotObject ? [] : [{ kind: 'keywords', words: SOURCE_KEYWORDS }];
      if (first === 'from') return stmt.length === 1 && !dotObject ? [{ kind: 'connectors' }] : [];
      if (first === 'key') {
        if (last !== 'key' && typeName(stmt.at(-1)) !== 'Comma') return [];
        const given = words.slice(1).filter((w): w is string => w !== null);
        const ahead = info?.shape.record.fields ? null : recordAhead(s, info?.qualifiedName ?? 'record');
        return [{ kind: 'fields', source: info, quoted: true, exclude: given, ...(ahead ? { record: ahead } : {}) }];
      }
      if (first === 'where') return expression(site(whereScope(s.module, info?.shape.record ?? untypedRecord('record')), { record: info }));
      return [];
    }
    case 'fields':
      return typeName(stmt.at(-1)) === 'Colon' ? [{ kind: 'words', category: 'type' }] : [];
    case 'select': {
      const info = s.source(frame.parent?.name ?? null);
      if (stmt.some((t) => typeName(t) === 'Equals')) return expression(site(selectScope(s.module, info?.qualifiedName ?? 'record'), { record: info }));
      if (stmt.length === 0 && !dotObject && info) {
        const declared = fieldsDeclaredOnly(info);
        return declared.length > 0 ? [{ kind: 'fields', source: info, quoted: true, exclude: selectedNames(info) }] : [];
      }
      return [];
    }
    case 'map': {
      const info = s.source(frame.parent?.parent?.name ?? null);
      if (stmt.some((t) => typeName(t) === 'Equals')) return expression(site(mapScope(s.module, info?.shape.record ?? untypedRecord('record')), { record: info }));
      return [];
    }
    case 'write': {
      const info = s.source(frame.parent?.name ?? null);
      if (stmt.length === 0) return dotObject ? [] : [{ kind: 'keywords', words: WRITE_KEYWORDS }];
      if (stmt.length === 1 && (first === 'create' || first === 'update' || first === 'delete')) {
        const connector = info?.shape.connector;
        if (connector === 'exec') return [{ kind: 'keywords', words: ['exec'] }];
        return [{ kind: 'words', category: 'http-method' }];
      }
      return [];
    }
    case 'policy': {
      if (stmt.length === 0) return dotObject ? [] : [{ kind: 'keywords', words: POLICY_KEYWORDS }];
      if ((first === 'desired' || first === 'actual') && stmt.length === 1) return ref('source');
      if (dotObject) return [];
      if (stmt.length === 1 && first === 'severity') return [{ kind: 'words', category: 'severity' }];
      if (stmt.length === 1 && first === 'mode') return [{ kind: 'words', category: 'mode' }];
      if (stmt.length === 1 && first === 'schedule') return [{ kind: 'keywords', words: ['every'] }];
      if (stmt.length === 2 && first === 'retry') return [{ kind: 'keywords', words: ['backoff'] }];
      if (first === 'rate' && typeName(stmt.at(-1)) === 'Slash') return [{ kind: 'words', category: 'rate-unit' }];
      return endsOperand(stmt.at(-1)) && !isOperatorLike(stmt.at(-1)) ? [{ kind: 'keywords', words: POLICY_KEYWORDS }] : [];
    }
    case 'compare': {
      const owner = frame.parent;
      const sides = owner?.kind === 'policy' ? s.sides(owner.name) : null;
      const state = readCompare(stmt);
      switch (state) {
        case 'start':
          if (dotObject) return [];
          return [
            { kind: 'fields', source: sides?.desired ?? null, quoted: true },
            { kind: 'keywords', words: ['default', 'use'] },
          ];
        case 'after-default':
          return [{ kind: 'words', category: 'compare-default' }];
        case 'after-use':
          return ref('profile');
        case 'after-path':
          return dotObject ? [] : [{ kind: 'words', category: 'comparator', words: COMPARATOR_KEYWORDS }];
        case 'normalize':
          return dotObject ? [] : [{ kind: 'words', category: 'normalizer' }];
        case 'after-unordered':
          return [{ kind: 'keywords', words: ['by'] }];
        case 'by-expression':
          return expression(ruleSite(s, sides));
        default:
          return [];
      }
    }
    case 'remediate': {
      const sides = s.sides(frame.parent?.name ?? null);
      if (stmt.length === 0) return dotObject ? [] : [{ kind: 'keywords', words: ['on'] }];
      if (first !== 'on') return [];
      const arrow = stmt.findIndex((t) => typeName(t) === 'Arrow');
      if (arrow < 0) {
        if (stmt.length === 1) return [{ kind: 'words', category: 'kind' }];
        if (stmt.length === 2 && !dotObject) return [{ kind: 'keywords', words: ['when'] }];
        if (words[2] === 'when') {
          const offers = expression(ruleSite(s, sides));
          // a complete condition may also end here: the rule goes on with `=>` and its action
          return stmt.length > 3 && !dotObject && endsOperand(stmt.at(-1)) ? [...offers, { kind: 'keywords', words: ['=>'] }] : offers;
        }
        return [];
      }
      const after = words.slice(arrow + 1);
      if (after.length === 0) return dotObject ? [] : [{ kind: 'words', category: 'action' }];
      if (dotObject) return last === 'from' ? ref('group') : [];
      if (last === 'ticket') return [];
      if (last === 'requires') return [{ kind: 'keywords', words: ['approval'] }];
      if (last === 'from') return ref('group');
      if (last === 'because' || last === 'until') return [];
      const rest = ['requires', 'because', 'until'].filter((w) => !after.includes(w));
      if (last === 'approval') return [{ kind: 'keywords', words: ['from', ...rest] }];
      return rest.length > 0 ? [{ kind: 'keywords', words: rest }] : [];
    }
    case 'limits':
      if (dotObject) return [];
      if (stmt.length === 0) return [{ kind: 'words', category: 'limit' }];
      if (stmt.length === 1 && first === 'on_exceed') return [{ kind: 'words', category: 'on-exceed' }];
      return [];
    case 'test':
      if (stmt.length === 0) return dotObject ? [] : [{ kind: 'keywords', words: TEST_KEYWORDS }];
      if (first === 'policy' && stmt.length === 1) return ref('policy');
      if (first === 'expect' && stmt.length === 1 && !dotObject) return [{ kind: 'words', category: 'expectation', words: ['no_drift'] }];
      return [];
    case 'expect':
      if (dotObject) return [];
      if (stmt.length === 0) return [{ kind: 'words', category: 'expectation', words: ['missing', 'extra', 'changed', 'invalid', 'ignored', 'action'] }];
      if (first === 'action') {
        if (stmt.length === 1) return [{ kind: 'words', category: 'action' }];
        if (stmt.length === 2) return [{ kind: 'keywords', words: ['on'] }];
        if (last === 'requires') return [{ kind: 'keywords', words: ['approval'] }];
        if (stmt.length >= 4 && words.includes('on') && !words.includes('requires')) return [{ kind: 'keywords', words: ['requires'] }];
      }
      return [];
    case 'paren': {
      const spec = connectorOfParen(frame);
      const outer = expressionSiteOf(frame.parent!, s, lineStart);
      if (spec) {
        const lastType = typeName(stmt.at(-1));
        const atArgumentStart = stmt.length === 0 || lastType === 'Comma';
        const used = frame.tokens.filter((t, i) => typeName(frame.tokens[i + 1]) === 'Colon').map((t) => t.image);
        const scope = site(connectorScope(s.module));
        if (atArgumentStart && !dotObject) {
          const positionalSoFar = countPositional(frame.tokens);
          return [{ kind: 'options', spec, used }, ...(positionalSoFar < spec.positional.length ? [{ kind: 'expression', site: scope } as Offer] : [])];
        }
        return expression(scope);
      }
      return outer ? expression(outer) : [];
    }
    case 'list': {
      const outer = expressionSiteOf(frame.parent!, s, lineStart);
      return outer ? expression(outer) : [];
    }
    case 'object': {
      const lastType = typeName(stmt.at(-1));
      const atKey = stmt.length === 0 || lastType === 'Comma';
      if (atKey) {
        const side = testSideOf(frame);
        if (side && !dotObject) {
          const sides = s.testSides();
          // the keys the record already has, before and after the cursor, are not offered again
          const given = [...namesBefore(frame.tokens, 'Colon', s.text), ...namesBefore(s.tokensAhead(), 'Colon', s.text)].map((k) => k.name);
          return [{ kind: 'fields', source: sides?.[side] ?? null, quoted: true, exclude: given }];
        }
        return [];
      }
      const outer = expressionSiteOf(frame.parent!, s, lineStart);
      return outer ? expression(outer) : [];
    }
    case 'interpolation': {
      const outer = expressionSiteOf(frame.parent!, s, lineStart);
      return outer ? expression(outer) : [];
    }
    case 'string': {
      const parent = frame.parent!;
      if (parent.kind === 'top') {
        const outerStmt = currentStatement(parent, -1, true);
        if (wordOf(outerStmt[0]) === 'import' && outerStmt.length === 1) return [{ kind: 'stdlib-modules' }];
      }
      // changed("path") and only("path", ...) take field paths of the compared records as strings
      if (parent.kind === 'paren' && (parent.name === 'changed' || parent.name === 'only') && stmt.every((t) => typeName(t) === 'StringText')) {
        const outer = expressionSiteOf(parent, s, lineStart);
        const source = outer?.scope.roots ? (outer.desired ?? outer.actual) : null;
        // the key never differs: only the compared fields are offered
        if (source) return [{ kind: 'fields', source, quoted: false, exclude: source.shape.key ?? [] }];
      }
      return [];
    }
    default:
      return [];
  }
}

/** Tokens that expect an operand after them. */
function isOperatorLike(token: IToken | undefined): boolean {
  if (!token) return false;
  const n = typeName(token);
  if (['EqEq', 'NotEq', 'Less', 'LessEq', 'Greater', 'GreaterEq', 'Plus', 'Minus', 'Star', 'Slash', 'PercentSign', 'Comma', 'Colon', 'Equals', 'Arrow', 'LParen', 'LBracket', 'Dot'].includes(n)) return true;
  return n.startsWith('Kw') && !['KwTrue', 'KwFalse', 'KwNull'].includes(n);
}

/** The connector a paren frame calls, when it is `from CONNECTOR(` or a write block's `exec(`. */
function connectorOfParen(frame: Frame): ConnectorSpec | null {
  const parent = frame.parent;
  if (!parent || !frame.name) return null;
  const stmt = parent.tokens.slice(0, -1);
  if (parent.kind === 'source') {
    const fromIndex = findLastIndex(stmt, (t) => wordOf(t) === 'from');
    if (fromIndex >= 0 && fromIndex === stmt.length - 2) return connectorSpec(frame.name) ?? null;
  }
  if (parent.kind === 'write' && frame.name === 'exec') return connectorSpec('exec') ?? null;
  return null;
}

/** How many positional arguments a call's direct tokens hold so far (commas before any `name:`). */
function countPositional(tokens: readonly IToken[]): number {
  let count = 0;
  let current: IToken[] = [];
  for (const token of tokens) {
    if (typeName(token) === 'Comma') {
      if (current.length > 0 && typeName(current[1]) !== 'Colon') count++;
      current = [];
    } else current.push(token);
  }
  return count;
}

/** When an object frame is a record of a test's `desired [...]` or `actual [...]`: which side. */
function testSideOf(frame: Frame): 'desired' | 'actual' | null {
  const list = frame.parent;
  if (!list || list.kind !== 'list' || !list.parent || list.parent.kind !== 'test') return null;
  const stmt = currentStatement(list.parent, -1, true);
  const word = wordOf(stmt[0]);
  return word === 'desired' || word === 'actual' ? word : null;
}

/** The expression site a nested frame (call, list, object, interpolation) inherits from where it stands. */
function expressionSiteOf(frame: Frame, s: Surroundings, lineStart: number): ExpressionSite | null {
  const stmt = currentStatement(frame, -1, true);
  const first = wordOf(stmt[0]);
  switch (frame.kind) {
    case 'top':
      return first === 'let' ? letSite(s, stmt) : site(constantScope(s.module));
    case 'source': {
      const info = s.source(frame.name);
      if (first === 'where') return site(whereScope(s.module, info?.shape.record ?? untypedRecord('record')), { record: info });
      return site(connectorScope(s.module));
    }
    case 'select': {
      const info = s.source(frame.parent?.name ?? null);
      return site(selectScope(s.module, info?.qualifiedName ?? 'record'), { record: info });
    }
    case 'map': {
      const info = s.source(frame.parent?.parent?.name ?? null);
      return site(mapScope(s.module, info?.shape.record ?? untypedRecord('record')), { record: info });
    }
    case 'write':
      return writeSite(s, s.source(frame.parent?.name ?? null));
    case 'compare': {
      const owner = frame.parent;
      return ruleSite(s, owner?.kind === 'policy' ? s.sides(owner.name) : null);
    }
    case 'remediate':
      return ruleSite(s, s.sides(frame.parent?.name ?? null));
    case 'paren': {
      if (connectorOfParen(frame)) return site(connectorScope(s.module));
      return frame.parent ? expressionSiteOf(frame.parent, s, lineStart) : null;
    }
    case 'list':
    case 'object':
    case 'interpolation':
    case 'string':
      return frame.parent ? expressionSiteOf(frame.parent, s, lineStart) : null;
    default:
      return site(constantScope(s.module));
  }
}

/** `fields` names of a source (for `select` lines). */
function fieldsDeclaredOnly(info: SourceInfo): string[] {
  const names: string[] = [];
  for (const stmt of info.decl.statements) {
    if (stmt.kind === 'Fields') for (const f of stmt.fields) if (!f.name.missing && f.name.kind === 'Name') names.push(f.name.text);
  }
  return names;
}

function selectedNames(info: SourceInfo): string[] {
  const names: string[] = [];
  for (const stmt of info.decl.statements) {
    if (stmt.kind === 'Select') for (const l of stmt.lines) if (!l.name.missing && l.name.kind === 'Name') names.push(l.name.text);
  }
  return names;
}

type CompareState = 'start' | 'after-default' | 'after-use' | 'after-path' | 'normalize' | 'after-within' | 'after-unordered' | 'unordered-by' | 'by-expression' | 'other';

/** Reads the compare rules on the cursor's line and says where the cursor stands in the last one. */
function readCompare(tokens: readonly IToken[]): CompareState {
  let i = 0;
  const n = tokens.length;
  const word = (k: number) => wordOf(tokens[k]);
  const isName = (k: number) => word(k) !== null || typeName(tokens[k]) === 'StringStart';
  const skipString = (k: number): number => {
    // a quoted field name: StringStart ... StringEnd
    let j = k + 1;
    while (j < n && typeName(tokens[j]) !== 'StringEnd') j++;
    return j + 1;
  };
  const skipPath = (k: number): number => {
    let j = typeName(tokens[k]) === 'StringStart' ? skipString(k) : k + 1;
    for (;;) {
      if (typeName(tokens[j]) === 'Dot' && j + 1 < n && word(j + 1) !== null) j += 2;
      else if (typeName(tokens[j]) === 'LBracket') {
        while (j < n && typeName(tokens[j]) !== 'RBracket') j++;
        j++;
      } else return j;
    }
  };
  while (i < n) {
    const w = word(i);
    if (w === 'default' && typeName(tokens[i]) === 'KwDefault') {
      if (i + 1 >= n) return 'after-default';
      i += 2;
      continue;
    }
    if (w === 'use' && typeName(tokens[i]) === 'KwUse') {
      if (i + 1 >= n) return 'after-use';
      i += 2;
      if (typeName(tokens[i]) === 'Dot') i += 2;
      continue;
    }
    if (!isName(i)) return 'other';
    i = skipPath(i);
    if (i >= n) return 'after-path';
    const c = word(i);
    i++;
    if (c === 'within') {
      if (i >= n) return 'after-within';
      i++;
    } else if (c === 'unordered') {
      if (i >= n) return 'after-unordered';
      if (word(i) === 'by') {
        i++;
        if (i >= n) return 'unordered-by';
        i = skipPath(i);
      }
    } else if (c === 'normalize') {
      for (;;) {
        if (i >= n) return 'normalize';
        i++;
        if (typeName(tokens[i]) === 'LParen') {
          while (i < n && typeName(tokens[i]) !== 'RParen') i++;
          i++;
        }
        if (typeName(tokens[i]) === 'Comma') {
          i++;
          continue;
        }
        break;
      }
    } else if (c === 'by') {
      return 'by-expression';
    }
  }
  return 'start';
}
