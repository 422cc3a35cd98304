/**
 * What an apply needs from the audit log's history, summed up: how often each item of this plan
 * was applied before (by earlier runs of the same plan hash), and since when each item has
 * drifted (its first `planned` event since it last converged), for
 * `recon_time_to_converge_seconds`.
 *
 * Why a summary and not the records: the log grows by a line per item and run forever (a
 * `recon watch` of a policy with a few hundred open tickets adds them at every run); holding all
 * of it as objects made every run's memory grow with the history, not with the plan. The summary
 * holds one entry per item that drifts.
 *
 * Why an incremental reader (`ApplyHistoryReader`): a long-lived `recon watch` needs the summary
 * before every run, and reading the whole log each time made every run slower than the one
 * before (a 40 MB log was read and parsed in full at every run). The watch keeps one reader,
 * which follows the log (`AuditLogFollower`) and adds only the lines appended since its last
 * read; one-shot commands use a fresh reader (`readApplyHistory`), that is one full read. Both
 * give exactly the summary a full read of the log as it is now gives.
 */
import { AuditLogFollower, type AuditRangeReader } from '../state/audit-log-follower.js';
import type { AuditRecord } from '../state/audit-log.js';

/** The summed-up history; read once per run, before acting. */
export interface ApplyHistory {
  /** Per policy, item id -> how often it was applied under the plan hash the history was read for. */
  appliedBefore(policy: string): ReadonlyMap<string, number>;
  /** Epoch ms of the item's first `planned` event since it last converged; undefined when none. */
  driftStartedAt(policy: string, item: string): number | undefined;
}

/** Reads the audit log at `path` once and sums up what an apply of `planHash` needs. */
export function readApplyHistory(path: string, planHash: string): ApplyHistory {
  return new ApplyHistoryReader(path).read(planHash);
}

/** Policy -> item -> how often it was applied under one plan hash. */
type AppliedCounts = Map<string, Map<string, number>>;

/** How many plan hashes' counts are kept up to date between reads (a watch of several policies asks for one each). */
const KEPT_HASHES = 8;

/**
 * Two applied records of one plan hash closer than this share one remembered byte range (see
 * `ApplyHistoryReader`): fewer ranges to remember, at most this much more to read per range.
 */
const RANGE_GAP_BYTES = 1 << 16;

const NO_COUNTS: ReadonlyMap<string, number> = new Map();

/**
 * The apply history of one audit log, kept up to date across reads: each `read` takes only the
 * lines appended since the previous one (all of them when the log shrank or was replaced).
 *
 * What it holds between reads, and why that stays small: the drift start of every item that
 * drifts now (as a one-shot read builds it), the applied counts of the last few plan hashes
 * asked for, and, for every plan hash that has `applied` records, the byte ranges of the log
 * where they are (two numbers per cluster of nearby records, so about one pair per run that
 * applied something). The counts of a plan hash it does not keep are recounted from those
 * ranges alone (a flapping item's drift comes back with an older plan hash), never from the
 * whole log.
 */
export class ApplyHistoryReader {
  private readonly follower: AuditLogFollower;
  private readonly keptHashes: number;
  /** `policy` NUL `item` -> first planned time since the last converged event. */
  private since = new Map<string, number>();
  /** Plan hash -> its applied counts, for the hashes asked for last (least recent first). */
  private counts = new Map<string, AppliedCounts>();
  /** Plan hash -> byte ranges of its applied records' lines, flat: start, end, start, end, … */
  private where = new Map<string, number[]>();

  /** `chunkBytes`: how much of the log is read per step (tests make it small); `keptHashes`: see `KEPT_HASHES`. */
  constructor(path: string, options: { chunkBytes?: number; keptHashes?: number } = {}) {
    this.follower = new AuditLogFollower(path, options.chunkBytes);
    this.keptHashes = Math.max(1, options.keptHashes ?? KEPT_HASHES);
  }

  /** The followed log's path. */
  get path(): string {
    return this.follower.path;
  }

  /** Bytes the last `read` took from the log (for tests and measurements). */
  get bytesLastRead(): number {
    return this.follower.bytesLastRead;
  }

  /**
   * The history for an apply of `planHash`, as a full read of the log now gives it. Valid until
   * the next `read`: it is a view of the summary, which that read updates.
   */
  read(planHash: string): ApplyHistory {
    return this.follower.read(
      {
        restart: () => {
          this.since = new Map();
          this.counts = new Map();
          this.where = new Map();
        },
        record: (record, start, end) => this.add(record, start, end),
      },
      (ranges, tail) => {
        const counts = this.countsOf(planHash, ranges);
        const since = this.since;
        const history: ApplyHistory = {
          appliedBefore: (policy) => counts.get(policy) ?? NO_COUNTS,
          driftStartedAt: (policy, item) => since.get(`${policy}\u0000${item}`),
        };
        return tail === null ? history : withRecord(history, tail, planHash);
      },
    );
  }

  /** One complete record of the log, in order. */
  private add(record: AuditRecord, start: number, end: number): void {
    const { policy, item, event } = record;
    if (typeof policy !== 'string' || typeof item !== 'string') return;
    if (event === 'applied') {
      const hash = record.plan_hash;
      if (typeof hash !== 'string') return;
      const ranges = this.where.get(hash);
      if (ranges === undefined) this.where.set(hash, [start, end]);
      else if (start - ranges[ranges.length - 1]! <= RANGE_GAP_BYTES) ranges[ranges.length - 1] = end;
      else ranges.push(start, end);
      const counts = this.counts.get(hash);
      if (counts !== undefined) addApplied(counts, policy, item);
    } else if (event === 'converged') {
      this.since.delete(`${policy}\u0000${item}`);
    } else if (event === 'planned') {
      const key = `${policy}\u0000${item}`;
      if (this.since.has(key)) return;
      const at = Date.parse(record.ts);
      if (Number.isFinite(at)) this.since.set(key, at);
    }
  }

  /** The applied counts of `planHash`: kept ones, or recounted from its ranges; it becomes the most recent. */
  private countsOf(planHash: string, ranges: AuditRangeReader): AppliedCounts {
    let counts = this.counts.get(planHash);
    if (counts !== undefined) {
      this.counts.delete(planHash);
    } else {
      const found: AppliedCounts = new Map();
      const where = this.where.get(planHash) ?? [];
      for (let i = 0; i < where.length; i += 2) {
        ranges.forEachRecord(where[i]!, where[i + 1]!, (record) => {
          const { policy, item } = record;
          if (record.event === 'applied' && record.plan_hash === planHash && typeof policy === 'string' && typeof item === 'string') addApplied(found, policy, item);
        });
      }
      counts = found;
    }
    this.counts.set(planHash, counts);
    for (const old of this.counts.keys()) {
      if (this.counts.size <= this.keptHashes) break;
      this.counts.delete(old);
    }
    return counts;
  }
}

function addApplied(counts: AppliedCounts, policy: string, item: string): void {
  let perItem = counts.get(policy);
  if (!perItem) counts.set(policy, (perItem = new Map()));
  perItem.set(item, (perItem.get(item) ?? 0) + 1);
}

/**
 * `history` with one more record after it: an unterminated last line that is already a whole
 * record. A full read counts it; the reader does not consume it (its newline may still come), so
 * it is laid over the summary for this read only.
 */
function withRecord(history: ApplyHistory, record: AuditRecord, planHash: string): ApplyHistory {
  const { policy, item, event } = record;
  if (typeof policy !== 'string' || typeof item !== 'string') return history;
  if (event === 'applied') {
    if (record.plan_hash !== planHash) return history;
    const counts = new Map(history.appliedBefore(policy));
    counts.set(item, (counts.get(item) ?? 0) + 1);
    return { appliedBefore: (name) => (name === policy ? counts : history.appliedBefore(name)), driftStartedAt: history.driftStartedAt };
  }
  if (event === 'converged') {
    return { appliedBefore: history.appliedBefore, driftStartedAt: (p, i) => (p === policy && i === item ? undefined : history.driftStartedAt(p, i)) };
  }
  if (event === 'planned' && history.driftStartedAt(policy, item) === undefined) {
    const at = Date.parse(record.ts);
    if (!Number.isFinite(at)) return history;
    return { appliedBefore: history.appliedBefore, driftStartedAt: (p, i) => (p === policy && i === item ? at : history.driftStartedAt(p, i)) };
  }
  return history;
}
