/**
 * `recon compile FILE [-o OUT]`: the IR of a file, schema-checked, to stdout or OUT.
 * OUT is never a `.recon` source (`refuseSourceAsOutput` in load-ir.ts).
 */
import { writeFileSync } from 'node:fs';
import { serializeIr } from '../../../language/compiler/compile-program.js';
import { DiskModuleHost } from '../../../language/module-host.js';
import { compileFile } from '../../../language/pipeline.js';
import { parseCommandArgs } from '../cli-args.js';
import { CliError } from '../cli-error.js';
import type { CliOutput } from '../cli-output.js';
import { locateDiagnostics, printDiagnosticsText, programTexts } from '../diagnostic-output.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { refuseSourceAsOutput, requireSourceFile } from '../load-ir.js';

export function runCompileCommand(args: string[], output: CliOutput): ExitCode {
  const { values, positionals } = parseCommandArgs('compile', args, { output: { type: 'string', short: 'o' } });
  if (positionals.length !== 1) throw new CliError('recon compile: expected exactly one FILE');
  requireSourceFile(positionals[0]!);
  if (typeof values.output === 'string') refuseSourceAsOutput('compile', values.output, positionals[0]!, 'the IR');
  const compiled = compileFile(positionals[0]!, new DiskModuleHost());
  const located = locateDiagnostics(compiled.diagnostics, programTexts(compiled.program));
  if (!compiled.ir) {
    printDiagnosticsText({ ...output, out: output.err }, located);
    return EXIT.error;
  }
  if (located.length > 0) printDiagnosticsText({ ...output, out: output.err }, located);
  const text = serializeIr(compiled.ir);
  if (typeof values.output === 'string') writeFileSync(values.output, text);
  else output.out(text);
  return EXIT.ok;
}

