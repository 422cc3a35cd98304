/**
 * `recon test` without the command line: runs a file's `test` blocks (LANGUAGE.md 2.4).
 *
 * Why no I/O: a test's records replace both sources, written as the sources present them (so
 * `select` is skipped) while `fields` coercion and `where` still apply; the diff and the decider
 * are the very ones `recon plan` uses, with limits off — tests check the rules, not the blast
 * radius — as in mode enforce (mode audit would block every acting item and hide the rules' gates),
 * and without effects (which would read the actual source's secrets).
 */
import type { IrDocument, IrFieldType, IrSource, IrTest } from '../../language/ir/ir-types.js';
import { diffPolicy } from '../diff/diff-engine.js';
import { decidePolicy } from '../decide/decider.js';
import type { EvaluationContext } from '../expressions/expression-evaluator.js';
import { observeRecords, type ObservedBatch } from '../observe/record-reader.js';
import { policyKeyCoercion } from '../observe/key-typing.js';
import type { PolicyPlan } from './change-plan.js';
import { currentObservedAt, policySources } from './policy-selection.js';
import { checkExpectations } from './test-expectations.js';

export interface RunTestsOptions {
  /** The instant `now()` and `until` read (ISO 8601); default: now. */
  observedAt?: string;
  /** Variables for `env()` (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Run only the tests with this name. */
  only?: string;
}

/** The outcome of one `test` block. */
export interface PolicyTestResult {
  name: string;
  /** The `.recon` file, relative to the workspace root. */
  file: string;
  policy: string;
  /** Where the test is declared (`file:line:col`). */
  at: string;
  passed: boolean;
  /** Every failed expectation, one sentence each (empty when passed or on error). */
  failures: string[];
  /** Set when the test could not run at all (an unknown policy, a source missing from the IR). */
  error?: string;
  /** Warnings raised while reading its records or deciding (a `where` that failed, say). */
  warnings: string[];
  durationMs: number;
  /** The decided plan of the test's records, for showing what happened. */
  plan?: PolicyPlan;
}

/** Runs every `test` of the IR (or those named `options.only`), in declaration order. */
export async function runTests(ir: IrDocument, options: RunTestsOptions = {}): Promise<PolicyTestResult[]> {
  const observedAt = options.observedAt ?? currentObservedAt();
  const results: PolicyTestResult[] = [];
  for (const test of ir.tests) {
    if (options.only !== undefined && test.name !== options.only) continue;
    results.push(await runOneTest(ir, test, observedAt, options.env));
  }
  return results;
}

async function runOneTest(
  ir: IrDocument,
  test: IrTest,
  observedAt: string,
  env: Readonly<Record<string, string | undefined>> | undefined,
): Promise<PolicyTestResult> {
  const started = performance.now();
  const base = { name: test.name, file: ir.file, policy: test.policy, at: test.at };
  const policy = ir.policies.find((candidate) => candidate.name === test.policy);
  if (!policy) {
    return {
      ...base,
      passed: false,
      failures: [],
      error: `${test.at}: test "${test.name}" names the unknown policy "${test.policy}"`,
      warnings: [],
      durationMs: performance.now() - started,
    };
  }
  try {
    const sources = policySources(ir, policy);
    const evaluation: EvaluationContext = { observedAt, env };
    const coercion = policyKeyCoercion(sources.desired, sources.actual);
    const desired = observeRecords(test.desired, sources.desired, 'desired', evaluation, coercion.desired);
    const actual = observeRecords(test.actual, sources.actual, 'actual', evaluation, coercion.actual);
    const diff = await diffPolicy(policy, sources.desired, sources.actual, once(desired), once(actual), { evaluation });
    // Decided as in mode enforce: `mode audit` (the default) blocks every acting item, which would
    // hide the rules' own gates — `action create on "t2" requires approval` could never pass while
    // a policy is rolled out in audit. Like `limits`, the mode is not a rule, and tests check rules.
    const decided = policy.mode === 'enforce' ? policy : { ...policy, mode: 'enforce' as const };
    const plan = decidePolicy(decided, diff, { observedAt, ir, env, applyLimits: false, effects: false });
    const failures = checkExpectations(test, plan, { desired: keyFieldTypes(sources.desired), actual: keyFieldTypes(sources.actual) });
    // The diff's own warnings too (a `within` rule that cannot read the fixtures' values, keys of
    // two types): a test is where a compare rule is tried first.
    const warnings = [...new Set([...desired.warnings, ...actual.warnings, ...(diff.warnings ?? []), ...plan.items.flatMap((item) => item.warnings ?? [])])];
    return { ...base, passed: failures.length === 0, failures, warnings, durationMs: performance.now() - started, plan };
  } catch (error) {
    return {
      ...base,
      passed: false,
      failures: [],
      error: `${test.at}: test "${test.name}": ${error instanceof Error ? error.message : String(error)}`,
      warnings: [],
      durationMs: performance.now() - started,
    };
  }
}

/** The declared type of each key field of a source (null where it declares none). */
function keyFieldTypes(source: IrSource): (IrFieldType | null)[] {
  return source.key.map((path) => source.fields?.find((field) => field.name === path)?.type ?? null);
}

async function* once(batch: ObservedBatch): AsyncGenerator<ObservedBatch> {
  yield batch;
}
