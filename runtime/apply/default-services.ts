/**
 * The collaborators `recon apply` and `recon watch` use in production: the writer registry
 * (wrapped by fault injection when `RECON_FAULT_INJECTION` is set), the policy lock and the
 * ticket sink of the state directory.
 *
 * Why a seam: the apply runner is tested with the same collaborators, but a test may swap one
 * (a writer that records calls) without touching the runner.
 */
import { hostname } from 'node:os';
import { acquirePolicyLock, describeHolder, PolicyLockError } from '../state/policy-lock.js';
import { TicketSink } from '../state/tickets.js';
import { createWriter } from '../write/writer-registry.js';
import type { ApplyServices, PolicyLockHandle } from './apply-runner.js';
import { withFaultInjection, type FaultSpec } from './fault-injection.js';

/**
 * The hint a lock held elsewhere ends with: `recon apply` can wait for it; `recon watch`, which
 * cannot, replaces it with its own.
 */
export const LOCK_TIMEOUT_HINT = ' (wait with --lock-timeout)';

/** The production services; `faults` wraps every writer with fault injection. */
export function defaultApplyServices(options: { faults?: FaultSpec | null } = {}): ApplyServices {
  return {
    createWriter: (source, context) => {
      const writer = createWriter(source, context);
      return options.faults ? withFaultInjection(writer, options.faults) : writer;
    },
    acquireLock: policyLock,
    tickets: (stateDir) => TicketSink.inStateDir(stateDir),
  };
}

/**
 * The policy lock of `state/policy-lock.ts`, recorded as `actor@host` when the actor is known;
 * `onLost` (the lease was taken over while held) stops the run.
 */
async function policyLock(
  stateDir: string,
  policy: string,
  options: { owner: string; timeoutMs: number; runId: string; onLost?: (holder: string) => void },
): Promise<PolicyLockHandle> {
  const owner = options.owner.includes('@') ? options.owner : `${options.owner}@${hostname()}`;
  try {
    const lock = await acquirePolicyLock(stateDir, policy, {
      lockTimeoutMs: options.timeoutMs,
      owner,
      onLost: (holder) => options.onLost?.(describeHolder(policy, holder)),
    });
    return { release: () => lock.release() };
  } catch (error) {
    if (error instanceof PolicyLockError) {
      throw new PolicyLockError(`${error.message}; only one apply of a policy runs at a time${LOCK_TIMEOUT_HINT}`, error.policy, error.holder);
    }
    throw error;
  }
}
