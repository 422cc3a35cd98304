/**
 * The diff entry point the plan runner calls: observe both sources of a policy and diff them,
 * on the CSV fast path when it applies, else on the generic path.
 *
 * Why one entry: callers should not care which path ran — both give the same `DiffResult` (the
 * test suite checks it on generated files). The fast path is tried for two csv sources whose
 * files together reach `minBytes` (default 8 MiB: below that, starting worker threads costs
 * more than it saves) and that `csv-fast-plan.ts` finds eligible; when the scan meets input it
 * cannot handle (a malformed row, say) it gives up and the generic path runs, so users get the
 * generic path's exact messages. Keys typed on one side only are coerced for matching on the
 * generic path (`observe/key-typing.ts`); the fast path takes only keys undeclared or declared
 * `string` — CSV text on both sides, which that coercion leaves as it is — so it needs none.
 */
import { statSync } from 'node:fs';
import type { IrPolicy, IrSource } from '../../language/ir/ir-types.js';
import { createConnectorContext } from '../connectors/connector-registry.js';
import { observeSource, type ObservedBatch, type ObserveContext } from '../observe/record-reader.js';
import { policyKeyCoercion } from '../observe/key-typing.js';
import { diffCsvFast } from './csv-fast-diff.js';
import { planCsvFastPath, policyExcluded, sourceExcluded } from './csv-fast-plan.js';
import { defaultWorkerCount, FastWorkerPool } from './csv-worker-pool.js';
import { diffPolicy } from './diff-engine.js';
import type { DiffResult, ItemDecider } from './diff-result.js';
import type { PlanItem } from '../plan/change-plan.js';
import { unreadableWithinWarnings, type UnreadableNotes } from './within-unreadable.js';
import { effectiveRules, hasByRule, RecordComparer } from './record-comparer.js';
import { resolveWorkspacePathSync } from '../workspace/workspace-paths.js';
import { SourceFileSnapshot } from '../observe/source-file-snapshot.js';
import { traceNote } from '../plan/phase-trace.js';

/** Which path produced a result, and why the fast path was not taken. */
export interface DiffPathReport {
  path: 'fast' | 'generic';
  /** Why the fast path was not used (null when it was). */
  reason: string | null;
}

/** Fast-path settings; the defaults suit the command line. */
export interface FastPathSettings {
  /** `false` forces the generic path. Default true. */
  enabled?: boolean;
  /** Worker threads (0 or 1: all on the calling thread). Default: one per core, at most four. */
  workers?: number;
  /** Both files together must be at least this big. Default 8 MiB. */
  minBytes?: number;
  /** Smallest byte range per worker (tests lower it to exercise range splitting). */
  minRangeBytes?: number;
  /** Build items while the workers probe (default: when a core is left for the main thread). */
  eager?: boolean;
  /** Told which path ran. */
  report?: (report: DiffPathReport) => void;
  /**
   * Worker threads started ahead by `startFastPathPool`: the fast path uses them (instead of
   * starting its own, so they boot while it reads headers and plans); `diffSources` closes them
   * in every case.
   */
  pool?: FastWorkerPool;
  /**
   * Once its workers end, the fast path stops V8's young generation from growing (−16 MB at
   * the end of a 1M-row run; see `young-generation-bound.ts`). A process-wide V8 flag: for processes that
   * plan and end (the command line), not for hosts that run other work. Default false.
   */
  boundYoungGeneration?: boolean;
  /**
   * Told the records (valid or not) read so far on a side while the fast path scans its files,
   * as `readSide`'s batches tell the generic path's reader (the plan runner's progress bar);
   * see `FastDiffOptions.onProgress`.
   */
  onProgress?: (side: 'desired' | 'actual', records: number) => void;
}

/** What `diffSources` needs: the read context, plus optional fast-path settings. */
export interface DiffSourcesContext extends ObserveContext {
  fastPath?: FastPathSettings;
  /**
   * How the generic path reads a side (default `observeSource`, with the policy's key coercion):
   * the plan runner wraps it to collect read warnings, report progress and apply record caps. It
   * must read with `policyKeyCoercion` of the two sources, as the default does.
   */
  readSide?: (source: IrSource, side: 'desired' | 'actual') => AsyncIterable<ObservedBatch>;
  /**
   * Decide each item as soon as it is made, releasing its records (the fast path does; the
   * generic path leaves deciding to the caller). See `DiffResult.decided`.
   */
  decide?: ItemDecider;
}

function fileSize(source: IrSource, ctx: ObserveContext): number {
  if (source.connector.kind !== 'csv' || source.connector.path === undefined) return 0;
  try {
    return statSync(resolveWorkspacePathSync(ctx.workspaceRoot, source.connector.path)).size;
  } catch {
    return 0;
  }
}

/** Why the fast path does not apply, from what is known without reading the files; null: it may. */
function reasonBeforeReading(desiredSource: IrSource, actualSource: IrSource, ctx: ObserveContext, settings: FastPathSettings): string | null {
  if (settings.enabled === false) return 'the fast path is disabled';
  if (desiredSource.connector.kind !== 'csv' || actualSource.connector.kind !== 'csv') return 'the sources are not both csv files';
  if (fileSize(desiredSource, ctx) + fileSize(actualSource, ctx) < (settings.minBytes ?? 8 << 20)) return 'the files are small';
  return null;
}

/**
 * Starts the fast path's worker threads for a policy that may take it (both sources csv files,
 * big enough, without `where`, keys of one arity, no `by` rule: what the IR and a `stat` tell,
 * by the planner's own `policyExcluded` and `sourceExcluded`), or returns null. Why: a worker takes 30–50 ms to boot and load its module; started before
 * the policy's set-up (deciding, reading headers, planning ranges), it boots meanwhile, off
 * the critical path. Hand the pool to `diffSources` (`fastPath.pool`), which closes it; close
 * it yourself (`close` is idempotent) if `diffSources` is not reached. Never with a record cap
 * (the fast path is off then: pass `enabled: false`).
 */
export function startFastPathPool(policy: IrPolicy, desiredSource: IrSource, actualSource: IrSource, ctx: DiffSourcesContext): FastWorkerPool | null {
  const settings = ctx.fastPath ?? {};
  if (reasonBeforeReading(desiredSource, actualSource, ctx, settings) !== null) return null;
  if (policyExcluded(hasByRule(effectiveRules(policy)), desiredSource, actualSource) !== null) return null;
  if (sourceExcluded(desiredSource) !== null || sourceExcluded(actualSource) !== null) return null;
  const workers = settings.workers ?? defaultWorkerCount();
  // One thread runs inline: nothing to start ahead.
  return workers > 1 ? FastWorkerPool.start(workers) : null;
}

/**
 * Observes and diffs one policy's two sources. Connector failures throw `ConnectorError` (as
 * `observeSource` does); everything else about the data ends up in the result's items.
 */
export async function diffSources(
  policy: IrPolicy,
  desiredSource: IrSource,
  actualSource: IrSource,
  ctx: DiffSourcesContext,
): Promise<DiffResult> {
  // Each data file must be the same before and after the read (source-file-snapshot.ts): else
  // the plan would mix two states of it.
  const snapshots = [SourceFileSnapshot.take(desiredSource, ctx.workspaceRoot), SourceFileSnapshot.take(actualSource, ctx.workspaceRoot)];
  const result = await diffEitherPath(policy, desiredSource, actualSource, ctx);
  for (const snapshot of snapshots) snapshot?.assertUnchanged();
  return result;
}

/** The fast path's result, else the generic path's. */
async function diffEitherPath(policy: IrPolicy, desiredSource: IrSource, actualSource: IrSource, ctx: DiffSourcesContext): Promise<DiffResult> {
  const settings = ctx.fastPath ?? {};
  let fast: DiffResult | string;
  try {
    fast = await diffFast(policy, desiredSource, actualSource, ctx, settings);
  } finally {
    // Workers started ahead and not used end before the generic path reads (closing is
    // idempotent: the fast path closes the pool it used itself).
    await settings.pool?.close();
  }
  if (typeof fast !== 'string') return fast;
  const reason = fast;
  settings.report?.({ path: 'generic', reason });
  traceNote(`diff path: generic (${reason})`);
  const coercion = policyKeyCoercion(desiredSource, actualSource);
  const read = ctx.readSide ?? ((source: IrSource, side: 'desired' | 'actual') => observeSource(source, side, ctx, coercion[side]));
  return diffPolicy(policy, desiredSource, actualSource, read(desiredSource, 'desired'), read(actualSource, 'actual'), {
    evaluation: ctx,
    signal: ctx.signal,
  });
}

/** The fast path's result, or why it was not taken. */
async function diffFast(
  policy: IrPolicy,
  desiredSource: IrSource,
  actualSource: IrSource,
  ctx: DiffSourcesContext,
  settings: FastPathSettings,
): Promise<DiffResult | string> {
  const comparer = new RecordComparer(policy, desiredSource, actualSource, ctx);
  const reason = reasonBeforeReading(desiredSource, actualSource, ctx, settings);
  if (reason !== null) return reason;
  const plan = await planCsvFastPath(comparer, desiredSource, actualSource, createConnectorContext(ctx));
  if (!plan.ok) return plan.reason;
  // The notes of `within` rules that could not read a value travel with the changed items; a
  // decided item keeps only its plan item, so they are kept by plan item here until the end.
  const notesOf = new Map<PlanItem, UnreadableNotes>();
  const decideOuter = ctx.decide;
  const decide: ItemDecider | undefined =
    decideOuter !== undefined && comparer.hasWithinRule
      ? (item) => {
          const planned = decideOuter(item);
          if (item.unreadable !== undefined) notesOf.set(planned, item.unreadable);
          return planned;
        }
      : decideOuter;
  const outcome = await diffCsvFast(comparer, plan.desired, plan.actual, ctx, {
    workers: settings.workers ?? defaultWorkerCount(),
    minRangeBytes: settings.minRangeBytes,
    eager: settings.eager,
    signal: ctx.signal,
    decide,
    pool: settings.pool,
    boundYoungGeneration: settings.boundYoungGeneration,
    onProgress: settings.onProgress,
  });
  if (!outcome.ok) return outcome.reason;
  // Summed over the changed items the fast path kept (not the pairs it compared and dropped),
  // as the generic path does (`diffPolicy`).
  if (comparer.hasWithinRule) {
    const { decided, items } = outcome.result;
    const unreadable = unreadableWithinWarnings(decided !== undefined ? decided.map((item) => notesOf.get(item)) : items.map((item) => item.unreadable));
    if (unreadable.length > 0) outcome.result.warnings = [...(outcome.result.warnings ?? []), ...unreadable];
  }
  settings.report?.({ path: 'fast', reason: null });
  traceNote('diff path: fast');
  return outcome.result;
}
