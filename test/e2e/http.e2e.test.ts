/**
 * HTTP end to end: the identity-sync sample's own server (`samples/identity-sync-http/server.mjs`)
 * started as its README says, and the built CLI planning, applying (with an approval) and
 * converging against it, then failing clearly with a wrong token.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, makeTempDir, removeTempDir, REPO_ROOT, runCli } from '../helpers/run-cli.js';

const SAMPLE = join(REPO_ROOT, 'samples', 'identity-sync-http');
const TOKEN = 'e2e-identity-s3cr3t';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe('identity sync over HTTP, end to end', { timeout: 120_000 }, () => {
  let server: ChildProcess;
  let log = '';
  let api = '';
  let dir = '';
  let env: Record<string, string>;

  beforeAll(async () => {
    await ensureCliBuilt();
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, ['server.mjs'], { cwd: SAMPLE, env: { ...process.env, PORT: String(port), IDENTITY_API_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    server.stderr!.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    const deadline = Date.now() + 15_000;
    while (!log.includes('identity API on') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(log).toContain(`identity API on ${api}/users`);
    dir = makeTempDir(SAMPLE);
    env = { IDENTITY_API_URL: api, IDENTITY_API_TOKEN: TOKEN };
  }, 120_000);

  afterAll(() => {
    server?.kill();
    if (dir) removeTempDir(dir);
  });

  const users = async (): Promise<Record<string, { department: string; active: boolean }>> => {
    const all: Record<string, { department: string; active: boolean }> = {};
    let next: string | null = '/users';
    while (next) {
      const response = await fetch(`${api}${next}`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      const page = (await response.json()) as { data: { id: string; department: string; active: boolean }[]; links: { next: string | null } };
      for (const user of page.data) all[user.id] = user;
      next = page.links.next;
    }
    return all;
  };

  it('plans: the requests are shown with the token hidden', async () => {
    const result = await runCli(['plan', 'identity-sync.recon', '--format', 'json', '-o', 'plan.json'], { cwd: dir, env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(2);
    expect(result.stdout).not.toContain(TOKEN);
    const items = JSON.parse(result.stdout).policies[0].items as { id: string; action: string; effect: { method?: string; url?: string; headers?: Record<string, string>; body?: unknown } | null }[];
    expect(items.map((item) => [item.id, item.action, item.effect?.method ?? null])).toEqual([
      ['identity_sync/missing/e106', 'create', 'POST'],
      ['identity_sync/extra/c900', 'ignore', null],
      ['identity_sync/extra/e077', 'delete', 'DELETE'],
      ['identity_sync/changed/e102', 'update', 'PATCH'],
      ['identity_sync/changed/e104', 'update', 'PATCH'],
    ]);
    expect(items[0].effect).toEqual({
      kind: 'http',
      method: 'POST',
      url: `${api}/users`,
      headers: { Authorization: 'Bearer ***', 'Content-Type': 'application/json' },
      body: { id: 'e106', email: 'barbara.liskov@example.com', display_name: 'Barbara Liskov', department: 'platform', active: true },
    });
    expect(items[4].effect?.body).toEqual({ id: 'e104', active: false });
  });

  it('applies with idempotency keys, waits for the approval of the delete, then converges', async () => {
    const first = await runCli(['apply', 'plan.json', '--auto-approve'], { cwd: dir, env });
    expect(first.code).toBe(3);
    const plan = JSON.parse(await (await import('node:fs/promises')).readFile(join(dir, 'plan.json'), 'utf8')) as { plan_hash: string };
    for (const id of ['identity_sync/missing/e106', 'identity_sync/changed/e102', 'identity_sync/changed/e104']) {
      expect(log).toContain(`Idempotency-Key: ${plan.plan_hash}/${id}`);
    }
    let state = await users();
    expect(state.e106?.department).toBe('platform');
    expect(state.e102.department).toBe('research');
    expect(state.e104.active).toBe(false);
    expect(state.e077).toBeDefined();

    expect((await runCli(['approve', 'plan.json', '--by', 'root@example.com', '--item', 'identity_sync/extra/e077', '-o', 'approvals.json'], { cwd: dir, env })).code).toBe(0);
    const second = await runCli(['apply', 'plan.json', '--approvals', 'approvals.json'], { cwd: dir, env });
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    state = await users();
    expect(state.e077).toBeUndefined();
    expect(state.c900).toBeDefined();
    expect((await runCli(['plan', 'identity-sync.recon'], { cwd: dir, env })).code).toBe(0);
    expect(log).not.toContain(TOKEN);
  });

  it('a wrong token is one clear error line that shows neither token', async () => {
    const result = await runCli(['plan', 'identity-sync.recon'], { cwd: dir, env: { ...env, IDENTITY_API_TOKEN: 'wrong-s3cr3t' } });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`source accounts: GET ${api}/users answered 401 Unauthorized: {"error":"missing or wrong bearer token"}`);
    expect(result.stderr).not.toContain('wrong-s3cr3t');
    expect(result.stderr).not.toContain(TOKEN);
  });
});
