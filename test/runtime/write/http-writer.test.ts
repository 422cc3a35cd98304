import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IrDocument, IrSource } from '../../../language/ir/ir-types.js';
import type { ChangePlan, PlanItem } from '../../../runtime/plan/change-plan.js';
import { runPlan } from '../../../runtime/plan/plan-runner.js';
import { createHttpWriter } from '../../../runtime/write/http-writer.js';
import { createWriter } from '../../../runtime/write/writer-registry.js';
import { WriteError, type WriteAction, type WriteSession } from '../../../runtime/write/writer.js';
import { compileOk } from '../../helpers/compile-helpers.js';
import { TestHttpServer } from '../../helpers/test-http-server.js';

const OBSERVED_AT = '2026-11-26T12:00:00.000Z';
const TOKEN = 'api-s3cr3t-token';

const RECON = `
source directory {
  from inline([
    { id: "u1", name: "Anna", team: "core" },
    { id: "u2", name: "Ben", team: "ops" },
    { id: "u3", name: "Cleo", team: "core" },
  ])
  key id
}

source users {
  from http("\${env("API")}/users", items: "data", next: "links.next", timeout: 800ms,
            headers: { Authorization: "Bearer \${secret("API_TOKEN")}", "X-Client": "recon" })
  key id
  write {
    create POST   "\${env("API")}/users"
    update PATCH  "\${env("API")}/users/\${key.id}"
    delete DELETE "\${env("API")}/users/\${key.id}"
  }
}

policy identity {
  desired directory
  actual users
  remediate {
    on missing => create
    on changed => update
    on extra => delete
  }
}
`;

describe('http writer', () => {
  let server: TestHttpServer;
  let ir: IrDocument;
  let users: IrSource;
  let env: Record<string, string>;

  beforeEach(async () => {
    server = await TestHttpServer.start({
      token: TOKEN,
      records: [
        { id: 'u1', name: 'Anna', team: 'sales' },
        { id: 'u9', name: 'Old', team: 'none' },
      ],
    });
    ir = compileOk(RECON);
    users = ir.sources.find((source) => source.name === 'users')!;
    env = { API: server.url, API_TOKEN: TOKEN };
  });
  afterEach(async () => {
    await server.close();
  });

  const plan = (): Promise<ChangePlan> => runPlan(ir, { workspaceRoot: '/ws', observedAt: OBSERVED_AT, env });
  const actions = (changePlan: ChangePlan): WriteAction[] =>
    changePlan.policies
      .flatMap((policy) => policy.items)
      .filter((item): item is PlanItem & { effect: NonNullable<PlanItem['effect']> } => item.effect !== null)
      .map((item) => ({ item, effect: item.effect, idempotencyKey: `${changePlan.plan_hash}/${item.id}` }));
  const open = (): Promise<WriteSession> => createHttpWriter(users, { workspaceRoot: '/ws', env, observedAt: OBSERVED_AT }).open();
  /** What the executor does: retry transient failures after Retry-After (or at once). */
  const performWithRetries = async (session: WriteSession, action: WriteAction, attempts = 3): Promise<WriteError[]> => {
    const failures: WriteError[] = [];
    for (let attempt = 1; ; attempt += 1) {
      try {
        await session.perform(action);
        return failures;
      } catch (error) {
        if (!(error instanceof WriteError) || !error.transient || attempt >= attempts) throw error;
        failures.push(error);
        await new Promise((resolve) => setTimeout(resolve, (error.retryAfterSeconds ?? 0) * 1000));
      }
    }
  };

  it('sends exactly the planned requests, with the real token, JSON bodies and idempotency keys', async () => {
    const first = await plan();
    const all = actions(first);
    expect(all.map((a) => [a.item.id, a.effect])).toEqual([
      [
        'identity/missing/u2',
        {
          kind: 'http',
          method: 'POST',
          url: `${server.url}/users`,
          headers: { Authorization: 'Bearer ***', 'X-Client': 'recon', 'Content-Type': 'application/json' },
          body: { id: 'u2', name: 'Ben', team: 'ops' },
        },
      ],
      ['identity/missing/u3', expect.objectContaining({ method: 'POST' })],
      [
        'identity/extra/u9',
        { kind: 'http', method: 'DELETE', url: `${server.url}/users/u9`, headers: { Authorization: 'Bearer ***', 'X-Client': 'recon' }, body: null },
      ],
      ['identity/changed/u1', expect.objectContaining({ method: 'PATCH', url: `${server.url}/users/u1`, body: { id: 'u1', team: 'core' } })],
    ]);
    expect(JSON.stringify(first)).not.toContain(TOKEN);

    server.requests.length = 0;
    const session = await createWriter(users, { workspaceRoot: '/ws', env, observedAt: OBSERVED_AT }).open();
    for (const action of all) await session.perform(action);
    expect((await session.commit()).map((a) => a.item.id)).toEqual(all.map((a) => a.item.id));
    await session.close();

    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /users', 'POST /users', 'DELETE /users/u9', 'PATCH /users/u1']);
    server.requests.forEach((request, index) => {
      expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(request.headers['x-client']).toBe('recon');
      expect(request.headers['idempotency-key']).toBe(`${first.plan_hash}/${all[index].item.id}`);
    });
    expect(server.requests[0].headers['content-type']).toBe('application/json');
    expect(JSON.parse(server.requests[0].body)).toEqual({ id: 'u2', name: 'Ben', team: 'ops' });
    expect(server.requests[2].headers['content-type']).toBeUndefined();
    expect(server.requests[2].body).toBe('');
    expect(JSON.parse(server.requests[3].body)).toEqual({ id: 'u1', team: 'core' });
    expect((await plan()).drift).toBe(false);
  });

  it('a 503 with Retry-After is transient and says how long to wait; the retry applies once', async () => {
    const [create] = actions(await plan());
    server.addFault({ method: 'POST', status: 503, retryAfter: '1' });
    const session = await open();
    const failures = await performWithRetries(session, create);
    await session.close();
    expect(failures.map((f) => [f.transient, f.retryAfterSeconds, f.message])).toEqual([
      [true, 1, `source users: identity/missing/u2: POST ${server.url}/users answered 503 Service Unavailable: {"error":"scripted 503"}`],
    ]);
    expect(server.applied.map((a) => `${a.method} ${a.id}`)).toEqual(['POST u2']);
  });

  it('an answer lost after the change was applied: the retry carries the same key, the change happens once', async () => {
    const [create] = actions(await plan());
    server.addFault({ method: 'POST', status: 502, afterApply: true });
    server.addFault({ method: 'POST', status: 429, retryAfter: '0' });
    const session = await open();
    const failures = await performWithRetries(session, create);
    await session.close();
    expect(failures.map((f) => f.message.replace(/:.*answered /, ': '))).toEqual(['source users: 502 Bad Gateway: {"error":"scripted 502"}', 'source users: 429 Too Many Requests: {"error":"scripted 429"}']);
    const posts = server.requestsTo('/users', 'POST');
    expect(posts).toHaveLength(3);
    expect(new Set(posts.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    expect(server.applied).toHaveLength(1);
    expect(server.records.get('u2')).toEqual({ id: 'u2', name: 'Ben', team: 'ops' });
  });

  it('a 4xx fails the action clearly, at once, and never shows the token (even when the server echoes it)', async () => {
    const [create] = actions(await plan());
    server.addFault({ method: 'POST', status: 422, echoAuthorization: true });
    const session = await open();
    const error = (await session.perform(create).catch((e: unknown) => e)) as WriteError;
    await session.close();
    expect(error).toBeInstanceOf(WriteError);
    expect(error.transient).toBe(false);
    expect(error.message).toBe(`source users: identity/missing/u2: POST ${server.url}/users answered 422 Unprocessable Entity: {"error":"rejected credentials Bearer ***"}`);
  });

  it('never follows a redirect answered to a write, within the origin or to another: the action fails at once and nothing goes elsewhere', async () => {
    const elsewhere = await TestHttpServer.start({});
    try {
      const [create] = actions(await plan());
      for (const location of ['/users/moved', `${elsewhere.url}/users`]) {
        server.addFault({ method: 'POST', path: '/users', status: 307, location });
        server.requests.length = 0;
        const session = await open();
        const error = (await session.perform(create).catch((e: unknown) => e)) as WriteError;
        await session.close();
        expect(error).toBeInstanceOf(WriteError);
        expect(error.transient).toBe(false);
        expect(error.message).toContain(`source users: identity/missing/u2: POST ${server.url}/users`);
        expect(error.message).toContain(`a redirect to ${location}: recon sends a write only to the URL the plan shows`);
        expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /users']);
      }
      expect(elsewhere.requests).toEqual([]);
      expect(server.applied).toEqual([]);
    } finally {
      await elsewhere.close();
    }
  });

  it('a delete of a record that is gone already succeeds', async () => {
    const all = actions(await plan());
    const remove = all.find((a) => a.item.action === 'delete')!;
    server.records.delete('u9');
    const session = await open();
    await session.perform(remove);
    expect((await session.commit()).map((a) => a.item.id)).toEqual(['identity/extra/u9']);
    await session.close();
  });

  it('a request beyond the timeout, and a server that is gone, are transient failures', async () => {
    const [create] = actions(await plan());
    server.addFault({ method: 'POST', status: 201, delayMs: 3000 });
    const session = await open();
    const slow = (await session.perform(create).catch((e: unknown) => e)) as WriteError;
    expect(slow.transient).toBe(true);
    expect(slow.message).toBe(`source users: identity/missing/u2: POST ${server.url}/users: no complete answer within 800ms (timeout)`);
    await server.close();
    const gone = (await session.perform(create).catch((e: unknown) => e)) as WriteError;
    expect(gone.transient).toBe(true);
    // A pooled keep-alive connection sees the close; a new one is refused.
    expect(gone.message).toMatch(new RegExp(`^source users: identity/missing/u2: POST ${server.url}/users: connection (refused|closed by the server)$`));
    await session.close();
    server = await TestHttpServer.start({});
  });

  it('refuses a plan whose hidden header no longer matches the source', async () => {
    const [create] = actions(await plan());
    const session = await open();
    const tampered: WriteAction = {
      ...create,
      effect: { kind: 'http', method: 'POST', url: `${server.url}/users`, headers: { Authorization: 'Basic ***' }, body: {} },
    };
    await expect(session.perform(tampered)).rejects.toThrow(/header Authorization: the plan shows "Basic \*\*\*", which recon cannot rebuild/);
    await session.close();
    expect(server.requestsTo('/users', 'POST')).toHaveLength(0);
  });
});
