/**
 * CST to AST: turns Chevrotain's concrete syntax tree into the typed AST of `ast.ts`.
 *
 * Why it is lenient: with error recovery on, a CST node may lack children or hold tokens that
 * recovery inserted (`NaN` offsets). Every accessor here tolerates that and produces a node
 * marked `missing: true` instead, so later phases never crash on broken input and never report
 * errors about text the user did not write.
 *
 * Chevrotain stores children by token or rule name, in order per name; where the order across
 * names matters (operators, postfix chains, string parts) we merge by token offset.
 *
 * Why it is written for speed: it visits every CST node of a file once, and on a large file it
 * ran longer than the parser. The common shapes (an operand without postfix, an expression of
 * one operand, a string without interpolation, a path of one name) take a direct path, and no
 * temporary arrays or spread objects are made per node.
 */
import { endOf, LineMap } from './source-position.js';
import type { CstNode, IToken } from 'chevrotain';
import type * as A from './ast.js';
import { DURATION_UNITS_MS } from './literals.js';
import { diagnostic, type Diagnostic } from './diagnostics.js';

type Children = Record<string, (CstNode | IToken)[] | undefined>;

/** Shared, never written: what a node without children of a name holds. */
const NO_CHILDREN: never[] = [];
const NO_KIDS: Children = {};

/**
 * A node's children by token or rule name, each name's in an array in text order. Read them as
 * `kids(node).NameWord`: a property name written at each place keeps V8's property lookups
 * there specialised, where one helper taking the name would make every lookup a generic one.
 */
function kids(node: CstNode | undefined): Children {
  return node === undefined ? NO_KIDS : (node.children as Children);
}
/** The tokens of one name (none when absent). */
function tokensOf(list: (CstNode | IToken)[] | undefined): IToken[] {
  return (list ?? NO_CHILDREN) as IToken[];
}
/** The nodes of one rule name (none when absent). */
function nodesOf(list: (CstNode | IToken)[] | undefined): CstNode[] {
  return (list ?? NO_CHILDREN) as CstNode[];
}
/** The first token of one name. */
function tokenOf(list: (CstNode | IToken)[] | undefined): IToken | undefined {
  return list === undefined ? undefined : (list[0] as IToken | undefined);
}
/** The first node of one rule name. */
function nodeOf(list: (CstNode | IToken)[] | undefined): CstNode | undefined {
  return list === undefined ? undefined : (list[0] as CstNode | undefined);
}
/** The nodes of a rule name given at run time (declarations and statements, gathered by kind). */
function nodesNamed(node: CstNode, name: string): CstNode[] {
  return ((node.children as Children)[name] as CstNode[] | undefined) ?? NO_CHILDREN;
}

function isReal(tok: IToken | undefined): tok is IToken {
  return tok !== undefined && !Number.isNaN(tok.startOffset) && tok.isInsertedInRecovery !== true;
}

/**
 * Offsets of a CST node (end exclusive), from Chevrotain's node location tracking; null when the
 * node holds no real token (everything in it was invented by recovery).
 */
function span(node: CstNode | undefined): A.Span | null {
  const location = node?.location;
  if (!location || Number.isNaN(location.startOffset) || location.endOffset === undefined || Number.isNaN(location.endOffset)) return null;
  return { start: location.startOffset, end: location.endOffset + 1 };
}

/** A step of a postfix chain or a path tail, with the token that starts it. */
interface Step {
  t: IToken;
  kind: 'dot' | 'index' | 'call';
}

const stepOffset = (step: Step): number => step.t.startOffset;
const spanStart = (item: { s: A.Span }): number => item.s.start;
const pieceOffset = (piece: { offset: number }): number => piece.offset;
const nodeStart = (node: A.Span): number => node.start;

/**
 * Sorts `list` in place by `key`, stably: the order `Array.prototype.sort` gives. The lists here
 * are short and mostly in order already (children of one kind come in text order); an insertion
 * sort does that without the work array every `sort` call allocates.
 */
function sortBy<T>(list: T[], key: (item: T) => number): void {
  if (list.length > 32) {
    list.sort((a, b) => key(a) - key(b));
    return;
  }
  for (let i = 1; i < list.length; i++) {
    const item = list[i]!;
    const k = key(item);
    let j = i - 1;
    while (j >= 0 && key(list[j]!) > k) {
      list[j + 1] = list[j]!;
      j--;
    }
    list[j + 1] = item;
  }
}

/** Builds the AST of one file from its CST. */
export class AstBuilder {
  /** Where missing nodes are placed when nothing better is known: the end of the last real token seen. */
  private fallback = 0;
  /** Syntax errors only visible once the flat expressions are given their precedence. */
  readonly diagnostics: Diagnostic[] = [];

  private readonly lines: LineMap;

  constructor(
    private readonly comments: IToken[],
    private readonly text: string,
    /** The text's line map when the caller has one already (it is built once per text). */
    lines?: LineMap,
  ) {
    this.lines = lines ?? new LineMap(text);
  }

  private spanOr(node: CstNode | undefined): A.Span {
    const s = span(node);
    if (s) {
      this.fallback = s.end;
      return s;
    }
    return { start: this.fallback, end: this.fallback };
  }

  private tokSpan(tok: IToken | undefined): A.Span {
    if (isReal(tok)) {
      const end = endOf(tok);
      this.fallback = end;
      return { start: tok.startOffset, end };
    }
    return { start: this.fallback, end: this.fallback };
  }

  private name(tok: IToken | undefined): A.Name {
    if (isReal(tok)) {
      const end = endOf(tok);
      this.fallback = end;
      return { kind: 'Name', text: tok.image, start: tok.startOffset, end };
    }
    return { kind: 'Name', text: '', start: this.fallback, end: this.fallback, missing: true };
  }

  /** A name used as an expression. */
  private nameRef(tok: IToken | undefined): A.NameRef {
    const name = this.name(tok);
    if (name.missing) return { kind: 'NameRef', name, start: name.start, end: name.end, missing: true };
    return { kind: 'NameRef', name, start: name.start, end: name.end };
  }

  private missingExpr(): A.NameRef {
    const at = this.fallback;
    return { kind: 'NameRef', name: { kind: 'Name', text: '', start: at, end: at, missing: true }, start: at, end: at, missing: true };
  }

  private missingString(): A.StringLiteral {
    return { kind: 'String', parts: [], start: this.fallback, end: this.fallback, missing: true };
  }

  private missingList(): A.ListLiteral {
    return { kind: 'List', elements: [], start: this.fallback, end: this.fallback, missing: true };
  }

  private number(tok: IToken | undefined): A.NumberLiteral {
    const s = this.tokSpan(tok);
    if (!isReal(tok)) return { kind: 'Number', value: 0, text: '', start: s.start, end: s.end, missing: true };
    return { kind: 'Number', value: Number(tok.image), text: tok.image, start: s.start, end: s.end };
  }

  private duration(tok: IToken | undefined): A.DurationLiteral {
    const s = this.tokSpan(tok);
    if (!isReal(tok)) return { kind: 'Duration', value: 0, text: '', start: s.start, end: s.end, missing: true };
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(tok.image)!;
    return { kind: 'Duration', value: Number(match[1]) * DURATION_UNITS_MS[match[2] as keyof typeof DURATION_UNITS_MS], text: tok.image, start: s.start, end: s.end };
  }

  private percent(tok: IToken): A.PercentLiteral {
    const s = this.tokSpan(tok);
    return { kind: 'Percent', value: Number(tok.image.slice(0, -1)) / 100, text: tok.image, start: s.start, end: s.end };
  }

  // ---------------------------------------------------------------- file

  file(cst: CstNode, textLength: number): A.ReconFile {
    const declarations: A.Decl[] = [];
    const decls: CstNode[] = [];
    for (const key of DECLARATION_RULES) {
      for (const d of nodesNamed(cst, key)) if (span(d) !== null) decls.push(d);
    }
    // each kind is in text order already; interleave the kinds by start offset
    decls.sort((a, b) => a.location!.startOffset - b.location!.startOffset);
    for (const d of decls) {
      const decl = this.declaration(d);
      if (decl) declarations.push(decl);
    }
    const comments: A.Comment[] = new Array(this.comments.length);
    for (let i = 0; i < this.comments.length; i++) {
      const c = this.comments[i]!;
      comments[i] = { text: c.image, start: c.startOffset, end: endOf(c) };
    }
    return { kind: 'File', declarations, comments, start: 0, end: textLength };
  }

  /**
   * The comment block that ends on the line directly above the declaration's first token: the
   * declaration's documentation. A comment that trails code on its line is not documentation,
   * and a declaration that does not start its line has none.
   */
  private docFor(start: number): string | null {
    const declPosition = this.lines.lineColumn(start);
    // only a declaration that starts its line has documentation above it
    if (this.text.slice(start - declPosition.column + 1, start).trim() !== '') return null;
    let line = declPosition.line - 1;
    const lines: string[] = [];
    // comments are in offset order; walk back from the last one before the declaration
    let i = this.commentIndexBefore(start);
    for (; i >= 0; i--) {
      const c = this.comments[i]!;
      const position = this.lines.lineColumn(c.startOffset);
      if (position.line !== line) break;
      const lineStart = c.startOffset - position.column + 1;
      if (this.text.slice(lineStart, c.startOffset).trim() !== '') break;
      // trailing blanks are not part of the text (fmt drops them; the IR must not change with it)
      lines.unshift(c.image.replace(/^#\s?/, '').trimEnd());
      line--;
    }
    return lines.length > 0 ? lines.join('\n') : null;
  }

  /** Index of the last comment starting before `offset` (binary search), or -1. */
  private commentIndexBefore(offset: number): number {
    let low = 0;
    let high = this.comments.length - 1;
    let found = -1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (this.comments[mid]!.startOffset < offset) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found;
  }

  private declaration(node: CstNode): A.Decl | null {
    const s = this.spanOr(node);
    const doc = this.docFor(s.start);
    switch (node.name) {
      case 'importDecl': {
        const pathNode = nodeOf(kids(node).stringLiteral);
        const path = pathNode ? this.string(pathNode) : this.missingString();
        const aliasTok = tokenOf(kids(node).NameWord);
        return { kind: 'Import', path, alias: aliasTok ? this.name(aliasTok) : null, doc, start: s.start, end: s.end };
      }
      case 'letDecl':
        return { kind: 'Let', name: this.name(tokenOf(kids(node).NameWord)), value: this.exprOr(nodeOf(kids(node).expr)), doc, start: s.start, end: s.end };
      case 'groupDecl': {
        const name = this.name(tokenOf(kids(node).NameWord));
        const list = nodeOf(kids(node).list);
        return { kind: 'Group', name, members: list ? this.list(list) : this.missingList(), doc, start: s.start, end: s.end };
      }
      case 'sourceDecl':
        return { kind: 'Source', name: this.name(tokenOf(kids(node).NameWord)), statements: this.sourceStatements(node), doc, start: s.start, end: s.end };
      case 'profileDecl': {
        const name = this.name(tokenOf(kids(node).NameWord));
        const ruleNodes = nodesOf(kids(node).compareRule);
        const rules: A.CompareRule[] = new Array(ruleNodes.length);
        for (let i = 0; i < ruleNodes.length; i++) rules[i] = this.compareRule(ruleNodes[i]!);
        return { kind: 'Profile', name, rules, doc, start: s.start, end: s.end };
      }
      case 'policyDecl': {
        const name = this.name(tokenOf(kids(node).NameWord));
        const statements: A.PolicyStmt[] = [];
        for (const p of nodesOf(kids(node).policyStmt)) {
          const statement = this.policyStatement(p);
          if (statement !== null) statements.push(statement);
        }
        return { kind: 'Policy', name, statements, doc, start: s.start, end: s.end };
      }
      case 'testDecl':
        return this.test(node, doc, s);
      default:
        return null;
    }
  }

  // ---------------------------------------------------------------- sources

  private sourceStatements(node: CstNode): A.SourceStmt[] {
    // Every statement's span is taken first, in rule-name order, then the statements are built
    // in text order: recovery may leave statements without a span, placed at the fallback then.
    const all: { n: CstNode; s: A.Span }[] = [];
    for (const key of SOURCE_STATEMENT_RULES) {
      for (const n of nodesNamed(node, key)) all.push({ n, s: this.spanOr(n) });
    }
    sortBy(all, spanStart);
    const result: A.SourceStmt[] = [];
    for (const { n, s } of all) {
      switch (n.name) {
        case 'fromStmt': {
          const callNode = nodeOf(kids(n).call);
          result.push({ kind: 'From', call: callNode ? this.call(callNode) : this.missingCall(), start: s.start, end: s.end });
          break;
        }
        case 'keyStmt': {
          const pathNodes = nodesOf(kids(n).path);
          const paths: A.Path[] = new Array(pathNodes.length);
          for (let i = 0; i < pathNodes.length; i++) paths[i] = this.path(pathNodes[i]!);
          result.push({ kind: 'Key', paths, start: s.start, end: s.end });
          break;
        }
        case 'fieldsStmt': {
          const declNodes = nodesOf(kids(n).fieldDecl);
          const fields: A.FieldDecl[] = new Array(declNodes.length);
          for (let i = 0; i < declNodes.length; i++) {
            const f = declNodes[i]!;
            const name = this.fieldName(nodeOf(kids(f).fieldName));
            const type = this.name(tokenOf(kids(f).NameWord));
            const fs = this.spanOr(f);
            fields[i] = { kind: 'FieldDecl', name, type, start: fs.start, end: fs.end };
          }
          result.push({ kind: 'Fields', fields, start: s.start, end: s.end });
          break;
        }
        case 'selectStmt': {
          const lineNodes = nodesOf(kids(n).selectLine);
          const lines: A.SelectLine[] = new Array(lineNodes.length);
          for (let i = 0; i < lineNodes.length; i++) {
            const l = lineNodes[i]!;
            const name = this.fieldName(nodeOf(kids(l).fieldName));
            const value = this.exprOr(nodeOf(kids(l).expr));
            const ls = this.spanOr(l);
            lines[i] = { kind: 'SelectLine', name, value, start: ls.start, end: ls.end };
          }
          result.push({ kind: 'Select', lines, start: s.start, end: s.end });
          break;
        }
        case 'whereStmt':
          result.push({ kind: 'Where', condition: this.exprOr(nodeOf(kids(n).expr)), start: s.start, end: s.end });
          break;
        case 'writeStmt':
          result.push({ kind: 'Write', items: this.writeItems(n), start: s.start, end: s.end });
          break;
      }
    }
    return result;
  }

  private writeItems(node: CstNode): (A.WriteOp | A.MapBlock)[] {
    const all: { n: CstNode; s: A.Span }[] = [];
    for (const n of nodesOf(kids(node).writeOp)) all.push({ n, s: this.spanOr(n) });
    for (const n of nodesOf(kids(node).mapBlock)) all.push({ n, s: this.spanOr(n) });
    sortBy(all, spanStart);
    const result: (A.WriteOp | A.MapBlock)[] = new Array(all.length);
    for (let i = 0; i < all.length; i++) {
      const { n, s } = all[i]!;
      if (n.name === 'mapBlock') {
        const lineNodes = nodesOf(kids(n).mapLine);
        const lines: A.MapLine[] = new Array(lineNodes.length);
        for (let j = 0; j < lineNodes.length; j++) {
          const l = lineNodes[j]!;
          const pathNode = nodeOf(kids(l).path);
          const path = pathNode ? this.path(pathNode) : this.missingPath();
          const value = this.exprOr(nodeOf(kids(l).expr));
          const ls = this.spanOr(l);
          lines[j] = { kind: 'MapLine', path, value, start: ls.start, end: ls.end };
        }
        result[i] = { kind: 'Map', lines, start: s.start, end: s.end };
        continue;
      }
      const ids = tokensOf(kids(n).Identifier);
      const callNode = nodeOf(kids(n).call);
      const op = this.name(ids[0]);
      const method = ids[1] ? this.name(ids[1]) : null;
      const urlNode = nodeOf(kids(n).stringLiteral);
      const url = urlNode ? this.string(urlNode) : null;
      const call = callNode ? this.call(callNode) : null;
      result[i] = { kind: 'WriteOp', op, method, url, call, start: s.start, end: s.end };
    }
    return result;
  }

  private missingCall(): A.CallExpr {
    const callee = this.missingExpr();
    return { kind: 'Call', callee, args: [], start: callee.start, end: callee.end, missing: true };
  }

  private missingPath(): A.Path {
    return { kind: 'Path', segments: [], start: this.fallback, end: this.fallback, missing: true };
  }

  private fieldName(node: CstNode | undefined): A.Name | A.StringLiteral {
    const str = nodeOf(kids(node).stringLiteral);
    if (str) return this.string(str);
    return this.name(tokenOf(kids(node).NameWord));
  }

  /** `path` and `comparePath` nodes: a head (name or string) and a tail of `.name` / `[index]`. */
  path(node: CstNode): A.Path {
    const s = this.spanOr(node);
    const segments: A.PathSegment[] = [];
    const fieldNameNode = nodeOf(kids(node).fieldName);
    const headTok = tokenOf(kids(node).CompareFieldWord) ?? tokenOf(kids(fieldNameNode).NameWord);
    const headStr = nodeOf(kids(node).stringLiteral) ?? nodeOf(kids(fieldNameNode).stringLiteral);
    if (headStr) {
      const str = this.string(headStr);
      segments.push({ kind: 'field', name: stringText(str), quoted: true, start: str.start, end: str.end });
    } else if (isReal(headTok)) {
      const ts = this.tokSpan(headTok);
      segments.push({ kind: 'field', name: headTok.image, quoted: false, start: ts.start, end: ts.end });
    }
    const dots = tokensOf(kids(node).Dot);
    const brackets = tokensOf(kids(node).LBracket);
    if (dots.length > 0 || brackets.length > 0) this.pathSteps(node, dots, brackets, segments);
    if (segments.length === 0) return { kind: 'Path', segments, start: s.start, end: s.end, missing: true };
    return { kind: 'Path', segments, start: s.start, end: s.end };
  }

  /** The `.name` and `[index]` segments after a path's head, in text order. */
  private pathSteps(node: CstNode, dots: IToken[], brackets: IToken[], segments: A.PathSegment[]): void {
    const names = tokensOf(kids(node).NameWord);
    const steps: Step[] = [];
    for (const t of dots) if (isReal(t)) steps.push({ t, kind: 'dot' });
    for (const t of brackets) if (isReal(t)) steps.push({ t, kind: 'index' });
    if (dots.length > 0 && brackets.length > 0) sortBy(steps, stepOffset);
    // Bracket contents (a string or a number) pair up with the brackets in offset order.
    const contents: { offset: number; node: CstNode | null; tok: IToken | null }[] = [];
    for (const n of nodesOf(kids(node).indexString)) {
      const offset = span(n)?.start ?? -1;
      if (offset >= 0) contents.push({ offset, node: n, tok: null });
    }
    for (const t of tokensOf(kids(node).NumberLiteral)) if (isReal(t)) contents.push({ offset: t.startOffset, node: null, tok: t });
    sortBy(contents, pieceOffset);
    let nameIndex = 0;
    let contentIndex = 0;
    for (const step of steps) {
      if (step.kind === 'dot') {
        const tok = names[nameIndex++];
        if (isReal(tok)) {
          const ts = this.tokSpan(tok);
          segments.push({ kind: 'field', name: tok.image, quoted: false, start: ts.start, end: ts.end });
        }
        continue;
      }
      const content = contents[contentIndex++];
      if (!content) continue;
      if (content.node) {
        const lit = this.string(content.node);
        segments.push({ kind: 'index', value: stringText(lit), start: lit.start, end: lit.end });
      } else if (content.tok) {
        const ts = this.tokSpan(content.tok);
        segments.push({ kind: 'index', value: Number(content.tok.image), start: ts.start, end: ts.end });
      }
    }
  }

  // ---------------------------------------------------------------- profiles and policies

  private compareRule(node: CstNode): A.CompareRule {
    const s = this.spanOr(node);
    const pathNode = nodeOf(kids(node).comparePath);
    const path = pathNode ? this.path(pathNode) : this.missingPath();
    return { kind: 'CompareRule', path, comparator: this.comparator(nodeOf(kids(node).comparator)), start: s.start, end: s.end };
  }

  private comparator(node: CstNode | undefined): A.Comparator {
    const s = this.spanOr(node);
    const k = kids(node);
    if (k.KwWithin) {
      const num = tokenOf(kids(node).NumberLiteral);
      const pct = tokenOf(kids(node).Percentage);
      const dur = tokenOf(kids(node).Duration);
      const value = pct ? this.percent(pct) : dur ? this.duration(dur) : this.number(num);
      return { kind: 'Within', value, start: s.start, end: s.end };
    }
    if (k.KwNormalize) {
      const normalizerNodes = nodesOf(kids(node).normalizer);
      const normalizers: A.Normalizer[] = new Array(normalizerNodes.length);
      for (let i = 0; i < normalizerNodes.length; i++) {
        const n = normalizerNodes[i]!;
        const num = tokenOf(kids(n).NumberLiteral);
        const name = this.name(tokenOf(kids(n).NameWord));
        const arg = num ? this.number(num) : null;
        const ns = this.spanOr(n);
        normalizers[i] = { kind: 'Normalizer', name, arg, start: ns.start, end: ns.end };
      }
      return { kind: 'Normalize', normalizers, start: s.start, end: s.end };
    }
    if (k.KwUnordered) {
      const p = nodeOf(kids(node).path);
      return { kind: 'Unordered', by: p ? this.path(p) : null, start: s.start, end: s.end };
    }
    if (k.KwBy) return { kind: 'ByComparator', expr: this.exprOr(nodeOf(kids(node).expr)), start: s.start, end: s.end };
    return { kind: 'NamedComparator', name: this.name(tokenOf(kids(node).Identifier)), start: s.start, end: s.end };
  }

  private ref(node: CstNode | undefined): A.Ref {
    const s = this.spanOr(node);
    const names = tokensOf(kids(node).NameWord);
    if (names.length >= 2) {
      const module = this.name(names[0]);
      return { kind: 'Ref', module, name: this.name(names[1]), start: s.start, end: s.end };
    }
    const name = this.name(names[0]);
    if (name.missing) return { kind: 'Ref', module: null, name, start: s.start, end: s.end, missing: true };
    return { kind: 'Ref', module: null, name, start: s.start, end: s.end };
  }

  private policyStatement(node: CstNode): A.PolicyStmt | null {
    const s = this.spanOr(node);
    const k = kids(node);
    if (k.KwDescription) return { kind: 'Description', value: this.stringOr(nodeOf(kids(node).stringLiteral)), start: s.start, end: s.end };
    if (k.KwOwner) return { kind: 'Owner', value: this.stringOr(nodeOf(kids(node).stringLiteral)), start: s.start, end: s.end };
    if (k.KwSeverity) return { kind: 'Severity', value: this.name(tokenOf(kids(node).NameWord)), start: s.start, end: s.end };
    if (k.KwMode) return { kind: 'Mode', value: this.name(tokenOf(kids(node).NameWord)), start: s.start, end: s.end };
    if (k.KwDesired) return { kind: 'Desired', source: this.ref(nodeOf(kids(node).ref)), start: s.start, end: s.end };
    if (k.KwActual) return { kind: 'Actual', source: this.ref(nodeOf(kids(node).ref)), start: s.start, end: s.end };
    if (k.compareBlock) return this.compareBlock(nodeOf(kids(node).compareBlock)!);
    if (k.remediateBlock) {
      const ruleNodes = nodesOf(kids(nodeOf(kids(node).remediateBlock)).rule);
      const rules: A.RemediationRule[] = new Array(ruleNodes.length);
      for (let i = 0; i < ruleNodes.length; i++) rules[i] = this.rule(ruleNodes[i]!);
      return { kind: 'Remediate', rules, start: s.start, end: s.end };
    }
    if (k.limitsBlock) {
      const entryNodes = nodesOf(kids(nodeOf(kids(node).limitsBlock)).limitEntry);
      const entries: A.LimitEntry[] = new Array(entryNodes.length);
      for (let i = 0; i < entryNodes.length; i++) {
        const e = entryNodes[i]!;
        const names = tokensOf(kids(e).NameWord);
        const num = tokenOf(kids(e).NumberLiteral);
        const pct = tokenOf(kids(e).Percentage);
        const value = pct ? this.percent(pct) : num ? this.number(num) : this.name(names[1]);
        const name = this.name(names[0]);
        const es = this.spanOr(e);
        entries[i] = { kind: 'LimitEntry', name, value, start: es.start, end: es.end };
      }
      return { kind: 'Limits', entries, start: s.start, end: s.end };
    }
    if (k.KwRetry) {
      const attempts = this.number(tokenOf(kids(node).NumberLiteral));
      let backoff: { min: A.DurationLiteral; max: A.DurationLiteral } | null = null;
      if (k.KwBackoff) {
        const durs = tokensOf(kids(node).Duration);
        const min = this.duration(durs[0]);
        backoff = { min, max: this.duration(durs[1]) };
      }
      return { kind: 'Retry', attempts, backoff, start: s.start, end: s.end };
    }
    if (k.KwRate) {
      const count = this.number(tokenOf(kids(node).NumberLiteral));
      return { kind: 'Rate', count, unit: this.name(tokenOf(kids(node).NameWord)), start: s.start, end: s.end };
    }
    if (k.KwConcurrency) return { kind: 'Concurrency', value: this.number(tokenOf(kids(node).NumberLiteral)), start: s.start, end: s.end };
    if (k.KwSchedule) return { kind: 'Schedule', every: this.duration(tokenOf(kids(node).Duration)), start: s.start, end: s.end };
    return null;
  }

  private compareBlock(node: CstNode): A.PolicyStmt {
    const s = this.spanOr(node);
    const items: (A.CompareDefault | A.CompareUse | A.CompareRule)[] = [];
    for (const word of tokensOf(kids(node).KwDefault)) {
      const value = tokensOf(kids(node).NameWord).find((t) => t.startOffset > word.startOffset);
      const name = this.name(value);
      items.push({ kind: 'CompareDefault', value: name, start: word.startOffset, end: name.missing ? endOf(word) : name.end });
    }
    const refs = nodesOf(kids(node).ref);
    const uses = tokensOf(kids(node).KwUse);
    for (let i = 0; i < uses.length; i++) {
      const tok = uses[i]!;
      const profile = this.ref(refs[i]);
      items.push({ kind: 'CompareUse', profile, start: tok.startOffset, end: profile.missing ? endOf(tok) : profile.end });
    }
    for (const r of nodesOf(kids(node).compareRule)) items.push(this.compareRule(r));
    sortBy(items, nodeStart);
    return { kind: 'Compare', items, start: s.start, end: s.end };
  }

  private rule(node: CstNode): A.RemediationRule {
    const s = this.spanOr(node);
    const names = tokensOf(kids(node).NameWord);
    const stringNodes = nodesOf(kids(node).stringLiteral);
    const strings: A.StringLiteral[] = new Array(stringNodes.length);
    for (let i = 0; i < stringNodes.length; i++) strings[i] = this.string(stringNodes[i]!);
    const arrow = tokenOf(kids(node).Arrow);
    const becauseTok = tokenOf(kids(node).KwBecause);
    const untilTok = tokenOf(kids(node).KwUntil);
    const requiresTok = tokenOf(kids(node).KwRequires);
    const actionTok = names[1];
    // the ticket title is a string right after the action, before any other keyword
    let titleLimit = Infinity;
    if (isReal(requiresTok)) titleLimit = Math.min(titleLimit, requiresTok.startOffset);
    if (isReal(becauseTok)) titleLimit = Math.min(titleLimit, becauseTok.startOffset);
    if (isReal(untilTok)) titleLimit = Math.min(titleLimit, untilTok.startOffset);
    let title: A.StringLiteral | null = null;
    if (isReal(actionTok)) title = firstStringAfter(strings, actionTok.startOffset, titleLimit);
    const approvalRef = nodeOf(kids(node).ref);
    const on = this.name(names[0]);
    const when = tokenOf(kids(node).KwWhen) ? this.exprOr(nodeOf(kids(node).expr)) : null;
    const action = isReal(arrow) ? this.name(actionTok) : this.name(undefined);
    let approval: A.RemediationRule['approval'] = null;
    if (isReal(requiresTok)) {
      const end = approvalRef ? this.spanOr(approvalRef).end : endOf(tokenOf(kids(node).KwApproval) ?? requiresTok);
      approval = { start: requiresTok.startOffset, end, group: approvalRef ? this.ref(approvalRef) : null };
    }
    const because = isReal(becauseTok) ? firstStringAfter(strings, becauseTok.startOffset, Infinity) : null;
    const until = isReal(untilTok) ? firstStringAfter(strings, untilTok.startOffset, Infinity) : null;
    return { kind: 'Rule', on, when, action, title, approval, because, until, start: s.start, end: s.end };
  }

  // ---------------------------------------------------------------- tests

  private test(node: CstNode, doc: string | null, s: A.Span): A.TestDecl {
    const lists = nodesOf(kids(node).list);
    const ids = tokensOf(kids(node).Identifier);
    let expect: A.TestDecl['expect'];
    const curlies = tokensOf(kids(node).LCurly);
    if (curlies.length >= 2) {
      const rcurlies = tokensOf(kids(node).RCurly);
      const entryNodes = nodesOf(kids(node).expectEntry);
      const entries: A.ExpectEntry[] = new Array(entryNodes.length);
      for (let i = 0; i < entryNodes.length; i++) entries[i] = this.expectEntry(entryNodes[i]!);
      expect = { kind: 'ExpectBlock', entries, start: curlies[1]!.startOffset, end: isReal(rcurlies[0]) ? endOf(rcurlies[0]) : s.end };
    } else {
      const word = this.name(ids[0]);
      const ws = this.tokSpan(ids[0]);
      expect = { kind: 'NoDrift', word, start: ws.start, end: ws.end };
    }
    const name = this.stringOr(nodeOf(kids(node).stringLiteral));
    const policy = this.ref(nodeOf(kids(node).ref));
    const desired = lists[0] ? this.list(lists[0]) : this.missingList();
    const actual = lists[1] ? this.list(lists[1]) : this.missingList();
    return { kind: 'Test', name, policy, desired, actual, expect, doc, start: s.start, end: s.end };
  }

  private expectEntry(node: CstNode): A.ExpectEntry {
    const s = this.spanOr(node);
    if (tokenOf(kids(node).KwOn)) {
      const keyNode = nodeOf(kids(node).stringLiteral) ?? nodeOf(kids(node).list);
      const num = tokenOf(kids(node).NumberLiteral);
      let key: A.Expr;
      if (keyNode?.name === 'stringLiteral') key = this.string(keyNode);
      else if (keyNode?.name === 'list') key = this.list(keyNode);
      else if (num) key = this.number(num);
      else key = this.missingExpr();
      const word = this.name(tokenOf(kids(node).Identifier));
      const action = this.name(tokenOf(kids(node).NameWord));
      return { kind: 'ExpectAction', word, action, key, requiresApproval: tokenOf(kids(node).KwRequires) !== undefined, start: s.start, end: s.end };
    }
    const name = this.name(tokenOf(kids(node).NameWord));
    return { kind: 'ExpectCount', name, count: this.number(tokenOf(kids(node).NumberLiteral)), start: s.start, end: s.end };
  }

  // ---------------------------------------------------------------- expressions

  private exprOr(node: CstNode | undefined): A.Expr {
    return node ? this.expr(node) : this.missingExpr();
  }

  expr(node: CstNode): A.Expr {
    switch (node.name) {
      case 'expr':
        return this.flatExpression(node);
      case 'primary':
        return this.primary(node);
      case 'list':
        return this.list(node);
      case 'object':
        return this.object(node);
      case 'stringLiteral':
        return this.string(node);
      default:
        return this.missingExpr();
    }
  }

  /**
   * Applies LANGUAGE.md's precedence to the flat `operand (operator operand)*` the parser read.
   * Lowest first: or, and, not, comparison, + -, * / %, unary -, postfix. Also reports what the
   * grammar of section 6 forbids but the flat reading lets through: a `not` where only a sum may
   * stand (`a == not b`, `-not a`) and chained comparisons (`a < b < c`).
   */
  private flatExpression(node: CstNode): A.Expr {
    const operandNodes = nodesOf(kids(node).operand);
    if (operandNodes.length === 0) return this.missingExpr();
    // the common case: one operand without `not` or `-`
    if (operandNodes.length === 1 && tokensOf(kids(operandNodes[0]).PrefixOperator).length === 0) return this.operandCore(operandNodes[0]!);
    const operators = tokensOf(kids(node).BinaryOperator);
    const slots = operandNodes.map((o) => ({
      prefixes: tokensOf(kids(o).PrefixOperator).filter(isReal),
      prefixIndex: 0,
      core: this.operandCore(o),
    }));
    let slotIndex = 0;
    let operatorIndex = 0;

    const parseLevel = (minPrecedence: number): A.Expr => {
      let left = parsePrefixed(minPrecedence);
      let previousWasComparison = false;
      while (operatorIndex < operators.length && operatorIndex < slots.length - 1) {
        const operatorToken = operators[operatorIndex]!;
        const precedence = BINARY_PRECEDENCE[operatorToken.image] ?? 0;
        if (precedence < minPrecedence) break;
        operatorIndex++;
        if (precedence === COMPARISON && previousWasComparison) {
          this.diagnostics.push(diagnostic('syntax-error', operatorToken.startOffset, endOf(operatorToken), { detail: `comparisons do not chain: put the first one in parentheses before '${operatorToken.image}'` }));
        }
        previousWasComparison = precedence === COMPARISON;
        const right = parseLevel(precedence + 1);
        left = { kind: 'Binary', operator: operatorToken.image as A.BinaryOperator, left, right, start: left.start, end: right.end };
      }
      return left;
    };

    const parsePrefixed = (minPrecedence: number): A.Expr => {
      const slot = slots[Math.min(slotIndex, slots.length - 1)]!;
      if (slot.prefixIndex < slot.prefixes.length) {
        const prefix = slot.prefixes[slot.prefixIndex++]!;
        if (prefix.image === '-') {
          const operand = parsePrefixed(UNARY);
          return { kind: 'Unary', operator: '-', operand, start: prefix.startOffset, end: operand.end };
        }
        if (minPrecedence > NOT) {
          this.diagnostics.push(diagnostic('syntax-error', prefix.startOffset, endOf(prefix), { detail: "'not' cannot stand here: put 'not ...' in parentheses" }));
        }
        const operand = parseLevel(NOT);
        return { kind: 'Unary', operator: 'not', operand, start: prefix.startOffset, end: operand.end };
      }
      slotIndex++;
      return slot.core;
    };

    return parseLevel(0);
  }

  /** An operand's primary with its postfix chain (`.name`, `[expr]`, `(args)`), without prefixes. */
  private operandCore(node: CstNode): A.Expr {
    const primaryNode = nodeOf(kids(node).primary);
    let result = primaryNode ? this.primary(primaryNode) : this.missingExpr();
    const dots = tokensOf(kids(node).Dot);
    const brackets = tokensOf(kids(node).LBracket);
    const parens = tokensOf(kids(node).LParen);
    if (dots.length === 0 && brackets.length === 0 && parens.length === 0) return result;
    const steps: Step[] = [];
    for (const t of dots) if (isReal(t)) steps.push({ t, kind: 'dot' });
    for (const t of brackets) if (isReal(t)) steps.push({ t, kind: 'index' });
    for (const t of parens) if (isReal(t)) steps.push({ t, kind: 'call' });
    if ((dots.length > 0 ? 1 : 0) + (brackets.length > 0 ? 1 : 0) + (parens.length > 0 ? 1 : 0) > 1) sortBy(steps, stepOffset);
    const names = tokensOf(kids(node).NameWord);
    const exprs = nodesOf(kids(node).expr);
    const argsNodes = nodesOf(kids(node).args);
    const rparens = tokensOf(kids(node).RParen);
    const rbrackets = tokensOf(kids(node).RBracket);
    let nameIndex = 0;
    let exprIndex = 0;
    let argsIndex = 0;
    let parenIndex = 0;
    let bracketIndex = 0;
    for (const step of steps) {
      if (step.kind === 'dot') {
        const property = this.name(names[nameIndex++]);
        result = { kind: 'Member', object: result, property, start: result.start, end: property.missing ? endOf(step.t) : property.end };
      } else if (step.kind === 'index') {
        const index = this.exprOr(exprs[exprIndex++]);
        const close = rbrackets[bracketIndex++];
        result = { kind: 'Index', object: result, index, start: result.start, end: isReal(close) ? endOf(close) : index.end };
      } else {
        const close = rparens[parenIndex++];
        const closeOffset = isReal(close) ? close.startOffset : Infinity;
        let args: A.Argument[] = [];
        const candidate = argsNodes[argsIndex];
        const candidateSpan = candidate ? span(candidate) : null;
        if (candidate && candidateSpan && candidateSpan.start > step.t.startOffset && candidateSpan.start < closeOffset) {
          args = this.args(candidate);
          argsIndex++;
        }
        result = { kind: 'Call', callee: result, args, start: result.start, end: isReal(close) ? endOf(close) : (args.at(-1)?.end ?? endOf(step.t)) };
      }
    }
    return result;
  }

  private args(node: CstNode): A.Argument[] {
    const argNodes = nodesOf(kids(node).arg);
    const result: A.Argument[] = new Array(argNodes.length);
    for (let i = 0; i < argNodes.length; i++) {
      const a = argNodes[i]!;
      const nameTok = tokenOf(kids(a).NameWord);
      const value = this.exprOr(nodeOf(kids(a).expr));
      const s = this.spanOr(a);
      result[i] = { kind: 'Argument', name: nameTok ? this.name(nameTok) : null, value, start: s.start, end: s.end };
    }
    return result;
  }

  call(node: CstNode): A.CallExpr {
    const s = this.spanOr(node);
    const callee = this.nameRef(tokenOf(kids(node).NameWord));
    const argsNode = nodeOf(kids(node).args);
    return { kind: 'Call', callee, args: argsNode ? this.args(argsNode) : [], start: s.start, end: s.end };
  }

  private primary(node: CstNode): A.Expr {
    const k = kids(node);
    if (k.NameWord) return this.nameRef(k.NameWord[0] as IToken);
    if (k.stringLiteral) return this.string(k.stringLiteral[0] as CstNode);
    if (k.NumberLiteral) return this.number(k.NumberLiteral[0] as IToken);
    if (k.Duration) return this.duration(k.Duration[0] as IToken);
    if (k.Percentage) return this.percent(k.Percentage[0] as IToken);
    if (k.KwTrue) {
      const s = this.tokSpan(k.KwTrue[0] as IToken);
      return { kind: 'Bool', value: true, start: s.start, end: s.end };
    }
    if (k.KwFalse) {
      const s = this.tokSpan(k.KwFalse[0] as IToken);
      return { kind: 'Bool', value: false, start: s.start, end: s.end };
    }
    if (k.KwNull) {
      const s = this.tokSpan(k.KwNull[0] as IToken);
      return { kind: 'Null', start: s.start, end: s.end };
    }
    if (k.list) return this.list(k.list[0] as CstNode);
    if (k.object) return this.object(k.object[0] as CstNode);
    if (k.expr) {
      const inner = this.expr(k.expr[0] as CstNode);
      const s = this.spanOr(node);
      return { kind: 'Paren', expr: inner, start: s.start, end: s.end };
    }
    return this.missingExpr();
  }

  list(node: CstNode): A.ListLiteral {
    const s = this.spanOr(node);
    const elementNodes = nodesOf(kids(node).expr);
    const elements: A.Expr[] = new Array(elementNodes.length);
    for (let i = 0; i < elementNodes.length; i++) elements[i] = this.expr(elementNodes[i]!);
    return { kind: 'List', elements, start: s.start, end: s.end };
  }

  private object(node: CstNode): A.ObjectLiteral {
    const s = this.spanOr(node);
    const entryNodes = nodesOf(kids(node).objectEntry);
    const entries: A.ObjectEntry[] = new Array(entryNodes.length);
    for (let i = 0; i < entryNodes.length; i++) {
      const e = entryNodes[i]!;
      const key = this.fieldName(nodeOf(kids(e).fieldName));
      const value = this.exprOr(nodeOf(kids(e).expr));
      const es = this.spanOr(e);
      entries[i] = { kind: 'ObjectEntry', key, value, start: es.start, end: es.end };
    }
    return { kind: 'Object', entries, start: s.start, end: s.end };
  }

  private stringOr(node: CstNode | undefined): A.StringLiteral {
    return node ? this.string(node) : this.missingString();
  }

  string(node: CstNode | undefined): A.StringLiteral {
    const s = this.spanOr(node);
    const texts = tokensOf(kids(node).StringText);
    const escaped = tokensOf(kids(node).StringEscapedInterpolation);
    const starts = tokensOf(kids(node).InterpolationStart);
    let parts: (string | A.Expr)[];
    if (escaped.length === 0 && starts.length === 0) {
      // plain text only (several chunks when the lexer dropped a bad escape between them)
      if (texts.length === 0) parts = [];
      else {
        let text = decodeJsonEscapes(texts[0]!.image);
        for (let i = 1; i < texts.length; i++) text += decodeJsonEscapes(texts[i]!.image);
        parts = [text];
      }
    } else {
      parts = this.interpolatedParts(node!, texts, escaped, starts);
    }
    const missing = !isReal(tokenOf(kids(node).StringStart)) || !isReal(tokenOf(kids(node).StringEnd));
    if (missing && parts.length === 0) return { kind: 'String', parts, start: s.start, end: s.end, missing: true };
    return { kind: 'String', parts, start: s.start, end: s.end };
  }

  /** The parts of a string with interpolations: text and expressions in text order, adjacent text joined. */
  private interpolatedParts(node: CstNode, texts: IToken[], escaped: IToken[], starts: IToken[]): (string | A.Expr)[] {
    const parts: (string | A.Expr)[] = [];
    const pieces: { offset: number; value: string | A.Expr }[] = [];
    for (const t of texts) pieces.push({ offset: t.startOffset, value: decodeJsonEscapes(t.image) });
    for (const t of escaped) pieces.push({ offset: t.startOffset, value: '${' });
    const exprs = nodesOf(kids(node).expr);
    for (let i = 0; i < starts.length; i++) {
      const t = starts[i]!;
      const e = exprs[i];
      if (e && isReal(t)) pieces.push({ offset: t.startOffset, value: this.expr(e) });
    }
    sortBy(pieces, pieceOffset);
    for (const piece of pieces) {
      const last = parts[parts.length - 1];
      if (typeof piece.value === 'string' && typeof last === 'string') parts[parts.length - 1] = last + piece.value;
      else parts.push(piece.value);
    }
    return parts;
  }
}

/** The first string starting after `after` and before `before`, or null. */
function firstStringAfter(strings: A.StringLiteral[], after: number, before: number): A.StringLiteral | null {
  for (const x of strings) if (x.start > after && x.start < before) return x;
  return null;
}

/** Declaration rules of a file, in the order their nodes are gathered. */
const DECLARATION_RULES = ['importDecl', 'letDecl', 'groupDecl', 'sourceDecl', 'profileDecl', 'policyDecl', 'testDecl'] as const;
/** Statement rules of a source, in the order their nodes are gathered. */
const SOURCE_STATEMENT_RULES = ['fromStmt', 'keyStmt', 'fieldsStmt', 'selectStmt', 'whereStmt', 'writeStmt'] as const;

/** The text of a string without interpolations (interpolated parts are left out). */
export function stringText(str: A.StringLiteral): string {
  const parts = str.parts;
  if (parts.length === 1 && typeof parts[0] === 'string') return parts[0];
  let text = '';
  for (const p of parts) if (typeof p === 'string') text += p;
  return text;
}

/** Binding strength of binary operators (LANGUAGE.md section 3); `not` sits between and and comparisons. */
const NOT = 3;
const COMPARISON = 4;
const UNARY = 7;
const BINARY_PRECEDENCE: Record<string, number> = {
  or: 1,
  and: 2,
  '==': COMPARISON,
  '!=': COMPARISON,
  '<': COMPARISON,
  '<=': COMPARISON,
  '>': COMPARISON,
  '>=': COMPARISON,
  in: COMPARISON,
  matches: COMPARISON,
  '+': 5,
  '-': 5,
  '*': 6,
  '/': 6,
  '%': 6,
};

/** Decodes JSON escapes of a string chunk (the lexer guarantees they are valid). */
function decodeJsonEscapes(raw: string): string {
  if (!raw.includes('\\')) return raw;
  return raw.replace(/\\(["\\/bfnrt]|u[0-9a-fA-F]{4})/g, (_, esc: string) => {
    switch (esc[0]) {
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u':
        return String.fromCharCode(parseInt(esc.slice(1), 16));
      default:
        return esc;
    }
  });
}
