/**
 * Test helpers for the language layer (ARCHITECTURE.md convention 6): check a string as a file,
 * and assert the exact set of diagnostics it produces.
 *
 * Why strict: a check that reports one extra diagnostic (a cascade, a duplicate) is a bug users
 * see in their editor; asserting the exact count catches it.
 */
import { expect } from 'vitest';
import { checkProgram, type CheckOptions } from '../../language/checker/check-program.js';
import type { Diagnostic } from '../../language/diagnostics.js';
import { MemoryModuleHost } from '../../language/module-host.js';
import { loadProgram, type Program } from '../../language/program.js';

/** The path `checkText` gives its text. */
export const MAIN_FILE = '/ws/main.recon';

/** The day tests check against unless they say otherwise (the date of LANGUAGE.md's examples). */
export const TEST_TODAY = '2026-11-26';

/** A diagnostic with its 1-based line, for assertions. */
export type LocatedDiagnostic = Diagnostic & { line: number };

/** Loads `text` as `/ws/main.recon` (plus `files`, absolute path to text) and checks the program. */
export function checkProgramText(text: string, files: Record<string, string> = {}, options: CheckOptions = {}): Program {
  const host = new MemoryModuleHost({ ...files, [MAIN_FILE]: text });
  const program = loadProgram(MAIN_FILE, host);
  checkProgram(program, { today: TEST_TODAY, ...options });
  return program;
}

/** Every diagnostic of every module (syntax, binding and checker), each with its line. */
export function checkText(text: string, files: Record<string, string> = {}, options: CheckOptions = {}): LocatedDiagnostic[] {
  const program = checkProgramText(text, files, options);
  const all: LocatedDiagnostic[] = [];
  for (const module of program.modules.values()) {
    for (const d of module.diagnostics) all.push({ ...d, line: module.lines.lineColumn(d.start).line });
  }
  return all;
}

export interface ExpectedDiagnostic {
  code: string;
  /** 1-based line; any line when absent. */
  line?: number;
  /** Absolute file; the main file when absent. */
  file?: string;
}

function show(d: LocatedDiagnostic): string {
  return `${d.code} at ${d.file ?? '?'}:${d.line}: ${d.message}`;
}

/**
 * Asserts that checking `text` produces exactly the `expected` diagnostics (codes, and lines and
 * files where given): nothing missing, nothing extra. Returns the diagnostics for further checks.
 */
export function expectDiagnostics(text: string, expected: ExpectedDiagnostic[], files: Record<string, string> = {}, options: CheckOptions = {}): LocatedDiagnostic[] {
  const actual = checkText(text, files, options);
  const unmatched = [...actual];
  const missing: ExpectedDiagnostic[] = [];
  // most specific expectations first, so a line-less one cannot steal another's match
  const ordered = [...expected].sort((a, b) => Number(b.line !== undefined) - Number(a.line !== undefined));
  for (const e of ordered) {
    const file = e.file ?? MAIN_FILE;
    const index = unmatched.findIndex((d) => d.code === e.code && (d.file ?? MAIN_FILE) === file && (e.line === undefined || d.line === e.line));
    if (index < 0) missing.push(e);
    else unmatched.splice(index, 1);
  }
  if (missing.length > 0 || unmatched.length > 0) {
    const lines = [
      ...missing.map((e) => `missing:    ${e.code}${e.line !== undefined ? ` at line ${e.line}` : ''}${e.file ? ` in ${e.file}` : ''}`),
      ...unmatched.map((d) => `unexpected: ${show(d)}`),
      'all diagnostics:',
      ...actual.map((d) => `  ${show(d)}`),
    ];
    expect.fail(lines.join('\n'));
  }
  return actual;
}

/** The 1-based line of the first occurrence of `needle` in `text` (fails when absent). */
export function lineOf(text: string, needle: string): number {
  const index = text.indexOf(needle);
  if (index < 0) throw new Error(`'${needle}' is not in the text`);
  return text.slice(0, index).split('\n').length;
}

/** The one diagnostic with `code` (fails unless there is exactly one). */
export function only(diagnostics: LocatedDiagnostic[], code: string): LocatedDiagnostic {
  const found = diagnostics.filter((d) => d.code === code);
  expect(found, `diagnostics with code ${code}`).toHaveLength(1);
  return found[0]!;
}
