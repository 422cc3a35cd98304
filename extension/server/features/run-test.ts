/**
 * "Run test" (RUNTIME.md section 6): the custom request `recon/runTests` runs the `test` blocks of
 * a file (or the one named) on its current buffer, exactly as `recon test` would, and returns
 * each result with the location of its test block.
 *
 * Why in the server's thread: tests do no I/O (their records replace both sources) and are
 * small; they reuse the runtime's own diff and decider (`runTests`).
 */
import type { Location } from 'vscode-languageserver';
import { runTests } from '../../../runtime/plan/plan-runner.js';
import type { DocumentAnalysis } from '../document-analysis.js';
import type { DocumentStore } from '../document-store.js';
import { compileForRun, irLocation } from '../run-support.js';

/** The method of the custom request. */
export const RUN_TESTS_METHOD = 'recon/runTests';

export interface RunTestsParams {
  uri: string;
  /** Only the test with this name; default: every test of the file. */
  test?: string;
}

export interface TestRunEntry {
  name: string;
  policy: string;
  passed: boolean;
  /** One sentence per failed expectation. */
  failures: string[];
  /** Set when the test could not run at all. */
  error: string | null;
  warnings: string[];
  durationMs: number;
  location: Location | null;
}

export interface RunTestsResult {
  uri: string;
  /** `ok` (the tests ran; see `failed`), `invalid` (the file does not compile), `error`. */
  status: 'ok' | 'invalid' | 'error';
  message: string | null;
  passed: number;
  failed: number;
  results: TestRunEntry[];
}

/** Remembers the last outcome of each test, for the code lens titles. */
export class TestRunner {
  private readonly last = new Map<string, { version: number | null; outcomes: Map<string, boolean> }>();

  constructor(private readonly store: DocumentStore) {}

  /** Whether the named test passed in the last run at this version (null: not run). */
  lastOutcome(uri: string, version: number | null, test: string): boolean | null {
    const last = this.last.get(uri);
    return last && last.version === version ? (last.outcomes.get(test) ?? null) : null;
  }

  /** Runs the tests; never throws. */
  async run(analysis: DocumentAnalysis, params: RunTestsParams, observedAt?: string): Promise<RunTestsResult> {
    const base = { uri: params.uri, passed: 0, failed: 0, results: [] as TestRunEntry[] };
    const compiled = compileForRun(this.store, analysis);
    if (!compiled.ir) return { ...base, status: 'invalid', message: compiled.message };
    if (params.test !== undefined && !compiled.ir.tests.some((t) => t.name === params.test)) {
      return { ...base, status: 'error', message: `unknown test "${params.test}"` };
    }
    try {
      const results = await runTests(compiled.ir, { ...(params.test !== undefined ? { only: params.test } : {}), ...(observedAt ? { observedAt } : {}) });
      const entries: TestRunEntry[] = results.map((r) => ({
        name: r.name,
        policy: r.policy,
        passed: r.passed,
        failures: r.failures,
        error: r.error ?? null,
        warnings: r.warnings,
        durationMs: Math.round(r.durationMs * 10) / 10,
        location: irLocation(r.at, compiled.workspaceRoot, this.store),
      }));
      let last = this.last.get(analysis.uri);
      if (!last || last.version !== analysis.version) {
        last = { version: analysis.version, outcomes: new Map() };
        this.last.set(analysis.uri, last);
      }
      for (const entry of entries) last.outcomes.set(entry.name, entry.passed);
      const passed = entries.filter((e) => e.passed).length;
      return { uri: params.uri, status: 'ok', message: null, passed, failed: entries.length - passed, results: entries };
    } catch (error) {
      return { ...base, status: 'error', message: error instanceof Error ? error.message : String(error) };
    }
  }
}
