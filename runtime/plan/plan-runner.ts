/**
 * `recon plan` without the command line: observe, diff, decide and build the change plan for
 * the policies of one compiled file.
 *
 * Why here and not in the CLI: the CLI, `recon apply FILE` (which plans afresh), `recon watch`
 * and the editor's "Preview drift" all run the same dry run; only how they show it differs.
 * Nothing here writes anywhere: connectors are read-only during a plan.
 */
import type { IrDocument } from '../../language/ir/ir-types.js';
import { diffPolicy } from '../diff/diff-engine.js';
import { decidePolicy } from '../decide/decider.js';
import type { EvaluationContext } from '../expressions/expression-evaluator.js';
import { observeSource, type ObservedBatch, type ObserveContext } from '../observe/record-reader.js';
import type { ChangePlan, PolicyPlan } from './change-plan.js';
import { buildChangePlan } from './plan-builder.js';
import { currentObservedAt, policySources, selectPolicies } from './policy-selection.js';

export { PlanError } from './policy-selection.js';
export { runTests, type PolicyTestResult, type RunTestsOptions } from './test-runner.js';

export interface RunPlanOptions {
  /** Absolute path of the workspace root (source paths in the IR are relative to it). */
  workspaceRoot: string;
  /** Plan only this policy (`--policy NAME`). */
  policy?: string;
  /** The run's instant (ISO 8601); default: now, to the second. Read once per run. */
  observedAt?: string;
  /** Variables for `env()` and `secret()` (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** False in an untrusted workspace (editor preview): `http` and `exec` sources refuse. Default true. */
  trusted?: boolean;
  /** Cancels the run (editor previews, time budgets). */
  signal?: AbortSignal;
  /** Called as batches arrive with the records read so far on a side (progress bars). */
  onProgress?: (event: { policy: string; side: 'desired' | 'actual'; records: number }) => void;
}

/**
 * Plans the file: for each policy (in declaration order, or only `options.policy`), reads both
 * sides, diffs them, decides every item, and returns the change plan. Connector failures
 * propagate as `ConnectorError` (with `at`), a bad request as `PlanError`.
 */
export async function runPlan(ir: IrDocument, options: RunPlanOptions): Promise<ChangePlan> {
  const observedAt = options.observedAt ?? currentObservedAt();
  const policies = selectPolicies(ir, options.policy);
  const observe: ObserveContext = {
    observedAt,
    env: options.env,
    workspaceRoot: options.workspaceRoot,
    trusted: options.trusted ?? true,
    signal: options.signal,
  };
  const evaluation: EvaluationContext = { observedAt, env: options.env };
  const plans: PolicyPlan[] = [];
  for (const policy of policies) {
    options.signal?.throwIfAborted();
    const sources = policySources(ir, policy);
    const warnings: string[] = [];
    const diff = await diffPolicy(
      policy,
      sources.desired,
      sources.actual,
      collectWarnings(observeSource(sources.desired, 'desired', observe), warnings, progressOf(options, policy.name, 'desired')),
      collectWarnings(observeSource(sources.actual, 'actual', observe), warnings, progressOf(options, policy.name, 'actual')),
      { evaluation, signal: options.signal },
    );
    const plan = decidePolicy(policy, diff, { observedAt, ir, env: options.env });
    if (warnings.length > 0) plan.warnings = [...new Set(warnings)];
    plans.push(plan);
  }
  return buildChangePlan(ir, plans, observedAt);
}

/** A progress callback for one policy and side, counting records (valid and invalid) as they arrive. */
function progressOf(options: RunPlanOptions, policy: string, side: 'desired' | 'actual'): ((records: number) => void) | undefined {
  const onProgress = options.onProgress;
  return onProgress ? (records) => onProgress({ policy, side, records }) : undefined;
}

/** Passes batches through, keeping their read warnings for the policy plan and reporting progress. */
export async function* collectWarnings(
  batches: AsyncIterable<ObservedBatch>,
  warnings: string[],
  onRecords?: (records: number) => void,
): AsyncGenerator<ObservedBatch> {
  let records = 0;
  for await (const batch of batches) {
    warnings.push(...batch.warnings);
    records += batch.records.length + batch.invalid.length;
    onRecords?.(records);
    yield batch;
  }
}
