/**
 * A few worker threads for the CSV fast path, or none: the same tasks then run on the calling
 * thread.
 *
 * Why optional: the worker module must exist next to this one (`csv-scan-worker.js` in a build,
 * `csv-scan-worker.ts` when running the TypeScript through tsx or vitest, where the worker
 * registers tsx itself). Where it does not, or where one thread is all there is, the fast path
 * still works, on one core.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { traceNote } from '../plan/phase-trace.js';
import {
  newThreadState,
  runFastTask,
  type FastPartial,
  type FastTask,
  type FastTaskResult,
  type ProgressSink,
  type ThreadState,
} from './csv-fast-tasks.js';

interface WorkerReply {
  /** The worker has started and opened its channel (its first message). */
  ready?: boolean;
  ok?: boolean;
  result?: FastTaskResult;
  error?: string;
  /** A partial result; the task goes on. */
  partial?: FastPartial;
  /** The rows the task's range has scanned so far (a scan task asked for it); the task goes on. */
  progress?: number;
}

/** Receives the partial results of task `index`. */
export type PartialHandler = (index: number, partial: FastPartial) => void;

/** Receives the rows task `index` (a scan task with `progress`) has scanned so far. */
export type ProgressHandler = (index: number, rows: number) => void;

/** The worker module's URL and how to start it, or null when it cannot be found. */
function workerEntry(): { url: URL; typescript: boolean } | null {
  let here: string;
  try {
    here = import.meta.url;
  } catch {
    return null;
  }
  if (typeof here !== 'string' || !here.startsWith('file:')) return null;
  const typescript = here.endsWith('.ts');
  const url = new URL(`./csv-scan-worker.${typescript ? 'ts' : 'js'}`, here);
  return existsSync(fileURLToPath(url)) ? { url, typescript } : null;
}

/**
 * Workers hold little live data (their results live in shared memory or are transferred), so a
 * small young generation keeps their garbage from inflating the process's memory.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8 };

/** Numbers the channels between workers (with the process id and a random part: unique). */
let channelCount = 0;

/**
 * What a worker is handed at start: the name of the channel to the pool's other workers (see
 * `csv-fast-tasks.ts`), which it opens as soon as it runs, before any task arrives.
 */
export interface FastWorkerData {
  channel: string;
}

function startWorker(entry: { url: URL; typescript: boolean }, workerData: FastWorkerData): Worker {
  if (!entry.typescript) {
    // A worker inherits the process's Node flags (`--cpu-prof`, `--enable-source-maps`…), but
    // not all of them start one: `--input-type` (a `node -e` script) makes a file-based worker
    // fail, and V8 flags (`--max-old-space-size`, a common one for large jobs) are refused at
    // once. Either would silently cost the fast path its threads: without the flags, then.
    const execArgv = process.execArgv.filter((flag) => !flag.startsWith('--input-type'));
    try {
      return new Worker(entry.url, { resourceLimits: WORKER_LIMITS, execArgv, workerData });
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
      traceNote(`diff workers: started without the process's Node flags (${(error as Error).message})`);
      return new Worker(entry.url, { resourceLimits: WORKER_LIMITS, execArgv: [], workerData });
    }
  }
  // TypeScript sources (tests, tsx): register tsx inside the worker before importing the module.
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve('tsx/package.json');
  const manifest = require(manifestPath) as { exports: Record<string, { import: { default: string } }> };
  const tsxApi = pathToFileURL(path.join(path.dirname(manifestPath), manifest.exports['./esm/api'].import.default)).href;
  const code = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry.url.href)}); })`;
  return new Worker(code, { eval: true, resourceLimits: WORKER_LIMITS, workerData });
}

/** Settles when the worker has posted that it is ready (see `FastWorkerPool.ready`). */
function started(worker: Worker): Promise<void> {
  return untilReply<void>(worker, (reply) => (reply.ready === true ? { value: undefined } : null));
}

/** What a reply settles: a value, an error, or nothing yet (null: keep listening). */
type ReplyOutcome<T> = { value: T } | { error: unknown } | null;

/**
 * Listens to a worker until `onReply` settles on a reply (a throw is an error too), or the
 * worker fails or stops first; then stops listening. One place for the listeners, so none is
 * left behind on any path.
 */
function untilReply<T>(worker: Worker, onReply: (reply: WorkerReply) => ReplyOutcome<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (reply: WorkerReply) => {
      let outcome: ReplyOutcome<T>;
      try {
        outcome = onReply(reply);
      } catch (error) {
        outcome = { error };
      }
      if (outcome === null) return;
      cleanup();
      if ('error' in outcome) reject(outcome.error);
      else resolve(outcome.value);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`internal: a diff worker stopped (exit code ${code})`));
    };
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

/** How many worker threads the fast path uses by default: one per core, at most four. */
export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * Runs fast-path tasks on worker threads, or — when there is one thread only, or no worker
 * module — on the calling thread with a state of its own.
 *
 * Why the calling thread does not take a share when workers exist: the shared arrays would then
 * live in its heap too, and only its garbage collector would release them; kept in the workers,
 * they are released the moment the workers end.
 */
export class FastWorkerPool {
  private readonly inlineState: ThreadState = newThreadState();
  /**
   * Settles when every worker has started and opened its channel: a worker may hand the others
   * its results only once they all listen, so no task is sent before.
   */
  private readonly ready: Promise<void>;

  private constructor(private readonly workers: Worker[]) {
    this.ready = workers.length === 0 ? Promise.resolve() : Promise.all(workers.map(started)).then(() => undefined);
    // Reported by the first task (or, when no task runs, dropped with the workers).
    this.ready.catch(() => undefined);
  }

  /**
   * Starts `threads` workers; with one thread, or no worker module, tasks run inline. The
   * workers boot (≈ 30–50 ms each, on other cores) while the caller goes on: start the pool
   * before the rest of the set-up work, and `close` it when it turns out not to be needed.
   */
  static start(threads: number): FastWorkerPool {
    const entry = threads > 1 ? workerEntry() : null;
    if (entry === null) {
      traceNote(`diff workers: none, tasks run on this thread (${threads > 1 ? 'no worker module' : 'one thread'})`);
      return new FastWorkerPool([]);
    }
    const workers: Worker[] = [];
    const workerData: FastWorkerData = { channel: `recon-diff-${process.pid}-${++channelCount}-${Math.random().toString(36).slice(2)}` };
    try {
      for (let i = 0; i < threads; i++) workers.push(startWorker(entry, workerData));
    } catch (error) {
      for (const worker of workers) void worker.terminate();
      traceNote(`diff workers: none, tasks run on this thread (${error instanceof Error ? error.message : String(error)})`);
      return new FastWorkerPool([]);
    }
    traceNote(`diff workers: ${threads}`);
    return new FastWorkerPool(workers);
  }

  /** Number of threads tasks run on in parallel. */
  get parallelism(): number {
    return Math.max(1, this.workers.length);
  }

  /**
   * Runs the tasks, task i on thread i mod n, and returns their results in order; partial
   * results go to `onPartial` and progress reports to `onProgress` as they come (between the
   * main thread's other work; on the calling thread, as direct calls). Every report of a task
   * arrives before `runAll` settles.
   */
  async runAll<T extends FastTaskResult>(
    tasks: readonly FastTask[],
    onPartial: PartialHandler | null = null,
    onProgress: ProgressHandler | null = null,
  ): Promise<T[]> {
    const progressOf = (i: number): ProgressSink | null => onProgress && ((rows) => onProgress(i, rows));
    if (this.workers.length === 0) {
      const results: T[] = [];
      for (let i = 0; i < tasks.length; i++) {
        results.push((await runFastTask(tasks[i], this.inlineState, onPartial && ((partial) => onPartial(i, partial)), progressOf(i)))[0] as T);
      }
      return results;
    }
    await this.ready;
    const threads = this.workers.length;
    const results: T[] = new Array(tasks.length);
    await Promise.all(
      this.workers.map(async (worker, w) => {
        for (let i = w; i < tasks.length; i += threads) {
          results[i] = await this.run<T>(worker, tasks[i], onPartial && ((partial) => onPartial(i, partial)), progressOf(i));
        }
      }),
    );
    return results;
  }

  /** Runs one task on every thread (to hand each the same state). */
  async broadcast(task: FastTask): Promise<void> {
    if (this.workers.length === 0) {
      await runFastTask(task, this.inlineState);
      return;
    }
    await this.ready;
    await Promise.all(this.workers.map((worker) => this.run(worker, task)));
  }

  /** Runs one task on the first thread only. */
  async runOne<T extends FastTaskResult>(task: FastTask): Promise<T> {
    return (await this.runAll<T>([task]))[0];
  }

  /** Whether tasks run on worker threads (which then talk over a channel). */
  get threaded(): boolean {
    return this.workers.length > 0;
  }

  private run<T extends FastTaskResult>(
    worker: Worker,
    task: FastTask,
    onPartial: ((partial: FastPartial) => void) | null = null,
    onProgress: ProgressSink | null = null,
  ): Promise<T> {
    const reply = untilReply<T>(worker, (reply) => {
      if (reply.partial !== undefined) {
        onPartial?.(reply.partial);
        return null;
      }
      if (reply.progress !== undefined) {
        onProgress?.(reply.progress);
        return null;
      }
      if (reply.ok) return { value: reply.result as T };
      return { error: new Error(`internal: a diff worker failed: ${reply.error ?? 'unknown error'}`) };
    });
    worker.postMessage(task);
    return reply;
  }

  /** Stops the workers and forgets the inline state (again: nothing happens). */
  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((worker) => worker.terminate()));
    this.inlineState.channel?.close();
    Object.assign(this.inlineState, newThreadState());
  }
}
