/**
 * The drift preview's worker threads, kept warm between previews.
 *
 * Why a pool and not a worker per preview: starting a worker costs a thread and the loading of the
 * whole read side of the runtime (about 100 ms), and a new worker runs cold code the JIT has not
 * optimised yet; on two 100,000-record files that was a third of the preview. A worker that
 * finishes its job waits (unreferenced, so it never keeps the process alive) for the next one and
 * is stopped after `idleMs` without work. A worker whose job is cancelled or runs out of time is
 * terminated at once, whatever it is doing (it may be in a tight loop), and never reused.
 *
 * The worker is the bundled `drift-preview-worker.js` beside this module's bundle or, when running
 * from source (tests, development), the TypeScript worker loaded through tsx.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PREVIEW_WORKER_DATA, type PreviewJob, type PreviewMessage, type PreviewWorkerReply, type PreviewWorkerRequest } from './drift-preview-worker.js';

/** A running job: stop it (the worker is terminated). */
export interface PreviewRun {
  cancel(): void;
}

export interface PreviewWorkerPoolOptions {
  /** How long an idle worker waits for the next job before it is stopped (default 120 s). */
  idleMs?: number;
  /** How many idle workers are kept (default 1). */
  maxIdle?: number;
}

interface PooledWorker {
  worker: Worker;
  /** The handler of the job it runs, or null when idle. */
  current: ((message: PreviewMessage) => void) | null;
  /** The id of that job (replies of any other are ignored). */
  jobId: number;
  idleTimer: NodeJS.Timeout | null;
}

/** How the worker is started: the bundled JavaScript beside this module, or the TypeScript source through tsx. */
function workerScript(): { kind: 'file'; url: URL } | { kind: 'tsx'; url: URL } | null {
  for (const name of ['./drift-preview-worker.js', './drift-preview-worker.mjs']) {
    const url = new URL(name, import.meta.url);
    if (existsSync(fileURLToPath(url))) return { kind: 'file', url };
  }
  const source = new URL('./drift-preview-worker.ts', import.meta.url);
  if (existsSync(fileURLToPath(source))) return { kind: 'tsx', url: source };
  return null;
}

/** Starts and reuses preview workers (see the file comment). */
export class PreviewWorkerPool {
  private readonly idle: PooledWorker[] = [];
  private readonly busy = new Set<PooledWorker>();
  private nextId = 1;
  private startedCount = 0;
  private readonly idleMs: number;
  private readonly maxIdle: number;
  private readonly script = workerScript();

  constructor(options: PreviewWorkerPoolOptions = {}) {
    this.idleMs = options.idleMs ?? 120_000;
    this.maxIdle = options.maxIdle ?? 1;
  }

  /** False when no worker script exists (a client bundle without it): the caller runs the job itself. */
  get available(): boolean {
    return this.script !== null;
  }

  /**
   * Runs `job` in a worker, passing each message of the job to `onMessage`; after `done` or
   * `error` the worker returns to the pool. A worker that fails or exits is reported as an
   * `error` message. Throws when a worker cannot be started.
   */
  run(job: PreviewJob, onMessage: (message: PreviewMessage) => void): PreviewRun {
    const pooled = this.acquire();
    let finished = false;
    const finish = (): void => {
      finished = true;
      pooled.current = null;
      this.busy.delete(pooled);
    };
    pooled.current = (message) => {
      if (finished) return;
      if (message.type === 'done' || message.type === 'error') {
        finish();
        this.release(pooled);
      }
      onMessage(message);
    };
    const id = this.nextId++;
    pooled.jobId = id;
    pooled.worker.postMessage({ type: 'run', id, job } satisfies PreviewWorkerRequest);
    return {
      cancel: () => {
        if (finished) return;
        finish();
        this.discard(pooled);
      },
    };
  }

  /**
   * Starts a worker now, idle, when none is alive: the first preview then finds it loaded. Called
   * when the editor shows a file's "Preview drift" lenses, a good sign a preview may follow.
   */
  prewarm(): void {
    if (!this.script || this.idle.length > 0 || this.busy.size > 0) return;
    try {
      this.release(this.start());
    } catch {
      // a worker that cannot start fails again, with its message, when a preview asks for it
    }
  }

  /** Stops every worker (server shutdown). */
  dispose(): void {
    for (const pooled of [...this.idle, ...this.busy]) this.discard(pooled);
  }

  /** How many workers are alive (tests). */
  get size(): number {
    return this.idle.length + this.busy.size;
  }

  /** How many workers were ever started (tests: a warm worker is reused, not restarted). */
  get started(): number {
    return this.startedCount;
  }

  private acquire(): PooledWorker {
    const pooled = this.idle.pop() ?? this.start();
    if (pooled.idleTimer) clearTimeout(pooled.idleTimer);
    pooled.idleTimer = null;
    pooled.worker.ref();
    this.busy.add(pooled);
    return pooled;
  }

  private release(pooled: PooledWorker): void {
    if (this.idle.length >= this.maxIdle) {
      this.discard(pooled);
      return;
    }
    pooled.worker.unref();
    pooled.idleTimer = setTimeout(() => this.discard(pooled), this.idleMs);
    pooled.idleTimer.unref();
    this.idle.push(pooled);
  }

  private discard(pooled: PooledWorker): void {
    if (pooled.idleTimer) clearTimeout(pooled.idleTimer);
    pooled.idleTimer = null;
    const at = this.idle.indexOf(pooled);
    if (at >= 0) this.idle.splice(at, 1);
    this.busy.delete(pooled);
    pooled.current = null;
    pooled.worker.removeAllListeners();
    pooled.worker.on('error', () => undefined);
    void pooled.worker.terminate();
  }

  private start(): PooledWorker {
    const script = this.script;
    if (!script) throw new Error('the preview worker script is missing');
    const options = { workerData: PREVIEW_WORKER_DATA };
    let worker: Worker;
    if (script.kind === 'file') {
      worker = new Worker(script.url, options);
    } else {
      // Running from source (tests, development): load the TypeScript worker through tsx.
      const tsx = import.meta.resolve('tsx/esm/api');
      const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(script.url.href)}); });`;
      worker = new Worker(code, { ...options, eval: true });
    }
    this.startedCount++;
    const pooled: PooledWorker = { worker, current: null, jobId: 0, idleTimer: null };
    const fail = (message: string): void => {
      const current = pooled.current;
      this.discard(pooled);
      current?.({ type: 'error', message, at: null });
    };
    worker.on('message', (reply: PreviewWorkerReply) => {
      if (reply.id === pooled.jobId) pooled.current?.(reply.message);
    });
    worker.on('error', (error) => fail(error instanceof Error ? error.message : String(error)));
    worker.on('exit', () => fail('the preview worker stopped unexpectedly'));
    return pooled;
  }
}
