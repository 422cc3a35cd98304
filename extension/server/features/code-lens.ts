/**
 * `textDocument/codeLens`: "Preview drift" over each policy and "Run test" over each test. After a
 * preview or a test run of the same document version, the title also shows the outcome (the
 * drift counts, or whether the test passed).
 *
 * The lenses invoke client commands, which call the custom requests: `recon.previewDrift` with
 * `{ uri, policy }` → `recon/previewDrift`, and `recon.runTests` with `{ uri, test }` →
 * `recon/runTests` (see extension/server/README.md).
 */
import type { CodeLens } from 'vscode-languageserver';
import { stringText } from '../../../language/ast-builder.js';
import type { DocumentAnalysis } from '../document-analysis.js';
import { toRange } from '../lsp-conversions.js';
import type { DriftPreviewer } from './drift-preview.js';
import type { TestRunner } from './run-test.js';

/** The client command a "Preview drift" lens runs, with `{ uri, policy }`. */
export const PREVIEW_DRIFT_COMMAND = 'recon.previewDrift';
/** The client command a "Run test" lens runs, with `{ uri, test }`. */
export const RUN_TESTS_COMMAND = 'recon.runTests';

/** The lenses of the analysed file; a file with a policy also gets a preview worker started ahead. */
export function codeLenses(analysis: DocumentAnalysis, previews: DriftPreviewer, tests: TestRunner): CodeLens[] {
  const lenses: CodeLens[] = [];
  if (analysis.module.symbols.policy.size > 0) previews.prewarm();
  for (const decl of analysis.module.parsed.ast.declarations) {
    if (decl.kind === 'Policy' && !decl.name.missing) {
      const last = previews.lastTitle(analysis.uri, analysis.version, decl.name.text);
      lenses.push({
        range: toRange(analysis.lines, decl.start, decl.name.end),
        command: { title: last ? `Preview drift · ${last}` : 'Preview drift', command: PREVIEW_DRIFT_COMMAND, arguments: [{ uri: analysis.uri, policy: decl.name.text }] },
      });
    } else if (decl.kind === 'Test' && !decl.name.missing) {
      const name = stringText(decl.name);
      const outcome = tests.lastOutcome(analysis.uri, analysis.version, name);
      const suffix = outcome === null ? '' : outcome ? ' · passed' : ' · failed';
      lenses.push({
        range: toRange(analysis.lines, decl.start, decl.name.end),
        command: { title: `Run test${suffix}`, command: RUN_TESTS_COMMAND, arguments: [{ uri: analysis.uri, test: name }] },
      });
    }
  }
  return lenses;
}
