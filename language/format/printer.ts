/**
 * AST to document: the canonical layout of `recon fmt` (LANGUAGE.md section 5).
 *
 * Why from the AST and not from the tokens: the layout follows the structure (a block's statements
 * one per line, a list broken one element per line), and the AST also gives the canonical spelling
 * of strings. What the AST does not hold is taken from the source text through offsets: comments
 * (placed by `CommentCursor`), blank lines the author left between statements, and the spelling of
 * numbers (kept in the literals' `text`).
 *
 * The layout, decided once here:
 * - two-space indent, one statement per line, `{` on the line of its statement, `}` alone;
 * - a blank line between top-level declarations, except that consecutive `import`s, `let`s or
 *   `group`s the author wrote on adjacent lines stay adjacent (a header of imports reads as one);
 * - inside blocks and broken lists, a blank line is kept where the author had one or more, never
 *   right after an opening or before a closing bracket;
 * - lists `[a, b]`, objects `{ a: 1 }` and call arguments `f(a, b)` stay on one line when they fit
 *   in 100 columns (with what directly follows them), else one element per line with a trailing
 *   comma; a list of records (every element an object: test data, inline sources) is one record
 *   per line as soon as it has two, and each record stays on one line whatever its width (a list
 *   of records inside a record included); a list or object that holds such a broken list breaks
 *   too (no element hangs from a line that goes on after it);
 * - a list or object that is a call's only argument stays against its parentheses: `inline([`,
 *   one record per line one level in from the statement, `])` aligned with the statement;
 * - single spaces around binary operators and after commas; `rate 20/s`, `retry 3 backoff 1s..5s`;
 * - the author's parentheses are kept (they are `Paren` nodes), none is added or dropped;
 * - strings re-escaped canonically (JSON escapes, invisible characters as `\uXXXX`, `$${` for a literal `${`), numbers, durations and
 *   percentages as written; names quoted exactly where the author quoted them (the parser accepts
 *   a bare name only where it may stand, so a name that needs quotes was written with them);
 * - comments: a comment on its own line goes above the statement or element that follows it, a
 *   comment after code stays at the end of that line; one in the middle of a statement stays where
 *   it was, and the statement continues on the next line, one level in (as every further line of
 *   the statement: a list broken there is indented from the continuation).
 */
import type { IToken } from 'chevrotain';
import type * as A from '../ast.js';
import type { Comment } from '../ast.js';
import { CommentCursor } from './comment-cursor.js';
import { blank, comment, group, hardline, ifBreak, indent, line, renderFlat, softline, type Doc, type HardlineDoc } from './doc.js';

/** Something printed on its own line(s) in a block or as one element of a list. */
interface Item {
  /** Where comments stop counting as "above" it (its first token, a keyword included). */
  start: number;
  end: number;
  print: () => Doc;
}

/** An item with the comments that belong to it. */
interface Entry {
  /** The source had an empty line before the entry's first line (its first comment or itself). */
  blankBefore: boolean;
  leading: { text: string; blankAfter: boolean }[];
  doc: Doc;
  trailing: Comment[];
}

interface Dangling {
  text: string;
  blankBefore: boolean;
}

/**
 * The line break after a comment in the middle of a statement (`Printer.at`). A hard line break
 * like any other, recognised by identity: `hangContinuation` indents what follows it in the
 * statement, so the statement does not go on at the column where it started.
 */
const CONTINUATION: HardlineDoc = { k: 'hardline' };

/**
 * `doc` with everything after its first `CONTINUATION` indented one level (the rest of the
 * statement, nested lists and blocks included, moves with it).
 *
 * Why by flattening the concatenations only: one item's own text is a tree of plain arrays; a
 * continuation inside a group or an indent belongs to a nested item (a list element, a statement
 * of a block), which `collect` has already hung on its own.
 */
function hangContinuation(doc: Doc): Doc {
  const flat: Doc[] = [];
  const walk = (d: Doc): void => {
    if (Array.isArray(d)) d.forEach(walk);
    else flat.push(d);
  };
  walk(doc);
  const i = flat.indexOf(CONTINUATION);
  if (i < 0) return doc;
  return [...flat.slice(0, i), indent([hardline, ...flat.slice(i + 1)])];
}

/** Top-level declarations that may stay on adjacent lines when the author wrote them so. */
const ONE_LINERS: ReadonlySet<A.Decl['kind']> = new Set(['Import', 'Let', 'Group']);

export class Printer {
  private readonly cursor: CommentCursor;
  /** Start offsets of the tokens, in order (to find the keyword in front of a value). */
  private readonly tokenStarts: number[];
  /** Start offsets of `${` tokens (a path's quoted segment with one is copied verbatim). */
  private readonly interpolationStarts: number[];
  /** While positive, a record is being printed: a list of records inside it is not broken. */
  private recordDepth = 0;

  constructor(
    private readonly text: string,
    private readonly file: A.ReconFile,
    tokens: readonly IToken[],
  ) {
    this.cursor = new CommentCursor(text, file.comments);
    const real = tokens.filter((t) => !Number.isNaN(t.startOffset));
    this.tokenStarts = real.map((t) => t.startOffset).sort((a, b) => a - b);
    this.interpolationStarts = real.filter((t) => t.tokenType?.name === 'InterpolationStart').map((t) => t.startOffset);
  }

  // ---------------------------------------------------------------- file and containers

  /** The document of the whole file (without the final newline). */
  printFile(): Doc {
    const items = this.file.declarations.map((d) => this.item(d, () => this.declaration(d)));
    const { entries, dangling } = this.collect(items, Infinity);
    const parts: Doc[] = [];
    // Trailing comments after the first one (from inside an interpolation) stand on lines of their
    // own; read again, they are the next declaration's leading comments, so the blank line between
    // declarations goes above them.
    let carried: Comment[] = [];
    entries.forEach((entry, i) => {
      if (i > 0) {
        const prev = this.file.declarations[i - 1]!.kind;
        const kind = this.file.declarations[i]!.kind;
        const adjacent = prev === kind && ONE_LINERS.has(kind) && !entry.blankBefore;
        parts.push(hardline, adjacent ? '' : hardline);
        // a blank line below them, so they do not become the declaration's doc comment
        if (carried.length > 0) parts.push(carried.map((c) => [comment(c.text), hardline]), hardline);
      }
      carried = entry.trailing.slice(1);
      parts.push(this.entryDoc({ ...entry, trailing: entry.trailing.slice(0, 1) }, ''));
    });
    parts.push(carried.map((c) => [hardline, comment(c.text)]));
    dangling.forEach((d, i) => {
      if (i > 0 || entries.length > 0) parts.push(hardline, d.blankBefore ? hardline : '');
      parts.push(comment(d.text));
    });
    return parts;
  }

  private item(node: A.Span, print: () => Doc, start = node.start): Item {
    return { start, end: node.end, print };
  }

  /**
   * Prints the items of one container in order, giving each the comments above it and the ones
   * after it on its last line; `end` is the container's end (comments before it and after the
   * last item are its dangling comments).
   */
  private collect(items: Item[], end: number): { entries: Entry[]; dangling: Dangling[] } {
    const entries: Entry[] = [];
    let prevEnd: number | null = null;
    const blankSince = (start: number): boolean => prevEnd !== null && this.cursor.blankBetween(prevEnd, start);
    for (const it of items) {
      const comments = this.cursor.takeBefore(it.start);
      const blankBefore = blankSince(comments[0]?.start ?? it.start);
      const leading = comments.map((c, i) => ({
        text: c.text,
        blankAfter: this.cursor.blankBetween(c.end, comments[i + 1]?.start ?? it.start),
      }));
      const doc = hangContinuation(it.print());
      // comments inside the item that no node claimed (inside an interpolation) go after it
      const trailing = this.cursor.takeBefore(it.end);
      const sameLine = this.cursor.takeTrailing(it.end);
      if (sameLine) trailing.push(sameLine);
      entries.push({ blankBefore, leading, doc, trailing });
      prevEnd = Math.max(it.end, trailing.at(-1)?.end ?? 0);
    }
    const dangling = this.cursor.takeBefore(end).map((c) => {
      const d = { text: c.text, blankBefore: blankSince(c.start) };
      prevEnd = c.end;
      return d;
    });
    return { entries, dangling };
  }

  /** An entry: its leading comments on lines of their own, the item, `separator`, its trailing comments. */
  private entryDoc(entry: Entry, separator: Doc): Doc {
    const leading = entry.leading.map((c) => [comment(c.text), hardline, c.blankAfter ? hardline : '']);
    const trailing = entry.trailing.map((c, i) => (i === 0 ? comment(c.text) : [hardline, comment(c.text)]));
    return [leading, entry.doc, separator, trailing];
  }

  /** ` { ... }` with one item per line, or ` {}`. */
  private block(items: Item[], end: number): Doc {
    const { entries, dangling } = this.collect(items, end);
    if (entries.length === 0 && dangling.length === 0) return ' {}';
    const body: Doc[] = [];
    entries.forEach((entry, i) => {
      if (i > 0) body.push(hardline, entry.blankBefore ? hardline : '');
      body.push(this.entryDoc(entry, ''));
    });
    dangling.forEach((d) => {
      if (body.length > 0) body.push(hardline, d.blankBefore ? hardline : '');
      body.push(comment(d.text));
    });
    return [' {', indent([hardline, body]), hardline, '}'];
  }

  /** A bracketed, comma-separated sequence: flat when it fits, else one element per line with a trailing comma. */
  private sequence(open: string, close: string, items: Item[], end: number, spaced: boolean, layout: { broken?: boolean; keepFlat?: boolean } = {}): Doc {
    const { entries, dangling } = this.collect(items, end);
    if (entries.length === 0 && dangling.length === 0) return open + close;
    const body: Doc[] = [];
    entries.forEach((entry, i) => {
      if (i > 0) body.push(entry.blankBefore ? blank : '', line);
      const last = i === entries.length - 1;
      body.push(this.entryDoc(entry, last && dangling.length === 0 ? ifBreak(',') : ','));
    });
    dangling.forEach((d) => {
      if (body.length > 0) body.push(d.blankBefore ? blank : '', line);
      body.push(comment(d.text));
    });
    const pad = spaced ? line : softline;
    return group([open, indent([pad, body]), pad, close], layout);
  }

  /** Comments in the middle of a statement, before `start`: each ends its line; the statement goes on one level in. */
  private at(start: number, doc: Doc): Doc {
    const comments = this.cursor.takeBefore(start);
    if (comments.length === 0) return doc;
    return [comments.map((c) => [comment(c.text), CONTINUATION]), doc];
  }

  /** Where the keyword in front of the value at `offset` starts (`desired [...]`: the `desired`). */
  private keywordBefore(offset: number): number {
    let lo = 0;
    let hi = this.tokenStarts.length - 1;
    let found = offset;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.tokenStarts[mid]! < offset) {
        found = this.tokenStarts[mid]!;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** Whether a comment sits between a call's `(` and its only argument, or between the argument and `)`. */
  private commentAround(call: A.CallExpr, arg: A.Expr): boolean {
    return this.cursor.anyBetween(call.callee.end, arg.start) || this.cursor.anyBetween(arg.end, call.end);
  }

  // ---------------------------------------------------------------- declarations

  private declaration(d: A.Decl): Doc {
    switch (d.kind) {
      case 'Import':
        return ['import ', this.string(d.path), d.alias ? [' as ', this.name(d.alias)] : ''];
      case 'Let':
        return ['let ', this.name(d.name), ' = ', this.expr(d.value)];
      case 'Group':
        return ['group ', this.name(d.name), ' = ', this.expr(d.members)];
      case 'Source':
        return ['source ', this.name(d.name), this.block(d.statements.map((s) => this.item(s, () => this.sourceStatement(s))), d.end)];
      case 'Profile':
        return ['profile ', this.name(d.name), this.block(d.rules.map((r) => this.item(r, () => this.compareRule(r))), d.end)];
      case 'Policy':
        return ['policy ', this.name(d.name), this.block(d.statements.map((s) => this.item(s, () => this.policyStatement(s))), d.end)];
      case 'Test':
        return ['test ', this.string(d.name), this.testBody(d)];
    }
  }

  private sourceStatement(s: A.SourceStmt): Doc {
    switch (s.kind) {
      case 'From':
        return ['from ', this.expr(s.call)];
      case 'Key':
        return ['key ', this.join(s.paths.map((p) => this.path(p)))];
      case 'Fields':
        return ['fields', this.block(s.fields.map((f) => this.item(f, () => [this.fieldName(f.name), ': ', this.name(f.type)])), s.end)];
      case 'Select':
        return ['select', this.block(s.lines.map((l) => this.item(l, () => [this.fieldName(l.name), ' = ', this.expr(l.value)])), s.end)];
      case 'Where':
        return ['where ', this.expr(s.condition)];
      case 'Write':
        return ['write', this.block(s.items.map((w) => this.item(w, () => this.writeItem(w))), s.end)];
    }
  }

  private writeItem(w: A.WriteOp | A.MapBlock): Doc {
    if (w.kind === 'Map') {
      return ['map', this.block(w.lines.map((l) => this.item(l, () => [this.path(l.path), ' = ', this.expr(l.value)])), w.end)];
    }
    if (w.call) return [this.name(w.op), ' ', this.expr(w.call)];
    return [this.name(w.op), w.method ? [' ', this.name(w.method)] : '', w.url ? [' ', this.string(w.url)] : ''];
  }

  private compareRule(r: A.CompareRule): Doc {
    return [this.path(r.path), ' ', this.comparator(r.comparator)];
  }

  private comparator(c: A.Comparator): Doc {
    switch (c.kind) {
      case 'NamedComparator':
        return this.name(c.name);
      case 'Within':
        return [this.at(c.start, 'within'), ' ', this.literal(c.value)];
      case 'Normalize':
        return [
          this.at(c.start, 'normalize'),
          ' ',
          this.join(c.normalizers.map((n) => [this.name(n.name), n.arg ? ['(', this.literal(n.arg), ')'] : ''])),
        ];
      case 'Unordered':
        return [this.at(c.start, 'unordered'), c.by ? [' by ', this.path(c.by)] : ''];
      case 'ByComparator':
        return [this.at(c.start, 'by'), ' ', this.expr(c.expr)];
    }
  }

  private policyStatement(s: A.PolicyStmt): Doc {
    switch (s.kind) {
      case 'Description':
        return ['description ', this.string(s.value)];
      case 'Owner':
        return ['owner ', this.string(s.value)];
      case 'Severity':
        return ['severity ', this.name(s.value)];
      case 'Mode':
        return ['mode ', this.name(s.value)];
      case 'Desired':
        return ['desired ', this.ref(s.source)];
      case 'Actual':
        return ['actual ', this.ref(s.source)];
      case 'Compare':
        return ['compare', this.block(s.items.map((it) => this.item(it, () => this.compareItem(it))), s.end)];
      case 'Remediate':
        return ['remediate', this.block(s.rules.map((r) => this.item(r, () => this.rule(r))), s.end)];
      case 'Limits':
        return [
          'limits',
          this.block(
            s.entries.map((e) => this.item(e, () => [this.name(e.name), ' ', e.value.kind === 'Name' ? this.name(e.value) : this.literal(e.value)])),
            s.end,
          ),
        ];
      case 'Retry':
        return [
          'retry ',
          this.literal(s.attempts),
          s.backoff ? [' backoff ', this.literal(s.backoff.min), '..', this.literal(s.backoff.max)] : '',
        ];
      case 'Rate':
        return ['rate ', this.literal(s.count), '/', this.name(s.unit)];
      case 'Concurrency':
        return ['concurrency ', this.literal(s.value)];
      case 'Schedule':
        return ['schedule every ', this.literal(s.every)];
    }
  }

  private compareItem(it: A.CompareDefault | A.CompareUse | A.CompareRule): Doc {
    switch (it.kind) {
      case 'CompareDefault':
        return ['default ', this.name(it.value)];
      case 'CompareUse':
        return ['use ', this.ref(it.profile)];
      case 'CompareRule':
        return this.compareRule(it);
    }
  }

  private rule(r: A.RemediationRule): Doc {
    return [
      'on ',
      this.name(r.on),
      r.when ? [' when ', this.expr(r.when)] : '',
      ' => ',
      this.name(r.action),
      r.title ? [' ', this.string(r.title)] : '',
      r.approval ? [' ', this.at(r.approval.start, 'requires approval'), r.approval.group ? [' from ', this.ref(r.approval.group)] : ''] : '',
      r.because ? [' because ', this.string(r.because)] : '',
      r.until ? [' until ', this.string(r.until)] : '',
    ];
  }

  private testBody(d: A.TestDecl): Doc {
    const kw = (node: A.Span): number => this.keywordBefore(node.start);
    const expect = d.expect;
    const items: Item[] = [
      this.item(d.policy, () => ['policy ', this.ref(d.policy)], kw(d.policy)),
      this.item(d.desired, () => ['desired ', this.expr(d.desired)], kw(d.desired)),
      this.item(d.actual, () => ['actual ', this.expr(d.actual)], kw(d.actual)),
      this.item(
        expect,
        () =>
          expect.kind === 'NoDrift'
            ? ['expect ', this.name(expect.word)]
            : ['expect', this.block(expect.entries.map((e) => this.item(e, () => this.expectEntry(e))), expect.end)],
        kw(expect),
      ),
    ];
    return this.block(items, d.end);
  }

  private expectEntry(e: A.ExpectEntry): Doc {
    if (e.kind === 'ExpectCount') return [this.name(e.name), ' ', this.literal(e.count)];
    return [this.name(e.word), ' ', this.name(e.action), ' on ', this.expr(e.key), e.requiresApproval ? ' requires approval' : ''];
  }

  // ---------------------------------------------------------------- names, paths, literals

  private name(n: A.Name): Doc {
    return this.at(n.start, n.text);
  }

  private ref(r: A.Ref): Doc {
    return r.module ? [this.name(r.module), '.', this.name(r.name)] : this.name(r.name);
  }

  private fieldName(n: A.Name | A.StringLiteral): Doc {
    return n.kind === 'Name' ? this.name(n) : this.string(n);
  }

  private literal(l: A.NumberLiteral | A.DurationLiteral | A.PercentLiteral): Doc {
    return this.at(l.start, l.text);
  }

  private join(docs: Doc[]): Doc {
    return docs.map((d, i) => (i === 0 ? d : [', ', d]));
  }

  /** `a.b["c"][0]`; a quoted segment is re-quoted canonically (its bare text is all the AST keeps). */
  private path(p: A.Path): Doc {
    let out = '';
    p.segments.forEach((seg, i) => {
      if (seg.kind === 'field') {
        if (seg.quoted) out += i === 0 ? this.pathString(seg) : `[${this.pathString(seg)}]`;
        else out += (i === 0 ? '' : '.') + seg.name;
      } else {
        // a number index is printed as written (the AST keeps only its value)
        out += '[' + (typeof seg.value === 'number' ? this.text.slice(seg.start, seg.end) : this.pathString(seg)) + ']';
      }
    });
    return this.at(p.start, out);
  }

  /**
   * A quoted path segment. The AST keeps only the text of such a string (paths are data, so the
   * checker rejects an interpolation there); should one hold `${...}` anyway, it is copied as
   * written so formatting cannot drop it.
   */
  private pathString(seg: A.PathSegment): string {
    if (this.interpolationStarts.some((o) => o >= seg.start && o < seg.end)) {
      this.cursor.consumeRange(seg.start, seg.end);
      return this.text.slice(seg.start, seg.end);
    }
    return '"' + escapeText(seg.kind === 'field' ? seg.name : String(seg.value), false) + '"';
  }

  /** A string, re-escaped canonically; interpolations re-printed from their expressions, on one line. */
  private string(s: A.StringLiteral): Doc {
    let out = '"';
    s.parts.forEach((part, i) => {
      if (typeof part === 'string') {
        out += escapeText(part, typeof s.parts[i + 1] === 'object');
      } else {
        out += '${' + renderFlat(this.cursor.suppress(() => this.expr(part))) + '}';
      }
    });
    return this.at(s.start, out + '"');
  }

  // ---------------------------------------------------------------- expressions

  /** `{ a: 1 }`; a record of a list of records stays on one line whatever its width (unless it holds a comment). */
  private object(o: A.ObjectLiteral, record: boolean): Doc {
    const items = o.entries.map((x) => this.item(x, () => [this.fieldName(x.key), ': ', this.expr(x.value)]));
    const pre = this.at(o.start, '');
    if (record) this.recordDepth++;
    try {
      return [pre, this.sequence('{', '}', items, o.end, true, { keepFlat: record })];
    } finally {
      if (record) this.recordDepth--;
    }
  }

  expr(e: A.Expr): Doc {
    switch (e.kind) {
      case 'String':
        return this.string(e);
      case 'Number':
      case 'Duration':
      case 'Percent':
        return this.literal(e);
      case 'Bool':
        return this.at(e.start, e.value ? 'true' : 'false');
      case 'Null':
        return this.at(e.start, 'null');
      case 'NameRef':
        return this.name(e.name);
      case 'List': {
        // a list of records (test data, inline sources): one record per line, each on one line;
        // inside a record it stays on the record's line
        const records = e.elements.length > 0 && e.elements.every((x) => x.kind === 'Object');
        const items = e.elements.map((x) => this.item(x, () => (x.kind === 'Object' && records ? this.object(x, true) : this.expr(x))));
        const broken = records && e.elements.length >= 2 && this.recordDepth === 0;
        return [this.at(e.start, ''), this.sequence('[', ']', items, e.end, false, { broken })];
      }
      case 'Object':
        return this.object(e, false);
      case 'Member':
        return [this.expr(e.object), '.', this.name(e.property)];
      case 'Index':
        return [this.expr(e.object), '[', this.expr(e.index), ']'];
      case 'Call': {
        const callee = this.expr(e.callee);
        const only = e.args.length === 1 ? e.args[0]! : null;
        if (only && !only.name && (only.value.kind === 'List' || only.value.kind === 'Object') && !this.commentAround(e, only.value)) {
          // `inline([` ... `])`: the argument's own lines are indented from the statement
          return [callee, '(', this.expr(only.value), ')'];
        }
        const items = e.args.map((a) => this.item(a, () => [a.name ? [this.name(a.name), ': '] : '', this.expr(a.value)]));
        return [callee, this.sequence('(', ')', items, e.end, false)];
      }
      case 'Binary':
        return [this.expr(e.left), ' ', e.operator, ' ', this.expr(e.right)];
      case 'Unary':
        return [this.at(e.start, e.operator === 'not' ? 'not ' : '-'), this.expr(e.operand)];
      case 'Paren':
        return [this.at(e.start, '('), this.expr(e.expr), ')'];
    }
  }
}

/**
 * Characters that show nothing, or something other than themselves, in an editor: control and
 * format characters (DEL, C1, zero-width spaces, bidirectional overrides, the byte order mark,
 * tag characters), line and paragraph separators, and every space but U+0020.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Zs}]/gu;

/**
 * The text of a string chunk with JSON escapes, and `$${` for a literal `${`. A `$` just before an
 * interpolation is written `\u0024` (`$${` would read as a literal `${`).
 *
 * Invisible characters (`INVISIBLE`) are written as `\uXXXX` escapes, whether the author wrote
 * them raw or escaped. Why: JSON escaping alone would decode `"\u202e"` into a raw right-to-left
 * override, which reorders the line on screen so that the code reviewed is not the code that
 * runs (Trojan Source, CVE-2021-42574), and a raw zero-width space, no-break space or U+2028
 * would silently change what a reader sees. Visible characters (`é`, `日本`, emoji) stay as they are.
 */
export function escapeText(text: string, beforeInterpolation: boolean): string {
  let out = JSON.stringify(text)
    .slice(1, -1)
    .replace(INVISIBLE, (c) => (c === ' ' ? c : unicodeEscapes(c)))
    .replace(/\$\{/g, () => '$${');
  if (beforeInterpolation && out.endsWith('$')) out = out.slice(0, -1) + '\\u0024';
  return out;
}

/** `\uXXXX` for each UTF-16 code unit of `character` (two for one outside the BMP). */
function unicodeEscapes(character: string): string {
  let out = '';
  for (let i = 0; i < character.length; i++) out += '\\u' + character.charCodeAt(i).toString(16).padStart(4, '0');
  return out;
}
