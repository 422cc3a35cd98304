/**
 * A small JSON API on loopback for the http connector and writer tests (`node:http`, no
 * framework): a collection of records with pages, bearer authentication, scripted failures
 * (503 with `Retry-After`, 429, failures after the change was applied), a slow endpoint, and
 * `Idempotency-Key` handling like a careful real API.
 *
 * Why our own server: the tests must see exactly what arrives — methods, paths, headers, bodies,
 * idempotency keys — and count what was applied, which no mock of `fetch` could show honestly.
 *
 * Routes, for a collection named `users`:
 * - `GET /users?page=N` → `{ "data": [...], "links": { "next": "/users?page=N+1" | null } }`
 *   (`absoluteLinks` makes the link absolute); records sorted by id, `pageSize` a page.
 * - `POST /users` (a record with `id`), `PATCH /users/ID` (merge), `PUT /users/ID`,
 *   `DELETE /users/ID` (404 when missing); `GET /users/ID`.
 * - `GET /slow` answers after `slowMs`; `GET /html` answers a web page.
 * - With `token`, every request needs `Authorization: Bearer <token>` (else 401).
 * - A request with an `Idempotency-Key` seen before gets the first answer again, and nothing is
 *   applied twice (`applied` lists each change once, with its key).
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A scripted answer for the next matching requests. */
export interface Fault {
  /** Only requests with this method (default: any). */
  method?: string;
  /** Only requests whose path starts with this (default: any). */
  path?: string;
  status: number;
  retryAfter?: string;
  body?: string;
  /** Apply the change first, then answer with the fault (an answer lost after the fact). */
  afterApply?: boolean;
  /** How many requests it answers (default 1). */
  times?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Answer with the request's Authorization header in the body (a careless API's error). */
  echoAuthorization?: boolean;
  /** A `Location` header (a redirect, with a 3xx `status`). */
  location?: string;
}

export interface AppliedChange {
  method: string;
  id: string;
  idempotencyKey: string | null;
  body: unknown;
}

export interface TestHttpServerOptions {
  collection?: string;
  token?: string;
  pageSize?: number;
  absoluteLinks?: boolean;
  slowMs?: number;
  records?: Record<string, unknown>[];
}

export class TestHttpServer {
  readonly records = new Map<string, Record<string, unknown>>();
  readonly requests: RecordedRequest[] = [];
  readonly applied: AppliedChange[] = [];
  private readonly faults: Fault[] = [];
  private readonly answered = new Map<string, { status: number; body: string }>();
  private server!: Server;
  url = '';

  private constructor(readonly options: TestHttpServerOptions) {
    for (const record of options.records ?? []) this.records.set(String(record.id), { ...record });
  }

  /** Starts a server on 127.0.0.1 and a free port. */
  static async start(options: TestHttpServerOptions = {}): Promise<TestHttpServer> {
    const instance = new TestHttpServer(options);
    instance.server = createServer((request, response) => {
      void instance.handle(request, response);
    });
    await new Promise<void>((resolve) => instance.server.listen(0, '127.0.0.1', resolve));
    instance.url = `http://127.0.0.1:${(instance.server.address() as AddressInfo).port}`;
    return instance;
  }

  get collection(): string {
    return this.options.collection ?? 'users';
  }

  /** Answers the next matching request(s) with a fault. */
  addFault(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** Requests to a path prefix (and method). */
  requestsTo(path: string, method?: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith(path) && (method === undefined || r.method === method));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private takeFault(method: string, path: string): Fault | null {
    const index = this.faults.findIndex((f) => (f.method === undefined || f.method === method) && (f.path === undefined || path.startsWith(f.path)));
    if (index < 0) return null;
    const fault = this.faults[index];
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const method = request.method ?? 'GET';
    const path = request.url ?? '/';
    this.requests.push({ method, path, headers: request.headers, body });
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
      const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
      response.writeHead(status, { 'Content-Type': typeof payload === 'string' ? 'text/plain' : 'application/json', ...headers });
      response.end(text);
    };

    if (this.options.token !== undefined && request.headers.authorization !== `Bearer ${this.options.token}`) {
      return send(401, { error: 'unauthorized' });
    }
    const fault = this.takeFault(method, path);
    if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (response.destroyed) return;
    const faultBody = (f: Fault): unknown => f.body ?? (f.echoAuthorization ? { error: `rejected credentials ${request.headers.authorization ?? ''}` } : { error: `scripted ${f.status}` });
    if (fault && !fault.afterApply) {
      return send(fault.status, faultBody(fault), { ...(fault.retryAfter ? { 'Retry-After': fault.retryAfter } : {}), ...(fault.location ? { Location: fault.location } : {}) });
    }
    const url = new URL(path, this.url);
    if (url.pathname === '/slow') {
      await new Promise((resolve) => setTimeout(resolve, this.options.slowMs ?? 2000));
      if (!response.destroyed) send(200, { data: [] });
      return;
    }
    if (url.pathname === '/html') {
      response.writeHead(200, { 'Content-Type': 'text/html' });
      response.end('<html><body>Welcome</body></html>');
      return;
    }
    const base = `/${this.collection}`;
    if (url.pathname === base && method === 'GET') return send(200, this.page(url));

    const key = typeof request.headers['idempotency-key'] === 'string' ? request.headers['idempotency-key'] : null;
    if (key !== null && this.answered.has(key)) {
      const first = this.answered.get(key)!;
      return send(first.status, JSON.parse(first.body) as unknown, { 'Idempotent-Replayed': 'true' });
    }
    let status = 404;
    let result: unknown = { error: 'not found' };
    let parsed: unknown = null;
    if (body !== '') {
      try {
        parsed = JSON.parse(body);
      } catch {
        return send(400, { error: 'the body is not JSON' });
      }
    }
    if (url.pathname === base && method === 'POST') {
      const record = parsed as Record<string, unknown> | null;
      if (!record || record.id === undefined) {
        status = 422;
        result = { error: 'a record needs an id' };
      } else if (this.records.has(String(record.id))) {
        status = 409;
        result = { error: `${String(record.id)} exists` };
      } else {
        this.records.set(String(record.id), { ...record });
        this.applied.push({ method, id: String(record.id), idempotencyKey: key, body: parsed });
        status = 201;
        result = record;
      }
    } else if (url.pathname.startsWith(`${base}/`)) {
      const id = decodeURIComponent(url.pathname.slice(base.length + 1));
      const existing = this.records.get(id);
      if (method === 'GET' && existing) {
        status = 200;
        result = existing;
      } else if ((method === 'PATCH' || method === 'PUT') && existing) {
        const next = method === 'PATCH' ? { ...existing, ...(parsed as Record<string, unknown>) } : { ...(parsed as Record<string, unknown>), id };
        this.records.set(id, next);
        this.applied.push({ method, id, idempotencyKey: key, body: parsed });
        status = 200;
        result = next;
      } else if (method === 'DELETE' && existing) {
        this.records.delete(id);
        this.applied.push({ method, id, idempotencyKey: key, body: null });
        status = 204;
        result = '';
      }
    }
    if (key !== null && status < 500) this.answered.set(key, { status, body: JSON.stringify(result) });
    if (fault?.afterApply) {
      return send(fault.status, faultBody(fault), fault.retryAfter ? { 'Retry-After': fault.retryAfter } : {});
    }
    if (status === 204) {
      response.writeHead(204);
      response.end();
      return;
    }
    send(status, result);
  }

  private page(url: URL): unknown {
    const size = this.options.pageSize ?? 2;
    const page = Number(url.searchParams.get('page') ?? '1');
    const all = [...this.records.values()].sort((a, b) => String(a.id).localeCompare(String(b.id)));
    const data = all.slice((page - 1) * size, page * size);
    const more = page * size < all.length;
    const link = `/${this.collection}?page=${page + 1}`;
    return { data, links: { next: more ? (this.options.absoluteLinks ? `${this.url}${link}` : link) : null } };
  }
}
