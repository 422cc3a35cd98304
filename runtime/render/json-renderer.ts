/**
 * The JSON view of a change plan (`--format json`): the plan itself, pretty-printed.
 *
 * Why not compact: people read and diff saved plans in review; two-space indentation keeps the
 * diff readable, and the text stays byte-identical for the same plan (keys are written in the
 * plan builder's fixed order).
 */
import type { ChangePlan } from '../plan/change-plan.js';

/** The plan as pretty JSON, ending with a newline. */
export function renderJson(plan: ChangePlan): string {
  return JSON.stringify(plan, jsonReplacer, 2) + '\n';
}

/** Maps values JSON cannot carry the same way canonical JSON does (bigints as text). */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}
