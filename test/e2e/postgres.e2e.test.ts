/**
 * PostgreSQL end to end: the ETL parity sample planned, applied (with an approval) and converged
 * through the built CLI against the test run's throw-away cluster, and a 100,000-row table read
 * in bounded memory.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, makeTempDir, removeTempDir, REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { createTestDatabase, warnIfSkipped, type TestDatabase } from '../helpers/postgres-database.js';

const skipped = warnIfSkipped('PostgreSQL end-to-end tests (test/e2e/postgres.e2e.test.ts)');
const SAMPLE = join(REPO_ROOT, 'samples', 'postgres-etl-parity');

describe.skipIf(skipped)('postgres end to end', { timeout: 120_000 }, () => {
  let db: TestDatabase;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    await ensureCliBuilt();
    db = await createTestDatabase('e2e');
    await db.sql(readFileSync(join(SAMPLE, 'seed.sql'), 'utf8'));
    dir = makeTempDir(SAMPLE);
    env = { ETL_DATABASE_URL: db.url };
  }, 120_000);

  afterAll(async () => {
    if (dir) removeTempDir(dir);
    await db?.drop();
  });

  const mart = async (): Promise<unknown[]> =>
    (await db.sql(`SELECT account, day::text AS day, revenue_cents::int AS revenue, orders, loaded_by FROM mart.daily_revenue ORDER BY account, day`)).rows;

  it('plans the sample: a query as the desired side, a table as the actual side', async () => {
    const result = await runCli(['plan', 'etl-parity.recon', '--format', 'json', '-o', 'plan.json'], { cwd: dir, env });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(2);
    const plan = JSON.parse(result.stdout);
    const items = plan.policies[0].items.map((item: { id: string; action: string; gate: string; effect: unknown }) => [item.id, item.action, item.gate, item.effect]);
    expect(items).toEqual([
      [
        'etl_parity/missing/initech,2026-11-02',
        'create',
        'auto',
        {
          kind: 'sql',
          statement: 'INSERT INTO "mart"."daily_revenue" ("account", "day", "revenue_cents", "orders", "loaded_by") VALUES ($1, $2, $3, $4, $5)',
          params: ['initech', '2026-11-02', 750, 1, 'recon'],
        },
      ],
      ['etl_parity/extra/hooli,2026-10-31', 'delete', 'approval', { kind: 'sql', statement: 'DELETE FROM "mart"."daily_revenue" WHERE "account" = $1 AND "day" = $2', params: ['hooli', '2026-10-31'] }],
      ['etl_parity/extra/umbrella,2026-11-01', 'ticket', 'auto', { kind: 'ticket', title: 'Hand-made mart row umbrella 2026-11-01' }],
      [
        'etl_parity/changed/acme,2026-11-02',
        'update',
        'auto',
        { kind: 'sql', statement: 'UPDATE "mart"."daily_revenue" SET "revenue_cents" = $1, "orders" = $2 WHERE "account" = $3 AND "day" = $4', params: [9900, 1, 'acme', '2026-11-02'] },
      ],
    ]);
    expect(result.stdout).not.toContain(db.url);
    expect(readFileSync(join(dir, 'plan.json'), 'utf8')).not.toContain(db.url);
  });

  it('applies what is allowed, waits for the approval of the delete, then converges', async () => {
    const first = await runCli(['apply', 'plan.json', '--auto-approve'], { cwd: dir, env });
    expect(first.code).toBe(3);
    expect(await mart()).toEqual([
      { account: 'acme', day: '2026-11-01', revenue: 15450, orders: 2, loaded_by: 'etl-nightly' },
      { account: 'acme', day: '2026-11-02', revenue: 9900, orders: 1, loaded_by: 'etl-nightly' },
      { account: 'globex', day: '2026-11-01', revenue: 25000, orders: 1, loaded_by: 'etl-nightly' },
      { account: 'globex', day: '2026-11-02', revenue: 4000, orders: 1, loaded_by: 'etl-nightly' },
      { account: 'hooli', day: '2026-10-31', revenue: 10, orders: 1, loaded_by: 'etl-nightly' },
      { account: 'initech', day: '2026-11-02', revenue: 750, orders: 1, loaded_by: 'recon' },
      { account: 'umbrella', day: '2026-11-01', revenue: 990, orders: 1, loaded_by: 'manual-fix' },
    ]);
    const approve = await runCli(['approve', 'plan.json', '--by', 'dana@example.com', '--item', 'etl_parity/extra/hooli,2026-10-31', '-o', 'approvals.json'], { cwd: dir, env });
    expect(approve.code).toBe(0);
    const second = await runCli(['apply', 'plan.json', '--approvals', 'approvals.json'], { cwd: dir, env });
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect((await mart()).map((row) => (row as { account: string }).account)).toEqual(['acme', 'acme', 'globex', 'globex', 'initech', 'umbrella']);
    const again = await runCli(['plan', 'etl-parity.recon', '--format', 'json'], { cwd: dir, env });
    const remaining = JSON.parse(again.stdout).policies[0].items.map((item: { id: string }) => item.id);
    expect(remaining).toEqual(['etl_parity/extra/umbrella,2026-11-01']);
    const audit = readFileSync(join(dir, '.recon', 'audit.jsonl'), 'utf8');
    expect(audit).not.toContain(db.url);
  });

  it('reads a table of 100,000 rows (over 100 MB) through a cursor, in a 64 MB heap', async () => {
    await db.sql(`CREATE TABLE public.big AS SELECT g AS id, repeat('x', 1000) || g AS payload, now() AS at FROM generate_series(1, 100000) AS g`);
    await db.sql(`ALTER TABLE public.big ADD PRIMARY KEY (id)`);
    const size = await db.sql(`SELECT pg_total_relation_size('public.big') AS bytes`);
    expect(Number(size.rows[0].bytes)).toBeGreaterThan(100 * 2 ** 20);
    const child = spawnSync(process.execPath, ['--max-old-space-size=64', '--import', 'tsx', 'test/e2e/read-postgres-table.ts', db.url, 'public.big'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(child.stderr.slice(-2000)).toBe('');
    expect(child.status).toBe(0);
    const seen = JSON.parse(child.stdout.trim());
    expect(seen.records).toBe(100_000);
    expect(seen.ordered).toBe(true);
    expect(seen.batches).toBeGreaterThanOrEqual(24);
    expect(seen.peakMb - seen.baselineMb).toBeLessThan(80);
  }, 180_000);
});
