// A small identity API for the identity-sync-http sample: users with pages, bearer-token
// authentication and Idempotency-Key handling, kept in memory (a restart starts from
// data/api-users.json again). Node's own http module, nothing to install.
//
//   IDENTITY_API_TOKEN=dev-token node server.mjs            # listens on 127.0.0.1:8787
//   PORT=9000 IDENTITY_API_TOKEN=dev-token node server.mjs  # another port
//
// GET /users?page=N (3 a page) -> { "data": [...], "links": { "next": "/users?page=N+1" | null } }
// POST /users, PATCH /users/ID, DELETE /users/ID; every request needs "Authorization: Bearer TOKEN".
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

const port = Number(process.env.PORT ?? 8787);
const token = process.env.IDENTITY_API_TOKEN;
if (!token) {
  console.error('set IDENTITY_API_TOKEN (any value; recon must be given the same one)');
  process.exit(1);
}
const PAGE = 3;
const users = new Map(JSON.parse(readFileSync(new URL('./data/api-users.json', import.meta.url), 'utf8')).map((u) => [u.id, u]));
const answered = new Map(); // Idempotency-Key -> first answer

function send(response, status, body) {
  response.writeHead(status, body === undefined ? {} : { 'Content-Type': 'application/json' });
  response.end(body === undefined ? undefined : JSON.stringify(body));
}

const server = createServer(async (request, response) => {
  let text = '';
  for await (const chunk of request) text += chunk;
  const url = new URL(request.url, `http://${request.headers.host}`);
  const key = request.headers['idempotency-key'] ?? null;
  console.log(`${request.method} ${url.pathname}${url.search}${key ? `  Idempotency-Key: ${key}` : ''}`);
  if (request.headers.authorization !== `Bearer ${token}`) return send(response, 401, { error: 'missing or wrong bearer token' });
  if (request.method === 'GET' && url.pathname === '/users') {
    const page = Number(url.searchParams.get('page') ?? 1);
    const all = [...users.values()].sort((a, b) => a.id.localeCompare(b.id));
    const next = page * PAGE < all.length ? `/users?page=${page + 1}` : null;
    return send(response, 200, { data: all.slice((page - 1) * PAGE, page * PAGE), links: { next } });
  }
  if (key && answered.has(key)) {
    const first = answered.get(key);
    return send(response, first.status, first.body);
  }
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    return send(response, 400, { error: 'the body is not JSON' });
  }
  let status = 404;
  let result = { error: 'no such user' };
  const id = url.pathname.startsWith('/users/') ? decodeURIComponent(url.pathname.slice('/users/'.length)) : null;
  if (request.method === 'POST' && url.pathname === '/users') {
    if (!body?.id) [status, result] = [422, { error: 'a user needs an id' }];
    else if (users.has(body.id)) [status, result] = [409, { error: `user ${body.id} exists` }];
    else {
      users.set(body.id, body);
      [status, result] = [201, body];
    }
  } else if (request.method === 'PATCH' && id && users.has(id)) {
    users.set(id, { ...users.get(id), ...body, id });
    [status, result] = [200, users.get(id)];
  } else if (request.method === 'DELETE' && id && users.has(id)) {
    users.delete(id);
    [status, result] = [204, undefined];
  }
  if (key) answered.set(key, { status, body: result });
  send(response, status, result);
});

server.listen(port, '127.0.0.1', () => console.log(`identity API on http://127.0.0.1:${port}/users`));
