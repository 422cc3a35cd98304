/**
 * What the features that run something (drift preview, run test) share: compiling the buffer as
 * it is now, and turning the IR's `file:line:col` locations back into editor locations.
 *
 * Why compile through `compileFile`: previews and test runs must mean exactly what `recon plan`
 * and `recon test` would make of the file — the same pipeline, fed the unsaved buffer.
 */
import { isAbsolute, resolve } from 'node:path';
import type { Location } from 'vscode-languageserver';
import type { IrDocument } from '../../language/ir/ir-types.js';
import { compileFile } from '../../language/pipeline.js';
import { formatLocation } from '../../language/source-position.js';
import type { DocumentAnalysis } from './document-analysis.js';
import type { DocumentStore } from './document-store.js';

export type CompiledForRun = { ir: IrDocument; workspaceRoot: string } | { ir: null; message: string };

/** The IR of the document's current text, or the first error (`file:line:col: message [code]`) that prevents it. */
export function compileForRun(store: DocumentStore, analysis: DocumentAnalysis): CompiledForRun {
  let compiled;
  try {
    compiled = compileFile(analysis.path, store.host, analysis.text);
  } catch (error) {
    return { ir: null, message: `the file could not be compiled: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (compiled.ir) return { ir: compiled.ir, workspaceRoot: compiled.program.workspaceRoot };
  const error = compiled.diagnostics.find((d) => d.severity === 'error');
  if (!error) return { ir: null, message: 'the file could not be compiled' };
  const module = compiled.program.modules.get(error.file ?? analysis.path) ?? compiled.program.entry;
  return { ir: null, message: `${formatLocation(module.path, module.lines, error.start)}: ${error.message} [${error.code}]` };
}

/**
 * The editor location of an IR location `file:line:col` (file relative to the workspace root,
 * 1-based line and column), or null when it cannot be read.
 */
export function irLocation(at: string | null | undefined, workspaceRoot: string, store: DocumentStore): Location | null {
  if (!at) return null;
  const match = /^(.*):(\d+):(\d+)$/.exec(at);
  if (!match) return null;
  const file = match[1]!;
  const line = Math.max(0, Number(match[2]) - 1);
  const character = Math.max(0, Number(match[3]) - 1);
  const path = isAbsolute(file) ? file : resolve(workspaceRoot, file);
  return { uri: store.uriOf(path), range: { start: { line, character }, end: { line, character } } };
}
