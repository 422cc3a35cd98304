/**
 * Content hashes of a change plan (RUNTIME.md sections 1 and 3).
 *
 * Why: approvals are bound to `plan_hash`, so the hash must change exactly when what the plan
 * would do changes — never because the clock moved. `observed_at` (and the hash itself) are
 * left out; everything else, the IR included, is hashed as canonical JSON.
 */
import type { IrDocument } from '../../language/ir/ir-types.js';
import type { ChangePlan } from './change-plan.js';
import { sha256OfCanonical } from './canonical-json.js';

/** `sha256:` of the canonical JSON of the IR: identifies what the plan was made from. */
export function computeIrHash(ir: IrDocument): string {
  return sha256OfCanonical(ir);
}

/** `sha256:` over the plan without `plan_hash` and `observed_at`. */
export function computePlanHash(plan: Omit<ChangePlan, 'plan_hash'> | ChangePlan): string {
  const { observed_at: _observedAt, ...rest } = plan as ChangePlan;
  const hashed: Record<string, unknown> = { ...rest };
  delete hashed.plan_hash;
  return sha256OfCanonical(hashed);
}
