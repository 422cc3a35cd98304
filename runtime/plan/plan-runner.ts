/**
 * `recon plan` without the command line: observe, diff, decide and build the change plan for
 * the policies of one compiled file.
 *
 * Why here and not in the CLI: the CLI, `recon apply FILE` (which plans afresh), `recon watch`
 * and the editor's "Preview drift" all run the same dry run; only how they show it differs.
 * Nothing here writes anywhere: connectors are read-only during a plan.
 */
import type { IrDocument, IrSource } from '../../language/ir/ir-types.js';
import { diffSources, startFastPathPool, type FastPathSettings } from '../diff/diff-sources.js';
import type { DiffResult } from '../diff/diff-result.js';
import { startPolicyDecision } from '../decide/decider.js';
import { observeSource, type ObservedBatch, type ObserveContext } from '../observe/record-reader.js';
import { policyKeyCoercion } from '../observe/key-typing.js';
import type { ChangePlan, PolicyPlan } from './change-plan.js';
import { buildChangePlan } from './plan-builder.js';
import { currentObservedAt, PlanError, policySources, selectPolicies } from './policy-selection.js';
import { capRecords, truncationWarning } from './record-cap.js';
import { tracePhase } from './phase-trace.js';

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
  /** False in an untrusted workspace (editor preview): `http`, `exec` and `postgres` sources refuse. Default true. */
  trusted?: boolean;
  /** Cancels the run (editor previews, time budgets). */
  signal?: AbortSignal;
  /**
   * Called as batches arrive with the records read so far on a side (progress bars); on the CSV
   * fast path, as its scans go (no batches there), with the rows scanned so far on the side.
   */
  onProgress?: (event: { policy: string; side: 'desired' | 'actual'; records: number }) => void;
  /**
   * The most records (valid and invalid, in scope) read from each side of a policy. When a side
   * has more, reading it stops there, and the policy plan lists the source in `truncated` with a
   * warning: its items and counts cover only the records read. Default: no cap (the CLI never
   * sets one; the editor preview does).
   */
  maxRecordsPerSource?: number;
  /** Policies not to run (the editor preview leaves out those whose sources need trust). */
  skipPolicies?: readonly string[];
  /** Called with each policy's plan as soon as it is decided (previews show policies as they finish). */
  onPolicyPlan?: (plan: PolicyPlan) => void;
  /**
   * Let the CSV fast path stop V8's young generation from growing once its workers end (a
   * process-wide flag, lower peak memory; see `FastPathSettings.boundYoungGeneration`): for
   * processes that plan and end, like the command line. Default false.
   */
  boundYoungGeneration?: boolean;
  /**
   * Why `recon apply` could not write a policy's actual source, found without writing (the
   * writers' `fileWriteProblem`), or null: asked for a `yaml` actual source that items would
   * write to, and said in the policy's warnings. Passed in by the commands that plan for apply
   * (`recon plan`, `recon apply FILE`) so that this module, which the editor's preview runs, never
   * imports a writer. Absent: not checked.
   */
  writeTargetProblem?: (source: IrSource, context: { workspaceRoot: string; observedAt: string; env?: Readonly<Record<string, string | undefined>> }) => Promise<string | null>;
}

/**
 * Plans the file: for each policy (in declaration order, or only `options.policy`, less
 * `options.skipPolicies`), reads both sides (up to `maxRecordsPerSource` each), diffs them,
 * decides every item, and returns the change plan. Connector failures
 * propagate as `ConnectorError` (with `at`), a bad request as `PlanError`.
 */
export async function runPlan(ir: IrDocument, options: RunPlanOptions): Promise<ChangePlan> {
  const observedAt = options.observedAt ?? currentObservedAt();
  const policies = selectPolicies(ir, options.policy);
  // Both sides are read at once: when one fails, the other's reading is cancelled (an `exec`
  // program stopped, a request aborted) instead of running on to its own end or timeout, which
  // kept a failed `recon plan` from exiting for up to a minute.
  const failed = new AbortController();
  const observe: ObserveContext = {
    observedAt,
    env: options.env,
    workspaceRoot: options.workspaceRoot,
    trusted: options.trusted ?? true,
    signal: options.signal ? AbortSignal.any([options.signal, failed.signal]) : failed.signal,
  };
  const plans: PolicyPlan[] = [];
  const skip = new Set(options.skipPolicies ?? []);
  const cap = options.maxRecordsPerSource;
  if (cap !== undefined && !(Number.isInteger(cap) && cap >= 0)) throw new PlanError(`the record cap must be a whole number of records, not ${cap}`);
  for (const policy of policies) {
    if (skip.has(policy.name)) continue;
    options.signal?.throwIfAborted();
    const sources = policySources(ir, policy);
    // The CSV fast path reads whole files: not with a record cap (previews).
    const fastPath: FastPathSettings = { enabled: cap === undefined, boundYoungGeneration: options.boundYoungGeneration };
    // The fast path reads no batches (`read` below): it reports the rows its scans have read.
    const onProgress = options.onProgress;
    if (onProgress) fastPath.onProgress = (side, records) => onProgress({ policy: policy.name, side, records });
    // Its worker threads boot while the set-up below runs (none start when it cannot apply).
    fastPath.pool = startFastPathPool(policy, sources.desired, sources.actual, { ...observe, fastPath }) ?? undefined;
    const warnings: string[] = [];
    const truncated: string[] = [];
    // Keys typed on one side only are matched as that type (LANGUAGE.md 2.3, `key-typing.ts`).
    const keyCoercion = policyKeyCoercion(sources.desired, sources.actual);
    const read = (source: IrSource, side: 'desired' | 'actual'): AsyncIterable<ObservedBatch> => {
      const batches = collectWarnings(observeSource(source, side, observe, keyCoercion[side]), warnings, progressOf(options, policy.name, side));
      if (cap === undefined) return batches;
      return capRecords(batches, cap, () => {
        truncated.push(source.name);
        warnings.push(truncationWarning(source.name, side, cap));
      });
    };
    let decision: ReturnType<typeof startPolicyDecision>;
    let diff: DiffResult;
    try {
      // Items are decided as the diff makes them (the fast path releases their records at once)
      decision = startPolicyDecision(policy, { observedAt, ir, env: options.env });
      diff = await diffSources(policy, sources.desired, sources.actual, {
        ...observe,
        readSide: read,
        fastPath,
        decide: decision.decide,
      });
    } catch (error) {
      failed.abort();
      throw error;
    } finally {
      // diffSources closes the pool; this covers a failure before it was reached.
      await fastPath.pool?.close();
    }
    tracePhase(`diff ${policy.name}`);
    if (diff.warnings) warnings.push(...diff.warnings);
    const decided = diff.decided ?? diff.items.map((item) => decision.decide(item));
    diff.items.length = 0;
    const plan = decision.finish(decided, diff.summary);
    const unwritable = options.writeTargetProblem ? await yamlWriteProblem(sources.actual, plan, observe, options.writeTargetProblem) : null;
    if (unwritable !== null) warnings.push(unwritable);
    if (warnings.length > 0) plan.warnings = [...new Set([...(plan.warnings ?? []), ...warnings])];
    if (truncated.length > 0) plan.truncated = [...new Set(truncated)];
    plans.push(plan);
    tracePhase(`decide ${policy.name}`);
    options.onPolicyPlan?.(plan);
  }
  const plan = buildChangePlan(ir, plans, observedAt);
  tracePhase('plan hash');
  return plan;
}

/**
 * The warning for a plan whose items would write to a YAML file its writer refuses (several
 * documents: `RunPlanOptions.writeTargetProblem`), or null. Only `yaml` is checked: it is the one file format
 * recon reads in a form it cannot rewrite, and re-reading a large CSV here would cost a plan
 * its time for nothing.
 */
async function yamlWriteProblem(
  actual: IrSource,
  plan: PolicyPlan,
  observe: ObserveContext,
  writeTargetProblem: NonNullable<RunPlanOptions['writeTargetProblem']>,
): Promise<string | null> {
  if (actual.connector.kind !== 'yaml') return null;
  const writing = plan.items.filter((item) => item.effect?.kind === 'file').length;
  if (writing === 0) return null;
  const problem = await writeTargetProblem(actual, { workspaceRoot: observe.workspaceRoot, observedAt: observe.observedAt, env: observe.env });
  if (problem === null) return null;
  return `${problem} (recon apply will fail the ${writing} item${writing === 1 ? '' : 's'} that write${writing === 1 ? 's' : ''} to it)`;
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
