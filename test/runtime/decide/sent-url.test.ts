/**
 * The URL an HTTP effect shows is the one apply sends: a write URL whose interpolated key holds
 * `..` segments or a `#` is refused instead of being shown one way and sent another.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sentUrl } from '../../../runtime/decide/sent-url.js';
import { ensureCliBuilt, makeTempDir, removeTempDir, runCli } from '../../helpers/run-cli.js';
import { TestHttpServer } from '../../helpers/test-http-server.js';

describe('sentUrl', () => {
  it('shows a URL as fetch sends it', () => {
    expect(sentUrl('http://127.0.0.1:8080/settlements/t1')).toEqual({ url: 'http://127.0.0.1:8080/settlements/t1', problem: null });
    expect(sentUrl('http://127.0.0.1:8080/s/a b')).toEqual({ url: 'http://127.0.0.1:8080/s/a%20b', problem: null });
    expect(sentUrl('http://127.0.0.1:8080/s/x?dry=..')).toEqual({ url: 'http://127.0.0.1:8080/s/x?dry=..', problem: null });
  });

  it('refuses dot segments (also spelled %2e) and fragments', () => {
    for (const written of ['http://h/s/../../admin', 'http://h/s/./x', 'http://h/s/%2E%2e/x', 'http://h/s/a\\..\\b', 'http://h/s/.%2e']) {
      const sent = sentUrl(written);
      expect(sent.url, written).toBeNull();
      expect(sent.problem).toMatch(/resolved away/);
    }
    const hashed = sentUrl('http://h/s/a#b');
    expect(hashed.url).toBeNull();
    expect(hashed.problem).toMatch(/holds "#"/);
  });

  it('leaves a URL that does not parse as written (sending it fails with its own message)', () => {
    expect(sentUrl('not a url/../x')).toEqual({ url: 'not a url/../x', problem: null });
  });
});

describe('recon plan/apply: an http delete whose key holds "../" or "#" goes to that record, not elsewhere', { timeout: 60_000 }, () => {
  let server: TestHttpServer;
  let dir = '';

  beforeAll(async () => {
    await ensureCliBuilt();
    server = await TestHttpServer.start({ records: [{ id: '../../admin' }, { id: 'a#b' }, { id: 'plain' }] });
    dir = makeTempDir();
    writeFileSync(join(dir, 'recon.json'), '{}');
    writeFileSync(join(dir, 'desired.json'), '[]');
    writeFileSync(
      join(dir, 'p.recon'),
      `source desired { from json("desired.json") key id }
source api {
  from http("${server.url}/users", items: "data", next: "links.next")
  key id
  write { delete DELETE "${server.url}/users/\${key.id}" }
}
policy p {
  mode enforce
  desired desired
  actual api
  remediate { on extra => delete }
}
`,
    );
  });

  afterAll(async () => {
    await server?.close();
    if (dir) removeTempDir(dir);
  });

  it('the plan shows each key as one encoded path segment of the collection', async () => {
    const result = await runCli(['plan', 'p.recon', '--format', 'json'], { cwd: dir });
    expect(result.code).toBe(2);
    const items = (JSON.parse(result.stdout) as { policies: { items: { id: string; effect: unknown; warnings?: string[] }[] }[] }).policies[0].items;
    expect(items.find((item) => item.id === 'p/extra/..%2F..%2Fadmin')!.effect).toMatchObject({ method: 'DELETE', url: `${server.url}/users/..%2F..%2Fadmin` });
    expect(items.find((item) => item.id === 'p/extra/a#b')!.effect).toMatchObject({ method: 'DELETE', url: `${server.url}/users/a%23b` });
    expect(items.find((item) => item.id === 'p/extra/plain')!.effect).toMatchObject({ method: 'DELETE', url: `${server.url}/users/plain` });
  });

  it('apply sends exactly the requests the plan shows, none outside the collection', async () => {
    const result = await runCli(['apply', 'p.recon', '--auto-approve'], { cwd: dir });
    expect([0, 2]).toContain(result.code);
    const deletes = server.requests.filter((request) => request.method === 'DELETE').map((request) => request.path);
    expect(deletes.sort()).toEqual(['/users/..%2F..%2Fadmin', '/users/a%23b', '/users/plain']);
  });
});
