/**
 * The drift preview's background half: observe + diff + decide for the policies of one compiled
 * file, in a worker thread, read-only, with a cap on the records read from each source.
 *
 * Why a worker: diffing thousands of records is CPU-bound; on the server's own thread it would
 * freeze hover and completion. The server can also stop a worker at once (`terminate`) when the
 * time budget runs out or the user cancels, even in the middle of a tight loop.
 *
 * What it never does: apply. Only the read side of the runtime is imported (connectors read,
 * `decidePolicy` decides); `trusted: false` makes the `http` and `exec` connectors refuse, and
 * the server does not even start a preview of such sources in an untrusted workspace.
 *
 * Protocol: `workerData` is a `PreviewJob`; the worker posts a `PreviewMessage` per policy as it
 * finishes, then `done` with the whole change plan, or `error`. A `{ type: 'cancel' }` message
 * aborts the run (the server normally terminates the worker instead).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { IrDocument } from '../../language/ir/ir-types.js';
import { decidePolicy } from '../../runtime/decide/decider.js';
import { diffPolicy } from '../../runtime/diff/diff-engine.js';
import { observeSource, type ObservedBatch, type ObserveContext } from '../../runtime/observe/record-reader.js';
import type { ChangePlan, PolicyPlan } from '../../runtime/plan/change-plan.js';
import { buildChangePlan } from '../../runtime/plan/plan-builder.js';
import { collectWarnings } from '../../runtime/plan/plan-runner.js';
import { currentObservedAt, policySources, selectPolicies } from '../../runtime/plan/policy-selection.js';

/** What the server asks the worker to preview. */
export interface PreviewJob {
  ir: IrDocument;
  /** Absolute path of the workspace root (the IR's source paths are relative to it). */
  workspaceRoot: string;
  /** Only this policy, or every policy of the file. */
  policy?: string;
  /** Policies not to run (their sources need trust the workspace does not have). */
  skip?: string[];
  trusted: boolean;
  /** The most records read from each source; the rest is not read. */
  recordCap: number;
  /** The run's instant (tests pin it); default now. */
  observedAt?: string;
}

/** What the worker posts. */
export type PreviewMessage =
  | { type: 'policy'; plan: PolicyPlan; truncated: string[] }
  | { type: 'done'; plan: ChangePlan; truncated: string[] }
  | { type: 'error'; message: string; at: string | null };

/**
 * Passes batches through until `cap` records (valid and invalid) have been read, then stops
 * reading (closing the connector) and reports that the source was cut short.
 */
export async function* capRecords(batches: AsyncIterable<ObservedBatch>, cap: number, onCut: () => void): AsyncGenerator<ObservedBatch> {
  let seen = 0;
  for await (const batch of batches) {
    const size = batch.records.length + batch.invalid.length;
    if (seen + size <= cap) {
      seen += size;
      yield batch;
      continue;
    }
    const room = Math.max(0, cap - seen);
    const records = batch.records.slice(0, room);
    const invalid = batch.invalid.slice(0, room - records.length);
    onCut();
    yield { ...batch, records, invalid };
    return;
  }
}

/** Runs a preview job, posting each message through `post`. Never throws; failures are posted. */
export async function runPreviewJob(job: PreviewJob, post: (message: PreviewMessage) => void, signal?: AbortSignal): Promise<void> {
  try {
    const ir = job.ir;
    const observedAt = job.observedAt ?? currentObservedAt();
    const skip = new Set(job.skip ?? []);
    const policies = selectPolicies(ir, job.policy).filter((p) => !skip.has(p.name));
    const observe: ObserveContext = { observedAt, workspaceRoot: job.workspaceRoot, trusted: job.trusted, signal };
    const plans: PolicyPlan[] = [];
    const allTruncated: string[] = [];
    for (const policy of policies) {
      signal?.throwIfAborted();
      const sources = policySources(ir, policy);
      const warnings: string[] = [];
      const truncated: string[] = [];
      const read = (source: typeof sources.desired, side: 'desired' | 'actual') =>
        capRecords(collectWarnings(observeSource(source, side, observe), warnings), job.recordCap, () => truncated.push(source.name));
      const diff = await diffPolicy(policy, sources.desired, sources.actual, read(sources.desired, 'desired'), read(sources.actual, 'actual'), {
        evaluation: { observedAt },
        signal,
      });
      const plan = decidePolicy(policy, diff, { observedAt, ir });
      if (warnings.length > 0) plan.warnings = [...new Set([...(plan.warnings ?? []), ...warnings])];
      plans.push(plan);
      allTruncated.push(...truncated);
      post({ type: 'policy', plan, truncated: [...new Set(truncated)] });
    }
    post({ type: 'done', plan: buildChangePlan(ir, plans, observedAt), truncated: [...new Set(allTruncated)] });
  } catch (error) {
    const at = error && typeof error === 'object' && 'at' in error && typeof error.at === 'string' ? error.at : null;
    post({ type: 'error', message: error instanceof Error ? error.message : String(error), at });
  }
}

// Started as a worker thread: run the job from workerData.
if (parentPort && workerData && typeof workerData === 'object' && 'reconPreviewJob' in workerData) {
  const port = parentPort;
  const controller = new AbortController();
  port.on('message', (message: unknown) => {
    if (message && typeof message === 'object' && (message as { type?: string }).type === 'cancel') controller.abort();
  });
  void runPreviewJob((workerData as { reconPreviewJob: PreviewJob }).reconPreviewJob, (m) => port.postMessage(m), controller.signal).then(() => port.close());
}
