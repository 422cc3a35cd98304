/**
 * `recon test [PATHS] [--junit OUT.xml] [--format json]`: runs every `test` block of the files
 * (LANGUAGE.md 2.4) with no I/O at all. Exit 0 when all pass, 1 on a failure or a file that does
 * not compile.
 */
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { runTests, type PolicyTestResult } from '../../plan/plan-runner.js';
import { renderJunit } from '../../render/junit.js';
import { enumFlag, parseCommandArgs } from '../cli-args.js';
import { CliError } from '../cli-error.js';
import type { CliOutput } from '../cli-output.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { findReconFiles } from '../find-recon-files.js';
import { compileForRun } from '../load-ir.js';

export async function runTestCommand(args: string[], output: CliOutput): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('test', args, { junit: { type: 'string' } });
  const format = enumFlag('test', 'format', values.format, ['text', 'json'] as const, 'text');
  const c = output.colors;
  const results: PolicyTestResult[] = [];
  // Files that did not compile: their tests never ran, which the JUnit report shows as an error
  // (a CI test tab must not look green when the run failed).
  const brokenFiles: PolicyTestResult[] = [];
  for (const file of findReconFiles(positionals)) {
    const shown = relative(process.cwd(), file) || file;
    let loaded;
    try {
      loaded = compileForRun(shown, output, values.root as string | undefined);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      output.err(`${c.red('error')}: ${error.message}\n`);
      brokenFiles.push({ name: 'compile', file: shown, policy: '', at: shown, passed: false, failures: [], error: error.message, warnings: [], durationMs: 0 });
      continue;
    }
    const fileResults = await runTests(loaded.ir);
    results.push(...fileResults);
    if (format === 'text') {
      for (const r of fileResults) {
        const mark = r.passed ? c.green('PASS') : c.red('FAIL');
        output.out(`${mark} ${shown} › ${r.name} ${c.dim(`(${r.policy}, ${r.durationMs.toFixed(0)} ms)`)}\n`);
        if (r.error) output.out(`     ${c.red(r.error)}\n`);
        for (const failure of r.failures) output.out(`     ${failure}\n`);
        for (const warning of r.warnings) output.out(`     ${c.yellow('warning')}: ${warning}\n`);
      }
    }
  }
  const failed = results.filter((r) => !r.passed).length;
  const compileFailures = brokenFiles.length;
  if (typeof values.junit === 'string') writeFileSync(values.junit, renderJunit([...results, ...brokenFiles]));
  if (format === 'json') {
    output.out(JSON.stringify({ passed: results.length - failed, failed, compileFailures, tests: results.map(({ plan: _plan, ...rest }) => rest) }, null, 2) + '\n');
  } else {
    const notCompiled = compileFailures > 0 ? `, ${compileFailures} file${compileFailures === 1 ? '' : 's'} did not compile` : '';
    const summary = `${results.length - failed} passed, ${failed} failed${notCompiled}`;
    output.out((failed > 0 || compileFailures > 0 ? c.red(summary) : c.green(summary)) + '\n');
  }
  return failed > 0 || compileFailures > 0 ? EXIT.error : EXIT.ok;
}
