/**
 * Diagnostics: what every phase reports, located by offsets into one file's text.
 *
 * Why offsets: ARCHITECTURE.md convention 3 — positions become line/column only at the edges
 * (CLI output, LSP), through `source-position.ts`. Messages come from the one registry of codes in
 * `diagnostic-codes.ts`; no phase writes a message or a severity of its own.
 */
import { DIAGNOSTIC_CODES, type DiagnosticCode, type Severity } from './diagnostic-codes.js';

/** A quick fix: replace [start, end) with `text` (the LSP offers these as code actions). */
export interface DiagnosticFix {
  title: string;
  start: number;
  end: number;
  text: string;
}

export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  /** 0-based offset of the first character. */
  start: number;
  /** 0-based offset just past the last character (exclusive). */
  end: number;
  /** The file the offsets refer to (absolute path), set when a phase knows it. */
  file?: string;
  /** "did you mean" and similar repairs. */
  fixes?: DiagnosticFix[];
}

/** Builds a diagnostic from the registry, filling the message template with `args`. */
export function diagnostic(
  code: DiagnosticCode,
  start: number,
  end: number,
  args: Record<string, string | number>,
  fixes?: DiagnosticFix[],
): Diagnostic {
  const entry = DIAGNOSTIC_CODES[code];
  const message = entry.message.replace(/\{(\w+)\}/g, (_, name: string) => String(args[name] ?? `{${name}}`));
  const result: Diagnostic = { code, severity: entry.severity, message, start, end };
  if (fixes && fixes.length > 0) result.fixes = fixes;
  return result;
}

/** True when any diagnostic is an error (not a warning). */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
