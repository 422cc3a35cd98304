/**
 * `recon check [PATHS]`: parse and check every `.recon` file; exit 0 when clean or warnings
 * only, 1 on errors. A module imported by several files is reported once.
 */
import type { Diagnostic } from '../../../language/diagnostics.js';
import { DiskModuleHost } from '../../../language/module-host.js';
import { checkFile } from '../../../language/pipeline.js';
import { parseCommandArgs, enumFlag } from '../cli-args.js';
import type { CliOutput } from '../cli-output.js';
import { locateDiagnostics, printDiagnosticsText } from '../diagnostic-output.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { findReconFiles } from '../find-recon-files.js';

export function runCheckCommand(args: string[], output: CliOutput): ExitCode {
  const { values, positionals } = parseCommandArgs('check', args, {});
  const format = enumFlag('check', 'format', values.format, ['text', 'json'] as const, 'text');
  const files = findReconFiles(positionals);
  const host = new DiskModuleHost();
  const seen = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  const texts = new Map<string, string>();
  for (const file of files) {
    const { program } = checkFile(file, host);
    for (const module of program.modules.values()) {
      if (seen.has(module.path)) continue;
      seen.add(module.path);
      texts.set(module.path, module.parsed.text);
      diagnostics.push(...[...module.diagnostics].sort((a, b) => a.start - b.start));
    }
  }
  const located = locateDiagnostics(diagnostics, (file) => texts.get(file));
  const errors = located.filter((d) => d.severity === 'error').length;
  const warnings = located.length - errors;
  if (format === 'json') {
    output.out(JSON.stringify({ files: files.length, errors, warnings, diagnostics: located }, null, 2) + '\n');
  } else {
    printDiagnosticsText(output, located);
    const c = output.colors;
    const summary = `${files.length} file${files.length === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
    output.err((errors > 0 ? c.red(summary) : c.green(summary)) + '\n');
  }
  return errors > 0 ? EXIT.error : EXIT.ok;
}
