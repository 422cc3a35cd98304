/**
 * Recognising "the user edited a comment": every difference between the text of the last
 * analysis and the buffer now lies inside one comment of the last analysis, and that comment is
 * still one comment.
 *
 * Why: completion and hover are asked right after keystrokes, and after an edit anywhere the
 * whole file would be checked again before answering (tens of milliseconds on a 5,000-line
 * file), although typing in a comment changes nothing they read. The answer is exact because:
 * - The lexer puts comments in a group of their own that the parser never sees. When the new text
 *   of the comment lexes, with the real lexer, to exactly one comment token (no line break added,
 *   no `#` lost), the tokens before it are unchanged (same text), and so are those after it (same
 *   text, read in the same lexer mode: a comment neither pushes nor pops one). The parser therefore
 *   gets the same token stream, with the offsets after the comment shifted by the edit's growth:
 *   the AST, the scopes and the types of the last analysis hold, shifted the same way. No line
 *   break comes or goes, so every line number holds too.
 * - What a comment's *text* feeds, hover and completion show in two ways. A doc comment (the
 *   comment block above a declaration, see `docFor` in `language/ast-builder.ts`) is the
 *   declaration's documentation: `CommentEdit.docOf` gives it as the buffer reads it now, its
 *   edited line rebuilt by the real parser. And hover and completion quote the source text of a
 *   few nodes (a let's value, a group's members, a source's `from` call...), which takes in a
 *   comment written inside them: the shortcut is refused for a comment inside any node other than
 *   a declaration or a block of statements (`fields { }`, `compare { }`...), whose whole text
 *   nothing quotes.
 * - A request inside the edited comment itself is left to a check: offsets inside the edited text
 *   have no counterpart in the analysed one (and editors rarely ask there).
 * Anything else — an edit in code, across two comments, or one that breaks out of its comment —
 * and the caller checks the buffer as usual. Diagnostics are always computed afresh.
 */
import type { IToken } from 'chevrotain';
import type { Range } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type * as A from '../../language/ast.js';
import { lex } from '../../language/lexer.js';
import { parseFile } from '../../language/parse-file.js';
import type { DocumentAnalysis } from './document-analysis.js';
import { changedRegion, mapOffset, type ChangedRegion } from './word-edit.js';

/** A declaration's documentation as hover and completion show it (`decl.doc` unless a doc comment was edited since). */
export type DocOf = (decl: A.Decl) => string | null;

/** The documentation the analysed text gives a declaration. */
export const writtenDoc: DocOf = (decl) => decl.doc;

/**
 * Block statements: nodes made of statements or items, whose whole text hover and completion
 * never quote. A comment between their statements is inside no quoted node.
 */
const BLOCKS: ReadonlySet<string> = new Set(['Fields', 'Select', 'Write', 'Map', 'Compare', 'Remediate', 'Limits', 'ExpectBlock']);

/** An edit inside one comment, and how to carry offsets and documentation across it. */
export class CommentEdit {
  constructor(
    /** The changed region (`before` is the analysed text); null when the texts are equal. */
    readonly region: ChangedRegion | null,
    /** The edited comment in the current text, `[start, end)`; null when the texts are equal. */
    readonly comment: { start: number; end: number } | null,
    /** Documentation as the current text gives it. */
    readonly docOf: DocOf,
    private readonly previous: DocumentAnalysis,
    private readonly document: TextDocument,
  ) {}

  /** The offset of the analysed text that stands for `offset` of the current one; null inside the edited comment. */
  previousOffset(offset: number): number | null {
    if (!this.region || !this.comment) return offset;
    if (offset > this.comment.start && offset <= this.comment.end) return null;
    const { start, beforeEnd, afterEnd } = this.region;
    return mapOffset({ start, beforeEnd: afterEnd, afterEnd: beforeEnd }, offset);
  }

  /** A range of the analysed text, moved onto the current one. */
  currentRange(range: Range): Range {
    if (!this.region) return range;
    return {
      start: this.document.positionAt(mapOffset(this.region, this.previous.lines.offset(range.start), 'start')),
      end: this.document.positionAt(mapOffset(this.region, this.previous.lines.offset(range.end), 'end')),
    };
  }
}

/**
 * The edit from the analysed text of `previous` to `document`'s text, when it lies inside one
 * comment that stays one comment and no node whose text is quoted holds that comment; else null
 * (the document must be checked).
 */
export function commentEdit(previous: DocumentAnalysis, document: TextDocument): CommentEdit | null {
  const before = previous.text;
  const after = document.getText();
  const region = changedRegion(before, after);
  if (region === null) return new CommentEdit(null, null, writtenDoc, previous, document);
  const parsed = previous.module.parsed;
  const comment = commentAt(parsed.comments, region.start);
  if (!comment) return null;
  const start = comment.startOffset;
  const end = start + comment.image.length;
  if (region.beforeEnd > end) return null;
  const newEnd = end + region.afterEnd - region.beforeEnd;
  const image = after.slice(start, newEnd);
  // the character after it, a line break or the end (the comment ran to it), is in the unchanged suffix
  if (!isOneComment(image)) return null;
  if (quotedNodeHolds(parsed.ast.declarations, start, end)) return null;
  const docOf = editedDocOf(previous, start, end, comment.image, image);
  if (docOf === null) return null;
  return new CommentEdit(region, { start, end: newEnd }, docOf, previous, document);
}

/** The last comment starting at or before `offset` (comments are in text order). */
function commentAt(comments: readonly IToken[], offset: number): IToken | undefined {
  let low = 0;
  let high = comments.length - 1;
  let found: IToken | undefined;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (comments[mid]!.startOffset <= offset) {
      found = comments[mid];
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return found;
}

/** Whether the real lexer reads `text` as one comment token and nothing else. */
function isOneComment(text: string): boolean {
  const lexed = lex(text);
  return lexed.tokens.length === 0 && lexed.diagnostics.length === 0 && lexed.comments.length === 1 && lexed.comments[0]!.image === text;
}

/** The nodes a node is made of (its properties that are nodes, or lists of them). */
function children(node: object): object[] {
  const result: object[] = [];
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) {
      for (const item of value) if (typeof item === 'object' && item !== null) result.push(item as object);
    } else if (typeof value === 'object' && value !== null) {
      result.push(value as object);
    }
  }
  return result;
}

/**
 * Whether `[start, end)` may lie inside a node whose text hover or completion may quote: any node
 * below a declaration but a block of statements. A node without valid offsets (made up by error
 * recovery) may hold anything.
 */
function quotedNodeHolds(declarations: readonly A.Decl[], start: number, end: number): boolean {
  const overlaps = (node: object): boolean => {
    const span = node as Partial<A.Span>;
    // NaN or missing offsets compare false: the node counts as overlapping
    return !((span.end as number) <= start || (span.start as number) >= end);
  };
  const holder = declarations.find((d) => d.start <= start && end <= d.end);
  if (!holder) return declarations.some((d) => overlaps(d));
  let nodes = children(holder);
  for (;;) {
    const inside = nodes.filter(overlaps);
    if (inside.length === 0) return false;
    const block = inside.length === 1 ? (inside[0] as { kind?: unknown }) : null;
    if (!block || typeof block.kind !== 'string' || !BLOCKS.has(block.kind)) return true;
    nodes = children(block);
  }
}

/**
 * Documentation as the current text gives it: when the edited comment is a line of some
 * declaration's doc comment, that declaration's doc with the line rebuilt from the new comment;
 * null when the old line does not read as expected (the caller then checks).
 */
function editedDocOf(previous: DocumentAnalysis, start: number, end: number, oldImage: string, newImage: string): DocOf | null {
  // the comment can only document the first declaration after it
  const declarations = previous.module.parsed.ast.declarations;
  const decl = declarations.find((d) => !(d.start < end));
  if (decl && Number.isNaN(decl.start)) return null;
  if (!decl || decl.doc === null) return writtenDoc;
  const lines = previous.lines;
  const declLine = lines.lineColumn(decl.start).line;
  const docLines = decl.doc.split('\n');
  const first = declLine - docLines.length;
  const line = lines.lineColumn(start).line;
  if (line < first || line >= declLine) return writtenDoc;
  const edited = docLine(newImage);
  if (edited === null || docLines[line - first] !== docLine(oldImage)) return null;
  docLines[line - first] = edited;
  const doc = docLines.join('\n');
  return (d) => (d === decl ? doc : d.doc);
}

/** One comment's line of documentation, as the real parser makes it: the doc of a declaration under that comment alone. */
function docLine(image: string): string | null {
  return parseFile(`${image}\nlet x = 1\n`).ast.declarations[0]?.doc ?? null;
}
