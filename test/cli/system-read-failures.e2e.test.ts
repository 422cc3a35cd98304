/**
 * A source that reaches a system and fails part-way through its read stops the run, through the
 * built CLI: `recon plan` exits 1 with one located error line and writes no plan, and `recon
 * apply --auto-approve` acts on nothing — above all, it never deletes the records a partial read
 * did not show (the records already read would make every later record look `extra`).
 *
 * Covers `http` (a later page not JSON; pages that repeat under new links, which before were
 * read on as duplicates or forever), `exec` (a program that prints part of its records, then
 * fails) and `postgres` (a query that fails after rows have arrived). `recon apply` names the
 * source's place like `recon plan` does (before: `error: recon apply: source actual: ...`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, makeWorkspace, removeTempDir, runCli } from '../helpers/cli-helpers.js';
import { createTestDatabase, warnIfSkipped, type TestDatabase } from '../helpers/postgres-database.js';
import { TestHttpServer } from '../helpers/test-http-server.js';

const made: string[] = [];
function workspace(files: Record<string, string>): string {
  const dir = makeWorkspace(files);
  made.push(dir);
  return dir;
}

beforeAll(async () => {
  await ensureCliBuilt();
}, 120_000);

afterAll(() => {
  for (const dir of made) removeTempDir(dir);
});

const USERS = ['u1', 'u2', 'u3', 'u4', 'u5'].map((id) => ({ id, name: `User ${id}` }));
const DESIRED = JSON.stringify(USERS.slice(0, 4));

/** A policy that deletes every extra record of `actual` (when `rules`), given that source's lines. */
function file(actual: string, rules = true): string {
  const remediate = rules
    ? `
  mode enforce
  remediate {
    on missing => create
    on extra => delete
    on changed => update
  }`
    : '';
  return `source desired {
  from json("desired.json")
  key id
}
${actual}
policy p {
  desired desired
  actual actual${remediate}
}
`;
}

/** `recon plan -o` exits 1 with one located line and writes nothing; `apply` acts on nothing. */
async function stopsTheRun(dir: string, expected: RegExp): Promise<void> {
  const plan = await runCli(['plan', 'p.recon', '-o', 'plan.json'], { cwd: dir });
  expect(plan.code).toBe(1);
  expect(plan.stdout).toBe('');
  expect(plan.stderr.trim().split('\n')).toHaveLength(1);
  expect(plan.stderr.trim()).toMatch(expected);
  expect(existsSync(join(dir, 'plan.json'))).toBe(false);
  const apply = await runCli(['apply', 'p.recon', '--auto-approve'], { cwd: dir });
  expect(apply.code).toBe(1);
  expect(apply.stderr.trim()).toMatch(expected);
}

describe('a read that fails part-way stops plan and apply', () => {
  let server: TestHttpServer;
  afterEach(async () => {
    await server?.close();
  });

  const httpSource = (url: string): string => `source actual {
  from http("${url}/users", items: "data", next: "links.next")
  key id
  write {
    create POST "${url}/users"
    update PATCH "${url}/users/\${key.id}"
    delete DELETE "${url}/users/\${key.id}"
  }
}`;

  it('http: a later page that is not JSON', async () => {
    server = await TestHttpServer.start({ records: USERS, pageSize: 2 });
    server.addFault({ method: 'GET', path: '/users?page=3', status: 200, body: '<html>maintenance</html>', times: 100 });
    const dir = workspace({ 'desired.json': DESIRED, 'p.recon': file(httpSource(server.url)) });
    await stopsTheRun(dir, /^p\.recon:6:8: error: source actual: GET http:\/\/127\.0\.0\.1:\d+\/users\?page=3: the answer is not JSON \(text\/plain\): <html>maintenance<\/html>$/);
    expect(server.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(server.records.size).toBe(5);
  });

  it('http: pages that repeat the first page under new links', async () => {
    server = await TestHttpServer.start({ records: USERS, pageSize: 2 });
    server.addFault({ method: 'GET', path: '/users?page=', status: 200, times: 1000, body: JSON.stringify({ data: USERS.slice(0, 2), links: { next: 'users?page=9' } }) });
    const dir = workspace({ 'desired.json': DESIRED, 'p.recon': file(httpSource(server.url)) });
    await stopsTheRun(dir, /^p\.recon:6:8: error: source actual: GET .*\/users\?page=2: page 2 holds the same records as page 1; the next links do not advance/);
    expect(server.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('exec: a program that prints some records, then fails', async () => {
    const program = `process.stdout.write(JSON.stringify(${JSON.stringify(USERS.slice(0, 1))}));\nprocess.stderr.write('lost the connection\\n');\nprocess.exit(3);\n`;
    const source = `source actual {
  from exec("node", ["list.mjs"])
  key id
  write {
    create exec("node", ["write.mjs"])
    update exec("node", ["write.mjs"])
    delete exec("node", ["write.mjs"])
  }
}`;
    const dir = workspace({ 'desired.json': DESIRED, 'list.mjs': program, 'write.mjs': `import { writeFileSync } from 'node:fs';\nwriteFileSync('written', 'yes');\n`, 'p.recon': file(source) });
    await stopsTheRun(dir, /^p\.recon:6:8: error: source actual: node exited with code 3: lost the connection$/);
    expect(existsSync(join(dir, 'written'))).toBe(false);
  });
});

const skipped = warnIfSkipped('PostgreSQL read failures through the CLI (test/cli/system-read-failures.e2e.test.ts)');

describe.skipIf(skipped)('a postgres read that fails part-way stops plan and apply', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('read_failures');
    await db.sql(`CREATE TABLE users (id text PRIMARY KEY, name text)`);
    await db.sql(`INSERT INTO users SELECT 'u' || g, 'User u' || g FROM generate_series(1, 10000) AS g`);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('a query that fails after its first rows have arrived', async () => {
    // the 9000th row divides by zero: the cursor has delivered two batches by then
    const source = `source actual {
  from postgres("${db.url}", query: "SELECT id, name, 1 / (9000 - row_number() OVER (ORDER BY id)) AS x FROM users")
  key id
}`;
    const dir = workspace({ 'desired.json': DESIRED, 'p.recon': file(source, false) });
    const plan = await runCli(['plan', 'p.recon', '-o', 'plan.json'], { cwd: dir });
    expect(plan.code).toBe(1);
    expect(plan.stderr.trim()).toMatch(/^p\.recon:6:8: error: source actual: query: division by zero \[SQLSTATE 22012\]$/);
    expect(existsSync(join(dir, 'plan.json'))).toBe(false);
    const count = await db.sql(`SELECT count(*)::int AS n FROM users`);
    expect(count.rows[0].n).toBe(10000);
  });
});
