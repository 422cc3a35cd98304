/**
 * Offsets and diagnostics of the language layer, as LSP values.
 *
 * Why here: the language layer speaks 0-based offsets with an exclusive end (ARCHITECTURE.md
 * convention 3); LSP speaks 0-based line/character. Every feature converts through `LineMap`
 * (`language/source-position.ts`) with these helpers, never by hand.
 */
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic, type Range } from 'vscode-languageserver';
import { DIAGNOSTIC_CODES } from '../../language/diagnostic-codes.js';
import type { Diagnostic, DiagnosticFix } from '../../language/diagnostics.js';
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

const BARE_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * A fix as it must be written where it replaces `text`: quoted when it replaces a quoted string
 * (`"cost-centre" ignore` becomes `"cost-center" ignore`, not `cost-center ignore`, which would not
 * parse), and null (no quick fix) when a bare name would be replaced by one that is not an
 * identifier (`cost-center` there would read as a subtraction; how to quote it depends on where it
 * stands). Other fixes are kept as they are.
 */
export function fitFix(text: string, fix: DiagnosticFix): DiagnosticFix | null {
  const replaced = text.slice(fix.start, fix.end);
  const quoted = (t: string) => t.length >= 2 && t.startsWith('"') && t.endsWith('"');
  if (quoted(fix.text)) return fix;
  if (quoted(replaced)) return { ...fix, text: JSON.stringify(fix.text) };
  return BARE_PATH.test(replaced) && !BARE_PATH.test(fix.text) ? null : fix;
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
  const fixes = (d.fixes ?? []).map((f) => fitFix(lines.text, f)).filter((f): f is DiagnosticFix => f !== null);
  if (fixes.length > 0) result.data = { fixes } satisfies DiagnosticData;
  return result;
}
