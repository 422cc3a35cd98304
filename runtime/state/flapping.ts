/**
 * Flapping (RUNTIME.md section 5): an item that Recon corrected three or more times within its
 * policy's last ten runs is marked `"flapping": true`, and the text output warns that two writers
 * are fighting over it — Recon sets the record, something else sets it back, and every run
 * "fixes" it again. More retries will not help; a person must find the other writer.
 *
 * How it is counted, from the audit log alone:
 * - a policy's runs are the distinct `run_id`s of its audit records, in the order they first
 *   appear in the log (which is append-only, so that is time order); dry runs (`recon plan`)
 *   count as runs too, as the log records them, and so do runs that found no drift (their one
 *   `planned` record has no item);
 * - a correction is an `applied` event; one run counts at most once per item;
 * - an item is identified by its policy and key, whatever its kind: a record the other writer
 *   deletes is `missing` (Recon creates it), one it edits is `changed` (Recon updates it) — the
 *   same fight. Invalid items are never applied, so never flapping.
 *
 * How much of the log is read: only its tail, back to where each planned policy's last ten
 * runs begin (`readFlappingHistory`), and of that only the lines that matter are parsed. The
 * log grows by a line per item and run; reading all of it every run made `recon plan` slower
 * with every run before.
 */
import type { ChangePlan, PlanItem } from '../plan/change-plan.js';
import { computePlanHash } from '../plan/plan-hash.js';
import { readAuditTail, type AuditRecord } from './audit-log.js';

/** Corrections within the window that make an item flapping. */
export const FLAPPING_CORRECTIONS = 3;
/** How many of the policy's most recent runs are looked at. */
export const FLAPPING_RUN_WINDOW = 10;

const KINDS = new Set(['missing', 'extra', 'changed']);

/**
 * What identifies an item across kinds: `policy/key` from `policy/kind/key`; null for invalid
 * items and ids that are not item ids.
 */
export function flappingSubject(itemId: string): string | null {
  const first = itemId.indexOf('/');
  if (first <= 0) return null;
  const second = itemId.indexOf('/', first + 1);
  if (second < 0) return null;
  const kind = itemId.slice(first + 1, second);
  if (!KINDS.has(kind)) return null;
  return itemId.slice(0, first) + '/' + itemId.slice(second + 1);
}

/**
 * The subjects (`policy/key`, see `flappingSubject`) of `policy` that were corrected at least
 * `FLAPPING_CORRECTIONS` times within the policy's last `FLAPPING_RUN_WINDOW` runs.
 */
export function flappingSubjects(policy: string, auditRecords: readonly AuditRecord[]): Set<string> {
  const runs: string[] = [];
  const seenRuns = new Set<string>();
  for (const record of auditRecords) {
    if (record.policy !== policy || typeof record.run_id !== 'string' || seenRuns.has(record.run_id)) continue;
    seenRuns.add(record.run_id);
    runs.push(record.run_id);
  }
  const window = new Set(runs.slice(-FLAPPING_RUN_WINDOW));
  const correctedIn = new Map<string, Set<string>>();
  for (const record of auditRecords) {
    if (record.policy !== policy || record.event !== 'applied' || record.item === null || !window.has(record.run_id)) continue;
    const subject = flappingSubject(record.item);
    if (subject === null) continue;
    let set = correctedIn.get(subject);
    if (!set) correctedIn.set(subject, (set = new Set()));
    set.add(record.run_id);
  }
  const flapping = new Set<string>();
  for (const [subject, inRuns] of correctedIn) if (inRuns.size >= FLAPPING_CORRECTIONS) flapping.add(subject);
  return flapping;
}

/**
 * Sets `flapping: true` on the plan's items that flap according to `auditRecords` (and removes
 * a stale mark from those that do not), keeping each item's documented key order. Because
 * `flapping` is part of the hashed plan, `plan_hash` is recomputed when anything changed.
 * Returns the ids of the flapping items, in plan order.
 */
export function markFlapping(plan: ChangePlan, auditRecords: readonly AuditRecord[]): string[] {
  const ids: string[] = [];
  let changed = false;
  for (const policy of plan.policies) {
    const subjects = flappingSubjects(policy.policy, auditRecords);
    // Nothing flaps (the usual case, and always without history): only a stale mark can change,
    // so the items are not walked id by id (a large plan has hundreds of thousands).
    if (subjects.size === 0 && !policy.items.some((item) => item.flapping === true)) continue;
    policy.items = policy.items.map((item) => {
      const subject = flappingSubject(item.id);
      const flapping = subject !== null && subjects.has(subject);
      if (flapping) ids.push(item.id);
      if (flapping === (item.flapping === true)) return item;
      changed = true;
      return withFlapping(item, flapping);
    });
  }
  if (changed) plan.plan_hash = computePlanHash(plan);
  return ids;
}

/** The item with `flapping` set or removed, `flapping` before `warnings` as the plan builder orders them. */
function withFlapping(item: PlanItem, flapping: boolean): PlanItem {
  const { flapping: _old, warnings, ...rest } = item;
  const next: PlanItem = { ...rest };
  if (flapping) next.flapping = true;
  if (warnings !== undefined) next.warnings = warnings;
  return next;
}

/** `"item":` — in the audit log's lines, the member after the ones that name the run. */
const ITEM_MEMBER = Buffer.from('"item":');
const RUN_MEMBER = Buffer.from('"run_id":');
const POLICY_MEMBER = Buffer.from('"policy":');
/** How an `applied` record's event reads in its line. */
const APPLIED_EVENT = Buffer.from('"event":"applied"');

/**
 * The audit records `flappingSubjects` needs for these policies, read from the log's tail: it
 * reads backwards until each policy shows more than `FLAPPING_RUN_WINDOW` runs (or the log
 * starts), and returns, in log order, every `applied` record of the policies plus the first
 * record of each stretch of lines of one run — enough to know the runs, in the order they first
 * appear, and the corrections within them. Lines that are not JSON (a torn last line) are skipped.
 *
 * Why not parse every line: a dry run of a large diff writes tens of thousands of `planned`
 * lines that differ only in their item. A line that repeats the previous line's bytes up to
 * `"item":` (time, run, command, policy, plan hash) belongs to the same run and is skipped
 * unparsed unless it records an `applied` event. (The result equals reading the whole log as
 * long as a policy's runs do not interleave across the point where reading stopped.)
 * `chunkBytes`: how much is read per step (tests make it small).
 */
export function readFlappingHistory(auditPath: string, policies: readonly string[], chunkBytes?: number): AuditRecord[] {
  const wanted = new Set(policies);
  if (wanted.size === 0) return [];
  const runsOf = new Map<string, Set<string>>();
  const pieces: AuditRecord[][] = [];
  readAuditTail(auditPath, (lines) => {
    const records = historyRecords(lines, wanted);
    for (const record of records) {
      let runs = runsOf.get(record.policy!);
      if (!runs) runsOf.set(record.policy!, (runs = new Set()));
      runs.add(record.run_id);
    }
    pieces.push(records);
    for (const policy of wanted) if ((runsOf.get(policy)?.size ?? 0) <= FLAPPING_RUN_WINDOW) return false;
    return true;
  }, chunkBytes);
  const records: AuditRecord[] = [];
  for (let i = pieces.length - 1; i >= 0; i--) for (const record of pieces[i]!) records.push(record);
  return records;
}

/**
 * From whole lines of the log: the records of `wanted` policies that `readFlappingHistory`
 * keeps, in order. Everything is searched in the bytes (`Buffer.indexOf`, `Buffer.compare`);
 * only the lines that are kept are decoded and parsed.
 */
function historyRecords(lines: Buffer, wanted: ReadonlySet<string>): AuditRecord[] {
  const records: AuditRecord[] = [];
  const length = lines.length;
  let nextApplied = lines.indexOf(APPLIED_EVENT);
  // where the line that began the current stretch of one run starts, and the length of its
  // bytes up to and including `"item":` (0: no stretch)
  let stretchStart = 0;
  let prefixLength = 0;
  let pos = 0;
  while (pos < length) {
    const newline = lines.indexOf(10, pos);
    const end = newline < 0 ? length : newline;
    if (nextApplied >= 0 && nextApplied < pos) nextApplied = lines.indexOf(APPLIED_EVENT, pos);
    const applied = nextApplied >= 0 && nextApplied < end;
    const sameRun =
      prefixLength > 0 && pos + prefixLength <= end && lines.compare(lines, stretchStart, stretchStart + prefixLength, pos, pos + prefixLength) === 0;
    if (!sameRun || applied) {
      const record = parseLine(lines, pos, end);
      if (record !== null && typeof record.policy === 'string' && wanted.has(record.policy) && typeof record.run_id === 'string') {
        records.push(record);
      }
      if (!sameRun) {
        // later lines that repeat this one's bytes up to `"item":` are of the same run
        stretchStart = pos;
        prefixLength = record === null ? 0 : runPrefixLength(lines.subarray(pos, end));
      }
    }
    pos = end + 1;
  }
  return records;
}

/** The length of a line's bytes up to and including `"item":`, when `"run_id":` and `"policy":` come before it; else 0. */
function runPrefixLength(line: Buffer): number {
  const item = line.indexOf(ITEM_MEMBER);
  if (item < 0) return 0;
  const run = line.indexOf(RUN_MEMBER);
  const policy = line.indexOf(POLICY_MEMBER);
  if (run < 0 || run > item || policy < 0 || policy > item) return 0;
  return item + ITEM_MEMBER.length;
}

function parseLine(lines: Buffer, start: number, end: number): AuditRecord | null {
  if (end <= start) return null;
  try {
    const value: unknown = JSON.parse(lines.toString('utf8', start, end));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as AuditRecord) : null;
  } catch {
    return null;
  }
}
