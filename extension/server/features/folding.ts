/**
 * `textDocument/foldingRange`: every block, list, object and call that spans lines (`{ }`, `[ ]`,
 * `( )`), runs of comment lines, and a run of imports. The closing bracket stays visible.
 */
import { FoldingRangeKind, type FoldingRange } from 'vscode-languageserver';
import type { DocumentAnalysis } from '../document-analysis.js';

const OPEN: Record<string, string> = { LCurlyPlain: 'curly', LCurlyPush: 'curly', LBracket: 'bracket', LParen: 'paren' };
const CLOSE: Record<string, string> = { RCurlyPlain: 'curly', RCurlyPop: 'curly', RBracket: 'bracket', RParen: 'paren' };

/** The folding ranges of the analysed file. */
export function foldingRanges(analysis: DocumentAnalysis): FoldingRange[] {
  const lines = analysis.lines;
  const ranges: FoldingRange[] = [];
  const stack: { kind: string; line: number }[] = [];
  for (const token of analysis.module.parsed.tokens) {
    if (Number.isNaN(token.startOffset)) continue;
    const name = token.tokenType.name;
    const open = OPEN[name];
    if (open) {
      stack.push({ kind: open, line: lines.position(token.startOffset).line });
      continue;
    }
    const close = CLOSE[name];
    if (!close) continue;
    const index = stack.map((s) => s.kind).lastIndexOf(close);
    if (index < 0) continue;
    const opened = stack[index]!;
    stack.length = index;
    const closeLine = lines.position(token.startOffset).line;
    const endLine = closeLine - 1;
    if (endLine > opened.line) ranges.push({ startLine: opened.line, endLine });
  }
  // runs of two or more comment lines
  let run: { start: number; end: number } | null = null;
  const flush = (): void => {
    if (run && run.end > run.start) ranges.push({ startLine: run.start, endLine: run.end, kind: FoldingRangeKind.Comment });
    run = null;
  };
  for (const comment of analysis.module.parsed.comments) {
    const line = lines.position(comment.startOffset).line;
    if (run && line === run.end + 1) run.end = line;
    else {
      flush();
      run = { start: line, end: line };
    }
  }
  flush();
  // a run of imports
  const imports = analysis.module.parsed.ast.declarations.filter((d) => d.kind === 'Import');
  if (imports.length > 1) {
    const start = lines.position(imports[0]!.start).line;
    const end = lines.position(imports.at(-1)!.end).line;
    if (end > start) ranges.push({ startLine: start, endLine: end, kind: FoldingRangeKind.Imports });
  }
  return ranges.sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine);
}
