/**
 * `textDocument/codeAction`: quick fixes for the diagnostics that carry one — every "did you
 * mean" of the checker (an unknown source, profile, group, connector, option, comparator,
 * normalizer, action, function, field, ...) becomes "Change to 'x'".
 *
 * Why from the cached analysis rather than the client's diagnostics: the fixes are offsets into
 * the version the analysis was made from, and the client may send diagnostics of an older one.
 * A diagnostic whose message says "did you mean 'x'?" but carries no fix still gets one, so no
 * suggestion goes without its quick fix.
 */
import { CodeActionKind, type CodeAction } from 'vscode-languageserver';
import type { Diagnostic, DiagnosticFix } from '../../../language/diagnostics.js';
import type { DocumentAnalysis } from '../document-analysis.js';
import { fitFix, toLspDiagnostic, toRange } from '../lsp-conversions.js';

const DID_YOU_MEAN = /did you mean '([^']+)'\?/;

/** The fixes of a diagnostic: its own, or one read from its "did you mean" message. */
export function fixesOf(d: Diagnostic): DiagnosticFix[] {
  if (d.fixes && d.fixes.length > 0) return d.fixes;
  const match = DID_YOU_MEAN.exec(d.message);
  if (!match || d.end <= d.start) return [];
  return [{ title: `Change to '${match[1]}'`, start: d.start, end: d.end, text: match[1]! }];
}

/** Quick fixes for the diagnostics overlapping [start, end] of the analysed version. */
export function codeActions(analysis: DocumentAnalysis, start: number, end: number, docsLink: (code: string) => string | null): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const d of analysis.diagnostics) {
    if (d.end < start || d.start > end) continue;
    const fixes = fixesOf(d)
      .map((f) => fitFix(analysis.text, f))
      .filter((f): f is DiagnosticFix => f !== null);
    for (const fix of fixes) {
      actions.push({
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [toLspDiagnostic(d, analysis.lines, docsLink)],
        isPreferred: fixes.length === 1,
        edit: { changes: { [analysis.uri]: [{ range: toRange(analysis.lines, fix.start, fix.end), newText: fix.text }] } },
      });
    }
  }
  return actions;
}
