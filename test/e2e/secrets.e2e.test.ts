/**
 * Secrets never leak: `secret()` values planted in an http source (a bearer header of reads and
 * writes, a query parameter of the read URL), an exec source (the program's arguments) and — when the
 * server is installed — a postgres connection string, then every output searched for them: the
 * plan in every format, the saved plan, `compile`, apply's output, the state folder (audit log,
 * metrics, tickets, checkpoints), and the error messages of failing reads and writes, even when
 * the server or the program repeats the secret.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorkspace } from '../helpers/cli-helpers.js';
import { ensureCliBuilt, removeTempDir, runCli, type CliResult } from '../helpers/run-cli.js';
import { createTestDatabase, postgresInfo, type TestDatabase } from '../helpers/postgres-database.js';
import { TestHttpServer } from '../helpers/test-http-server.js';

const MARK = 'XYZZY-s3cr3t';
const SECRETS = { API_TOKEN: `tok-${MARK}-1`, API_KEY: `key-${MARK}-2`, TOOL_PASSWORD: `pw-${MARK}-3`, PG_PASSWORD: `pg-${MARK}-4` };

/** A host inventory tool: `list` prints hosts; `set ID` stores stdin; TOOL_FAIL makes it fail, repeating its arguments. */
const TOOL = `
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
const args = process.argv.slice(2);
if (process.env.TOOL_FAIL) { process.stderr.write('login refused for ' + args.join(' ') + '\\n'); process.exit(2); }
const hosts = existsSync('hosts.json') ? JSON.parse(readFileSync('hosts.json', 'utf8')) : [{ id: 'h1', role: 'web' }];
if (args[0] === 'list') { process.stdout.write(JSON.stringify(hosts)); process.exit(0); }
const record = JSON.parse(readFileSync(0, 'utf8'));
writeFileSync('hosts.json', JSON.stringify(hosts.map((h) => (h.id === args[1] ? { ...h, ...record } : h))));
`;

function recon(withPostgres: boolean): string {
  const postgres = withPostgres
    ? `
source pg_wanted {
  from inline([{ id: "r1", label: "new" }])
  key id
}

source pg_rows {
  from postgres(secret("PG_URL"), table: "public.rows")
  key id
}

policy pg_parity {
  mode enforce
  desired pg_wanted
  actual pg_rows
  remediate {
    on changed => update
    on missing => create
  }
}
`
    : '';
  return `
source people {
  from inline([{ id: "u1", name: "New name" }, { id: "u2", name: "Second" }])
  key id
}

source api_users {
  from http("\${env("API")}/users?api_key=\${secret("API_KEY")}", items: "data", next: "links.next",
            headers: { Authorization: "Bearer \${secret("API_TOKEN")}" }, timeout: 5s)
  key id
  write {
    create POST "\${env("API")}/users"
    update PATCH "\${env("API")}/users/\${key.id}"
  }
}

policy api_sync {
  mode enforce
  desired people
  actual api_users
  remediate {
    on missing => create
    on changed => update
    on extra => ticket "Unknown user \${key.id}"
  }
}

source wanted_hosts {
  from inline([{ id: "h1", role: "db" }])
  key id
}

source hosts {
  from exec("node", ["tool.mjs", "list", "--password=\${secret("TOOL_PASSWORD")}"])
  key id
  write {
    update exec("node", ["tool.mjs", "set", key.id])
  }
}

policy host_roles {
  mode enforce
  desired wanted_hosts
  actual hosts
  remediate {
    on changed => update
  }
}
${postgres}`;
}

/** Every file below `dir`, with its content. */
function filesBelow(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesBelow(path));
    else out.push({ path, text: readFileSync(path, 'utf8') });
  }
  return out;
}

describe('secrets never leak', () => {
  let server: TestHttpServer;
  let dir: string;
  let db: TestDatabase | null = null;
  let env: Record<string, string>;
  const outputs: { what: string; result: CliResult }[] = [];

  const run = async (what: string, args: string[], extra: Record<string, string> = {}): Promise<CliResult> => {
    const result = await runCli(args, { cwd: dir, env: { ...env, ...extra } });
    outputs.push({ what, result });
    return result;
  };
  const expectClean = (what: string, text: string): void => {
    expect(text.includes(MARK), `${what} holds a secret:\n${text.slice(Math.max(0, text.indexOf(MARK) - 300), text.indexOf(MARK) + 100)}`).toBe(false);
  };

  beforeAll(async () => {
    await ensureCliBuilt();
    server = await TestHttpServer.start({ token: SECRETS.API_TOKEN, records: [{ id: 'u1', name: 'Old name' }, { id: 'u9', name: 'Stray' }] });
    const withPostgres = postgresInfo().available;
    if (withPostgres) {
      db = await createTestDatabase('secrets');
      await db.sql(`CREATE TABLE public.rows (id text PRIMARY KEY, label text)`);
      await db.sql(`INSERT INTO public.rows VALUES ('r1', 'old')`);
    } else {
      console.warn('!!! secrets e2e: PostgreSQL is not installed; the postgres source is left out of this test');
    }
    dir = makeWorkspace({ 'secrets.recon': recon(withPostgres), 'tool.mjs': TOOL });
    env = { API: server.url, ...SECRETS };
    if (db) env.PG_URL = db.url.replace('postgres@', `postgres:${SECRETS.PG_PASSWORD}@`);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await db?.drop();
    if (dir) removeTempDir(dir);
  });

  it('the plan in every format, the saved plan and the IR', async () => {
    for (const format of ['text', 'json', 'markdown', 'html', 'sarif', 'github']) {
      const result = await run(`plan --format ${format}`, ['plan', 'secrets.recon', '--format', format, '-o', `plan-${format}.json`]);
      expect(result.code, `${format}: ${result.stderr}`).toBe(2);
    }
    const json = JSON.parse(outputs.find((o) => o.what === 'plan --format json')!.result.stdout);
    const effects = json.policies.flatMap((p: { items: { effect: unknown }[] }) => p.items.map((i) => i.effect));
    expect(JSON.stringify(effects)).toContain('Bearer ***');
    await run('compile', ['compile', 'secrets.recon']);
    for (const { what, result } of outputs) {
      expectClean(`${what} stdout`, result.stdout);
      expectClean(`${what} stderr`, result.stderr);
    }
    for (const file of filesBelow(dir).filter((f) => f.path.endsWith('.json') && f.path.includes('plan-'))) expectClean(file.path, file.text);
  }, 180_000);

  it('apply: the writes use the real secrets, and no output or state file holds them', async () => {
    const result = await run('apply', ['apply', 'secrets.recon', '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    expect(server.records.get('u1')).toEqual({ id: 'u1', name: 'New name' });
    const patch = server.requestsTo('/users/u1', 'PATCH')[0];
    expect(patch.headers.authorization).toBe(`Bearer ${SECRETS.API_TOKEN}`);
    expect(server.requests[0].path).toBe(`/users?api_key=${SECRETS.API_KEY}`);
    expect(JSON.parse(readFileSync(join(dir, 'hosts.json'), 'utf8'))).toEqual([{ id: 'h1', role: 'db' }]);
    if (db) expect((await db.sql(`SELECT label FROM public.rows`)).rows).toEqual([{ label: 'new' }]);
    expectClean('apply stdout', result.stdout);
    expectClean('apply stderr', result.stderr);
    const state = filesBelow(join(dir, '.recon'));
    expect(state.map((f) => f.path.slice(dir.length + 1))).toEqual(expect.arrayContaining(['.recon/audit.jsonl', '.recon/metrics.prom']));
    for (const file of state) expectClean(file.path, file.text);
  }, 120_000);

  it('error messages of failing reads and writes, even when the other side repeats the secret', async () => {
    server.addFault({ path: '/users', method: 'GET', status: 500, times: 4, echoAuthorization: true }); // every read attempt
    const read = await run('plan with a failing API', ['plan', 'secrets.recon', '--policy', 'api_sync']);
    expect(read.code).toBe(1);
    expect(read.stderr).toContain('answered 500 Internal Server Error: {"error":"rejected credentials Bearer ***"}');

    const tool = await run('plan with a failing program', ['plan', 'secrets.recon', '--policy', 'host_roles'], { TOOL_FAIL: '1' });
    expect(tool.code).toBe(1);
    expect(tool.stderr).toContain('node exited with code 2: login refused for list --password=***');

    server.records.set('u1', { id: 'u1', name: 'Old again' });
    server.addFault({ path: '/users/u1', method: 'PATCH', status: 422, echoAuthorization: true });
    const write = await run('apply with a failing write', ['apply', 'secrets.recon', '--policy', 'api_sync']);
    expect(write.code, write.stdout + write.stderr).toBe(2);
    expect(write.stdout + write.stderr).toContain('answered 422');

    if (db) {
      const badDb = await run('plan with a wrong database', ['plan', 'secrets.recon', '--policy', 'pg_parity'], {
        PG_URL: env.PG_URL.replace(/\/[^/]+$/, `/db-${MARK}`),
      });
      expect(badDb.code).toBe(1);
      expect(badDb.stderr).toContain('database "***" does not exist');
    }
    for (const { what, result } of outputs) {
      expectClean(`${what} stdout`, result.stdout);
      expectClean(`${what} stderr`, result.stderr);
    }
    for (const file of filesBelow(join(dir, '.recon'))) expectClean(file.path, file.text);
  }, 180_000);
});
