/**
 * Hands out a file's comments, in order, to the printer as it walks the AST in source order.
 *
 * Why a cursor: the AST does not own comments (`ReconFile.comments` lists them with offsets), and
 * the printer visits nodes in the order they were written. Each comment is claimed exactly once,
 * by the first place that asks for it: as a leading comment of the next statement or element, as
 * a trailing comment of the previous one on the same line, or, inside a statement, in front of
 * the next node printed. Whatever is claimed is printed, so no comment can be lost; what is left
 * at the end of the file is printed there.
 */
import type { Comment } from '../ast.js';

export class CommentCursor {
  private index = 0;
  /** Comments already printed some other way (inside text copied verbatim). */
  private readonly skipped = new Set<number>();
  /** While positive, no comment is claimed (inside a string's interpolation). */
  private suppressed = 0;

  constructor(
    private readonly text: string,
    private readonly comments: readonly Comment[],
  ) {}

  /** The comments not yet claimed that start before `offset` (none while suppressed). */
  takeBefore(offset: number): Comment[] {
    const taken: Comment[] = [];
    if (this.suppressed > 0) return taken;
    while (this.index < this.comments.length && this.comments[this.index]!.start < offset) {
      if (!this.skipped.has(this.index)) taken.push(this.comments[this.index]!);
      this.index++;
    }
    return taken;
  }

  /** The next comment, when it starts on the line where `end` is, with only blanks and commas between. */
  takeTrailing(end: number): Comment | null {
    if (this.suppressed > 0) return null;
    this.skipClaimed();
    const next = this.comments[this.index];
    if (!next || next.start < end) return null;
    if (!/^[ \t,]*$/.test(this.text.slice(end, next.start))) return null;
    this.index++;
    return next;
  }

  /**
   * Whether a comment not yet claimed starts in [from, to) (the printer keeps a call's only
   * argument against its parentheses only when no comment sits between them).
   */
  anyBetween(from: number, to: number): boolean {
    for (let i = this.index; i < this.comments.length && this.comments[i]!.start < to; i++) {
      if (this.comments[i]!.start >= from && !this.skipped.has(i)) return true;
    }
    return false;
  }

  /** Marks the comments inside [start, end) as printed (they are part of text copied verbatim). */
  consumeRange(start: number, end: number): void {
    for (let i = this.index; i < this.comments.length && this.comments[i]!.start < end; i++) {
      if (this.comments[i]!.start >= start) this.skipped.add(i);
    }
  }

  /** Runs `fn` with comments held back: inside a string they would end the string's line. */
  suppress<T>(fn: () => T): T {
    this.suppressed++;
    try {
      return fn();
    } finally {
      this.suppressed--;
    }
  }

  /** True when the source has an empty line between `from` and `to`. */
  blankBetween(from: number, to: number): boolean {
    if (to <= from) return false;
    // two line ends (\n, \r\n or a lone \r, as `LineMap` counts them) with only blanks between
    return /(?:\r\n|\r(?!\n)|\n)[ \t\f\v\uFEFF]*(?:\r\n|\r|\n)/.test(this.text.slice(from, to));
  }

  private skipClaimed(): void {
    while (this.index < this.comments.length && this.skipped.has(this.index)) this.index++;
  }
}
