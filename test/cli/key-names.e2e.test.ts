/**
 * Key fields named differently on the two sides, through the built CLI (LANGUAGE.md 2.3: keys
 * are paired by position and need only the same arity; desired `key txn`, actual `key id`).
 *
 * Everything written to the actual side uses the actual source's key names, with the key values
 * paired by position: `recon plan`, `recon apply --auto-approve`, then `recon plan` again shows
 * no drift, for a json, a csv (composite key, a key typed on one side only), an http and a
 * postgres target. Before, a file update or create failed ("has no complete key (id)"), a create
 * wrote `txn` and no `id` (created again on every run), and a write URL's `key.id` was empty.
 * The `key` of a policy's own expressions stays named by the desired source, for extra items too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliTestFolders, makeWorkspace, runCli } from '../helpers/cli-helpers.js';
import { planJson, RULES, type PlanJson } from './key-fixtures.js';
import { createTestDatabase, warnIfSkipped, type TestDatabase } from '../helpers/postgres-database.js';
import { TestHttpServer } from '../helpers/test-http-server.js';

const keep = cliTestFolders();
function workspace(files: Record<string, string>): string {
  return keep(makeWorkspace(files));
}

/** plan shows drift, apply converges every item, and the next plan shows none. */
async function applyConverges(dir: string, env: Record<string, string> = {}): Promise<PlanJson> {
  const before = await planJson(dir, env);
  const applied = await runCli(['apply', 'p.recon', '--auto-approve'], { cwd: dir, env });
  expect(applied.stderr).toBe('');
  expect(applied.stdout).not.toMatch(/failed/);
  expect(applied.code).toBe(0);
  const again = await runCli(['plan', 'p.recon'], { cwd: dir, env });
  expect(again.stdout).toMatch(/No drift/);
  expect(again.code).toBe(0);
  return before;
}

describe('desired and actual sources that name their key fields differently', () => {
  it('a json target: create writes the actual key name, update and delete find their records, no churn', async () => {
    const dir = workspace({
      'want.csv': 'txn,amount,note\na,1,x\nb,2,y\nc,3,z\n',
      'have.json': JSON.stringify([
        { id: 'a', amount: 1, note: 'x' },
        { id: 'b', amount: 5, note: 'y' },
        { id: 'd', amount: 4, note: 'w' },
      ]),
      'p.recon': `source want {
  from csv("want.csv")
  key txn
  fields { txn: string  amount: number  note: string }
}
source have {
  from json("have.json")
  key id
  fields { id: string  amount: number  note: string }
}
policy sync {
  desired want
  actual have
${RULES}
}
`,
    });
    const plan = await applyConverges(dir);
    const items = plan.policies[0]!.items;
    // the plan item's key is as before: named by the desired source (by the actual one for extra)
    expect(items.map((item) => [item.id, item.key])).toEqual([
      ['sync/missing/c', { txn: 'c' }],
      ['sync/extra/d', { id: 'd' }],
      ['sync/changed/b', { txn: 'b' }],
    ]);
    // the effects are named by the actual source
    expect(items.map((item) => item.effect?.key)).toEqual([{ id: 'c' }, { id: 'd' }, { id: 'b' }]);
    expect(items[0]!.effect?.record).toEqual({ id: 'c', amount: 3, note: 'z' });
    expect(JSON.parse(readFileSync(join(dir, 'have.json'), 'utf8'))).toEqual([
      { id: 'a', amount: 1, note: 'x' },
      { id: 'b', amount: 2, note: 'y' },
      { id: 'c', amount: 3, note: 'z' },
    ]);
  });

  it('a csv target with a composite key, key fields typed on the actual side only', async () => {
    const dir = workspace({
      'want.csv': 'acct,day,total\na,1,1\na,2,2\nb,1,3\n',
      'have.csv': 'account,date,total\na,1,1\na,2,9\nc,1,4\n',
      'p.recon': `source want {
  from csv("want.csv")
  key acct, day
}
source have {
  from csv("have.csv")
  key account, date
  fields { account: string  date: integer  total: number }
}
policy sync {
  desired want
  actual have
${RULES}
}
`,
    });
    const plan = await applyConverges(dir);
    const items = plan.policies[0]!.items;
    expect(items.map((item) => item.id)).toEqual(['sync/missing/b,1', 'sync/extra/c,1', 'sync/changed/a,2']);
    // the desired text "1" is written as the integer the actual side declares (the key as matched)
    expect(items[0]!.effect?.record).toEqual({ account: 'b', date: 1, total: '3' });
    expect(items[2]!.effect?.key).toEqual({ account: 'a', date: 2 });
    expect(readFileSync(join(dir, 'have.csv'), 'utf8')).toBe('account,date,total\na,1,1\na,2,2\nb,1,3\n');
  });

  it('an http target: write URLs read key.id, the actual source’s name, and the created record has an id', async () => {
    const server = await TestHttpServer.start({
      records: [
        { id: 'u1', name: 'alice' },
        { id: 'u2', name: 'bobby' },
        { id: 'u9', name: 'zed' },
      ],
    });
    try {
      const dir = workspace({
        'want.json': JSON.stringify([
          { user: 'u1', name: 'alice' },
          { user: 'u2', name: 'bob' },
          { user: 'u3', name: 'carol' },
        ]),
        'p.recon': `source want {
  from json("want.json")
  key user
}
source have {
  from http("${server.url}/users", items: "data", next: "links.next")
  key id
  write {
    create POST   "${server.url}/users"
    update PATCH  "${server.url}/users/\${key.id}"
    delete DELETE "${server.url}/users/\${key.id}"
  }
}
policy sync {
  desired want
  actual have
${RULES}
}
`,
      });
      const plan = await applyConverges(dir);
      const effects = plan.policies[0]!.items.map((item) => [item.effect?.method, item.effect?.url, item.effect?.body]);
      expect(effects).toEqual([
        ['POST', `${server.url}/users`, { id: 'u3', name: 'carol' }],
        ['DELETE', `${server.url}/users/u9`, null],
        ['PATCH', `${server.url}/users/u2`, { id: 'u2', name: 'bob' }],
      ]);
      expect([...server.records.values()]).toEqual([
        { id: 'u1', name: 'alice' },
        { id: 'u2', name: 'bob' },
        { id: 'u3', name: 'carol' },
      ]);
    } finally {
      await server.close();
    }
  });

  it('an exec target whose key is selected from another raw field: argv reads key.id, stdin carries the raw key field', async () => {
    // a store program: `list` prints the records (keyed by `ident`), `put ID` merges stdin, `delete ID` removes
    const store = `import { existsSync, readFileSync, writeFileSync } from 'node:fs';
const [op, id] = process.argv.slice(2);
const state = existsSync('state.json') ? JSON.parse(readFileSync('state.json', 'utf8')) : {};
if (op === 'list') { process.stdout.write(JSON.stringify(Object.values(state))); process.exit(0); }
const stdin = readFileSync(0, 'utf8');
if (op === 'put') state[id] = { ...(state[id] ?? {}), ...JSON.parse(stdin) };
if (op === 'delete') delete state[id];
writeFileSync('state.json', JSON.stringify(state));
`;
    const dir = workspace({
      'store.mjs': store,
      'state.json': JSON.stringify({ k1: { ident: 'k1', name: 'one' }, k2: { ident: 'k2', name: 'two?' }, k9: { ident: 'k9', name: 'nine' } }),
      'want.json': JSON.stringify([
        { code: 'k1', name: 'one' },
        { code: 'k2', name: 'two' },
        { code: 'k3', name: 'three' },
      ]),
      'p.recon': `source want {
  from json("want.json")
  key code
}
source have {
  from exec("node", ["store.mjs", "list"])
  key id
  select {
    id   = ident
    name = name
  }
  write {
    create exec("node", ["store.mjs", "put", key.id])
    update exec("node", ["store.mjs", "put", key.id])
    delete exec("node", ["store.mjs", "delete", key.id])
  }
}
policy sync {
  desired want
  actual have
${RULES}
  # the store program reads and rewrites one file: one action at a time
  concurrency 1
}
`,
    });
    const plan = await applyConverges(dir);
    const effects = plan.policies[0]!.items.map((item) => [item.effect?.argv, item.effect?.stdin]);
    expect(effects).toEqual([
      [['node', 'store.mjs', 'put', 'k3'], { ident: 'k3', name: 'three' }],
      [['node', 'store.mjs', 'delete', 'k9'], null],
      [['node', 'store.mjs', 'put', 'k2'], { ident: 'k2', name: 'two' }],
    ]);
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'))).toEqual({
      k1: { ident: 'k1', name: 'one' },
      k2: { ident: 'k2', name: 'two' },
      k3: { ident: 'k3', name: 'three' },
    });
  });

  it('the key of a policy’s expressions is named by the desired source, for an extra item too', async () => {
    const dir = workspace({
      'want.csv': 'txn,amount\na,1\n',
      'have.json': JSON.stringify([
        { id: 'a', amount: 1 },
        { id: 'd', amount: 4 },
      ]),
      'p.recon': `source want {
  from csv("want.csv")
  key txn
  fields { txn: string  amount: number }
}
source have {
  from json("have.json")
  key id
}
policy sync {
  desired want
  actual have
  remediate {
    on extra when key.txn == "d" => ticket "Unexpected [\${key.txn}]"
  }
}
`,
    });
    const check = await runCli(['check', 'p.recon'], { cwd: dir });
    expect(check.code).toBe(0);
    const plan = await planJson(dir);
    const item = plan.policies[0]!.items[0]!;
    expect(item.action).toBe('ticket');
    expect(item.effect).toEqual({ kind: 'ticket', title: 'Unexpected [d]' });
  });
});

const pgSkipped = warnIfSkipped('key names through postgres (test/cli/key-names.e2e.test.ts)');

describe.skipIf(pgSkipped)('a postgres target whose key column is named differently', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('key_names');
    await db.sql(`CREATE TABLE accounts (id text PRIMARY KEY, owner text NOT NULL)`);
    await db.sql(`INSERT INTO accounts VALUES ('a1', 'ann'), ('a2', 'bo'), ('a9', 'zed')`);
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('inserts, updates and deletes by the actual key column, and converges', async () => {
    const dir = workspace({
      'want.json': JSON.stringify([
        { account: 'a1', owner: 'ann' },
        { account: 'a2', owner: 'bob' },
        { account: 'a3', owner: 'cy' },
      ]),
      'p.recon': `source want {
  from json("want.json")
  key account
}
source have {
  from postgres(secret("PG_URL"), table: "accounts")
  key id
}
policy sync {
  desired want
  actual have
${RULES}
}
`,
    });
    const env = { PG_URL: db.url };
    const plan = await applyConverges(dir, env);
    const statements = plan.policies[0]!.items.map((item) => [item.effect?.statement, item.effect?.params]);
    expect(statements).toEqual([
      ['INSERT INTO "accounts" ("id", "owner") VALUES ($1, $2)', ['a3', 'cy']],
      ['DELETE FROM "accounts" WHERE "id" = $1', ['a9']],
      ['UPDATE "accounts" SET "owner" = $1 WHERE "id" = $2', ['bob', 'a2']],
    ]);
    const rows = await db.sql(`SELECT id, owner FROM accounts ORDER BY id`);
    expect(rows.rows).toEqual([
      { id: 'a1', owner: 'ann' },
      { id: 'a2', owner: 'bob' },
      { id: 'a3', owner: 'cy' },
    ]);
  });
});
