/**
 * Prints diagnostics the way RUNTIME.md says: `file:line:col: severity: message [code]`, or as
 * JSON for tools (`--format json`). Offsets become lines and columns here, at the edge.
 */
import { relative } from 'node:path';
import type { Diagnostic } from '../../language/diagnostics.js';
import type { Program } from '../../language/program.js';
import { LineMap } from '../../language/source-position.js';
import type { CliOutput } from './cli-output.js';

export interface LocatedDiagnostic {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: 'error' | 'warning';
  code: string;
  message: string;
}

/** Locates diagnostics using the texts the program was built from (files shown relative to cwd). */
export function locateDiagnostics(diagnostics: Diagnostic[], texts: (file: string) => string | undefined): LocatedDiagnostic[] {
  const maps = new Map<string, LineMap>();
  return diagnostics.map((d) => {
    const file = d.file ?? '<input>';
    let map = maps.get(file);
    if (!map) {
      map = new LineMap(texts(file) ?? '');
      maps.set(file, map);
    }
    const start = map.lineColumn(d.start);
    const end = map.lineColumn(d.end);
    return {
      file: relative(process.cwd(), file) || file,
      line: start.line,
      column: start.column,
      endLine: end.line,
      endColumn: end.column,
      severity: d.severity,
      code: d.code,
      message: d.message,
    };
  });
}

/** The texts a program was built from. */
export function programTexts(program: Program): (file: string) => string | undefined {
  return (file) => program.modules.get(file)?.parsed.text;
}

export function printDiagnosticsText(output: CliOutput, located: LocatedDiagnostic[]): void {
  const c = output.colors;
  for (const d of located) {
    const severity = d.severity === 'error' ? c.red('error') : c.yellow('warning');
    output.out(`${c.bold(`${d.file}:${d.line}:${d.column}`)}: ${severity}: ${d.message} ${c.dim(`[${d.code}]`)}\n`);
  }
}
