import { createServer, type AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../runtime/connectors/connector.js';
import { createConnector, createConnectorContext } from '../../../runtime/connectors/connector-registry.js';
import { columnFieldType, PG_TYPE } from '../../../runtime/connectors/postgres-client.js';
import { createTestDatabase, postgresInfo, warnIfSkipped, type TestDatabase } from '../../helpers/postgres-database.js';
import { connectorFor, makeSource, OBSERVED_AT, readAll } from './source-fixture.js';

describe('postgres connector without a server', () => {
  it('is refused in an untrusted context, before it connects', async () => {
    let connections = 0;
    const listener = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    try {
      const port = (listener.address() as AddressInfo).port;
      const source = makeSource('postgres', [{ concat: ['postgres://app:', { secret: ['PW'] }, `@127.0.0.1:${port}/sales`] }], { options: { table: 'orders' } });
      const connector = createConnector(source, createConnectorContext({ workspaceRoot: '/x', trusted: false, observedAt: OBSERVED_AT, env: { PW: 'hunter2' } }));
      await expect(readAll(connector)).rejects.toThrow('source things: postgres sources are not run in an untrusted workspace (trust the workspace to read it)');
      expect(connections).toBe(0);
    } finally {
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
  });

  it('gives up connecting to a server that never answers when the timeout passes, and lets the socket go', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const listener = createServer((socket) => {
      sockets.add(socket);
      socket.resume(); // reads (and ignores) the client's start-up message, so its end is seen
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    try {
      const port = (listener.address() as AddressInfo).port;
      const source = makeSource('postgres', [`postgres://app:pw-secret@127.0.0.1:${port}/sales`], { options: { table: 'orders', timeout: 500 } });
      const started = Date.now();
      const error = await readAll(connectorFor(source, '/nonexistent')).catch((e: unknown) => e);
      expect((error as ConnectorError).message).toBe(`source things: cannot connect to postgres://app@127.0.0.1:${port}/sales: no answer within 500ms (timeout)`);
      expect((error as ConnectorError).transient).toBe(false);
      expect(Date.now() - started).toBeLessThan(3000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(sockets.size).toBe(0);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
  });
});

const skipped = warnIfSkipped('PostgreSQL connector tests (test/runtime/connectors/postgres-connector.test.ts)');

describe.skipIf(skipped)('postgres connector', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase('connector');
    await db.sql(`CREATE SCHEMA shop`);
    await db.sql(`
      CREATE TABLE shop."Order Lines" (
        id text PRIMARY KEY,
        qty integer,
        big bigint,
        huge bigint,
        price numeric(12, 2),
        precise numeric,
        ratio double precision,
        paid boolean,
        at timestamptz,
        local_at timestamp,
        day date,
        meta jsonb,
        tags text[],
        note text
      )`);
    await db.sql(`
      INSERT INTO shop."Order Lines" VALUES
        ('b', 2, 9007199254740991, 9007199254740993, 10.50, 1.23456789012345678, 0.25, true,
         '2026-11-01 09:00:00+01', '2026-11-01 08:00:00', '2026-11-01', '{"a": [1, 2]}', '{x,y}', 'second'),
        ('a', 1, 1, 2, 0, 3, 1.5, false, null, null, null, null, null, null)`);
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('reads a table in key order, column types mapped to field values', async () => {
    const source = makeSource('postgres', [db.url], { options: { table: 'shop.Order Lines' } });
    const { records, origins } = await readAll(connectorFor(source, '/nonexistent'));
    expect(records.map((r) => r.id)).toEqual(['a', 'b']);
    expect(origins.map((o) => o.position)).toEqual([1, 2]);
    expect(records[1]).toEqual({
      id: 'b',
      qty: 2,
      big: 9007199254740991,
      huge: '9007199254740993',
      price: 10.5,
      precise: '1.23456789012345678',
      ratio: 0.25,
      paid: true,
      at: '2026-11-01T08:00:00.000Z',
      local_at: '2026-11-01T08:00:00.000Z',
      day: '2026-11-01',
      meta: { a: [1, 2] },
      tags: ['x', 'y'],
      note: 'second',
    });
    expect(records[0].at).toBeNull();
    expect(records[0].price).toBe(0);
  });

  it('maps column types to field types', () => {
    expect(columnFieldType(PG_TYPE.int8)).toBe('integer');
    expect(columnFieldType(PG_TYPE.numeric)).toBe('number');
    expect(columnFieldType(PG_TYPE.timestamptz)).toBe('datetime');
    expect(columnFieldType(PG_TYPE.jsonb)).toBe('json');
    expect(columnFieldType(PG_TYPE.bool)).toBe('bool');
    expect(columnFieldType(PG_TYPE.uuid)).toBe('string');
  });

  it('reads a query in the order it gives', async () => {
    const source = makeSource('postgres', [db.url], {
      options: { query: 'SELECT id, qty * 10 AS qty10 FROM shop."Order Lines" ORDER BY id DESC' },
    });
    const { records } = await readAll(connectorFor(source, '/nonexistent'));
    expect(records).toEqual([
      { id: 'b', qty10: 20 },
      { id: 'a', qty10: 10 },
    ]);
  });

  it('reads in a read-only transaction: a query that writes fails and changes nothing', async () => {
    const source = makeSource('postgres', [db.url], { options: { query: `DELETE FROM shop."Order Lines" RETURNING *` } });
    await expect(readAll(connectorFor(source, '/nonexistent'))).rejects.toThrow(/read-only transaction/);
    const count = await db.sql(`SELECT count(*)::int AS n FROM shop."Order Lines"`);
    expect(count.rows[0].n).toBe(2);
  });

  it('streams through a cursor: batches arrive before the server has produced the last row', async () => {
    // Row 100,000 divides by zero: the server fails only when the cursor fetches that far.
    const source = makeSource('postgres', [db.url], {
      options: { query: 'SELECT g AS id, 1 / (100000 - g) AS x FROM generate_series(1, 100000) AS g' },
    });
    const connector = connectorFor(source, '/nonexistent');
    let batches = 0;
    let records = 0;
    let failure: unknown = null;
    try {
      for await (const batch of connector.read()) {
        batches += 1;
        records += batch.records.length;
        expect(batch.records.length).toBeLessThanOrEqual(4096);
      }
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(ConnectorError);
    expect(String((failure as Error).message)).toMatch(/division by zero/);
    expect(batches).toBeGreaterThanOrEqual(24);
    expect(records).toBeGreaterThanOrEqual(24 * 4096);
  });

  it('names an unknown table clearly, with its location', async () => {
    const source = makeSource('postgres', [db.url], { options: { table: 'shop.nope' } });
    const error = await readAll(connectorFor(source, '/nonexistent')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).message).toMatch(/^source things: table shop\.nope: .*relation "shop\.nope" does not exist/);
    expect((error as ConnectorError).at).toBe('test.recon:1:8');
  });

  it('never shows a secret of the connection string, even when the server repeats it', async () => {
    const info = postgresInfo();
    const url = { concat: [`postgres://postgres:`, { secret: ['PGPASS'] }, `@127.0.0.1:${info.port}/`, { secret: ['PGDB'] }] };
    const source = makeSource('postgres', [url], { options: { table: 'x' } });
    const error = await readAll(connectorFor(source, '/nonexistent', { PGPASS: 'hunter2-pass', PGDB: 'db-s3cr3t-name' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    const message = (error as Error).message;
    expect(message).toMatch(/database "\*\*\*" does not exist/);
    expect(message).not.toContain('s3cr3t');
    expect(message).not.toContain('hunter2');
  });

  it('reports a server that is not there as a transient failure, without the password', async () => {
    const source = makeSource('postgres', ['postgres://app:plain-password@127.0.0.1:1/app'], { options: { table: 'x' } });
    const error = await readAll(connectorFor(source, '/nonexistent')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).message).toContain('cannot connect to postgres://app@127.0.0.1:1/app: connection refused');
    expect((error as ConnectorError).message).not.toContain('plain-password');
    expect((error as ConnectorError).transient).toBe(true);
  });

  it('stops reading when cancelled', async () => {
    const controller = new AbortController();
    const source = makeSource('postgres', [db.url], { options: { query: 'SELECT g AS id FROM generate_series(1, 100000) AS g' } });
    const connector = createConnector(
      source,
      createConnectorContext({ workspaceRoot: '/nonexistent', trusted: true, observedAt: OBSERVED_AT, signal: controller.signal }),
    );
    let batches = 0;
    const error = await (async () => {
      for await (const _batch of connector.read()) {
        batches += 1;
        controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(batches).toBe(1);
    expect((error as Error).message).toMatch(/reading was cancelled/);
  });

  it('reads arrays element by element like single values, and interval or point as text, in any time zone', async () => {
    const zone = process.env.TZ;
    process.env.TZ = 'America/New_York'; // node-postgres read date[] as local midnight: 05:00Z here
    try {
      const source = makeSource('postgres', [db.url], {
        options: {
          query: `SELECT 'k' AS id,
            ARRAY[9007199254740993, 1, NULL]::bigint[] AS bigs,
            ARRAY[1.23456789012345678, 2.5]::numeric[] AS amounts,
            ARRAY['2026-01-02', NULL]::date[] AS days,
            ARRAY['2026-01-02 03:04:05']::timestamp[] AS locals,
            ARRAY['2026-01-02 03:04:05+02']::timestamptz[] AS instants,
            ARRAY['\\xdead'::bytea] AS blobs,
            '{{1,2},{3,4}}'::bigint[] AS grid,
            interval '1 day 2 hours' AS wait,
            ARRAY[interval '3 minutes'] AS waits,
            point '(1,2)' AS spot,
            ARRAY[point '(3,4)'] AS spots,
            circle '<(1,2),3>' AS ring`,
        },
      });
      const { records } = await readAll(connectorFor(source, '/nonexistent'));
      expect(records).toEqual([
        {
          id: 'k',
          bigs: ['9007199254740993', 1, null],
          amounts: ['1.23456789012345678', 2.5],
          days: ['2026-01-02', null],
          locals: ['2026-01-02T03:04:05.000Z'],
          instants: ['2026-01-02T01:04:05.000Z'],
          blobs: ['\\xdead'],
          grid: [
            [1, 2],
            [3, 4],
          ],
          wait: '1 day 02:00:00',
          waits: ['00:03:00'],
          spot: '(1,2)',
          spots: ['(3,4)'],
          ring: '<(1,2),3>',
        },
      ]);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it('refuses a query that gives two columns the same name (one would silently replace the other)', async () => {
    const source = makeSource('postgres', [db.url], {
      options: { query: `SELECT a.id, a.qty, b.id FROM shop."Order Lines" a JOIN shop."Order Lines" b ON b.id <> a.id` },
    });
    const error = await readAll(connectorFor(source, '/nonexistent')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).message).toBe(
      'source things: query: gives more than one column named "id"; a record can hold only one (name them apart with AS)',
    );
    expect((error as ConnectorError).at).toBe('test.recon:1:8');
    // named apart, the same rows read
    const named = makeSource('postgres', [db.url], {
      options: { query: `SELECT a.id, a.qty, b.id AS other FROM shop."Order Lines" a JOIN shop."Order Lines" b ON b.id <> a.id ORDER BY a.id` },
    });
    expect((await readAll(connectorFor(named, '/nonexistent'))).records).toEqual([
      { id: 'a', qty: 1, other: 'b' },
      { id: 'b', qty: 2, other: 'a' },
    ]);
  });

  it('gives up on a query that outlasts its timeout, in about that time, with one non-transient line', async () => {
    const source = makeSource('postgres', [db.url], { options: { query: 'SELECT 1 AS id FROM pg_sleep(5)', timeout: 1000 } });
    const started = Date.now();
    const error = await readAll(connectorFor(source, '/nonexistent')).catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).message).toBe('source things: query: did not finish within 1s (timeout)');
    expect((error as ConnectorError).transient).toBe(false);
    expect((error as ConnectorError).at).toBe('test.recon:1:8');
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(3500);
    // The server ended the statement: no session of this test's database is still running pg_sleep.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const left = await db.sql(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND query LIKE '%pg_sleep(5)%' AND pid <> pg_backend_pid()`, [db.name]);
    expect(left.rows[0].n).toBe(0);
  });

  it('gives up on a table locked by another session when the timeout passes', async () => {
    await db.sql('CREATE TABLE locked (id text PRIMARY KEY)');
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE locked IN ACCESS EXCLUSIVE MODE');
      const source = makeSource('postgres', [db.url], { options: { table: 'locked', timeout: 800 } });
      const started = Date.now();
      const error = await readAll(connectorFor(source, '/nonexistent')).catch((e: unknown) => e);
      expect((error as Error).message).toBe('source things: table locked: did not finish within 800ms (timeout)');
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
  });

  it('sends its timeout to the server, 60 s when the source sets none', async () => {
    const unset = makeSource('postgres', [db.url], { options: { query: 'SELECT current_setting($$statement_timeout$$) AS id' } });
    expect((await readAll(connectorFor(unset, '/nonexistent'))).records).toEqual([{ id: '1min' }]);
    const set = makeSource('postgres', [db.url], { options: { query: 'SELECT current_setting($$statement_timeout$$) AS id', timeout: 2000 } });
    expect((await readAll(connectorFor(set, '/nonexistent'))).records).toEqual([{ id: '2s' }]);
  });

  it('refuses a timeout that is not more than 0', async () => {
    const source = makeSource('postgres', [db.url], { options: { table: 't', timeout: 0 } });
    await expect(readAll(connectorFor(source, '/x'))).rejects.toThrow('source things: the timeout must be more than 0');
  });

  it('refuses a source with both table and query, or neither', async () => {
    const both = makeSource('postgres', [db.url], { options: { table: 't', query: 'SELECT 1' } });
    await expect(readAll(connectorFor(both, '/x'))).rejects.toThrow(/"table" or a "query", not both/);
    const neither = makeSource('postgres', [db.url]);
    await expect(readAll(connectorFor(neither, '/x'))).rejects.toThrow(/needs a "table" or a "query"/);
  });
});
