/**
 * Loading a saved change plan (`recon plan -o PLAN.json`) for `recon approve` and `recon apply`.
 *
 * Why strict: approvals are bound to `plan_hash`, and apply performs the effects the plan spells
 * out. A plan edited after it was made (an effect's URL or record changed by hand) would let an
 * approval of one thing authorise another, so the hash is recomputed from the content and must
 * match; the embedded IR goes through `validateIr` like every IR the runtime trusts.
 */
import { readFileSync } from 'node:fs';
import { IrValidationError, validateIr } from '../../language/ir/ir-validate.js';
import { notValidJson } from '../connectors/json-syntax-error.js';
import type { ChangePlan } from '../plan/change-plan.js';
import { computePlanHash } from '../plan/plan-hash.js';

/** A saved plan that cannot be used: one clear line. */
export class SavedPlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SavedPlanError';
  }
}

/** Whether a path names a saved plan (JSON) rather than a `.recon` file. */
export function isPlanPath(path: string): boolean {
  return path.toLowerCase().endsWith('.json');
}

/** Reads, validates and hash-checks a saved plan. Throws `SavedPlanError`. */
export function loadSavedPlan(path: string): ChangePlan {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SavedPlanError(`${path}: ${code === 'ENOENT' ? 'no such file' : error instanceof Error ? error.message : String(error)}`);
  }
  let value: unknown;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    value = JSON.parse(body);
  } catch (error) {
    // one line with the position, never V8's excerpt of the file (`notValidJson`)
    throw new SavedPlanError(notValidJson(path, body, error));
  }
  const plan = value as Partial<ChangePlan> | null;
  if (typeof plan !== 'object' || plan === null || Array.isArray(plan)) throw new SavedPlanError(`${path}: not a change plan (expected a JSON object)`);
  if (plan.version !== 1) throw new SavedPlanError(`${path}: not a change plan of version 1 (made by \`recon plan -o\`)`);
  if (typeof plan.plan_hash !== 'string' || !Array.isArray(plan.policies) || typeof plan.observed_at !== 'string') {
    throw new SavedPlanError(`${path}: not a change plan (plan_hash, observed_at and policies are required)`);
  }
  try {
    validateIr(plan.ir, `${path}: ir`);
  } catch (error) {
    if (error instanceof IrValidationError) throw new SavedPlanError(error.message);
    throw error;
  }
  for (const [index, policy] of plan.policies.entries()) {
    if (typeof policy !== 'object' || policy === null || typeof policy.policy !== 'string' || !Array.isArray(policy.items)) {
      throw new SavedPlanError(`${path}: policies[${index}] is not a policy plan`);
    }
    if (!plan.ir!.policies.some((candidate) => candidate.name === policy.policy)) {
      throw new SavedPlanError(`${path}: policy ${policy.policy} is not in the plan's IR`);
    }
  }
  const expected = computePlanHash(plan as ChangePlan);
  if (expected !== plan.plan_hash) {
    throw new SavedPlanError(`${path}: the plan was changed after it was made (its content hashes to ${expected.slice(0, 19)}…, not ${plan.plan_hash.slice(0, 19)}…); make a new plan with \`recon plan -o\``);
  }
  return plan as ChangePlan;
}
