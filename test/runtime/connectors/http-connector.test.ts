import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IrExpr } from '../../../language/ir/ir-types.js';
import { ConnectorError } from '../../../runtime/connectors/connector.js';
import { createConnector, createConnectorContext } from '../../../runtime/connectors/connector-registry.js';
import { HttpExchangeError, MAX_ANSWER_BYTES, retryAfterSeconds, sendHttpRequest } from '../../../runtime/connectors/http-client.js';
import { MAX_EMPTY_PAGES_IN_A_ROW } from '../../../runtime/connectors/http-connector.js';
import { SecretScrubber } from '../../../runtime/connectors/secret-scrubber.js';
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

  it('refuses a next link back to a page already read (the pages loop)', async () => {
    server.addFault({ path: '/users?page=2', status: 200, body: JSON.stringify({ data: [USERS[2]], links: { next: '/users' } }) });
    const error = await failure();
    expect(error.message).toBe(`source things: GET ${server.url}/users?page=2: the next page ${server.url}/users was already read (the pages loop)`);
  });

  it('fails when a page repeats the records of an earlier one under a new link, instead of reading on forever', async () => {
    // an API that ignores the parameter of its own links: every page is the first one again
    server.addFault({ path: '/users?page=', status: 200, times: 1000, body: JSON.stringify({ data: USERS.slice(0, 2), links: { next: 'x/' } }) });
    const error = await failure();
    expect(error.message).toBe(
      `source things: GET ${server.url}/users?page=2: page 2 holds the same records as page 1; the next links do not advance (does the API ignore a parameter of its own links?)`,
    );
    expect(server.requests).toHaveLength(2);
  });

  it(`fails after ${MAX_EMPTY_PAGES_IN_A_ROW} empty pages in a row that still link on, instead of reading on forever`, async () => {
    // a relative link `x/` leads to a new URL each time: /x/, /x/x/, ...
    server.addFault({ status: 200, times: 10_000, body: JSON.stringify({ data: [], links: { next: 'x/' } }) });
    const error = await failure();
    expect(error.message).toMatch(
      new RegExp(`^source things: GET ${server.url}/(x/){${MAX_EMPTY_PAGES_IN_A_ROW - 1}}: ${MAX_EMPTY_PAGES_IN_A_ROW} pages in a row held no records, yet each links to a next page; the list does not seem to end$`),
    );
    expect(server.requests).toHaveLength(MAX_EMPTY_PAGES_IN_A_ROW);
  });

  it('reads on past a few empty pages, and an empty page that ends the list', async () => {
    server.addFault({ path: '/users?page=2', status: 200, body: JSON.stringify({ data: [], links: { next: '/users?page=3' } }) });
    server.addFault({ path: '/users?page=3', status: 200, body: JSON.stringify({ data: [], links: { next: '/users?page=4' } }) });
    server.addFault({ path: '/users?page=4', status: 200, body: JSON.stringify({ data: USERS.slice(2), links: { next: '/users?page=5' } }) });
    server.addFault({ path: '/users?page=5', status: 200, body: JSON.stringify({ data: [], links: { next: null } }) });
    const { records } = await read();
    expect(records).toEqual(USERS);
  });

  it('stops the whole read when a later page has no items, is not JSON, or fails: no partial list', async () => {
    server.addFault({ path: '/users?page=3', status: 200, body: JSON.stringify({ error: 'maintenance' }) });
    expect((await failure()).message).toBe(`source things: the answer of GET ${server.url}/users?page=3 has nothing at items path "data"`);
    server.addFault({ path: '/users?page=2', status: 200, body: '<html>maintenance</html>' });
    expect((await failure()).message).toBe(`source things: GET ${server.url}/users?page=2: the answer is not JSON (text/plain): <html>maintenance</html>`);
    server.addFault({ path: '/users?page=2', status: 403, body: 'forbidden' });
    expect((await failure()).message).toBe(`source things: GET ${server.url}/users?page=2 answered 403 Forbidden: forbidden`);
  });

  it('reads the query of a cursor link relative to the page (`?cursor=...`)', async () => {
    server.addFault({ path: '/users', status: 200, body: JSON.stringify({ data: USERS.slice(0, 2), meta: { next: '?cursor=c2' } }) });
    server.addFault({ path: '/users?cursor=c2', status: 200, body: JSON.stringify({ data: USERS.slice(2), meta: { next: '' } }) });
    const { records } = await read(source(`${server.url}/users`, { next: 'meta.next' }));
    expect(records).toEqual(USERS);
    expect(server.requests.map((r) => r.path)).toEqual(['/users', '/users?cursor=c2']);
  });

  it('reads the Retry-After of a 429 on a later page, then reads on', async () => {
    server.addFault({ path: '/users?page=2', status: 429, retryAfter: '1', times: 2 });
    const started = Date.now();
    const { records } = await read();
    expect(records).toEqual(USERS);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(server.requests.filter((r) => r.path === '/users?page=2')).toHaveLength(3);
  });

  it('fails at once on a Retry-After longer than recon waits while reading', async () => {
    server.addFault({ path: '/users?page=2', status: 503, retryAfter: '3600' });
    const error = await failure();
    expect(error.message).toBe(
      `source things: GET ${server.url}/users?page=2 answered 503 Service Unavailable: {"error":"scripted 503"} (it asks to retry after 3600s, more than recon waits while reading)`,
    );
    expect(server.requests).toHaveLength(2);
  });

  it('reads Retry-After as seconds or as a date', () => {
    expect(retryAfterSeconds('3')).toBe(3);
    expect(retryAfterSeconds(new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(10);
    expect(retryAfterSeconds('soon')).toBeNull();
    expect(retryAfterSeconds(null)).toBeNull();
  });
});

/** A loopback server answering every request with `handler` (raw control over the body). */
async function rawServer(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server; count: () => number }> {
  let count = 0;
  const server = createServer((request, response) => {
    count += 1;
    handler!(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, count: () => count };
}

async function closeRaw(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('http connector: answers cut off or too large', () => {
  it('retries a page whose connection is reset in the middle of the body', async () => {
    const raw = await rawServer((_request, response) => {
      const body = JSON.stringify({ data: [{ id: 'a' }, { id: 'b' }] });
      if (raw.count() === 1) {
        response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(body.length) });
        response.write(body.slice(0, 10));
        setTimeout(() => response.socket?.destroy(), 20);
        return;
      }
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(body);
    });
    try {
      const { records } = await readAll(connectorFor(makeSource('http', [`${raw.url}/items`], { options: { items: 'data' } }), '/nonexistent'));
      expect(records).toEqual([{ id: 'a' }, { id: 'b' }]);
      expect(raw.count()).toBe(2);
    } finally {
      await closeRaw(raw.server);
    }
  });

  it('refuses an answer larger than it reads, at once and without retrying', async () => {
    const raw = await rawServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(MAX_ANSWER_BYTES + 1) });
      response.write('{"data": [');
    });
    try {
      const error = await readAll(connectorFor(makeSource('http', [`${raw.url}/items`], { options: { items: 'data' } }), '/nonexistent')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectorError);
      expect((error as ConnectorError).message).toBe(
        `source things: GET ${raw.url}/items: the answer is larger than 256 MiB, more than recon reads in one answer (ask the API for smaller pages)`,
      );
      expect(raw.count()).toBe(1);
    } finally {
      await closeRaw(raw.server);
    }
  });

  it('stops downloading a body without a length once it passes the limit', async () => {
    const raw = await rawServer((_request, response) => {
      let written = 0;
      response.writeHead(200, { 'Content-Type': 'application/json' });
      const chunk = 'x'.repeat(1024);
      const write = (): void => {
        while (written < 10_000) {
          written += 1;
          if (!response.write(chunk)) return void response.once('drain', write);
        }
        response.end();
      };
      write();
    });
    try {
      const request = { method: 'GET', url: `${raw.url}/big`, shownUrl: `${raw.url}/big`, headers: {}, timeoutMs: 10_000, maxAnswerBytes: 64 * 1024 };
      const error = await sendHttpRequest(request, new SecretScrubber()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HttpExchangeError);
      expect((error as HttpExchangeError).reason).toBe('refused');
      expect((error as HttpExchangeError).message).toBe(
        `GET ${raw.url}/big: the answer is larger than 64 KiB, more than recon reads in one answer (ask the API for smaller pages)`,
      );
      const small = await sendHttpRequest({ ...request, maxAnswerBytes: 20 * 1024 * 1024 }, new SecretScrubber());
      expect(small.text).toHaveLength(10_000 * 1024);
    } finally {
      await closeRaw(raw.server);
    }
  });
});

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

describe('http connector: https', () => {
  it.skipIf(!hasOpenssl)('refuses a server whose certificate is not trusted at once, in words, without retrying', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'recon-tls-'));
    let requests = 0;
    let connections = 0;
    let server: Server | undefined;
    try {
      const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
      server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_request, response) => {
        requests += 1;
        response.end('[]');
      }) as unknown as Server;
      server.on('connection', () => (connections += 1));
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/items`;
      const error = await readAll(connectorFor(makeSource('http', [url]), '/nonexistent')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectorError);
      expect((error as ConnectorError).message).toBe(
        `source things: GET ${url}: the server is not trusted: its certificate is self-signed (DEPTH_ZERO_SELF_SIGNED_CERT); to trust a private certificate authority, set NODE_EXTRA_CA_CERTS to its PEM file`,
      );
      expect((error as ConnectorError).transient).toBe(false);
      expect(requests).toBe(0);
      expect(connections).toBe(1); // not retried: the same certificate would fail again
    } finally {
      if (server) await closeRaw(server);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
