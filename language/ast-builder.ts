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
 */
import { endOf, LineMap } from './source-position.js';
import type { CstNode, IToken } from 'chevrotain';
import type * as A from './ast.js';
import { DURATION_UNITS_MS } from './literals.js';
import { diagnostic, type Diagnostic } from './diagnostics.js';

type Children = Record<string, (CstNode | IToken)[] | undefined>;

function kids(node: CstNode | undefined): Children {
  return (node?.children ?? {}) as Children;
}
function tokens(node: CstNode | undefined, name: string): IToken[] {
  return (kids(node)[name] as IToken[] | undefined) ?? [];
}
function nodes(node: CstNode | undefined, name: string): CstNode[] {
  return (kids(node)[name] as CstNode[] | undefined) ?? [];
}
function token(node: CstNode | undefined, name: string, index = 0): IToken | undefined {
  return tokens(node, name)[index];
}
function child(node: CstNode | undefined, name: string, index = 0): CstNode | undefined {
  return nodes(node, name)[index];
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
  ) {
    this.lines = new LineMap(text);
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
      this.fallback = endOf(tok);
      return { start: tok.startOffset, end: endOf(tok) };
    }
    return { start: this.fallback, end: this.fallback };
  }

  private name(tok: IToken | undefined): A.Name {
    const s = this.tokSpan(tok);
    if (!isReal(tok)) return { kind: 'Name', text: '', ...s, missing: true };
    return { kind: 'Name', text: tok.image, ...s };
  }

  private missingExpr(): A.NameRef {
    const s = { start: this.fallback, end: this.fallback };
    return { kind: 'NameRef', name: { kind: 'Name', text: '', ...s, missing: true }, ...s, missing: true };
  }

  private missingString(): A.StringLiteral {
    return { kind: 'String', parts: [], start: this.fallback, end: this.fallback, missing: true };
  }

  private missingList(): A.ListLiteral {
    return { kind: 'List', elements: [], start: this.fallback, end: this.fallback, missing: true };
  }

  private number(tok: IToken | undefined): A.NumberLiteral {
    const s = this.tokSpan(tok);
    if (!isReal(tok)) return { kind: 'Number', value: 0, text: '', ...s, missing: true };
    return { kind: 'Number', value: Number(tok.image), text: tok.image, ...s };
  }

  private duration(tok: IToken | undefined): A.DurationLiteral {
    const s = this.tokSpan(tok);
    if (!isReal(tok)) return { kind: 'Duration', value: 0, text: '', ...s, missing: true };
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(tok.image)!;
    return { kind: 'Duration', value: Number(match[1]) * DURATION_UNITS_MS[match[2] as keyof typeof DURATION_UNITS_MS], text: tok.image, ...s };
  }

  private percent(tok: IToken): A.PercentLiteral {
    const s = this.tokSpan(tok);
    return { kind: 'Percent', value: Number(tok.image.slice(0, -1)) / 100, text: tok.image, ...s };
  }

  // ---------------------------------------------------------------- file

  file(cst: CstNode, textLength: number): A.ReconFile {
    const declarations: A.Decl[] = [];
    const decls: CstNode[] = [];
    for (const key of ['importDecl', 'letDecl', 'groupDecl', 'sourceDecl', 'profileDecl', 'policyDecl', 'testDecl']) {
      decls.push(...nodes(cst, key));
    }
    const withSpan = decls.map((d) => ({ d, s: span(d) })).filter((x) => x.s !== null) as { d: CstNode; s: A.Span }[];
    withSpan.sort((a, b) => a.s.start - b.s.start);
    for (const { d } of withSpan) {
      const decl = this.declaration(d);
      if (decl) declarations.push(decl);
    }
    const comments = this.comments.map((c) => ({ text: c.image, start: c.startOffset, end: endOf(c) }));
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
        const path = child(node, 'stringLiteral') ? this.string(child(node, 'stringLiteral')) : this.missingString();
        const aliasTok = token(node, 'NameWord');
        return { kind: 'Import', path, alias: aliasTok ? this.name(aliasTok) : null, doc, ...s };
      }
      case 'letDecl':
        return { kind: 'Let', name: this.name(token(node, 'NameWord')), value: this.exprOr(child(node, 'expr')), doc, ...s };
      case 'groupDecl':
        return { kind: 'Group', name: this.name(token(node, 'NameWord')), members: child(node, 'list') ? this.list(child(node, 'list')!) : this.missingList(), doc, ...s };
      case 'sourceDecl':
        return { kind: 'Source', name: this.name(token(node, 'NameWord')), statements: this.sourceStatements(node), doc, ...s };
      case 'profileDecl':
        return { kind: 'Profile', name: this.name(token(node, 'NameWord')), rules: nodes(node, 'compareRule').map((r) => this.compareRule(r)), doc, ...s };
      case 'policyDecl':
        return { kind: 'Policy', name: this.name(token(node, 'NameWord')), statements: nodes(node, 'policyStmt').map((p) => this.policyStatement(p)).filter((x): x is A.PolicyStmt => x !== null), doc, ...s };
      case 'testDecl':
        return this.test(node, doc, s);
      default:
        return null;
    }
  }

  // ---------------------------------------------------------------- sources

  private sourceStatements(node: CstNode): A.SourceStmt[] {
    const all: CstNode[] = [];
    for (const key of ['fromStmt', 'keyStmt', 'fieldsStmt', 'selectStmt', 'whereStmt', 'writeStmt']) all.push(...nodes(node, key));
    const sorted = all.map((n) => ({ n, s: this.spanOr(n) })).sort((a, b) => a.s.start - b.s.start);
    const result: A.SourceStmt[] = [];
    for (const { n, s } of sorted) {
      switch (n.name) {
        case 'fromStmt': {
          const callNode = child(n, 'call');
          result.push({ kind: 'From', call: callNode ? this.call(callNode) : this.missingCall(), ...s });
          break;
        }
        case 'keyStmt':
          result.push({ kind: 'Key', paths: nodes(n, 'path').map((p) => this.path(p)), ...s });
          break;
        case 'fieldsStmt':
          result.push({
            kind: 'Fields',
            fields: nodes(n, 'fieldDecl').map((f) => ({
              kind: 'FieldDecl' as const,
              name: this.fieldName(child(f, 'fieldName')),
              type: this.name(token(f, 'NameWord')),
              ...this.spanOr(f),
            })),
            ...s,
          });
          break;
        case 'selectStmt':
          result.push({
            kind: 'Select',
            lines: nodes(n, 'selectLine').map((l) => ({
              kind: 'SelectLine' as const,
              name: this.fieldName(child(l, 'fieldName')),
              value: this.exprOr(child(l, 'expr')),
              ...this.spanOr(l),
            })),
            ...s,
          });
          break;
        case 'whereStmt':
          result.push({ kind: 'Where', condition: this.exprOr(child(n, 'expr')), ...s });
          break;
        case 'writeStmt':
          result.push({ kind: 'Write', items: this.writeItems(n), ...s });
          break;
      }
    }
    return result;
  }

  private writeItems(node: CstNode): (A.WriteOp | A.MapBlock)[] {
    const all = [...nodes(node, 'writeOp'), ...nodes(node, 'mapBlock')]
      .map((n) => ({ n, s: this.spanOr(n) }))
      .sort((a, b) => a.s.start - b.s.start);
    return all.map(({ n, s }) => {
      if (n.name === 'mapBlock') {
        return {
          kind: 'Map' as const,
          lines: nodes(n, 'mapLine').map((l) => ({
            kind: 'MapLine' as const,
            path: child(l, 'path') ? this.path(child(l, 'path')!) : this.missingPath(),
            value: this.exprOr(child(l, 'expr')),
            ...this.spanOr(l),
          })),
          ...s,
        };
      }
      const ids = tokens(n, 'Identifier');
      const callNode = child(n, 'call');
      return {
        kind: 'WriteOp' as const,
        op: this.name(ids[0]),
        method: ids[1] ? this.name(ids[1]) : null,
        url: child(n, 'stringLiteral') ? this.string(child(n, 'stringLiteral')) : null,
        call: callNode ? this.call(callNode) : null,
        ...s,
      };
    });
  }

  private missingCall(): A.CallExpr {
    const callee = this.missingExpr();
    return { kind: 'Call', callee, args: [], start: callee.start, end: callee.end, missing: true };
  }

  private missingPath(): A.Path {
    return { kind: 'Path', segments: [], start: this.fallback, end: this.fallback, missing: true };
  }

  private fieldName(node: CstNode | undefined): A.Name | A.StringLiteral {
    const str = child(node, 'stringLiteral');
    if (str) return this.string(str);
    return this.name(token(node, 'NameWord'));
  }

  /** `path` and `comparePath` nodes: a head (name or string) and a tail of `.name` / `[index]`. */
  path(node: CstNode): A.Path {
    const s = this.spanOr(node);
    const segments: A.PathSegment[] = [];
    const headTok = token(node, 'CompareFieldWord') ?? token(child(node, 'fieldName'), 'NameWord');
    const headStr = child(node, 'stringLiteral') ?? child(child(node, 'fieldName'), 'stringLiteral');
    if (headStr) {
      const str = this.string(headStr);
      segments.push({ kind: 'field', name: stringText(str), quoted: true, start: str.start, end: str.end });
    } else if (isReal(headTok)) {
      segments.push({ kind: 'field', name: headTok.image, quoted: false, ...this.tokSpan(headTok) });
    }
    const tail = child(node, 'pathTail');
    const dots = tokens(tail, 'Dot');
    const names = tokens(tail, 'NameWord');
    const brackets = tokens(tail, 'LBracket');
    const strings = nodes(tail, 'stringLiteral');
    const numbers = tokens(tail, 'NumberLiteral');
    const steps: { offset: number; kind: 'dot' | 'bracket' }[] = [
      ...dots.filter(isReal).map((t) => ({ offset: t.startOffset, kind: 'dot' as const })),
      ...brackets.filter(isReal).map((t) => ({ offset: t.startOffset, kind: 'bracket' as const })),
    ].sort((a, b) => a.offset - b.offset);
    // Bracket contents (a string or a number) pair up with the brackets in offset order.
    const contents = [
      ...strings.map((n) => ({ offset: span(n)?.start ?? -1, node: n as CstNode | null, tok: null as IToken | null })),
      ...numbers.filter(isReal).map((t) => ({ offset: t.startOffset, node: null, tok: t })),
    ]
      .filter((c) => c.offset >= 0)
      .sort((a, b) => a.offset - b.offset);
    let nameIndex = 0;
    let contentIndex = 0;
    for (const step of steps) {
      if (step.kind === 'dot') {
        const tok = names[nameIndex++];
        if (isReal(tok)) segments.push({ kind: 'field', name: tok.image, quoted: false, ...this.tokSpan(tok) });
        continue;
      }
      const content = contents[contentIndex++];
      if (!content) continue;
      if (content.node) {
        const lit = this.string(content.node);
        segments.push({ kind: 'index', value: stringText(lit), start: lit.start, end: lit.end });
      } else if (content.tok) {
        segments.push({ kind: 'index', value: Number(content.tok.image), ...this.tokSpan(content.tok) });
      }
    }
    return { kind: 'Path', segments, ...s, ...(segments.length === 0 ? { missing: true } : {}) };
  }

  // ---------------------------------------------------------------- profiles and policies

  private compareRule(node: CstNode): A.CompareRule {
    const s = this.spanOr(node);
    const pathNode = child(node, 'comparePath');
    const path = pathNode ? this.path(pathNode) : this.missingPath();
    return { kind: 'CompareRule', path, comparator: this.comparator(child(node, 'comparator')), ...s };
  }

  private comparator(node: CstNode | undefined): A.Comparator {
    const s = this.spanOr(node);
    if (token(node, 'KwWithin')) {
      const num = token(node, 'NumberLiteral');
      const pct = token(node, 'Percentage');
      const dur = token(node, 'Duration');
      const value = pct ? this.percent(pct) : dur ? this.duration(dur) : this.number(num);
      return { kind: 'Within', value, ...s };
    }
    if (token(node, 'KwNormalize')) {
      return {
        kind: 'Normalize',
        normalizers: nodes(node, 'normalizer').map((n) => {
          const num = token(n, 'NumberLiteral');
          return { kind: 'Normalizer' as const, name: this.name(token(n, 'NameWord')), arg: num ? this.number(num) : null, ...this.spanOr(n) };
        }),
        ...s,
      };
    }
    if (token(node, 'KwUnordered')) {
      const p = child(node, 'path');
      return { kind: 'Unordered', by: p ? this.path(p) : null, ...s };
    }
    if (token(node, 'KwBy')) return { kind: 'ByComparator', expr: this.exprOr(child(node, 'expr')), ...s };
    return { kind: 'NamedComparator', name: this.name(token(node, 'Identifier')), ...s };
  }

  private ref(node: CstNode | undefined): A.Ref {
    const s = this.spanOr(node);
    const names = tokens(node, 'NameWord');
    if (names.length >= 2) return { kind: 'Ref', module: this.name(names[0]), name: this.name(names[1]), ...s };
    const name = this.name(names[0]);
    return { kind: 'Ref', module: null, name, ...s, ...(name.missing ? { missing: true } : {}) };
  }

  private policyStatement(node: CstNode): A.PolicyStmt | null {
    const s = this.spanOr(node);
    const k = kids(node);
    if (k.KwDescription) return { kind: 'Description', value: this.stringOr(child(node, 'stringLiteral')), ...s };
    if (k.KwOwner) return { kind: 'Owner', value: this.stringOr(child(node, 'stringLiteral')), ...s };
    if (k.KwSeverity) return { kind: 'Severity', value: this.name(token(node, 'NameWord')), ...s };
    if (k.KwMode) return { kind: 'Mode', value: this.name(token(node, 'NameWord')), ...s };
    if (k.KwDesired) return { kind: 'Desired', source: this.ref(child(node, 'ref')), ...s };
    if (k.KwActual) return { kind: 'Actual', source: this.ref(child(node, 'ref')), ...s };
    if (k.compareBlock) return this.compareBlock(child(node, 'compareBlock')!);
    if (k.remediateBlock) {
      const block = child(node, 'remediateBlock')!;
      return { kind: 'Remediate', rules: nodes(block, 'rule').map((r) => this.rule(r)), ...s };
    }
    if (k.limitsBlock) {
      const block = child(node, 'limitsBlock')!;
      return {
        kind: 'Limits',
        entries: nodes(block, 'limitEntry').map((e) => {
          const names = tokens(e, 'NameWord');
          const num = token(e, 'NumberLiteral');
          const pct = token(e, 'Percentage');
          const value = pct ? this.percent(pct) : num ? this.number(num) : this.name(names[1]);
          return { kind: 'LimitEntry' as const, name: this.name(names[0]), value, ...this.spanOr(e) };
        }),
        ...s,
      };
    }
    if (k.KwRetry) {
      const durs = tokens(node, 'Duration');
      return {
        kind: 'Retry',
        attempts: this.number(token(node, 'NumberLiteral')),
        backoff: k.KwBackoff ? { min: this.duration(durs[0]), max: this.duration(durs[1]) } : null,
        ...s,
      };
    }
    if (k.KwRate) return { kind: 'Rate', count: this.number(token(node, 'NumberLiteral')), unit: this.name(token(node, 'NameWord')), ...s };
    if (k.KwConcurrency) return { kind: 'Concurrency', value: this.number(token(node, 'NumberLiteral')), ...s };
    if (k.KwSchedule) return { kind: 'Schedule', every: this.duration(token(node, 'Duration')), ...s };
    return null;
  }

  private compareBlock(node: CstNode): A.PolicyStmt {
    const s = this.spanOr(node);
    const items: (A.CompareDefault | A.CompareUse | A.CompareRule)[] = [];
    for (const tok of tokens(node, 'KwDefault')) {
      const value = tokens(node, 'NameWord').find((t) => t.startOffset > tok.startOffset);
      const name = this.name(value);
      items.push({ kind: 'CompareDefault', value: name, start: tok.startOffset, end: name.missing ? endOf(tok) : name.end });
    }
    const refs = nodes(node, 'ref');
    tokens(node, 'KwUse').forEach((tok, i) => {
      const profile = this.ref(refs[i]);
      items.push({ kind: 'CompareUse', profile, start: tok.startOffset, end: profile.missing ? endOf(tok) : profile.end });
    });
    for (const r of nodes(node, 'compareRule')) items.push(this.compareRule(r));
    items.sort((a, b) => a.start - b.start);
    return { kind: 'Compare', items, ...s };
  }

  private rule(node: CstNode): A.RemediationRule {
    const s = this.spanOr(node);
    const names = tokens(node, 'NameWord');
    const strings = nodes(node, 'stringLiteral').map((n) => this.string(n));
    const arrow = token(node, 'Arrow');
    const after = (tok: IToken | undefined): A.StringLiteral | null => {
      if (!isReal(tok)) return null;
      return strings.find((x) => x.start > tok.startOffset) ?? null;
    };
    const becauseTok = token(node, 'KwBecause');
    const untilTok = token(node, 'KwUntil');
    const requiresTok = token(node, 'KwRequires');
    const actionTok = names[1];
    // the ticket title is a string right after the action, before any other keyword
    const firstKeyword = [requiresTok, becauseTok, untilTok].filter(isReal).map((t) => t.startOffset);
    const titleLimit = firstKeyword.length > 0 ? Math.min(...firstKeyword) : Infinity;
    const title = isReal(actionTok) ? strings.find((x) => x.start > actionTok.startOffset && x.start < titleLimit) ?? null : null;
    const approvalRef = child(node, 'ref');
    return {
      kind: 'Rule',
      on: this.name(names[0]),
      when: token(node, 'KwWhen') ? this.exprOr(child(node, 'expr')) : null,
      action: isReal(arrow) ? this.name(actionTok) : this.name(undefined),
      title,
      approval: isReal(requiresTok)
        ? { start: requiresTok.startOffset, end: approvalRef ? this.spanOr(approvalRef).end : endOf(token(node, 'KwApproval') ?? requiresTok), group: approvalRef ? this.ref(approvalRef) : null }
        : null,
      because: after(becauseTok),
      until: after(untilTok),
      ...s,
    };
  }

  // ---------------------------------------------------------------- tests

  private test(node: CstNode, doc: string | null, s: A.Span): A.TestDecl {
    const lists = nodes(node, 'list');
    const ids = tokens(node, 'Identifier');
    let expect: A.TestDecl['expect'];
    if (tokens(node, 'LCurly').length >= 2) {
      const curlies = tokens(node, 'LCurly');
      const rcurlies = tokens(node, 'RCurly');
      expect = {
        kind: 'ExpectBlock',
        entries: nodes(node, 'expectEntry').map((e) => this.expectEntry(e)),
        start: curlies[1]!.startOffset,
        end: isReal(rcurlies[0]) ? endOf(rcurlies[0]) : s.end,
      };
    } else {
      expect = { kind: 'NoDrift', word: this.name(ids[0]), ...this.tokSpan(ids[0]) };
    }
    return {
      kind: 'Test',
      name: this.stringOr(child(node, 'stringLiteral')),
      policy: this.ref(child(node, 'ref')),
      desired: lists[0] ? this.list(lists[0]) : this.missingList(),
      actual: lists[1] ? this.list(lists[1]) : this.missingList(),
      expect,
      doc,
      ...s,
    };
  }

  private expectEntry(node: CstNode): A.ExpectEntry {
    const s = this.spanOr(node);
    if (token(node, 'KwOn')) {
      const keyNode = child(node, 'stringLiteral') ?? child(node, 'list');
      const num = token(node, 'NumberLiteral');
      let key: A.Expr;
      if (keyNode?.name === 'stringLiteral') key = this.string(keyNode);
      else if (keyNode?.name === 'list') key = this.list(keyNode);
      else if (num) key = this.number(num);
      else key = this.missingExpr();
      return { kind: 'ExpectAction', word: this.name(token(node, 'Identifier')), action: this.name(token(node, 'NameWord')), key, requiresApproval: token(node, 'KwRequires') !== undefined, ...s };
    }
    return { kind: 'ExpectCount', name: this.name(token(node, 'NameWord')), count: this.number(token(node, 'NumberLiteral')), ...s };
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
    const operandNodes = nodes(node, 'operand');
    if (operandNodes.length === 0) return this.missingExpr();
    const operators = tokens(node, 'BinaryOperator');
    const slots = operandNodes.map((o) => ({
      prefixes: tokens(o, 'PrefixOperator').filter(isReal),
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
    let result = this.exprOr(child(node, 'primary'));
    const names = tokens(node, 'NameWord');
    const exprs = nodes(node, 'expr');
    const argsNodes = nodes(node, 'args');
    const rparens = tokens(node, 'RParen');
    const rbrackets = tokens(node, 'RBracket');
    const steps = [
      ...tokens(node, 'Dot').filter(isReal).map((t) => ({ t, kind: 'dot' as const })),
      ...tokens(node, 'LBracket').filter(isReal).map((t) => ({ t, kind: 'index' as const })),
      ...tokens(node, 'LParen').filter(isReal).map((t) => ({ t, kind: 'call' as const })),
    ].sort((a, b) => a.t.startOffset - b.t.startOffset);
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
    return nodes(node, 'arg').map((a) => {
      const nameTok = token(a, 'NameWord');
      const value = this.exprOr(child(a, 'expr'));
      const s = this.spanOr(a);
      return { kind: 'Argument' as const, name: nameTok ? this.name(nameTok) : null, value, ...s };
    });
  }

  call(node: CstNode): A.CallExpr {
    const s = this.spanOr(node);
    const nameTok = token(node, 'NameWord');
    const name = this.name(nameTok);
    const callee: A.NameRef = { kind: 'NameRef', name, start: name.start, end: name.end, ...(name.missing ? { missing: true } : {}) };
    const argsNode = child(node, 'args');
    return { kind: 'Call', callee, args: argsNode ? this.args(argsNode) : [], ...s };
  }

  private primary(node: CstNode): A.Expr {
    const k = kids(node);
    if (k.NameWord) {
      const name = this.name(token(node, 'NameWord'));
      return { kind: 'NameRef', name, start: name.start, end: name.end, ...(name.missing ? { missing: true } : {}) };
    }
    if (k.stringLiteral) return this.string(child(node, 'stringLiteral'));
    if (k.NumberLiteral) return this.number(token(node, 'NumberLiteral'));
    if (k.Duration) return this.duration(token(node, 'Duration'));
    if (k.Percentage) return this.percent(token(node, 'Percentage')!);
    if (k.KwTrue) return { kind: 'Bool', value: true, ...this.tokSpan(token(node, 'KwTrue')) };
    if (k.KwFalse) return { kind: 'Bool', value: false, ...this.tokSpan(token(node, 'KwFalse')) };
    if (k.KwNull) return { kind: 'Null', ...this.tokSpan(token(node, 'KwNull')) };
    if (k.list) return this.list(child(node, 'list')!);
    if (k.object) return this.object(child(node, 'object')!);
    if (k.expr) {
      const inner = this.expr(child(node, 'expr')!);
      const s = this.spanOr(node);
      return { kind: 'Paren', expr: inner, ...s };
    }
    return this.missingExpr();
  }

  list(node: CstNode): A.ListLiteral {
    const s = this.spanOr(node);
    return { kind: 'List', elements: nodes(node, 'expr').map((e) => this.expr(e)), ...s };
  }

  private object(node: CstNode): A.ObjectLiteral {
    const s = this.spanOr(node);
    return {
      kind: 'Object',
      entries: nodes(node, 'objectEntry').map((e) => ({
        kind: 'ObjectEntry' as const,
        key: this.fieldName(child(e, 'fieldName')),
        value: this.exprOr(child(e, 'expr')),
        ...this.spanOr(e),
      })),
      ...s,
    };
  }

  private stringOr(node: CstNode | undefined): A.StringLiteral {
    return node ? this.string(node) : this.missingString();
  }

  string(node: CstNode | undefined): A.StringLiteral {
    const s = this.spanOr(node);
    const parts: (string | A.Expr)[] = [];
    const pieces: { offset: number; value: string | A.Expr }[] = [];
    for (const t of tokens(node, 'StringText')) pieces.push({ offset: t.startOffset, value: decodeJsonEscapes(t.image) });
    for (const t of tokens(node, 'StringEscapedInterpolation')) pieces.push({ offset: t.startOffset, value: '${' });
    const starts = tokens(node, 'InterpolationStart');
    const exprs = nodes(node, 'expr');
    starts.forEach((t, i) => {
      const e = exprs[i];
      if (e && isReal(t)) pieces.push({ offset: t.startOffset, value: this.expr(e) });
    });
    pieces.sort((a, b) => a.offset - b.offset);
    for (const piece of pieces) {
      const last = parts[parts.length - 1];
      if (typeof piece.value === 'string' && typeof last === 'string') parts[parts.length - 1] = last + piece.value;
      else parts.push(piece.value);
    }
    const end = tokens(node, 'StringEnd')[0];
    const missing = !isReal(tokens(node, 'StringStart')[0]) || !isReal(end);
    return { kind: 'String', parts, ...s, ...(missing && parts.length === 0 ? { missing: true } : {}) };
  }
}

/** The text of a string without interpolations (interpolated parts are left out). */
export function stringText(str: A.StringLiteral): string {
  return str.parts.filter((p): p is string => typeof p === 'string').join('');
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
