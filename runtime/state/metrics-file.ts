/**
 * Prometheus text metrics (RUNTIME.md section 5): written to `metrics.prom` after each run and
 * served by `recon watch --metrics-port`. Counters accumulate across runs in the file itself, so
 * the file is the single source both for scrapers of the file and for the HTTP endpoint.
 *
 * Runs update it through `MetricsStore.update`: load, change and save under a lock file
 * (`metrics.prom.lock`), because two runs of one workspace finishing together (a `recon plan`
 * while `recon watch` runs, two policies applied at once) each loaded the old counts and the last
 * to save wiped the other's increments — a counter that goes down, which Prometheus reads as a
 * restart.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { replaceFileAtomically } from '../write/atomic-file.js';
import { acquireLockFile, LockHeldError } from './lock-file.js';

export const METRICS_FILE = 'metrics.prom';
/** The lock around one run's update of `metrics.prom`, beside it. */
export const METRICS_LOCK_FILE = 'metrics.prom.lock';
/** How long a run waits for another one's update (which takes milliseconds) before failing. */
const METRICS_LOCK_TIMEOUT_MS = 15_000;

interface MetricFamily {
  help: string;
  type: 'counter' | 'gauge';
}

/** The metric families Recon exports, with their help text and type. */
export const METRIC_FAMILIES: Record<string, MetricFamily> = {
  recon_reconcile_total: { help: 'Runs per policy and outcome (no_drift, drift, limit_exceeded, converged, error, ...).', type: 'counter' },
  recon_drift_items: { help: 'Drift items found by the last run, per policy and kind.', type: 'gauge' },
  recon_actions_total: { help: 'Actions per policy, action and outcome (applied, done, failed, stale, waiting, blocked, not_started; ticket: a ticket opened or reopened).', type: 'counter' },
  recon_retries_total: { help: 'Retried action attempts per policy.', type: 'counter' },
  recon_time_to_converge_seconds: { help: 'Seconds from the first run that found drift to the run that converged, per policy.', type: 'gauge' },
  recon_run_duration_seconds: { help: 'Duration of the last run per policy.', type: 'gauge' },
};

/** A sample key: the metric name and its sorted labels. */
function sampleKey(name: string, labels: Record<string, string>): string {
  const inner = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]!.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');
  return `${name}{${inner}}`;
}

/** Metric samples keyed by `name{labels}`; parsed from and written to the Prometheus text format. */
export class MetricsStore {
  private readonly samples = new Map<string, number>();

  /**
   * Loads the metrics of `stateDir`, lets `change` change them, and saves them, holding the
   * metrics lock throughout (see the module comment): every run's increments are kept. Returns
   * null, or, when another process held the lock for longer than the wait, a warning saying
   * this run's metrics were not recorded: metrics never fail a run whose actions are done and
   * recorded (nor end a `recon watch`).
   */
  static async update(stateDir: string, change: (store: MetricsStore) => void): Promise<string | null> {
    let lock;
    try {
      lock = await MetricsStore.lock(stateDir);
    } catch (error) {
      if (error instanceof LockHeldError) return error.message;
      throw error;
    }
    try {
      const store = MetricsStore.load(stateDir);
      change(store);
      store.save(stateDir);
    } finally {
      lock.release();
    }
    return null;
  }

  private static lock(stateDir: string) {
    return acquireLockFile(
      join(stateDir, METRICS_LOCK_FILE),
      { file: METRICS_FILE },
      (holder) => `${METRICS_FILE} is being updated by ${holder ? `${holder.owner} (pid ${holder.pid}) since ${holder.started}` : 'another process'}; the run's metrics were not recorded`,
      { lockTimeoutMs: METRICS_LOCK_TIMEOUT_MS, pollMs: 5, leaseMs: METRICS_LOCK_TIMEOUT_MS },
    );
  }

  static load(stateDir: string): MetricsStore {
    const store = new MetricsStore();
    const path = join(stateDir, METRICS_FILE);
    if (!existsSync(path)) return store;
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (line.startsWith('#') || line.trim() === '') continue;
      const space = line.lastIndexOf(' ');
      const value = Number(line.slice(space + 1));
      if (space > 0 && Number.isFinite(value)) store.samples.set(line.slice(0, space), value);
    }
    return store;
  }

  inc(name: string, labels: Record<string, string>, by = 1): void {
    const key = sampleKey(name, labels);
    this.samples.set(key, (this.samples.get(key) ?? 0) + by);
  }

  set(name: string, labels: Record<string, string>, value: number): void {
    this.samples.set(sampleKey(name, labels), value);
  }

  get(name: string, labels: Record<string, string>): number | undefined {
    return this.samples.get(sampleKey(name, labels));
  }

  /** The Prometheus text exposition of every sample, families in a fixed order. */
  render(): string {
    const lines: string[] = [];
    for (const [name, family] of Object.entries(METRIC_FAMILIES)) {
      const keys = [...this.samples.keys()].filter((k) => k.startsWith(`${name}{`)).sort();
      if (keys.length === 0) continue;
      lines.push(`# HELP ${name} ${family.help}`, `# TYPE ${name} ${family.type}`);
      for (const key of keys) lines.push(`${key} ${this.samples.get(key)}`);
    }
    return lines.join('\n') + '\n';
  }

  /**
   * Writes `metrics.prom` atomically (a scraper never reads half a file), through a temporary
   * file of this process's own: two runs finishing at once (two `recon plan` of one workspace,
   * the editor's and the CLI's) would otherwise share one temporary file, and the second rename
   * would fail the run with ENOENT. `replaceFileAtomically` creates that file exclusively, so
   * it is never written through a file or link already there.
   */
  save(stateDir: string): void {
    replaceFileAtomically(join(stateDir, METRICS_FILE), this.render());
  }
}
