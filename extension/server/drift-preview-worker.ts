/**
 * The drift preview's background half: observe + diff + decide for the policies of one compiled
 * file, in a worker thread, read-only, with a cap on the records read from each source.
 *
 * Why a worker: diffing thousands of records is CPU-bound; on the server's own thread it would
 * freeze hover and completion. The server can also stop a worker at once (`terminate`) when the
 * time budget runs out or the user cancels, even in the middle of a tight loop.
 *
 * What it never does: apply. It runs `runPlan`, the dry run of `recon plan`, which only reads
 * (connectors read, the decider decides); `trusted: false` makes the `http`, `exec` and
 * `postgres` connectors refuse, and the server does not even start a preview of such sources in an
 * untrusted workspace.
 *
 * Protocol: the server posts `{ type: 'run', id, job }`; the worker posts `{ id, message }` with a
 * `PreviewMessage` per policy as it finishes, then `done` with the whole change plan, or `error`.
 * `{ type: 'cancel', id }` aborts the run (the server normally terminates the worker instead). A
 * worker serves one job at a time and stays for the next (`preview-worker-pool.ts`): a warm worker
 * starts no thread, loads no module and runs code the JIT has already optimised.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { IrDocument } from '../../language/ir/ir-types.js';
import type { ChangePlan, PolicyPlan } from '../../runtime/plan/change-plan.js';
import { runPlan } from '../../runtime/plan/plan-runner.js';

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
  /**
   * Post the whole change plan with `done` (to render it). Off by default: the policies already
   * came one by one, and the plan is the largest message (each message is copied between threads).
   */
  withPlan?: boolean;
}

/** What the worker posts. */
export type PreviewMessage =
  | { type: 'policy'; plan: PolicyPlan; truncated: string[] }
  | { type: 'done'; observedAt: string; plan: ChangePlan | null; truncated: string[] }
  | { type: 'error'; message: string; at: string | null };

/**
 * Runs a preview job — `runPlan` with the job's record cap, read-only — posting each policy as
 * it is decided, then the whole plan. Never throws; failures are posted.
 */
export async function runPreviewJob(job: PreviewJob, post: (message: PreviewMessage) => void, signal?: AbortSignal): Promise<void> {
  try {
    const plan = await runPlan(job.ir, {
      workspaceRoot: job.workspaceRoot,
      ...(job.policy !== undefined ? { policy: job.policy } : {}),
      ...(job.observedAt !== undefined ? { observedAt: job.observedAt } : {}),
      skipPolicies: job.skip ?? [],
      trusted: job.trusted,
      maxRecordsPerSource: job.recordCap,
      ...(signal ? { signal } : {}),
      onPolicyPlan: (policy) => post({ type: 'policy', plan: policy, truncated: policy.truncated ?? [] }),
    });
    const truncated = [...new Set(plan.policies.flatMap((p) => p.truncated ?? []))];
    post({ type: 'done', observedAt: plan.observed_at, plan: job.withPlan ? plan : null, truncated });
  } catch (error) {
    const at = error && typeof error === 'object' && 'at' in error && typeof error.at === 'string' ? error.at : null;
    post({ type: 'error', message: error instanceof Error ? error.message : String(error), at });
  }
}

/** What the server sends a preview worker: run a job (one at a time), or cancel the running one. */
export type PreviewWorkerRequest = { type: 'run'; id: number; job: PreviewJob } | { type: 'cancel'; id: number };

/** What a preview worker posts: a message of the job `id`. */
export interface PreviewWorkerReply {
  id: number;
  message: PreviewMessage;
}

/** `workerData` of a preview worker. */
export const PREVIEW_WORKER_DATA = { reconPreviewWorker: 1 } as const;

// Started as a worker thread: serve jobs until terminated (the server reuses a worker, warm, for
// the next preview).
if (parentPort && workerData && typeof workerData === 'object' && 'reconPreviewWorker' in workerData) {
  const port = parentPort;
  const running = new Map<number, AbortController>();
  port.on('message', (request: PreviewWorkerRequest) => {
    if (request.type === 'cancel') {
      running.get(request.id)?.abort();
      return;
    }
    const controller = new AbortController();
    running.set(request.id, controller);
    void runPreviewJob(request.job, (message) => port.postMessage({ id: request.id, message } satisfies PreviewWorkerReply), controller.signal).finally(() =>
      running.delete(request.id),
    );
  });
}
