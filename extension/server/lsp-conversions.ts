/**
 * Offsets and diagnostics of the language layer, as LSP values.
 *
 * Why here: the language layer speaks 0-based offsets with an exclusive end (ARCHITECTURE.md
 * convention 3); LSP speaks 0-based line/character. Every feature converts through `LineMap`
 * (`language/source-position.ts`) with these helpers, never by hand.
 */
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic, type Range } from 'vscode-languageserver';
import { DIAGNOSTIC_CODES } from '../../language/diagnostic-codes.js';
import type { Diagnostic } from '../../language/diagnostics.js';
import type { Span } from '../../language/ast.js';
import type { LineMap } from '../../language/source-position.js';

/** The LSP range of [start, end). */
export function toRange(lines: LineMap, start: number, end: number): Range {
  return { start: lines.position(start), end: lines.position(Math.max(start, end)) };
}

/** The LSP range of a node. */
export function spanRange(lines: LineMap, span: Span): Range {
  return toRange(lines, span.start, span.end);
}

/** What `data` of a published diagnostic carries: the code's quick fixes, as offsets of that version. */
export interface DiagnosticData {
  fixes?: { title: string; start: number; end: number; text: string }[];
}

/**
 * One diagnostic as LSP publishes it: same code and message as `recon check`, `source: 'recon'`,
 * and `codeDescription.href` to the code's documentation page (see `docsLink`).
 */
export function toLspDiagnostic(d: Diagnostic, lines: LineMap, docsLink: (code: string) => string | null): LspDiagnostic {
  const result: LspDiagnostic = {
    range: toRange(lines, d.start, d.end),
    severity: d.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    source: 'recon',
    message: d.message,
  };
  const href = Object.prototype.hasOwnProperty.call(DIAGNOSTIC_CODES, d.code) ? docsLink(d.code) : null;
  if (href) result.codeDescription = { href };
  if (d.fixes && d.fixes.length > 0) result.data = { fixes: d.fixes } satisfies DiagnosticData;
  return result;
}
