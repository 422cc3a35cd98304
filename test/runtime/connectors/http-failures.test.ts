/**
 * Why a request got no answer, and whether it is tried again (RUNTIME.md section 4: only
 * transient failures are retried). `fetch` says only `fetch failed`; the reason is in its
 * `cause`. A port `fetch` blocks (`bad port`), a host name that does not exist (ENOTFOUND), a
 * protocol other than http/https and a request `fetch` rejects fail again however often they are
 * tried: said at once, in words. A refused or reset connection is retried. Real loopback sockets
 * and Node's real resolver, no mocks.
 */
import { lookup } from 'node:dns/promises';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../runtime/connectors/connector.js';
import { HttpExchangeError, sendHttpRequest } from '../../../runtime/connectors/http-client.js';
import { SecretScrubber } from '../../../runtime/connectors/secret-scrubber.js';
import { connectorFor, makeSource, readAll } from './source-fixture.js';

/** Whether this machine's resolver says `.invalid` names do not exist (ENOTFOUND), as RFC 6761 asks. */
const RESOLVER_SAYS_NOT_FOUND = await lookup('recon-test.invalid').then(
  () => false,
  (error: NodeJS.ErrnoException) => error.code === 'ENOTFOUND',
);

/** The least time the connector's four attempts take: backoff 250 ms doubling, −25% jitter. */
const FOUR_ATTEMPTS_MS = (250 + 500 + 1000) * 0.75;

const request = (url: string, extra: Partial<Parameters<typeof sendHttpRequest>[0]> = {}) => ({
  method: 'GET',
  url,
  shownUrl: url,
  headers: {},
  timeoutMs: 5_000,
  ...extra,
});

async function exchangeError(url: string, extra: Partial<Parameters<typeof sendHttpRequest>[0]> = {}, scrubber = new SecretScrubber()): Promise<HttpExchangeError> {
  const error = await sendHttpRequest(request(url, extra), scrubber).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(HttpExchangeError);
  return error as HttpExchangeError;
}

async function readFailure(url: string): Promise<{ error: ConnectorError; ms: number }> {
  const started = Date.now();
  const error = await readAll(connectorFor(makeSource('http', [url]), '/nonexistent')).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConnectorError);
  return { error: error as ConnectorError, ms: Date.now() - started };
}

/**
 * A loopback TCP server that resets the first `resets` connections as soon as the request
 * arrives (ECONNRESET for the client), then answers `body` as JSON.
 */
async function resettingServer(resets: number, body = '[]'): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createNetServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const nth = connections;
    socket.once('data', () => {
      if (nth <= resets) socket.resetAndDestroy();
      else socket.end(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('http failures that fail again: said at once, with the reason', () => {
  it('a port fetch blocks (9, 6000, 10080) is "bad port", not retried', async () => {
    for (const port of [9, 6000, 10080]) {
      const error = await exchangeError(`http://127.0.0.1:${port}/users`);
      expect(error.reason).toBe('failed');
      expect(error.transient).toBe(false);
      expect(error.message).toBe(
        `GET http://127.0.0.1:${port}/users: bad port: fetch never connects to port ${port} (the Fetch standard blocks it, as browsers do); serve the API on another port`,
      );
    }
    const { error, ms } = await readFailure('http://127.0.0.1:9/users');
    expect(error.message).toBe(
      'source things: GET http://127.0.0.1:9/users: bad port: fetch never connects to port 9 (the Fetch standard blocks it, as browsers do); serve the API on another port',
    );
    expect(error.transient).toBe(false);
    expect(ms).toBeLessThan(FOUR_ATTEMPTS_MS); // one attempt: no backoff was waited
  });

  // Needs a resolver that answers "no such name" for .invalid (RFC 6761); a machine without a DNS
  // server answers EAI_AGAIN (transient, retried), and then there is nothing to test here.
  it.skipIf(!RESOLVER_SAYS_NOT_FOUND)('a host name that does not exist (ENOTFOUND, under .invalid) is not retried', async () => {
    const error = await exchangeError('http://recon-test.invalid/users');
    expect([error.reason, error.transient]).toEqual(['failed', false]);
    expect(error.message).toBe('GET http://recon-test.invalid/users: unknown host: no such name in DNS (ENOTFOUND)');
    const read = await readFailure('http://recon-test.invalid/users');
    expect(read.error.message).toBe('source things: GET http://recon-test.invalid/users: unknown host: no such name in DNS (ENOTFOUND)');
    expect(read.error.transient).toBe(false);
    expect(read.ms).toBeLessThan(FOUR_ATTEMPTS_MS);
  });

  it('a protocol other than http and https, and a URL fetch cannot parse, are said and not retried', async () => {
    const ftp = await exchangeError('ftp://127.0.0.1/users', { method: 'POST' });
    expect([ftp.reason, ftp.message]).toEqual(['failed', 'POST ftp://127.0.0.1/users: unsupported protocol ftp: (only http: and https: URLs can be requested)']);
    const file = await exchangeError('file:///etc/passwd');
    expect(file.reason).toBe('failed');
    const invalid = await exchangeError('notaurl/users', { method: 'DELETE' });
    expect([invalid.reason, invalid.message]).toEqual(['failed', 'DELETE notaurl/users: not a valid URL (ERR_INVALID_URL)']);
  });

  it('a request fetch rejects is not retried, and its message does not quote the header value (it may hold a secret)', async () => {
    const secret = 'hdr-s3cr3t-42';
    const error = await exchangeError('http://127.0.0.1:1/users', { headers: { Authorization: `Bearer x\n${secret}` } });
    expect([error.reason, error.transient]).toEqual(['failed', false]);
    expect(error.message).toBe('GET http://127.0.0.1:1/users: the request is not valid: a header value holds a line break or another character HTTP headers cannot carry');
    expect(error.message).not.toContain(secret);
  });
});

describe('http failures that pass: retried', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('a reset connection (ECONNRESET) is transient, and the read succeeds on a later attempt', async () => {
    const server = await resettingServer(2, '[{"id": "a"}]');
    close = server.close;
    const error = await exchangeError(`${server.url}/items`);
    expect([error.reason, error.transient, error.message]).toEqual(['network', true, `GET ${server.url}/items: connection reset`]);
    const { records } = await readAll(connectorFor(makeSource('http', [`${server.url}/items`]), '/nonexistent'));
    expect(records).toEqual([{ id: 'a' }]);
    expect(server.connections()).toBe(3); // one reset above; in the read, one reset, then the answer
  });

  it('a server that keeps resetting gives up after four attempts, naming the reason', async () => {
    const server = await resettingServer(Number.MAX_SAFE_INTEGER);
    close = server.close;
    const { error } = await readFailure(`${server.url}/items`);
    expect(error.message).toBe(`source things: GET ${server.url}/items: connection reset (gave up after 4 attempts)`);
    expect(error.transient).toBe(true);
    expect(server.connections()).toBe(4);
  });

  it('a refused connection (ECONNREFUSED) is transient', async () => {
    const server = await resettingServer(0);
    const url = server.url;
    await server.close();
    const error = await exchangeError(`${url}/items`);
    expect([error.reason, error.transient, error.message]).toEqual(['network', true, `GET ${url}/items: connection refused`]);
  });
});
