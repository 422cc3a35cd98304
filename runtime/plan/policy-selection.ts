/**
 * Which policies a run covers and which sources they read, from the IR.
 *
 * Why shared: `recon plan`, `recon test` and the editor preview resolve the same names and must
 * fail the same way — one clear line, never a stack trace — when a name is unknown.
 */
import type { IrDocument, IrPolicy, IrSource } from '../../language/ir/ir-types.js';

/** A problem with the request or the IR (an unknown policy, a source the IR lacks): one clear line. */
export class PlanError extends Error {
  constructor(
    message: string,
    readonly at: string | null = null,
  ) {
    super(message);
    this.name = 'PlanError';
  }
}

/** The current instant without milliseconds: what a run records as `observed_at` by default. */
export function currentObservedAt(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The policies a run covers: all of the file's, or the one named (a `PlanError` when unknown). */
export function selectPolicies(ir: IrDocument, name: string | undefined): IrPolicy[] {
  if (name === undefined) return ir.policies;
  const found = ir.policies.filter((policy) => policy.name === name);
  if (found.length === 0) {
    const known = ir.policies.map((policy) => policy.name);
    throw new PlanError(
      `unknown policy "${name}" in ${ir.file}${known.length > 0 ? ` (its policies: ${known.join(', ')})` : ' (it declares no policy)'}`,
    );
  }
  return found;
}

/** The desired and actual sources of a policy, from the IR (a `PlanError` when one is missing). */
export function policySources(ir: IrDocument, policy: IrPolicy): { desired: IrSource; actual: IrSource } {
  const find = (name: string, role: string): IrSource => {
    const source = ir.sources.find((candidate) => candidate.name === name);
    if (!source) throw new PlanError(`${policy.at}: policy ${policy.name}: its ${role} source "${name}" is not in the IR`, policy.at);
    return source;
  };
  return { desired: find(policy.desired, 'desired'), actual: find(policy.actual, 'actual') };
}
