/**
 * `textDocument/formatting`: the same canonical layout as `recon fmt` (`formatText`), as one edit
 * replacing the whole document. A file with syntax errors is left alone (as `recon fmt` does), and
 * so is a file the formatter would change in meaning (its own safety check).
 */
import type { TextEdit } from 'vscode-languageserver';
import { formatText } from '../../../language/formatter.js';
import { LineMap } from '../../../language/source-position.js';
import { toRange } from '../lsp-conversions.js';

/** The edits that format `text`: none when it is already canonical or cannot be formatted. */
export function formatDocument(text: string): TextEdit[] {
  const result = formatText(text);
  if (!result.changed || result.internalError) return [];
  return [{ range: toRange(new LineMap(text), 0, text.length), newText: result.text }];
}
