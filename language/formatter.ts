/**
 * `recon fmt`: prints a `.recon` file in its one canonical layout (LANGUAGE.md section 5), keeping
 * every comment. The layout is described in `format/printer.ts`.
 *
 * Why the guarantees are enforced here and not only tested: the formatter rewrites users' files.
 * A file with syntax errors is never formatted (recovery may have invented or dropped code), and
 * every result is re-parsed and compared with the input (same AST apart from locations, same
 * comments in the same order); should a formatter bug ever break that, the file is returned
 * unchanged with `internalError` saying why, rather than changed in meaning.
 */
import type { Diagnostic } from './diagnostics.js';
import { hasErrors } from './diagnostics.js';
import { meaningDifference } from './format/ast-equivalence.js';
import { render } from './format/doc.js';
import { Printer } from './format/printer.js';
import { parseFile, type ParsedFile } from './parse-file.js';

/** Lists, objects and call arguments stay on one line when the line fits in this many columns. */
export const FORMAT_LINE_WIDTH = 100;

export interface FormatResult {
  /** The formatted text; the input itself when it has syntax errors or on an internal error. */
  text: string;
  /** Whether `text` differs from the input (what `recon fmt --check` reports). */
  changed: boolean;
  /** The lexical and syntax errors of the input (a file with errors is left as it is). */
  diagnostics: Diagnostic[];
  /**
   * Set when the formatter refused its own output because it would have changed the file's
   * meaning or lost a comment (a formatter bug, never the user's fault); `text` is the input.
   */
  internalError?: string;
}

/** Formats one file's text. Never throws; a file with syntax errors comes back unchanged with them. */
export function formatText(text: string): FormatResult {
  const parsed = parseFile(text);
  if (hasErrors(parsed.diagnostics)) return { text, changed: false, diagnostics: parsed.diagnostics };
  let formatted: string;
  try {
    formatted = formatAst(parsed);
  } catch (error) {
    return { text, changed: false, diagnostics: parsed.diagnostics, internalError: `formatter failed: ${(error as Error).message}` };
  }
  if (formatted === text) return { text, changed: false, diagnostics: parsed.diagnostics };
  const check = parseFile(formatted);
  const problem = hasErrors(check.diagnostics)
    ? `the formatted text does not parse: ${check.diagnostics[0]!.message}`
    : meaningDifference(parsed.ast, check.ast);
  if (problem) {
    return { text, changed: false, diagnostics: parsed.diagnostics, internalError: `formatting would change the file (${problem}); left unchanged` };
  }
  return { text: formatted, changed: true, diagnostics: parsed.diagnostics };
}

/**
 * Prints an already parsed file in canonical form (the language server formats the buffer it has
 * parsed). A parse with syntax errors is returned as its text, unchanged. Does not re-check its
 * output; `formatText` does.
 */
export function formatAst(parsed: ParsedFile): string {
  if (hasErrors(parsed.diagnostics)) return parsed.text;
  const printer = new Printer(parsed.text, parsed.ast, parsed.tokens);
  const out = render(printer.printFile(), FORMAT_LINE_WIDTH);
  return out === '' ? '' : out + '\n';
}
