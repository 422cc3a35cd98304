/**
 * The one place where offsets become lines and columns (ARCHITECTURE.md convention 3).
 *
 * Chevrotain's conventions, for whoever reads tokens directly: `startOffset` is 0-based,
 * `endOffset` is 0-based and INCLUSIVE, `startLine`/`startColumn` are 1-based, and tokens inserted
 * by error recovery carry `NaN` offsets. Our AST and diagnostics use 0-based offsets with an
 * EXCLUSIVE end; this module turns them into 1-based line/column for the CLI and 0-based
 * line/character for LSP.
 */

export interface LineColumn {
  /** 1-based line. */
  line: number;
  /** 1-based column (UTF-16 code units, as editors count). */
  column: number;
}

/** Line starts of a text, computed once and reused for every conversion. */
export class LineMap {
  private readonly starts: number[];

  /**
   * Lines end at `\n`, `\r\n` or a lone `\r`, as in LSP and editors: a file saved with classic
   * Mac line ends would otherwise be one line, every diagnostic on line 1 and no doc comment.
   */
  constructor(readonly text: string) {
    const starts = [0];
    if (!text.includes('\r')) {
      for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
    } else {
      for (const match of text.matchAll(/\r\n?|\n/g)) starts.push(match.index + match[0].length);
    }
    this.starts = starts;
  }

  /** 1-based line and column of a 0-based offset (clamped into the text; NaN becomes the end). */
  lineColumn(offset: number): LineColumn {
    const safe = Number.isNaN(offset) ? this.text.length : Math.max(0, Math.min(offset, this.text.length));
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.starts[mid]! <= safe) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: safe - this.starts[low]! + 1 };
  }

  /** 0-based LSP position of an offset. */
  position(offset: number): { line: number; character: number } {
    const { line, column } = this.lineColumn(offset);
    return { line: line - 1, character: column - 1 };
  }

  /** 0-based offset of a 0-based LSP position (clamped). */
  offset(position: { line: number; character: number }): number {
    if (position.line < 0) return 0;
    if (position.line >= this.starts.length) return this.text.length;
    const lineStart = this.starts[position.line]!;
    let lineEnd = position.line + 1 < this.starts.length ? this.starts[position.line + 1]! - 1 : this.text.length;
    if (lineEnd > lineStart && this.text.charCodeAt(lineEnd) === 10 && this.text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
    return Math.min(lineStart + Math.max(0, position.character), lineEnd);
  }

  get lineCount(): number {
    return this.starts.length;
  }
}

/** `file:line:col` for an offset: the IR's `at` and the CLI's diagnostic prefix. */
export function formatLocation(file: string, map: LineMap, offset: number): string {
  const { line, column } = map.lineColumn(offset);
  return `${file}:${line}:${column}`;
}

/** The exclusive end offset of a Chevrotain token (whose own `endOffset` is inclusive and optional). */
export function endOf(token: { startOffset: number; endOffset?: number; image: string }): number {
  return (token.endOffset ?? token.startOffset + token.image.length - 1) + 1;
}
