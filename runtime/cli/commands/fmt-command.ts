/**
 * `recon fmt [--check] [PATHS]`: rewrite files in canonical form (LANGUAGE.md section 5).
 * A file with syntax errors, or that is not UTF-8, is never rewritten; it is reported and makes
 * the exit code 1. So is a file that cannot be read or written (permissions): one line naming it,
 * and the other files are still formatted.
 */
import { accessSync, constants, readFileSync, realpathSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { diagnostic } from '../../../language/diagnostics.js';
import { formatText } from '../../../language/formatter.js';
import { decodeSource, notUtf8Arguments } from '../../../language/source-decoding.js';
import { parseCommandArgs } from '../cli-args.js';
import type { CliOutput } from '../cli-output.js';
import { locateDiagnostics, printDiagnosticsText } from '../diagnostic-output.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { findReconFiles } from '../find-recon-files.js';
import { replaceFileAtomically } from '../../write/atomic-file.js';

export function runFmtCommand(args: string[], output: CliOutput): ExitCode {
  const { values, positionals } = parseCommandArgs('fmt', args, { check: { type: 'boolean' } });
  const checkOnly = values.check === true;
  let failed = false;
  let changedCount = 0;
  const files = findReconFiles(positionals);
  for (const file of files) {
    const shown = relative(process.cwd(), file) || file;
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      failed = true;
      output.err(`${shown}: cannot read it: ${fileErrorReason(error)}\n`);
      continue;
    }
    const { text, notUtf8 } = decodeSource(bytes);
    if (notUtf8) {
      // never rewritten: writing the text back would replace the user's bytes with U+FFFD
      failed = true;
      const at = notUtf8.offset;
      const located = locateDiagnostics([{ ...diagnostic('invalid-encoding', at, at + 1, notUtf8Arguments(notUtf8, text)), file }], () => text);
      printDiagnosticsText(output, located);
      continue;
    }
    const result = formatText(text);
    if (result.diagnostics.some((d) => d.severity === 'error')) {
      failed = true;
      const located = locateDiagnostics(result.diagnostics.map((d) => ({ ...d, file })), () => text);
      printDiagnosticsText(output, located);
      continue;
    }
    if (result.internalError) {
      failed = true;
      output.err(`${shown}: not formatted: ${result.internalError}\n`);
      continue;
    }
    if (!result.changed) continue;
    changedCount++;
    if (checkOnly) {
      failed = true;
      output.out(`${shown}: would be reformatted\n`);
    } else {
      try {
        rewriteSource(file, result.text);
      } catch (error) {
        failed = true;
        output.err(`${shown}: not formatted: cannot write it: ${fileErrorReason(error)}\n`);
        continue;
      }
      output.out(`${shown}: formatted\n`);
    }
  }
  if (checkOnly && changedCount === 0 && !failed) output.err(`${files.length} file(s) already formatted\n`);
  return failed ? EXIT.error : EXIT.ok;
}

/**
 * Replaces a source file's text atomically (a temporary file renamed over it, `atomic-file.ts`):
 * a crash or a full disk while writing leaves the old text, never half a file, as a plain
 * `writeFileSync` (truncate, then write) could. What a plain write would keep is kept: a link
 * is written through (its target is replaced, the link stays), the permission bits and, where
 * the process may set them, owner and group stay the file's; a file the user may not write is
 * refused as a plain write would be, although the folder would let a rename replace it.
 */
function rewriteSource(file: string, text: string): void {
  const target = realpathSync(file);
  accessSync(target, constants.W_OK);
  const before = statSync(target);
  replaceFileAtomically(target, text, { mode: before.mode & 0o7777, owner: { uid: before.uid, gid: before.gid } });
}

/**
 * Why a file could not be read or written, without Node's code prefix and the absolute path it
 * appends (`EACCES: permission denied, open '/home/…/a.recon'` → `permission denied`): the line
 * already names the file as the user gave it.
 */
function fileErrorReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return /^[A-Z0-9_]+: (.+?), \w+ '.*'$/s.exec(message)?.[1] ?? message;
}
