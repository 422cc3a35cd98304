/**
 * Fault injection for chaos testing: `RECON_FAULT_INJECTION` makes a writer fail on purpose.
 *
 * Why in the product: retries, backoff and checkpoints only prove themselves against failures,
 * and the real systems Recon writes to fail rarely and unpredictably. Operators (and our own
 * end-to-end tests) set the variable to watch a policy converge through transient failures before
 * trusting it with a flaky service — against the real writers, not a mock.
 *
 * Read only when the variable is explicitly set (never by default); the CLI then prints one
 * warning line. Syntax: comma-separated `name:value` pairs,
 *
 * - `write:P` — each `perform` fails with a transient `WriteError` with probability P (0..1),
 *   before the real writer sees the action (so the failure changes nothing);
 * - `commit:P` — each non-empty `commit` fails transiently with probability P, before committing;
 * - `latency:MS` — each `perform` first waits MS milliseconds (a slow system);
 * - `seed:N` — a fixed seed, so a run's faults are reproducible.
 *
 * Example: `RECON_FAULT_INJECTION=write:0.3,seed:7 recon apply policy.recon`.
 */
import { WriteError, type WriteAction, type WriteSession, type Writer } from '../write/writer.js';

/** The environment variable that turns fault injection on. */
export const FAULT_INJECTION_ENV = 'RECON_FAULT_INJECTION';

export interface FaultSpec {
  /** Probability that a perform fails transiently. */
  write: number;
  /** Probability that a non-empty commit fails transiently. */
  commit: number;
  /** Milliseconds each perform waits first. */
  latencyMs: number;
  /** Seed of the fault generator, or null for `Math.random`. */
  seed: number | null;
}

/** A bad `RECON_FAULT_INJECTION` value: one clear line. */
export class FaultSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaultSpecError';
  }
}

/** Parses a `RECON_FAULT_INJECTION` value; throws `FaultSpecError` naming the bad part. */
export function parseFaultSpec(text: string): FaultSpec {
  const spec: FaultSpec = { write: 0, commit: 0, latencyMs: 0, seed: null };
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const match = /^(write|commit|latency|seed):(\d+(?:\.\d+)?)(ms)?$/.exec(part);
    if (!match) throw new FaultSpecError(`${FAULT_INJECTION_ENV}: cannot read "${part}" (expected write:P, commit:P, latency:MS or seed:N)`);
    const value = Number(match[2]);
    if (match[1] === 'write' || match[1] === 'commit') {
      if (value > 1) throw new FaultSpecError(`${FAULT_INJECTION_ENV}: ${match[1]}:${match[2]} is not a probability between 0 and 1`);
      spec[match[1]] = value;
    } else if (match[1] === 'latency') {
      spec.latencyMs = value;
    } else {
      spec.seed = Math.floor(value);
    }
  }
  return spec;
}

/** The fault spec of an environment, or null when `RECON_FAULT_INJECTION` is not set. */
export function faultSpecFromEnv(env: Readonly<Record<string, string | undefined>>): FaultSpec | null {
  const text = env[FAULT_INJECTION_ENV];
  if (text === undefined || text.trim() === '') return null;
  return parseFaultSpec(text);
}

/** A one-line description for the warning the CLI prints. */
export function describeFaultSpec(spec: FaultSpec): string {
  const parts = [];
  if (spec.write > 0) parts.push(`${Math.round(spec.write * 100)}% of writes fail`);
  if (spec.commit > 0) parts.push(`${Math.round(spec.commit * 100)}% of commits fail`);
  if (spec.latencyMs > 0) parts.push(`${spec.latencyMs} ms latency per write`);
  if (spec.seed !== null) parts.push(`seed ${spec.seed}`);
  return parts.length > 0 ? parts.join(', ') : 'no faults';
}

/** mulberry32: a small, fast, seedable generator (quality is irrelevant here, reproducibility is not). */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Wraps `writer` so that it fails and slows down as `spec` says. */
export function withFaultInjection(writer: Writer, spec: FaultSpec): Writer {
  const random = spec.seed === null ? Math.random : seeded(spec.seed);
  return {
    staged: writer.staged,
    async open(): Promise<WriteSession> {
      const session = await writer.open();
      let staged = 0;
      return {
        async perform(action: WriteAction, signal?: AbortSignal): Promise<void> {
          if (spec.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, spec.latencyMs));
          if (spec.write > 0 && random() < spec.write) {
            throw new WriteError(`injected fault (${FAULT_INJECTION_ENV}): ${action.item.id} was not written`, true);
          }
          await session.perform(action, signal);
          staged++;
        },
        async commit(): Promise<WriteAction[]> {
          if (staged > 0 && spec.commit > 0 && random() < spec.commit) {
            throw new WriteError(`injected fault (${FAULT_INJECTION_ENV}): the commit did not happen`, true);
          }
          staged = 0;
          return session.commit();
        },
        close: () => session.close(),
      };
    },
  };
}
