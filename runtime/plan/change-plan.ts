/**
 * The change plan: what `recon plan` shows and `recon apply` acts on (RUNTIME.md section 3).
 *
 * Why here: every renderer, the approver and the executor read this one shape, and its JSON
 * keys are normative; renaming one breaks users' CI scripts.
 */
import type { IrActionKind, IrDiffKind, IrDocument } from '../../language/ir/ir-types.js';

/** Who may let an acting item through: `auto`, `approval` (someone must approve), `blocked`, or `none` (ignore/report). */
export type Gate = 'auto' | 'approval' | 'blocked' | 'none';

/** One differing field of a `changed` item (or the whole record's fields for missing/extra). */
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
