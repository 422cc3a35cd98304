/**
 * `recon apply` against a real PostgreSQL table when another writer changes a row after the
 * plan: the postgres writer checks the item's precondition under a row lock, in the transaction
 * of the write (RUNTIME.md 4: never applied on stale evidence), and the apply reports the item
 * as `stale`, not as failed, and leaves the other writer's change in place.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskModuleHost } from '../../../language/module-host.js';
import { compileFile } from '../../../language/pipeline.js';
import { runApply } from '../../../runtime/apply/apply-runner.js';
import { defaultApplyServices } from '../../../runtime/apply/default-services.js';
import { readAuditLog } from '../../../runtime/state/audit-log.js';
import { makeWorkspace, removeTempDir } from '../../helpers/cli-helpers.js';
import { createTestDatabase, warnIfSkipped, type TestDatabase } from '../../helpers/postgres-database.js';

const skipped = warnIfSkipped('PostgreSQL apply stale tests (test/runtime/apply/apply-postgres-stale.test.ts)');

const RECON = `
source wanted {
  from inline([{ id: "a", name: "Anna", qty: 1 }, { id: "b", name: "Ben", qty: 2 }])
  key id
}

source orders {
  from postgres(secret("PG_URL"), table: "app.orders")
  key id
}

policy parity {
  mode enforce
  desired wanted
  actual orders
  remediate {
    on changed => update
  }
}
`;

describe.skipIf(skipped)('apply to postgres with a row changed after the plan', () => {
  let db: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase('apply_stale');
    await db.sql(`CREATE SCHEMA app`);
    await db.sql(`CREATE TABLE app.orders (id text PRIMARY KEY, name text, qty integer)`);
    await db.sql(`INSERT INTO app.orders VALUES ('a', 'Anna', 5), ('b', 'Ben', 6)`);
    dir = makeWorkspace({ 'p.recon': RECON });
  });

  afterAll(async () => {
    if (dir) removeTempDir(dir);
    await db?.drop();
  });

  const applyWithEdit = async (edit: string) => {
    const compiled = compileFile(join(dir, 'p.recon'), new DiskModuleHost());
    if (!compiled.ir) throw new Error(compiled.diagnostics.map((d) => d.message).join('\n'));
    const services = defaultApplyServices();
    let edited = false;
    return runApply(
      { kind: 'file', ir: compiled.ir },
      {
        workspaceRoot: dir,
        stateDir: join(dir, '.recon'),
        actor: 'tester',
        env: { PG_URL: db.url },
        services: {
          ...services,
          // Another writer edits a row after the plan was made, just before recon writes.
          createWriter: (source, context) => {
            const writer = services.createWriter(source, context);
            return {
              staged: writer.staged,
              async open() {
                if (!edited) await db.sql(edit);
                edited = true;
                return writer.open();
              },
            };
          },
        },
      },
    );
  };

  it('skips the changed row as stale, applies the other, and records why', async () => {
    const result = await applyWithEdit(`UPDATE app.orders SET name = 'Anna (edited)' WHERE id = 'a'`);
    const items = result.policies[0]!.items.map((item) => [item.id, item.outcome, item.error]);
    expect(items).toEqual([
      ['parity/changed/a', 'stale', 'source orders: table app.orders: parity/changed/a: the row changed since the plan was made; not applied on stale evidence (plan again)'],
      ['parity/changed/b', 'applied', null],
    ]);
    expect((await db.sql(`SELECT id, name, qty FROM app.orders ORDER BY id`)).rows).toEqual([
      { id: 'a', name: 'Anna (edited)', qty: 5 },
      { id: 'b', name: 'Ben', qty: 2 },
    ]);
    const events = readAuditLog(join(dir, '.recon', 'audit.jsonl')).records.filter((record) => record.item === 'parity/changed/a').map((record) => record.event);
    expect(events).toContain('stale');
    expect(events).not.toContain('failed');
    expect(events).not.toContain('applied');
  });

  it('counts a row that the other writer made right as done, not stale', async () => {
    await db.sql(`UPDATE app.orders SET name = 'Anna', qty = 5 WHERE id = 'a'`);
    const result = await applyWithEdit(`UPDATE app.orders SET qty = 1 WHERE id = 'a'`);
    expect(result.policies[0]!.items.map((item) => [item.id, item.outcome, item.verified])).toEqual([['parity/changed/a', 'done', 'converged']]);
    expect(result.status).toBe('converged');
  });
});
