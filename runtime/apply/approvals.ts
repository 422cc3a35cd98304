/**
 * Approvals (RUNTIME.md 4): who let which item of which plan through.
 *
 * Why bound to plan hash + item id + approver: an approval says "I looked at *this* effect and
 * accept it". When the plan changes (new observations, an edited policy) its hash changes, and an
 * old approval must not carry over to what the approver never saw. Membership in the item's
 * group (`requires approval from payments_leads`) is checked against the plan's own IR, both
 * when an approval is given (`recon approve`) and when it is used (`recon apply`), so a
 * hand-edited approvals file cannot smuggle in an outsider.
 *
 * With `RECON_APPROVAL_KEY` set, every record carries an HMAC-SHA256 signature over its canonical
 * JSON (plan hash, item, approver, time); unsigned and tampered records are refused with a clear
 * error, because a file that fails verification is evidence of tampering, not a typo.
 *
 * The approvals file is JSON: `{ "version": 1, "approvals": [ { "plan_hash", "item", "approver",
 * "approved_at", "signature"? } ] }`; `recon approve -o FILE` appends to it, holding the file's
 * lock (`approvals-lock.ts`) so that approvers appending at once do not drop each other's records.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { IrDocument } from '../../language/ir/ir-types.js';
import { notValidJson } from '../connectors/json-syntax-error.js';
import { canonicalJson } from '../plan/canonical-json.js';
import type { ChangePlan, PlanItem } from '../plan/change-plan.js';
import { replaceFileAtomically } from '../write/atomic-file.js';

/** One approval: `approver` accepts item `item` of the plan `plan_hash`. */
export interface ApprovalRecord {
  plan_hash: string;
  item: string;
  approver: string;
  approved_at: string;
  /** `hmac-sha256:<hex>` over the other fields, when approvals are signed. */
  signature?: string;
}

/** The approvals file. */
export interface ApprovalsDocument {
  version: 1;
  approvals: ApprovalRecord[];
}

/** The environment variable holding the HMAC key for approval records. */
export const APPROVAL_KEY_ENV = 'RECON_APPROVAL_KEY';

const SIGNATURE_PREFIX = 'hmac-sha256:';

/** A problem with approvals the user can act on: one clear line (exit 1). */
export class ApprovalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApprovalError';
  }
}

/** The approval key from the environment, or null when approvals are not signed. */
export function approvalKey(env: Readonly<Record<string, string | undefined>> = process.env): string | null {
  const key = env[APPROVAL_KEY_ENV];
  return key === undefined || key === '' ? null : key;
}

/** The signature of a record: HMAC-SHA256 over the canonical JSON of its fields but `signature`. */
export function signApproval(record: ApprovalRecord, key: string): string {
  const { signature: _signature, ...fields } = record;
  return SIGNATURE_PREFIX + createHmac('sha256', key).update(canonicalJson(fields), 'utf8').digest('hex');
}

/** True when the record carries a signature that `key` produced for exactly these fields. */
export function verifyApproval(record: ApprovalRecord, key: string): boolean {
  if (typeof record.signature !== 'string' || !record.signature.startsWith(SIGNATURE_PREFIX)) return false;
  const expected = Buffer.from(signApproval(record, key), 'utf8');
  const given = Buffer.from(record.signature, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function sameIdentity(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** The members of a group of the IR, or null when the IR has no such group. */
export function groupMembers(ir: IrDocument, group: string): string[] | null {
  return ir.groups.find((candidate) => candidate.name === group)?.members ?? null;
}

/**
 * Whether `who` may approve `item`: anyone for an item without a group, only a member of its
 * group otherwise. Returns null when allowed, else the reason (one sentence).
 */
export function approvalRefusal(ir: IrDocument, item: PlanItem, who: string): string | null {
  if (item.gate !== 'approval') {
    return item.gate === 'blocked'
      ? `item ${item.id} is blocked (${item.reason.message ?? 'mode audit or limits'}) and cannot be approved`
      : `item ${item.id} does not need approval (gate ${item.gate})`;
  }
  if (who.trim() === '') return 'an approver must be named';
  if (item.approvers === null) return null;
  const members = groupMembers(ir, item.approvers);
  if (members === null) return `item ${item.id} requires approval from group ${item.approvers}, which the plan's IR does not declare`;
  if (members.some((member) => sameIdentity(member, who))) return null;
  return `${who} is not in group ${item.approvers} (${members.join(', ')}), which must approve item ${item.id}`;
}

/** Every item of a plan by id. */
export function planItems(plan: ChangePlan): Map<string, PlanItem> {
  const items = new Map<string, PlanItem>();
  for (const policy of plan.policies) for (const item of policy.items) items.set(item.id, item);
  return items;
}

export interface CreateApprovalsOptions {
  /** Item ids to approve; absent: every item with gate `approval` that `by` may approve. */
  items?: readonly string[];
  /** Signs the records (RECON_APPROVAL_KEY). */
  key?: string | null;
  now?: Date;
}

/**
 * The approvals `by` gives for `plan`. Throws `ApprovalError` for an unknown item, an item that
 * does not need approval, or one `by` may not approve; without `items`, when `by` may approve none
 * of the waiting items.
 */
export function createApprovals(plan: ChangePlan, by: string, options: CreateApprovalsOptions = {}): ApprovalRecord[] {
  const who = by.trim();
  if (who === '') throw new ApprovalError('--by needs the approver (an e-mail address or a name)');
  const items = planItems(plan);
  const chosen: PlanItem[] = [];
  if (options.items && options.items.length > 0) {
    for (const id of options.items) {
      const item = items.get(id);
      if (!item) throw new ApprovalError(`unknown item ${id} in plan ${plan.plan_hash}${suggestion(id, items)}`);
      const refusal = approvalRefusal(plan.ir, item, who);
      if (refusal !== null) throw new ApprovalError(refusal);
      if (!chosen.includes(item)) chosen.push(item);
    }
  } else {
    const waiting = [...items.values()].filter((item) => item.gate === 'approval');
    if (waiting.length === 0) return [];
    for (const item of waiting) if (approvalRefusal(plan.ir, item, who) === null) chosen.push(item);
    if (chosen.length === 0) {
      const groups = [...new Set(waiting.map((item) => item.approvers).filter((group): group is string => group !== null))];
      throw new ApprovalError(`${who} may approve none of the ${waiting.length} waiting item${waiting.length === 1 ? '' : 's'} (approval from ${groups.join(', ')})`);
    }
  }
  const at = (options.now ?? new Date()).toISOString();
  return chosen.map((item) => {
    const record: ApprovalRecord = { plan_hash: plan.plan_hash, item: item.id, approver: who, approved_at: at };
    if (options.key) record.signature = signApproval(record, options.key);
    return record;
  });
}

/**
 * The waiting items (gate `approval`) that `by` may not approve, counted per group that must
 * approve them. Why: `recon approve --by WHO` without `--item` approves what WHO may and leaves
 * the rest; it says how many it left and for whom, so an approver does not take "approved 3
 * items" for the whole plan.
 */
export function itemsLeftToOthers(plan: ChangePlan, by: string): Map<string, number> {
  const left = new Map<string, number>();
  for (const item of planItems(plan).values()) {
    if (item.gate !== 'approval' || approvalRefusal(plan.ir, item, by) === null) continue;
    const group = item.approvers ?? '(no group)';
    left.set(group, (left.get(group) ?? 0) + 1);
  }
  return left;
}

function suggestion(id: string, items: Map<string, PlanItem>): string {
  const lower = id.toLowerCase();
  const close = [...items.keys()].find((candidate) => candidate.toLowerCase() === lower || candidate.endsWith(`/${id}`));
  return close ? ` (did you mean ${close}?)` : '';
}

function isRecord(value: unknown): value is ApprovalRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.plan_hash === 'string' &&
    typeof record.item === 'string' &&
    typeof record.approver === 'string' &&
    typeof record.approved_at === 'string' &&
    (record.signature === undefined || typeof record.signature === 'string')
  );
}

/**
 * Reads an approvals file. Throws `ApprovalError` when it is not an approvals file, and — when
 * `key` is given — when a record is unsigned or its signature does not verify.
 */
export function loadApprovals(path: string, key: string | null): ApprovalRecord[] {
  if (!existsSync(path)) throw new ApprovalError(`${path}: no such approvals file`);
  let value: unknown;
  const text = readFileSync(path, 'utf8');
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    value = JSON.parse(body);
  } catch (error) {
    // one line with the position, never V8's excerpt of the file (`notValidJson`)
    throw new ApprovalError(notValidJson(path, body, error));
  }
  const list = Array.isArray(value) ? value : (value as { approvals?: unknown } | null)?.approvals;
  if (!Array.isArray(list)) throw new ApprovalError(`${path}: not an approvals file (expected {"version": 1, "approvals": [...]})`);
  const records: ApprovalRecord[] = [];
  list.forEach((entry, index) => {
    if (!isRecord(entry)) {
      throw new ApprovalError(`${path}: approval #${index + 1} is malformed (it needs plan_hash, item, approver and approved_at as text)`);
    }
    if (key !== null) {
      const what = `${path}: approval #${index + 1} (item ${entry.item} by ${entry.approver})`;
      if (entry.signature === undefined) throw new ApprovalError(`${what} is not signed; ${APPROVAL_KEY_ENV} is set, so only signed approvals are accepted`);
      if (!verifyApproval(entry, key)) throw new ApprovalError(`${what} has a signature that does not match: it was changed after signing, or signed with another key`);
    }
    records.push(entry);
  });
  return records;
}

/**
 * Appends approvals to a file (creating it), leaving out exact repeats of a plan, item and
 * approver already there. The file is replaced atomically, through a temporary file of this
 * process's own (`replaceFileAtomically`): a fixed `APPROVALS.json.tmp` was shared by two
 * `recon approve` running at once (the second rename failed) and was written through a symbolic
 * link planted under that name. Reading and replacing are two steps: when other processes may
 * append to the same file, call this inside `withApprovalsLock` (`approvals-lock.ts`), or the last
 * to replace the file drops the approvals the others added in between.
 */
export function appendApprovals(path: string, records: readonly ApprovalRecord[]): ApprovalsDocument {
  const existing = existsSync(path) ? loadApprovals(path, null) : [];
  const merged = [...existing];
  for (const record of records) {
    const repeat = merged.some((other) => other.plan_hash === record.plan_hash && other.item === record.item && sameIdentity(other.approver, record.approver));
    if (!repeat) merged.push(record);
  }
  const document: ApprovalsDocument = { version: 1, approvals: merged };
  replaceFileAtomically(path, JSON.stringify(document, null, 2) + '\n');
  return document;
}

/** What the approvals a run was given amount to. */
export interface ResolvedApprovals {
  /** item id -> who approved it (or `auto-approve`). */
  approvedBy: Map<string, string>;
  /** Records that were not used, each with the reason (another plan, an outsider, an unknown item). */
  rejected: { record: ApprovalRecord; reason: string }[];
}

/**
 * Matches approval records against a plan: a record counts only for an item of this plan hash
 * with gate `approval`, given by someone the item's group admits. `autoApprove` approves the
 * waiting items without a group (never a restricted one).
 */
export function resolveApprovals(plan: ChangePlan, records: readonly ApprovalRecord[], autoApprove: boolean): ResolvedApprovals {
  const items = planItems(plan);
  const resolved: ResolvedApprovals = { approvedBy: new Map(), rejected: [] };
  for (const record of records) {
    if (record.plan_hash !== plan.plan_hash) {
      resolved.rejected.push({ record, reason: `it is for another plan (${record.plan_hash.slice(0, 19)}…), not ${plan.plan_hash.slice(0, 19)}…` });
      continue;
    }
    const item = items.get(record.item);
    if (!item) {
      resolved.rejected.push({ record, reason: `the plan has no item ${record.item}` });
      continue;
    }
    const refusal = approvalRefusal(plan.ir, item, record.approver);
    if (refusal !== null) {
      resolved.rejected.push({ record, reason: refusal });
      continue;
    }
    if (!resolved.approvedBy.has(item.id)) resolved.approvedBy.set(item.id, record.approver);
  }
  if (autoApprove) {
    for (const item of items.values()) {
      if (item.gate === 'approval' && item.approvers === null && !resolved.approvedBy.has(item.id)) resolved.approvedBy.set(item.id, 'auto-approve');
    }
  }
  return resolved;
}
