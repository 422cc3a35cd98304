/**
 * Compiling `.recon` text in tests, without touching the disk (ARCHITECTURE.md convention 6).
 *
 * Why a helper: compiler tests are about the IR that a few lines of `.recon` give, so each test
 * should be one call. The text becomes `/ws/main.recon` in an in-memory workspace (`/ws` holds a
 * `recon.json`, so it is the workspace root and IR paths are relative to it); other files of the
 * workspace (imported modules, nested folders) are given by their workspace-relative paths. The
 * standard library is read from the repository's `stdlib/` folder.
 */
import { compileProgram, serializeIr } from '../../language/compiler/compile-program.js';
import type { Diagnostic } from '../../language/diagnostics.js';
import type { IrDocument } from '../../language/ir/ir-types.js';
import { MemoryModuleHost } from '../../language/module-host.js';
import { loadProgram, type Program } from '../../language/program.js';

/** The in-memory workspace root of `compileText`. */
export const TEST_WORKSPACE = '/ws';
/** Where `compileText` puts its text, relative to `TEST_WORKSPACE`. */
export const TEST_ENTRY = 'main.recon';

export interface CompiledText {
  /** The IR, or null when the compiler reported an error. */
  ir: IrDocument | null;
  /** The compiler's diagnostics. */
  diagnostics: Diagnostic[];
  /** Diagnostics of loading and parsing (syntax, imports), from every module. */
  loadDiagnostics: Diagnostic[];
  program: Program;
}

/**
 * Compiles `text` as `/ws/main.recon`. `files` maps workspace-relative paths (`shared/x.recon`,
 * or `sub/main.recon` with `entry`) to their contents; `entry` names the compiled file when it
 * is not `main.recon` (then `text` is that file's content).
 */
export function compileText(text: string, files: Record<string, string> = {}, entry: string = TEST_ENTRY): CompiledText {
  const absolute: Record<string, string> = { [`${TEST_WORKSPACE}/recon.json`]: '{}' };
  for (const [path, content] of Object.entries(files)) absolute[`${TEST_WORKSPACE}/${path}`] = content;
  absolute[`${TEST_WORKSPACE}/${entry}`] = text;
  const host = new MemoryModuleHost(absolute);
  const program = loadProgram(`${TEST_WORKSPACE}/${entry}`, host);
  const loadDiagnostics = [...program.modules.values()].flatMap((m) => m.diagnostics);
  const { ir, diagnostics } = compileProgram(program);
  return { ir, diagnostics, loadDiagnostics, program };
}

/**
 * Compiles `text` and returns the IR, failing with the diagnostics' messages when there is
 * none (or when loading reported errors).
 */
export function compileOk(text: string, files: Record<string, string> = {}, entry?: string): IrDocument {
  const result = compileText(text, files, entry);
  const errors = [...result.loadDiagnostics, ...result.diagnostics].filter((d) => d.severity === 'error');
  if (result.ir === null || errors.length > 0) {
    const lines = errors.map((d) => `${d.file ?? ''}@${d.start}: ${d.message} [${d.code}]`);
    throw new Error(`expected a clean compile, got:\n${lines.join('\n')}`);
  }
  return result.ir;
}

/** The IR text of `text` (what `recon compile` would print). */
export function compileToJson(text: string, files: Record<string, string> = {}): string {
  return serializeIr(compileOk(text, files));
}
