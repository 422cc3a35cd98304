/**
 * `Retry-After` during apply (RUNTIME.md 4: "Retry-After honoured for HTTP 429/503") has a bound:
 * a server asking to wait an hour must not hold `recon apply` (and the policy's lock) silently
 * for an hour per attempt. Runs the executor with the real http writer against a loopback server.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IrDocument, IrSource } from '../../../language/ir/ir-types.js';
import { retryAfterRefusal } from '../../../runtime/apply/backoff.js';
import { executeActions, idempotencyKey } from '../../../runtime/apply/executor.js';
import type { ChangePlan, PlanItem } from '../../../runtime/plan/change-plan.js';
import { runPlan } from '../../../runtime/plan/plan-runner.js';
import { createHttpWriter } from '../../../runtime/write/http-writer.js';
import type { WriteAction } from '../../../runtime/write/writer.js';
import { compileOk } from '../../helpers/compile-helpers.js';
import { MemoryAudit } from '../../helpers/memory-audit.js';
import { TestHttpServer } from '../../helpers/test-http-server.js';

const OBSERVED_AT = '2026-11-26T12:00:00.000Z';

const RECON = `
source directory {
  from inline([{ id: "u1", name: "Anna" }])
  key id
}
source users {
  from http("\${env("API")}/users", items: "data", next: "links.next", timeout: 2s)
  key id
  write {
    create POST   "\${env("API")}/users"
    update PATCH  "\${env("API")}/users/\${key.id}"
    delete DELETE "\${env("API")}/users/\${key.id}"
  }
}
policy identity {
  mode enforce
  desired directory
  actual users
  remediate {
    on missing => create
  }
}
`;

describe('Retry-After while applying', () => {
  let server: TestHttpServer;
  let ir: IrDocument;
  let users: IrSource;
  let env: Record<string, string>;

  beforeEach(async () => {
    server = await TestHttpServer.start({ records: [] });
    ir = compileOk(RECON);
    users = ir.sources.find((source) => source.name === 'users')!;
    env = { API: server.url };
  });
  afterEach(async () => {
    await server.close();
  });

  const createAction = async (): Promise<WriteAction> => {
    const plan: ChangePlan = await runPlan(ir, { workspaceRoot: '/ws', observedAt: OBSERVED_AT, env });
    const item = plan.policies[0]!.items[0] as PlanItem & { effect: NonNullable<PlanItem['effect']> };
    return { item, effect: item.effect, idempotencyKey: idempotencyKey(plan.plan_hash, item.id) };
  };
  const run = async (action: WriteAction, backoffMaxMs: number) => {
    const audit = new MemoryAudit();
    const started = Date.now();
    const report = await executeActions([action], {
      policy: 'identity',
      planHash: 'sha256:' + 'ab'.repeat(32),
      runId: 'run-1',
      command: 'apply',
      actor: 'tester',
      writer: createHttpWriter(users, { workspaceRoot: '/ws', env, observedAt: OBSERVED_AT }),
      concurrency: 1,
      ratePerSecond: null,
      retry: { attempts: 3, backoffMinMs: 10, backoffMaxMs },
      audit,
    });
    return { report, audit, seconds: (Date.now() - started) / 1000 };
  };

  it('fails the action at once, saying so, when the server asks to wait an hour', async () => {
    const action = await createAction();
    server.addFault({ method: 'POST', status: 503, retryAfter: '3600' });
    const { report, audit, seconds } = await run(action, 10_000);
    expect(seconds).toBeLessThan(5);
    expect(report.failed).toBe(1);
    expect(report.retries).toBe(0);
    expect(report.outcomes[0]!.error).toContain('answered 503 Service Unavailable');
    expect(report.outcomes[0]!.error).toContain('it asks to retry after 3600s, longer than recon waits (60s');
    expect(audit.records.map((r) => r.event)).toEqual(['failed']);
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('still waits for a Retry-After within the bound, then applies once', async () => {
    const action = await createAction();
    server.addFault({ method: 'POST', status: 429, retryAfter: '1' });
    const { report, seconds } = await run(action, 10);
    expect(report.applied).toBe(1);
    expect(report.retries).toBe(1);
    expect(seconds).toBeGreaterThanOrEqual(0.95);
  });

  it('lets a policy with a longer upper backoff bound wait longer', () => {
    const retry = { attempts: 3, backoffMinMs: 1000, backoffMaxMs: 300_000 };
    expect(retryAfterRefusal(retry, 120)).toBeNull();
    expect(retryAfterRefusal(retry, 301)).toContain('longer than recon waits (300s');
    expect(retryAfterRefusal({ ...retry, backoffMaxMs: 10_000 }, 60)).toBeNull();
    expect(retryAfterRefusal({ ...retry, backoffMaxMs: 10_000 }, 61)).not.toBeNull();
    expect(retryAfterRefusal(retry, null)).toBeNull();
  });
});
