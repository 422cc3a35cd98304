import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IrExpr } from '../../../language/ir/ir-types.js';
import { ConnectorError } from '../../../runtime/connectors/connector.js';
import { createConnector, createConnectorContext } from '../../../runtime/connectors/connector-registry.js';
import { retryAfterSeconds } from '../../../runtime/connectors/http-client.js';
import { TestHttpServer } from '../../helpers/test-http-server.js';
import { connectorFor, makeSource, OBSERVED_AT, readAll } from './source-fixture.js';

const TOKEN = 'tok-s3cr3t-123';
const AUTH: IrExpr = { object: ['Authorization', { concat: ['Bearer ', { secret: ['TOKEN'] }] }] };
const USERS = [1, 2, 3, 4, 5].map((n) => ({ id: `u${n}`, name: `User ${n}` }));

describe('http connector', () => {
  let server: TestHttpServer;

  beforeEach(async () => {
    server = await TestHttpServer.start({ token: TOKEN, records: USERS, pageSize: 2 });
  });
  afterEach(async () => {
    await server.close();
  });

  const source = (url: IrExpr = `${server.url}/users`, options: Record<string, IrExpr> = {}) =>
    makeSource('http', [url], { options: { items: 'data', next: 'links.next', headers: AUTH, ...options } });
  const read = (src = source(), env: Record<string, string> = { TOKEN }) => readAll(connectorFor(src, '/nonexistent', env));
  const failure = async (src = source(), env: Record<string, string> = { TOKEN }): Promise<ConnectorError> => {
    const error = await read(src, env).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    return error as ConnectorError;
  };

  it('follows relative next links, page by page, with the headers on every request', async () => {
    const { records, origins, batches } = await read();
    expect(records).toEqual(USERS);
    expect(origins.map((o) => o.position)).toEqual([1, 2, 3, 4, 5]);
    expect(batches).toBe(3);
    expect(server.requests.map((r) => r.path)).toEqual(['/users', '/users?page=2', '/users?page=3']);
    for (const request of server.requests) {
      expect(request.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(request.headers.accept).toBe('application/json');
    }
  });

  it('follows absolute next links', async () => {
    await server.close();
    server = await TestHttpServer.start({ token: TOKEN, records: USERS, pageSize: 2, absoluteLinks: true });
    const { records } = await read();
    expect(records.map((r) => r.id)).toEqual(['u1', 'u2', 'u3', 'u4', 'u5']);
  });

  it('retries a 503 after the Retry-After it gives, and a 429, then reads on', async () => {
    server.addFault({ path: '/users?page=2', status: 503, retryAfter: '1' });
    server.addFault({ path: '/users?page=3', status: 429 });
    const started = Date.now();
    const { records } = await read();
    expect(records).toHaveLength(5);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.requests.map((r) => r.path)).toEqual(['/users', '/users?page=2', '/users?page=2', '/users?page=3', '/users?page=3']);
  });

  it('gives up on a server that keeps failing, after a few attempts, with a clear transient error', async () => {
    server.addFault({ status: 500, times: 10, body: `{"error": "db down, token ${TOKEN}"}` });
    const error = await failure();
    expect(error.message).toBe(
      `source things: GET ${server.url}/users answered 500 Internal Server Error: {"error": "db down, token ***"} (gave up after 4 attempts)`,
    );
    expect(error.transient).toBe(true);
    expect(server.requests).toHaveLength(4);
  });

  it('follows a redirect within the origin, with the headers', async () => {
    server.addFault({ path: '/users', status: 301, location: '/users?page=1' });
    const { records } = await read();
    expect(records).toEqual(USERS);
    expect(server.requests.slice(0, 2).map((r) => [r.path, r.headers.authorization])).toEqual([
      ['/users', `Bearer ${TOKEN}`],
      ['/users?page=1', `Bearer ${TOKEN}`],
    ]);
  });

  it('refuses a redirect to another origin, before any header goes there, and does not retry it', async () => {
    const elsewhere = await TestHttpServer.start({ records: USERS });
    try {
      server.addFault({ path: '/users', status: 302, location: `${elsewhere.url}/collect?from=users` });
      const headers: IrExpr = { object: ['Authorization', { concat: ['Bearer ', { secret: ['TOKEN'] }] }, 'X-Api-Key', { secret: ['TOKEN'] }] };
      const error = await failure(source(undefined, { headers }));
      expect(error.message).toBe(
        `source things: GET ${server.url}/users: the server redirected to another origin (${elsewhere.url}); refusing to send the source's headers or data there (write the URL it should reach in the .recon file)`,
      );
      expect(error.transient).toBe(false);
      expect(server.requests).toHaveLength(1);
      expect(elsewhere.requests).toEqual([]);
    } finally {
      await elsewhere.close();
    }
  });

  it('refuses a URL with credentials at once, without retrying and without showing the password', async () => {
    const url = server.url.replace('http://', 'http://app:literal-pw@');
    const error = await failure(source(`${url}/users`));
    expect(error.message).toBe(
      `source things: GET ${server.url.replace('http://', 'http://app:***@')}/users: the URL carries credentials (user:password@), which HTTP requests cannot send; put them in a header (headers: { Authorization: ... })`,
    );
    expect(error.transient).toBe(false);
    expect(server.requests).toEqual([]);
  });

  it('fails at once on a 4xx, without showing the token', async () => {
    const error = await failure(source(), { TOKEN: 'wrong-token' });
    expect(error.message).toBe(`source things: GET ${server.url}/users answered 401 Unauthorized: {"error":"unauthorized"}`);
    expect(error.transient).toBe(false);
    expect(error.at).toBe('test.recon:1:8');
    expect(server.requests).toHaveLength(1);
  });

  it('times out a slow endpoint', async () => {
    await server.close();
    server = await TestHttpServer.start({ slowMs: 3000 });
    const error = await failure(makeSource('http', [`${server.url}/slow`], { options: { items: 'data', timeout: 150 } }));
    expect(error.message).toMatch(new RegExp(`^source things: GET ${server.url}/slow: no complete answer within 150ms \\(timeout\\) \\(gave up after 4 attempts\\)$`));
    expect(error.transient).toBe(true);
  });

  it('reports an answer that is not JSON', async () => {
    const error = await failure(source(`${server.url}/html`));
    expect(error.message).toBe(`source things: GET ${server.url}/html: the answer is not JSON (text/html): <html><body>Welcome</body></html>`);
  });

  it('reports a missing items path', async () => {
    const error = await failure(source(`${server.url}/users`, { items: 'rows' }));
    expect(error.message).toBe(`source things: the answer of GET ${server.url}/users has nothing at items path "rows"`);
  });

  it('never shows a secret in the URL, even when the server repeats it', async () => {
    await server.close();
    server = await TestHttpServer.start({});
    server.addFault({ status: 404, body: `no page for key=${TOKEN}` });
    const url: IrExpr = { concat: [`${server.url}/users?key=`, { secret: ['TOKEN'] }] };
    const error = await failure(makeSource('http', [url], { options: { items: 'data' } }));
    expect(error.message).toBe(`source things: GET ${server.url}/users?key=*** answered 404 Not Found: no page for key=***`);
    expect(server.requests[0].path).toBe(`/users?key=${TOKEN}`);
  });

  it('refuses a next link to another origin (the headers would go there)', async () => {
    await server.close();
    server = await TestHttpServer.start({ token: TOKEN, records: USERS, pageSize: 2, absoluteLinks: true });
    server.addFault({ path: '/users', status: 200, body: JSON.stringify({ data: [], links: { next: 'http://evil.example/steal' } }) });
    const error = await failure();
    expect(error.message).toMatch(/the next page http:\/\/evil\.example is on another origin than http:\/\/127\.0\.0\.1:\d+; refusing to send the source's headers there/);
  });

  it('is refused in an untrusted context, before any request', async () => {
    const connector = createConnector(source(), createConnectorContext({ workspaceRoot: '/x', trusted: false, observedAt: OBSERVED_AT, env: { TOKEN } }));
    await expect(readAll(connector)).rejects.toThrow('source things: http sources are not run in an untrusted workspace (trust the workspace to read it)');
    expect(server.requests).toHaveLength(0);
  });

  it('reads Retry-After as seconds or as a date', () => {
    expect(retryAfterSeconds('3')).toBe(3);
    expect(retryAfterSeconds(new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(10);
    expect(retryAfterSeconds('soon')).toBeNull();
    expect(retryAfterSeconds(null)).toBeNull();
  });
});
