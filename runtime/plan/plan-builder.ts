/**
 * Assembles the change plan from the decided policy plans (RUNTIME.md section 3).
 *
 * Why one place: the ordering rules (policy, then kind, then item id), the `drift` flag and the
 * two hashes are what makes a plan reproducible byte for byte; every command that writes a plan
 * goes through here.
 */
import type { IrDiffKind, IrDocument } from '../../language/ir/ir-types.js';
import {
  documentedItemShape,
  isDocumentedReason,
  ITEM_HAS_FLAPPING,
  ITEM_HAS_WARNINGS,
  type ChangePlan,
  type PlanItem,
  type PolicyPlan,
} from './change-plan.js';
import { computeIrHash, computePlanHash } from './plan-hash.js';

/** Order of kinds inside a policy's items. */
export const KIND_ORDER: readonly IrDiffKind[] = ['missing', 'extra', 'changed', 'invalid'];

/** Compares texts by UTF-16 code unit: the same on every machine, unlike `localeCompare`. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The position of a kind in `KIND_ORDER` (-1 for an unknown kind, as `indexOf` gives). */
function kindRank(kind: string): number {
  switch (kind) {
    case 'missing':
      return 0;
    case 'extra':
      return 1;
    case 'changed':
      return 2;
    case 'invalid':
      return 3;
    default:
      return -1;
  }
}

/** The plan's item order: kind (missing, extra, changed, invalid), then id. */
function compareItems(a: PlanItem, b: PlanItem): number {
  return kindRank(a.kind) - kindRank(b.kind) || compareText(a.id, b.id);
}

/**
 * Sorts items by kind (missing, extra, changed, invalid), then by id; returns a new array.
 * Items usually arrive in this order already (the diff sorts them): a linear check then spares
 * the sort, with the same result (the sort is stable).
 */
export function sortItems(items: readonly PlanItem[]): PlanItem[] {
  for (let i = 1; i < items.length; i++) {
    if (compareItems(items[i - 1]!, items[i]!) > 0) return [...items].sort(compareItems);
  }
  return items.slice();
}

/** True when some item is not `ignore`: the meaning of "drift" for `recon plan` and `expect no_drift`. */
export function hasDrift(policies: readonly PolicyPlan[]): boolean {
  return policies.some((policy) => policy.items.some((item) => item.action !== 'ignore'));
}

/**
 * Builds the plan: policies in the IR's declaration order (policies unknown to the IR after
 * them, by name), items sorted, `drift`, `ir_hash` and `plan_hash` filled in. The keys of every
 * object are written in one fixed order, so `JSON.stringify` of the result is reproducible.
 */
export function buildChangePlan(ir: IrDocument, policyPlans: readonly PolicyPlan[], observedAt: string): ChangePlan {
  const declared = (name: string): number => {
    const index = ir.policies.findIndex((policy) => policy.name === name);
    return index < 0 ? Number.MAX_SAFE_INTEGER : index;
  };
  const policies: PolicyPlan[] = [...policyPlans]
    .sort((a, b) => declared(a.policy) - declared(b.policy) || compareText(a.policy, b.policy))
    .map((policy) => {
      const normalized: PolicyPlan = {
        policy: policy.policy,
        mode: policy.mode,
        summary: {
          desired: policy.summary.desired,
          actual: policy.summary.actual,
          unchanged: policy.summary.unchanged,
          missing: policy.summary.missing,
          extra: policy.summary.extra,
          changed: policy.summary.changed,
          invalid: policy.summary.invalid,
        },
        limits: { exceeded: policy.limits.exceeded, reasons: [...policy.limits.reasons] },
        items: sortItems(policy.items).map(normalizeItem),
      };
      if (policy.warnings && policy.warnings.length > 0) normalized.warnings = [...policy.warnings];
      if (policy.truncated && policy.truncated.length > 0) normalized.truncated = [...policy.truncated];
      return normalized;
    });
  const unhashed: Omit<ChangePlan, 'plan_hash'> = {
    version: 1,
    ir_hash: computeIrHash(ir),
    observed_at: observedAt,
    drift: hasDrift(policies),
    ir,
    policies,
  };
  const planHash = computePlanHash(unhashed);
  return {
    version: 1,
    plan_hash: planHash,
    ir_hash: unhashed.ir_hash,
    observed_at: observedAt,
    drift: unhashed.drift,
    ir,
    policies,
  };
}

/**
 * Writes an item's keys in the documented order (optional members only when present). An item
 * that already has exactly that form (what the decider makes) is kept as it is: rebuilding
 * tens of thousands of identical objects only doubled the plan's memory for a moment.
 */
function normalizeItem(item: PlanItem): PlanItem {
  if (isNormalized(item)) return item;
  const reason: PlanItem['reason'] = { rule: item.reason.rule, at: item.reason.at, because: item.reason.because };
  if (item.reason.message !== undefined) reason.message = item.reason.message;
  const normalized: PlanItem = {
    id: item.id,
    kind: item.kind,
    key: item.key,
    side: item.side,
    fields: item.fields,
    action: item.action,
    gate: item.gate,
    approvers: item.approvers,
    reason,
    precondition: item.precondition,
    effect: item.effect,
  };
  if (item.flapping) normalized.flapping = true;
  if (item.warnings && item.warnings.length > 0) normalized.warnings = [...item.warnings];
  return normalized;
}

/**
 * True when `normalizeItem` would build an item with the same members, in the same order,
 * holding the same values: the documented form (`documentedItemShape`, `isDocumentedReason`),
 * `flapping` only as `true`, `warnings` only when there are some.
 */
function isNormalized(item: PlanItem): boolean {
  const shape = documentedItemShape(item);
  if (shape < 0) return false;
  if ((shape & ITEM_HAS_FLAPPING) !== 0 && item.flapping !== true) return false;
  if ((shape & ITEM_HAS_WARNINGS) !== 0 && !(Array.isArray(item.warnings) && item.warnings.length > 0)) return false;
  return isDocumentedReason(item.reason);
}
