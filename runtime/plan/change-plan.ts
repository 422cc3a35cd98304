/**
 * The change plan: what `recon plan` shows and `recon apply` acts on (RUNTIME.md section 3).
 *
 * Why here: every renderer, the approver and the executor read this one shape, and its JSON
 * keys are normative; renaming one breaks users' CI scripts.
 */
import type { IrActionKind, IrDiffKind, IrDocument } from '../../language/ir/ir-types.js';

/** Who may let an acting item through: `auto`, `approval` (someone must approve), `blocked`, or `none` (ignore/report). */
export type Gate = 'auto' | 'approval' | 'blocked' | 'none';

/**
 * One differing field of a `changed` item (or the whole record's fields for missing/extra). The
 * decider may share one frozen field between the items that show the same value of the same
 * member (`SharedFields` in `decider.ts`): replace a field of a decided item, never change it in
 * place.
 */
export interface FieldDelta {
  path: string;
  desired: unknown;
  actual: unknown;
}

/** Exactly what apply would do for one item, secrets shown as `***`. */
export type Effect =
  | { kind: 'http'; method: string; url: string; headers?: Record<string, string>; body: unknown }
  | { kind: 'sql'; statement: string; params: unknown[] }
  | { kind: 'exec'; argv: string[]; stdin: unknown }
  | { kind: 'file'; connector: string; path: string; op: 'create' | 'update' | 'delete'; key: Record<string, unknown>; record: unknown }
  | { kind: 'ticket'; title: string }
  | null;

export interface PlanItem {
  /** `policy/kind/key` (see `itemId`), stable across runs. */
  id: string;
  kind: IrDiffKind;
  key: Record<string, unknown> | null;
  /** `desired` | `actual` on invalid items, else null. */
  side: 'desired' | 'actual' | null;
  fields: FieldDelta[];
  action: IrActionKind;
  gate: Gate;
  approvers: string | null;
  reason: { rule: number | null; at: string | null; because: string | null; message?: string };
  /** Fingerprint of the actual record as observed (`sha256:…`), null when there is none. */
  precondition: string | null;
  effect: Effect;
  /** Only present (true) when the audit log shows the item corrected 3+ times in the last ten runs. */
  flapping?: boolean;
  /** Warnings raised while deciding this item (a `when` that failed to evaluate, say). */
  warnings?: string[];
}

export interface PolicySummary {
  desired: number;
  actual: number;
  unchanged: number;
  missing: number;
  extra: number;
  changed: number;
  invalid: number;
}

export interface PolicyPlan {
  policy: string;
  mode: 'audit' | 'enforce';
  summary: PolicySummary;
  limits: { exceeded: boolean; reasons: string[] };
  items: PlanItem[];
  /**
   * Warnings about the policy as a whole, not one item (a `where` that failed to evaluate on
   * some records, say). Optional: only present when there are some.
   */
  warnings?: string[];
  /**
   * Sources whose reading stopped at a record cap (`RunPlanOptions.maxRecordsPerSource`, used by
   * the editor preview): the items and counts cover only the records read. Optional: only present
   * when some source was cut short; a plan from `recon plan` never has it.
   */
  truncated?: string[];
}

export interface ChangePlan {
  version: 1;
  /** `sha256:` over everything but `observed_at` (see `computePlanHash`). */
  plan_hash: string;
  ir_hash: string;
  observed_at: string;
  drift: boolean;
  ir: IrDocument;
  policies: PolicyPlan[];
}

/** The members of a plan item in their documented order; `flapping` and then `warnings` may follow. */
export const PLAN_ITEM_KEYS = ['id', 'kind', 'key', 'side', 'fields', 'action', 'gate', 'approvers', 'reason', 'precondition', 'effect'] as const;

/** `documentedItemShape` bits: the item has `flapping` / `warnings` after the documented members. */
export const ITEM_HAS_FLAPPING = 1;
export const ITEM_HAS_WARNINGS = 2;

/**
 * Whether a value is a plan item in exactly the documented form: the members of
 * `PLAN_ITEM_KEYS` in that order, then optionally `flapping`, then optionally `warnings`, none
 * of them `undefined`. Returns -1 when it is not, else the `ITEM_HAS_*` bits of the optional
 * members it has.
 *
 * Why: the plan hash and the JSON writer have fast paths that write an item's members by name
 * (tens of thousands of items a plan); they may only take them when that reproduces exactly
 * what writing the object generically would, so any other form takes the generic path.
 */
export function documentedItemShape(value: unknown): number {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return -1;
  const item = value as Record<string, unknown>;
  const keys = Object.keys(item);
  const count = keys.length;
  const documented = PLAN_ITEM_KEYS.length;
  if (count < documented || count > documented + 2) return -1;
  for (let i = 0; i < documented; i++) {
    if (keys[i] !== PLAN_ITEM_KEYS[i]) return -1;
  }
  // by name: `item[PLAN_ITEM_KEYS[i]]`, a lookup whose name changes at every step, is a slow
  // generic one, and this runs for every item of a plan
  if (
    item.id === undefined ||
    item.kind === undefined ||
    item.key === undefined ||
    item.side === undefined ||
    item.fields === undefined ||
    item.action === undefined ||
    item.gate === undefined ||
    item.approvers === undefined ||
    item.reason === undefined ||
    item.precondition === undefined ||
    item.effect === undefined
  ) {
    return -1;
  }
  let bits = 0;
  let next = documented;
  if (keys[next] === 'flapping') {
    if (item.flapping === undefined) return -1;
    bits |= ITEM_HAS_FLAPPING;
    next++;
  }
  if (keys[next] === 'warnings') {
    if (item.warnings === undefined) return -1;
    bits |= ITEM_HAS_WARNINGS;
    next++;
  }
  return next === count ? bits : -1;
}

/** True when a value is a `FieldDelta` in its documented form: exactly `path`, `desired`, `actual`, in that order, none `undefined`. */
export function isDocumentedField(value: unknown): value is FieldDelta {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const field = value as Record<string, unknown>;
  const keys = Object.keys(field);
  return (
    keys.length === 3 &&
    keys[0] === 'path' &&
    keys[1] === 'desired' &&
    keys[2] === 'actual' &&
    field.path !== undefined &&
    field.desired !== undefined &&
    field.actual !== undefined
  );
}

/**
 * True when a value is an item `reason` in its documented form: exactly `rule`, `at`,
 * `because` and optionally `message`, in that order, none `undefined`.
 */
export function isDocumentedReason(value: unknown): value is PlanItem['reason'] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const reason = value as Record<string, unknown>;
  const keys = Object.keys(reason);
  const count = keys.length;
  return (
    (count === 3 || (count === 4 && keys[3] === 'message' && reason.message !== undefined)) &&
    keys[0] === 'rule' &&
    keys[1] === 'at' &&
    keys[2] === 'because' &&
    reason.rule !== undefined &&
    reason.at !== undefined &&
    reason.because !== undefined
  );
}
