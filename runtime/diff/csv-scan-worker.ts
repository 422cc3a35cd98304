/**
 * Worker-thread entry of the CSV fast path: runs the tasks it is sent (`csv-fast-tasks.ts`) and
 * posts each result back (and, before it, a task's partial results and progress as they come).
 *
 * Why a file of its own: a worker starts from a module URL. Bundles must emit this file next to
 * the module that contains `csv-worker-pool.ts` (as `csv-scan-worker.js`); when it is missing the
 * fast path runs its tasks on the calling thread instead.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { newThreadState, openChannel, runFastTask, type FastTask } from './csv-fast-tasks.js';
import type { FastWorkerData } from './csv-worker-pool.js';

const port = parentPort;
if (port) {
  // The shared arrays this thread was handed, kept between tasks.
  const state = newThreadState();
  // The channel to the other workers of the pool, open before the first task arrives.
  const channel = (workerData as FastWorkerData | null)?.channel;
  if (typeof channel === 'string') openChannel(state, channel);
  port.postMessage({ ready: true });
  // Results are copied, never transferred: transferring detaches an ArrayBuffer, and the first
  // detach in a thread discards all the optimised code that reads typed arrays (it assumed none
  // would be), so the scanner would be compiled all over again for the next file. The results
  // are small (lists of rows that differ), the copies cheap.
  port.on('message', (task: FastTask) => {
    runFastTask(
      task,
      state,
      (partial) => port.postMessage({ partial }),
      (rows) => port.postMessage({ progress: rows }),
    ).then(
      ([result]) => port.postMessage({ ok: true, result }),
      (error: unknown) => port.postMessage({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  });
}
