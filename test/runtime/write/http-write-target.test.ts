/**
 * Where http writes go: only to the URL the plan shows. Record values in write URLs
 * (runtime/decide/url-template.ts) are each one percent-encoded component, so a key like
 * `../admin` or `a/b?x=1` cannot steer a write to another resource; and a redirect answered to a
 * write is not followed. Through the real plan, apply and http writer, against loopback servers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runApply } from '../../../runtime/apply/apply-runner.js';
import { defaultApplyServices } from '../../../runtime/apply/default-services.js';
import { runPlan } from '../../../runtime/plan/plan-runner.js';
import { joinUrl, urlParts } from '../../../runtime/decide/url-template.js';
import { compileOk } from '../../helpers/compile-helpers.js';
import { TestHttpServer } from '../../helpers/test-http-server.js';

const TOKEN = 'url-s3cr3t';

const RECON = `
source directory {
  from inline([{ id: "u1", name: "Anna" }, { id: "new one", name: "Ben" }])
  key id
}
source users {
  from http("\${env("API")}/users", items: "data", next: "links.next",
            headers: { Authorization: "Bearer \${secret("API_TOKEN")}" })
  key id
  write {
    create POST   "\${env("API")}/users?by=\${desired.name}"
    update PATCH  "\${env("API")}/users/\${key.id}?token=\${secret("API_TOKEN")}"
    delete DELETE "\${env("API")}/users/\${key.id}"
  }
}
policy identity {
  mode enforce
  desired directory
  actual users
  remediate {
    on missing => create
    on changed => update
    on extra => delete
  }
}
`;

describe('record values in write URLs', () => {
  let server: TestHttpServer;
  let dir: string;

  beforeEach(async () => {
    server = await TestHttpServer.start({
      token: TOKEN,
      records: [
        { id: 'u1', name: 'Old' },
        { id: '../admin', name: 'x' },
        { id: 'a/b?x=1#f', name: 'y' },
        { id: '..', name: 'z' },
      ],
    });
    dir = mkdtempSync(join(tmpdir(), 'recon-http-url-'));
  });
  afterEach(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are percent-encoded in the plan and in the requests; a dot segment is refused, never sent', async () => {
    const ir = compileOk(RECON);
    const env = { API: server.url, API_TOKEN: TOKEN };
    const plan = await runPlan(ir, { workspaceRoot: dir, env });
    const urls = Object.fromEntries(plan.policies[0]!.items.map((item) => [item.id, item.effect?.kind === 'http' ? item.effect.url : null]));
    expect(urls).toEqual({
      'identity/missing/new one': `${server.url}/users?by=Ben`,
      'identity/extra/..%2Fadmin': `${server.url}/users/..%2Fadmin`,
      'identity/extra/..': null,
      'identity/extra/a%2Fb?x=1#f': `${server.url}/users/a%2Fb%3Fx%3D1%23f`,
      'identity/changed/u1': `${server.url}/users/u1?token=***`,
    });
    const dots = plan.policies[0]!.items.find((item) => item.id === 'identity/extra/..')!;
    expect(dots.warnings?.join(' ')).toContain('the record value ".." cannot be a part of a URL');

    server.requests.length = 0;
    const result = await runApply({ kind: 'file', ir }, { workspaceRoot: dir, stateDir: join(dir, '.recon'), services: defaultApplyServices(), actor: 'tester', env });
    const writes = server.requests.filter((request) => request.method !== 'GET').map((request) => `${request.method} ${request.path}`);
    expect(writes.sort()).toEqual(
      ['DELETE /users/..%2Fadmin', 'DELETE /users/a%2Fb%3Fx%3D1%23f', `PATCH /users/u1?token=${TOKEN}`, 'POST /users?by=Ben'].sort(),
    );
    expect(writes.some((write) => write.includes('/admin') && !write.includes('%2Fadmin'))).toBe(false);
    const outcomes = Object.fromEntries(result.policies[0]!.items.map((item) => [item.id, `${item.outcome}/${item.verified ?? '-'}`]));
    expect(outcomes).toEqual({
      'identity/missing/new one': 'applied/converged',
      'identity/extra/..%2Fadmin': 'applied/converged',
      'identity/extra/..': 'failed/-',
      'identity/extra/a%2Fb?x=1#f': 'applied/converged',
      'identity/changed/u1': 'applied/converged',
    });
  });

  it('keeps configuration as written, and a URL that starts with a record value (a link the system gave) whole', () => {
    const parts = urlParts({ concat: [{ var: 'actual.self' }, '/x/', { var: 'key.id' }, '?k=', { env: ['K'] }] });
    expect(parts.map((part) => part.encode)).toEqual([false, false, true, false, false]);
    expect(joinUrl(parts, ['http://h/a/b?c=1', '/x/', 'a b/c', '?k=', 'v/w'])).toEqual({ url: 'http://h/a/b?c=1/x/a%20b%2Fc?k=v/w' });
    expect(urlParts('http://h/users')).toEqual([{ expr: 'http://h/users', encode: false }]);
  });
});

describe('redirects answered to writes', () => {
  it('are not followed: the action fails, saying where it pointed, and nothing is sent elsewhere', async () => {
    const requests: string[] = [];
    const server = createServer((request, response) => {
      requests.push(`${request.method} ${request.url}`);
      if (request.method === 'GET' && request.url === '/users') {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ data: [{ id: 'u1', name: 'Old' }, { id: 'u9', name: 'Gone' }] }));
        return;
      }
      if (request.method === 'GET') {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end('{}');
        return;
      }
      response.writeHead(request.method === 'POST' ? 302 : 307, { Location: '/elsewhere' });
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const dir = mkdtempSync(join(tmpdir(), 'recon-http-redirect-'));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const ir = compileOk(RECON);
      const env = { API: url, API_TOKEN: TOKEN };
      const result = await runApply({ kind: 'file', ir }, { workspaceRoot: dir, stateDir: join(dir, '.recon'), services: defaultApplyServices(), actor: 'tester', env });
      expect(requests.filter((request) => request.includes('/elsewhere'))).toEqual([]);
      const items = result.policies[0]!.items;
      expect(items.map((item) => item.outcome)).toEqual(['failed', 'failed', 'failed']);
      const create = items.find((item) => item.action === 'create')!;
      expect(create.attempts).toBe(1);
      expect(create.error).toContain('answered 302 Found (a redirect to /elsewhere: recon sends a write only to the URL the plan shows');
      expect(items.find((item) => item.action === 'delete')!.error).toContain('answered 307 Temporary Redirect (a redirect to /elsewhere');
      expect(result.status).toBe('drift');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
