/**
 * The collaborators `recon apply` and `recon watch` use in production: the writer registry
 * (wrapped by fault injection when `RECON_FAULT_INJECTION` is set), the policy lock and the
 * ticket sink of the state directory.
 *
 * Why a seam: the apply runner is tested with the same collaborators, but a test may swap one
 * (a writer that records calls) without touching the runner.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createWriter } from '../write/writer-registry.js';
import type { ApplyServices, PolicyLockHandle, TicketSinkPort } from './apply-runner.js';
import { withFaultInjection, type FaultSpec } from './fault-injection.js';

/** The production services; `faults` wraps every writer with fault injection. */
export function defaultApplyServices(options: { faults?: FaultSpec | null } = {}): ApplyServices {
  return {
    createWriter: (source, context) => {
      const writer = createWriter(source, context);
      return options.faults ? withFaultInjection(writer, options.faults) : writer;
    },
    acquireLock: interimLock,
    tickets: interimTickets,
  };
}

// INTERIM until runtime/state/policy-lock.ts and runtime/state/tickets.ts land.
async function interimLock(stateDir: string, policy: string, options: { owner: string; timeoutMs: number; runId: string }): Promise<PolicyLockHandle> {
  const dir = join(stateDir, 'locks');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${policy}.lock`);
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify({ owner: options.owner, pid: process.pid, run_id: options.runId, since: new Date().toISOString() }));
      closeSync(fd);
      return { release: () => rmSync(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder: { owner?: string; pid?: number } = {};
      try {
        holder = JSON.parse(readFileSync(path, 'utf8'));
      } catch {
        // being written
      }
      let alive = true;
      try {
        if (holder.pid) process.kill(holder.pid, 0);
      } catch {
        alive = false;
      }
      if (!alive) {
        rmSync(path, { force: true });
        continue;
      }
      if (Date.now() >= deadline) throw new Error(`policy ${policy} is locked by ${holder.owner ?? 'someone'} (pid ${holder.pid ?? '?'}): another apply is running`);
      await new Promise((done) => setTimeout(done, 100));
    }
  }
}

function interimTickets(stateDir: string): TicketSinkPort {
  const path = join(stateDir, 'tickets.jsonl');
  const read = (): Map<string, { item: string; policy: string; status: string }> => {
    const map = new Map();
    if (!existsSync(path)) return map;
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      try {
        const t = JSON.parse(line);
        map.set(t.item, t);
      } catch {
        // torn
      }
    }
    return map;
  };
  const write = (entry: unknown) => {
    const fd = openSync(path, 'a');
    writeSync(fd, JSON.stringify(entry) + '\n');
    closeSync(fd);
  };
  return {
    open(ticket) {
      const previous = read().get(ticket.item);
      if (previous?.status === 'open') return 'unchanged';
      write({ ...ticket, status: 'open' });
      return previous ? 'reopened' : 'opened';
    },
    resolve(item) {
      const previous = read().get(item);
      if (previous?.status !== 'open') return false;
      write({ ...previous, status: 'resolved' });
      return true;
    },
    openItems(policy) {
      return [...read().values()].filter((t) => t.policy === policy && t.status === 'open').map((t) => t.item);
    },
  };
}
