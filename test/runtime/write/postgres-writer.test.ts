import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import type { IrDocument, IrSource } from '../../../language/ir/ir-types.js';
import type { ChangePlan, PlanItem } from '../../../runtime/plan/change-plan.js';
import { runPlan } from '../../../runtime/plan/plan-runner.js';
import { createPostgresWriter } from '../../../runtime/write/postgres-writer.js';
import { StaleWriteError, WriteError, type WriteAction } from '../../../runtime/write/writer.js';
import { compileOk } from '../../helpers/compile-helpers.js';
import { createTestDatabase, warnIfSkipped, type TestDatabase } from '../../helpers/postgres-database.js';

const skipped = warnIfSkipped('PostgreSQL writer tests (test/runtime/write/postgres-writer.test.ts)');

const OBSERVED_AT = '2026-11-26T12:00:00.000Z';

const RECON = `
source staging {
  from postgres(secret("PG_URL"), query: "SELECT id, name, qty, tags FROM app.staging ORDER BY id")
  key id
}

source orders {
  from postgres(secret("PG_URL"), table: "app.orders")
  key id
}

policy parity {
  desired staging
  actual orders
  remediate {
    on missing => create
    on changed => update
    on extra => delete
  }
}
`;

describe.skipIf(skipped)('postgres writer', () => {
  let db: TestDatabase;
  let ir: IrDocument;
  let env: Record<string, string>;
  let orders: IrSource;

  beforeAll(async () => {
    db = await createTestDatabase('writer');
    ir = compileOk(RECON);
    orders = ir.sources.find((source) => source.name === 'orders')!;
    env = { PG_URL: db.url };
    await db.sql(`CREATE SCHEMA app`);
  });

  afterAll(async () => {
    await db?.drop();
  });

  beforeEach(async () => {
    await db.sql(`DROP TABLE IF EXISTS app.staging, app.orders`);
    await db.sql(`CREATE TABLE app.staging (id text, name text, qty integer, tags jsonb)`);
    await db.sql(`CREATE TABLE app.orders (id text PRIMARY KEY, name text, qty integer CHECK (qty >= 0), tags jsonb)`);
  });

  const plan = (): Promise<ChangePlan> => runPlan(ir, { workspaceRoot: '/ws', observedAt: OBSERVED_AT, env });
  const actions = (changePlan: ChangePlan): WriteAction[] =>
    changePlan.policies
      .flatMap((policy) => policy.items)
      .filter((item): item is PlanItem & { effect: NonNullable<PlanItem['effect']> } => item.effect !== null)
      .map((item) => ({ item, effect: item.effect, idempotencyKey: `${changePlan.plan_hash}/${item.id}` }));
  const rows = async (): Promise<unknown[]> => (await db.sql(`SELECT id, name, qty, tags FROM app.orders ORDER BY id`)).rows;
  /** A login role allowed only `privileges` on app.orders for this test (dropped after it), as the env a writer connects with. */
  const roleOnOrders = async (name: string, privileges: string): Promise<Record<string, string>> => {
    const role = `${db.name}_${name}`;
    await db.sql(`CREATE ROLE "${role}" LOGIN`);
    onTestFinished(async () => {
      await db.sql(`REVOKE ALL ON app.orders FROM "${role}"`);
      await db.sql(`REVOKE ALL ON SCHEMA app FROM "${role}"`);
      await db.sql(`DROP ROLE "${role}"`);
    });
    await db.sql(`GRANT USAGE ON SCHEMA app TO "${role}"`);
    await db.sql(`GRANT ${privileges} ON app.orders TO "${role}"`);
    return { PG_URL: db.url.replace('postgres@', `${role}@`) };
  };

  it('applies the plan exactly as its effects show, and the next plan has no drift', async () => {
    await db.sql(`INSERT INTO app.staging VALUES ('a', 'Anna', 1, '["x"]'), ('b', 'O''Brien; DROP TABLE app.orders; --', 2, '[1, {"k": "v"}]'), ('c', 'Cleo', 3, null)`);
    await db.sql(`INSERT INTO app.orders VALUES ('a', 'Anna', 5, '["x"]'), ('z', 'Zed', 9, null)`);
    const first = await plan();
    const items = first.policies[0].items;
    expect(items.map((item) => [item.id, item.action])).toEqual([
      ['parity/missing/b', 'create'],
      ['parity/missing/c', 'create'],
      ['parity/extra/z', 'delete'],
      ['parity/changed/a', 'update'],
    ]);
    expect(items[3].effect).toEqual({ kind: 'sql', statement: 'UPDATE "app"."orders" SET "qty" = $1 WHERE "id" = $2', params: [1, 'a'] });
    expect(items[0].effect).toEqual({
      kind: 'sql',
      statement: 'INSERT INTO "app"."orders" ("id", "name", "qty", "tags") VALUES ($1, $2, $3, $4)',
      params: ['b', "O'Brien; DROP TABLE app.orders; --", 2, [1, { k: 'v' }]],
    });
    expect(JSON.stringify(first)).not.toContain(db.url);

    const session = await createPostgresWriter(orders, { workspaceRoot: '/ws', env, observedAt: OBSERVED_AT }).open();
    for (const action of actions(first)) await session.perform(action);
    const committed = await session.commit();
    await session.close();
    expect(committed.map((action) => action.item.id)).toEqual(items.map((item) => item.id));

    expect(await rows()).toEqual([
      { id: 'a', name: 'Anna', qty: 1, tags: ['x'] },
      { id: 'b', name: "O'Brien; DROP TABLE app.orders; --", qty: 2, tags: [1, { k: 'v' }] },
      { id: 'c', name: 'Cleo', qty: 3, tags: null },
    ]);
    const second = await plan();
    expect(second.drift).toBe(false);
  });

  it('is idempotent: a repeated create updates, a repeated delete succeeds', async () => {
    await db.sql(`INSERT INTO app.staging VALUES ('n', 'New', 4, null)`);
    await db.sql(`INSERT INTO app.orders VALUES ('old', 'Old', 1, null)`);
    const [create, remove] = actions(await plan());
    const session = await createPostgresWriter(orders, { workspaceRoot: '/ws', env, observedAt: OBSERVED_AT }).open();
    await session.perform(create);
    await session.perform(remove);
    await session.commit();
    // The same actions again (a retry after a lost answer), with the row changed meanwhile.
    await db.sql(`UPDATE app.orders SET qty = 99 WHERE id = 'n'`);
    await session.perform(create);
    await session.perform(remove);
    await session.commit();
    await session.close();
    expect(await rows()).toEqual([{ id: 'n', name: 'New', qty: 4, tags: null }]);
  });

  it('bounds each statement by the source timeout: an update waiting on a locked row fails instead of holding the session', async () => {
    await db.sql(`INSERT INTO app.staging VALUES ('a', 'Anna', 1, null)`);
    await db.sql(`INSERT INTO app.orders VALUES ('a', 'Anna', 2, null)`);
    const [update] = actions(await plan());
    const timed = compileOk(RECON.replace('table: "app.orders")', 'table: "app.orders", timeout: 800ms)')).sources.find((source) => source.name === 'orders')!;
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    onTestFinished(() => locker.end());
    await locker.query('BEGIN');
    await locker.query(`SELECT * FROM app.orders WHERE id = 'a' FOR UPDATE`);
    const session = await createPostgresWriter(timed, { workspaceRoot: '/ws', env, observedAt: OBSERVED_AT }).open();
    const started = Date.now();
    const error = await session.perform(update).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(3000);
    await locker.query('ROLLBACK');
    expect((error as WriteError).message).toMatch(/^source orders: table app\.orders: parity\/changed\/a: canceling statement due to statement timeout .*\[SQLSTATE 57014\]$/);
    // A timeout, so transient (RUNTIME.md 4): the policy's retry tries again, as it does when the
    // executor's own per-attempt limit (the same length) happens to fire first.
    expect((error as WriteError).transient).toBe(true);
    // The session goes on: the next action is not stuck behind the cancelled one.
    await session.perform(update);
    await session.commit();
    await session.close();
    expect(await rows()).toEqual([{ id: 'a', name: 'Anna', qty: 1, tags: null }]);
  });

  it('gives the server the executor per-attempt timeout (30 s) as its statement limit when the source sets none', async () => {
    const session = await createPostgresWriter(orders, { workspaceRoot: '/ws', env, observedAt: OBSERVED_AT }).open();
    const client = (session as unknown as { client: { query(text: string): Promise<{ rows: { statement_timeout: string }[] }> } }).client;
    expect((await client.query('SHOW statement_timeout')).rows[0].statement_timeout).toBe('30s');
    await session.close();
  });

  it('an update of a row deleted since the plan fails clearly', async () => {
    await db.sql(`INSERT INTO app.staging VALUES ('a', 'Anna', 1, null)`);
    await db.sql(`INSERT INTO app.orders VALUES ('a', 'Anna', 2, null)`);
    const [update] = actions(await plan());
    await db.sql(`DELETE FROM app.orders`);
    const session = await createPostgresWriter(orders, { workspaceRoot: '/ws', env, observedAt: OBSERVED_AT }).open();
    const error = await session.perform(update).catch((e: unknown) => e);
    await session.close();
    expect(error).toBeInstanceOf(WriteError);
    expect((error as WriteError).message).toBe('source orders: table app.orders: parity/changed/a: no row has this key any more (deleted since the plan?)');
    expect((error as WriteError).transient).toBe(false);
  });

  it('checks the precondition under a row lock: an update or delete of a row changed since the plan is refused as stale', async () => {
    await db.sql(`INSERT INTO app.staging VALUES ('a', 'Anna', 1, null), ('b', 'Bo', 2, null)`);
    await db.sql(`INSERT INTO app.orders VALUES ('a', 'Anna', 5, null), ('b', 'Bo', 6, null), ('z', 'Zed', 9, null)`);
    const all = actions(await plan());
    expect(all.map((action) => action.item.id)).toEqual(['parity/extra/z', 'parity/changed/a', 'parity/changed/b']);
    const [remove, updateA, updateB] = all;
    // Another writer changes the rows between the plan and the apply.
    await db.sql(`UPDATE app.orders SET name = 'Anna (edited)' WHERE id = 'a'`);
    await db.sql(`UPDATE app.orders SET name = 'Zed (edited)' WHERE id = 'z'`);
    const session = await createPostgresWriter(orders, { workspaceRoot: '/ws', env, observedAt: OBSERVED_AT }).open();
    const failures: unknown[] = [];
    for (const action of [remove, updateA, updateB]) await session.perform(action).catch((error: unknown) => failures.push(error));
    const committed = await session.commit();
    await session.close();
    expect(committed.map((action) => action.item.id)).toEqual(['parity/changed/b']);
    expect(failures).toHaveLength(2);
    for (const failure of failures) expect(failure).toBeInstanceOf(StaleWriteError);
    expect((failures[0] as WriteError).message).toBe(
      'source orders: table app.orders: parity/extra/z: the row changed since the plan was made; not applied on stale evidence (plan again)',
    );
    expect((failures[1] as WriteError).transient).toBe(false);
    // The other writer's changes stand; the unchanged row was updated.
    expect(await rows()).toEqual([
      { id: 'a', name: 'Anna (edited)', qty: 5, tags: null },
      { id: 'b', name: 'Bo', qty: 2, tags: null },
      { id: 'z', name: 'Zed (edited)', qty: 9, tags: null },
    ]);
  });

  it('checks a delete without a row lock: a role allowed to delete but not to update can delete', async () => {
    await db.sql(`INSERT INTO app.orders VALUES ('z', 'Zed', 9, null), ('y', 'Yan', 8, null)`);
    const [removeY, removeZ] = actions(await plan());
    expect([removeY.item.id, removeZ.item.id]).toEqual(['parity/extra/y', 'parity/extra/z']);
    await db.sql(`UPDATE app.orders SET qty = 10 WHERE id = 'z'`);
    const roleEnv = await roleOnOrders('deleter', 'SELECT, DELETE');
    const session = await createPostgresWriter(orders, { workspaceRoot: '/ws', env: roleEnv, observedAt: OBSERVED_AT }).open();
    await session.perform(removeY);
    const error = await session.perform(removeZ).catch((e: unknown) => e);
    const committed = await session.commit();
    await session.close();
    expect(error).toBeInstanceOf(StaleWriteError);
    expect(committed.map((action) => action.item.id)).toEqual(['parity/extra/y']);
    expect(await rows()).toEqual([{ id: 'z', name: 'Zed', qty: 10, tags: null }]);
  });

  it('creates rows with a role allowed to insert but not to update (an append-only table)', async () => {
    await db.sql(`INSERT INTO app.staging VALUES ('n', 'New', 4, null)`);
    const [create] = actions(await plan());
    const roleEnv = await roleOnOrders('appender', 'SELECT, INSERT');
    const session = await createPostgresWriter(orders, { workspaceRoot: '/ws', env: roleEnv, observedAt: OBSERVED_AT }).open();
    await session.perform(create);
    await session.commit();
    await session.close();
    expect(await rows()).toEqual([{ id: 'n', name: 'New', qty: 4, tags: null }]);
  });

  it('writes an instant with a UTC offset to a timestamp column (without zone) as UTC, as it reads it', async () => {
    await db.sql(`CREATE TABLE app.times (id text PRIMARY KEY, at timestamp, ats timestamptz)`);
    await db.sql(`INSERT INTO app.times VALUES ('1', '2026-01-01 00:00', '2026-01-01 00:00+00')`);
    const source: IrSource = { ...orders, connector: { ...orders.connector, options: [{ name: 'table', value: 'app.times', at: 'main.recon:1:1' }] } };
    const session = await createPostgresWriter(source, { workspaceRoot: '/ws', env, observedAt: OBSERVED_AT }).open();
    const update = { kind: 'sql' as const, statement: 'UPDATE "app"."times" SET "at" = $1, "ats" = $2 WHERE "id" = $3', params: ['2026-03-01T12:00:00+02:00', '2026-03-01T12:00:00+02:00', '1'] };
    const insert = { kind: 'sql' as const, statement: 'INSERT INTO "app"."times" ("id", "at") VALUES ($1, $2)', params: ['2', '2026-03-01T01:30:00.250-05:00'] };
    await session.perform({ item: { id: 'p/changed/1', precondition: null } as PlanItem, effect: update, idempotencyKey: 'k1' });
    await session.perform({ item: { id: 'p/missing/2', precondition: null } as PlanItem, effect: insert, idempotencyKey: 'k2' });
    await session.commit();
    await session.close();
    const stored = await db.sql(`SELECT id, at::text AS at, (ats AT TIME ZONE 'UTC')::text AS ats FROM app.times ORDER BY id`);
    expect(stored.rows).toEqual([
      { id: '1', at: '2026-03-01 10:00:00', ats: '2026-03-01 10:00:00' },
      { id: '2', at: '2026-03-01 06:30:00.25', ats: null },
    ]);
  });

  it('commits in transactions of bounded size; a failed action is rolled back alone', async () => {
    await db.sql(`INSERT INTO app.staging SELECT 'k' || g, 'n', g, null FROM generate_series(1, 5) AS g`);
    await db.sql(`INSERT INTO app.staging VALUES ('neg', 'bad', -1, null)`);
    const all = actions(await plan());
    expect(all).toHaveLength(6);
    const session = await createPostgresWriter(orders, { workspaceRoot: '/ws', env, observedAt: OBSERVED_AT }, { transactionSize: 2 }).open();
    const failures: string[] = [];
    for (const action of all) {
      await session.perform(action).catch((error: WriteError) => failures.push(error.message));
    }
    const committedBefore = (await rows()).length;
    const committed = await session.commit();
    await session.close();
    // k1..k5 performed, the negative quantity refused by the CHECK constraint: two full
    // transactions of two are committed, the fifth action waits for commit().
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/^source orders: table app\.orders: parity\/missing\/neg: new row for relation "orders" violates check constraint "orders_qty_check"; detail: .*\[SQLSTATE 23514\]$/);
    expect(committedBefore).toBe(4);
    expect(committed.map((action) => action.item.id)).toEqual(['parity/missing/k1', 'parity/missing/k2', 'parity/missing/k3', 'parity/missing/k4', 'parity/missing/k5']);
    expect((await rows()).length).toBe(5);
  });

  it('executes only the statements recon builds, on its own table', async () => {
    await db.sql(`INSERT INTO app.staging VALUES ('a', 'Anna', 1, null)`);
    const [create] = actions(await plan());
    const session = await createPostgresWriter(orders, { workspaceRoot: '/ws', env, observedAt: OBSERVED_AT }).open();
    onTestFinished(() => session.close());
    const tampered = (statement: string, params: unknown[]): WriteAction => ({ ...create, effect: { kind: 'sql', statement, params } });
    await expect(session.perform(tampered('DROP TABLE app.orders', []))).rejects.toThrow(/refusing a statement recon does not build/);
    await expect(session.perform(tampered('DELETE FROM "app"."staging" WHERE "id" = $1', ['a']))).rejects.toThrow(/writes to "app"."staging", not to this source's table/);
    await expect(session.perform(tampered('DELETE FROM "app"."orders" WHERE "id" = $1; DROP TABLE x', ['a']))).rejects.toThrow(/refusing/);
    await expect(session.perform(tampered('DELETE FROM "app"."orders" WHERE "id" = $1', []))).rejects.toThrow(/takes 1 parameters, the plan gives 0/);
    await session.close();
    expect((await db.sql(`SELECT to_regclass('app.orders') AS t`)).rows[0].t).toBe('app.orders');
  });

  it('quotes identifiers: odd column names are written where they belong', async () => {
    await db.sql(`CREATE TABLE app."we""ird" (id text PRIMARY KEY, "a b" text, "x""y" integer)`);
    const source: IrSource = { ...orders, connector: { ...orders.connector, options: [{ name: 'table', value: 'app.we"ird', at: 'main.recon:1:1' }] } };
    const session = await createPostgresWriter(source, { workspaceRoot: '/ws', env, observedAt: OBSERVED_AT }).open();
    const effect = { kind: 'sql' as const, statement: 'INSERT INTO "app"."we""ird" ("id", "a b", "x""y") VALUES ($1, $2, $3)', params: ['1', 'v', 7] };
    await session.perform({ item: { id: 'p/missing/1' } as PlanItem, effect, idempotencyKey: 'k' });
    await session.commit();
    await session.close();
    expect((await db.sql(`SELECT * FROM app."we""ird"`)).rows).toEqual([{ id: '1', 'a b': 'v', 'x"y': 7 }]);
  });

  it('names the user and database written in the file when only the password is a secret, never the password', async () => {
    const { hostname: host, port } = new URL(db.url);
    const text = RECON.replace('from postgres(secret("PG_URL"), table: "app.orders")', `from postgres("postgres://postgres:\${secret("PG_PW")}@${host}:${port}/no_such_db", table: "app.orders")`);
    const source = compileOk(text).sources.find((candidate) => candidate.name === 'orders')!;
    const error = await createPostgresWriter(source, { workspaceRoot: '/ws', env: { PG_PW: 's3cr3t-pw' }, observedAt: OBSERVED_AT })
      .open()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as Error).message).toBe('source orders: table app.orders: cannot open: database "no_such_db" does not exist [SQLSTATE 3D000]');
    const refused = compileOk(text.replace(`:${port}/`, ':1/')).sources.find((candidate) => candidate.name === 'orders')!;
    const refusal = await createPostgresWriter(refused, { workspaceRoot: '/ws', env: { PG_PW: 's3cr3t-pw' }, observedAt: OBSERVED_AT })
      .open()
      .catch((e: unknown) => e);
    expect((refusal as Error).message).toBe(`source orders: table app.orders: cannot open: cannot connect to postgres://postgres@${host}:1/no_such_db: connection refused (is the server running?)`);
  });

  it('says clearly, in one line without the password, that a connection string is not valid', async () => {
    const text = RECON.replace('from postgres(secret("PG_URL"), table: "app.orders")', 'from postgres("postgres://app:${secret("PG_PW")}@db.internal:5432:1/shop", table: "app.orders")');
    const source = compileOk(text).sources.find((candidate) => candidate.name === 'orders')!;
    const error = await createPostgresWriter(source, { workspaceRoot: '/ws', env: { PG_PW: 's3cr3t-pw' }, observedAt: OBSERVED_AT })
      .open()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as Error).message).toBe(
      'source orders: the connection string is not valid (like "postgres://user@host:5432/db"; a port is a number, and special characters in the user or password are %-encoded); it is not shown, it may hold a password',
    );
  });

  it('never shows the connection secret in an error', async () => {
    const badEnv = { PG_URL: db.url.replace('postgres@', 'postgres:s3cr3t-pw@').replace(/\/[^/]+$/, '/no_such_db') };
    const error = await createPostgresWriter(orders, { workspaceRoot: '/ws', env: badEnv, observedAt: OBSERVED_AT })
      .open()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteError);
    expect((error as Error).message).toMatch(/^source orders: table app\.orders: cannot open: database "\*\*\*" does not exist \[SQLSTATE 3D000\]$/);
    expect((error as Error).message).not.toContain('s3cr3t');
  });
});
