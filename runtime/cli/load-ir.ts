/**
 * The one place the CLI joins the two halves: a `.recon` file through the language pipeline to
 * an IR, or a saved IR/plan JSON loaded and schema-checked. Diagnostics are printed; failure is
 * a CliError (exit 1).
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { DiskModuleHost } from '../../language/module-host.js';
import { compileFile } from '../../language/pipeline.js';
import type { IrDocument } from '../../language/ir/ir-types.js';
import { CliError } from './cli-error.js';
import type { CliOutput } from './cli-output.js';
import { locateDiagnostics, printDiagnosticsText, programTexts } from './diagnostic-output.js';

export interface LoadedIr {
  ir: IrDocument;
  workspaceRoot: string;
}

/**
 * The FILE argument of `compile`, `plan` and `apply FILE` must be a file: a clear error for a
 * missing path or a folder (the language layer would otherwise report a folder as an import it
 * "cannot resolve", naming an import the user never wrote).
 */
export function requireSourceFile(file: string): void {
  if (!existsSync(file)) throw new CliError(`${file}: no such file`);
  if (statSync(file).isDirectory()) throw new CliError(`${file}: is a folder; give one .recon file`);
}

/**
 * Refuses an `-o OUT` of `compile` or `plan` that would replace a `.recon` source with JSON: OUT
 * named `*.recon`, or OUT a link to FILE or to another `.recon` file. `what` is what `-o` writes
 * (`the IR`, `the plan`).
 *
 * Why: `recon compile f.recon -o f.recon` (a slip of the shell's completion) overwrote the source
 * with its IR and exited 0, losing the file; `recon plan` did the same with the plan. `go build
 * -o x.go` refuses the same way ("would overwrite a Go source file").
 */
export function refuseSourceAsOutput(command: string, out: string, file: string, what: string): void {
  const refuse = (why: string): never => {
    throw new CliError(`recon ${command}: -o ${out}: ${why}; write ${what} to a .json file`);
  };
  if (extname(out).toLowerCase() === '.recon') refuse(`${out} is a .recon source`);
  let target: string;
  try {
    target = realpathSync(out);
  } catch {
    return; // OUT does not exist yet (or cannot be resolved: writing it reports why)
  }
  if (existsSync(file) && target === realpathSync(file)) refuse(`${out} is ${file}, the file being ${command === 'plan' ? 'planned' : 'compiled'}`);
  if (extname(target).toLowerCase() === '.recon') refuse(`${out} is a link to a .recon source`);
}

/** Compiles FILE; prints its diagnostics (warnings too) to stderr; throws on errors. */
export function compileForRun(file: string, output: CliOutput, rootOverride?: string): LoadedIr {
  requireSourceFile(file);
  const compiled = compileFile(file, new DiskModuleHost());
  const located = locateDiagnostics(compiled.diagnostics, programTexts(compiled.program));
  if (located.length > 0) printDiagnosticsText({ ...output, out: output.err }, located);
  if (!compiled.ir) {
    const errors = located.filter((d) => d.severity === 'error').length;
    throw new CliError(`${file}: ${errors} error${errors === 1 ? '' : 's'}; nothing was run`);
  }
  return { ir: compiled.ir, workspaceRoot: rootOverride ?? compiled.program.workspaceRoot };
}
