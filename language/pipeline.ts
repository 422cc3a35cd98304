/**
 * The front-end pipeline: the ordered phases every client runs (ARCHITECTURE.md convention 5).
 *
 * Why one place: the CLI, the tests and the language server must agree on what a file means and
 * which diagnostics it has. The phases, and what holds after each:
 *
 * 1. load   (`loadProgram`)   — the file and its imports are lexed and parsed with recovery; every
 *                               module has an AST, syntax diagnostics, a symbol table; imports are
 *                               resolved or reported.
 * 2. check  (`checkProgram`)  — every rule of LANGUAGE.md section 4 has run; each module's
 *                               `diagnostics` is complete. Nothing below runs when one is an error.
 * 3. compile (`compileProgram`) — the entry module is an IR that passes the JSON Schema.
 */
import { checkProgram } from './checker/check-program.js';
import { compileProgram } from './compiler/compile-program.js';
import { hasErrors, type Diagnostic } from './diagnostics.js';
import type { IrDocument } from './ir/ir-types.js';
import type { ModuleHost } from './module-host.js';
import { loadProgram, type Program } from './program.js';

export interface CheckOptions {
  /** `YYYY-MM-DD` for `until` expiry checks; defaults to today (UTC). */
  today?: string;
}

export interface CheckedProgram {
  program: Program;
  /** Every diagnostic of every module, in module then offset order. */
  diagnostics: Diagnostic[];
}

/** Phases 1 and 2 for one file (`text` overrides the file's content, for editor buffers). */
export function checkFile(path: string, host: ModuleHost, text?: string, options: CheckOptions = {}): CheckedProgram {
  const program = loadProgram(path, host, text);
  checkProgram(program, options);
  return { program, diagnostics: allDiagnostics(program) };
}

/** Every diagnostic of a program, each module's sorted by offset. */
export function allDiagnostics(program: Program): Diagnostic[] {
  const result: Diagnostic[] = [];
  for (const module of program.modules.values()) {
    result.push(...[...module.diagnostics].sort((a, b) => a.start - b.start || a.end - b.end));
  }
  return result;
}

export interface CompiledFile extends CheckedProgram {
  /** Null when a phase reported an error. */
  ir: IrDocument | null;
}

/** Phases 1 to 3: the IR of a file, or null with the diagnostics that prevent it. */
export function compileFile(path: string, host: ModuleHost, text?: string, options: CheckOptions = {}): CompiledFile {
  const checked = checkFile(path, host, text, options);
  if (hasErrors(checked.diagnostics)) return { ...checked, ir: null };
  const compiled = compileProgram(checked.program);
  const diagnostics = [...checked.diagnostics, ...compiled.diagnostics];
  // compileProgram has validated the IR against the schema (and returned none if it failed)
  if (!compiled.ir || hasErrors(compiled.diagnostics)) return { program: checked.program, diagnostics, ir: null };
  return { program: checked.program, diagnostics, ir: compiled.ir };
}
