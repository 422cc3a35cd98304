/**
 * The test files' side of the throw-away PostgreSQL cluster (`postgres-cluster.ts` starts it once
 * per run): whether it is there, a loud warning when it is not, and a fresh database per test
 * file.
 *
 * Why a database per file: test files run in parallel processes; each gets its own database, so
 * no file sees another's tables, and dropping it cleans up everything the file made.
 */
import pg from 'pg';
import { inject } from 'vitest';
import type { PostgresInfo } from './postgres-cluster.js';

export type { PostgresInfo } from './postgres-cluster.js';

/** The cluster of this test run (from the global setup). */
export function postgresInfo(): PostgresInfo {
  return inject('postgres');
}

/** Prints a loud warning when PostgreSQL tests are skipped; returns whether they are. */
export function warnIfSkipped(what: string): boolean {
  const info = postgresInfo();
  if (info.available) return false;
  console.warn(
    `\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n` +
      `!!! SKIPPED: ${what}\n!!! ${info.reason}\n` +
      `!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n`,
  );
  return true;
}

/** A fresh database of the cluster for one test file, and how to drop it. */
export interface TestDatabase {
  url: string;
  name: string;
  /** Runs SQL as the superuser in this database. */
  sql(text: string, values?: unknown[]): Promise<pg.QueryResult>;
  drop(): Promise<void>;
}

/** Creates a database named after `prefix` (plus a random suffix) in the cluster. */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const info = postgresInfo();
  if (!info.available) throw new Error(info.reason);
  const name = `${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: info.adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = `postgres://postgres@${info.host}:${info.port}/${name}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    url,
    name,
    sql: (text, values) => client.query(text, values as unknown[] | undefined),
    async drop() {
      await client.end();
      const dropper = new pg.Client({ connectionString: info.adminUrl });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}
