/**
 * A throw-away PostgreSQL cluster for the test suite: one per test run (vitest `globalSetup`),
 * one database per test file (`createTestDatabase`).
 *
 * Why real PostgreSQL and not a fake: the connector's cursor, type mapping, transactions and
 * quoting are exactly what must be right, and only the real server says whether they are. The
 * cluster lives in a temporary folder, listens on loopback only (a free port, plus a Unix socket
 * in the same folder), runs with fsync off, and is stopped and deleted at the end of the run.
 * As root it runs as the `postgres` user (PostgreSQL refuses to run as root).
 *
 * When the server binaries are not installed (`/usr/lib/postgresql/<version>/bin/initdb`), the
 * cluster is not started and every PostgreSQL test is skipped, LOUDLY (`postgres-database.ts`'s
 * `warnIfSkipped` prints a warning saying so and how to install them). The test files reach the
 * cluster through `postgres-database.ts` (vitest's `inject`); this file runs in vitest's main
 * process and imports nothing of vitest at run time.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** What the global setup tells the test files. */
export interface PostgresInfo {
  available: boolean;
  /** Why the cluster is not there (when `available` is false). */
  reason: string;
  host: string;
  port: number;
  /** Connection URL of the `postgres` database as the `postgres` superuser. */
  adminUrl: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: PostgresInfo;
  }
}

/** The `bin` folder of the newest installed PostgreSQL server, or null. */
export function findPostgresBin(): string | null {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base)
    .filter((name) => existsSync(path.join(base, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? path.join(base, versions[0], 'bin') : null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A running cluster and how to stop it. */
export interface Cluster {
  info: PostgresInfo;
  stop(): void;
}

/** Starts a cluster in a temporary folder (see the module comment). */
export async function startCluster(bin: string): Promise<Cluster> {
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(tmpdir(), 'recon-pg-'));
  const data = path.join(dir, 'data');
  const run = (program: string, args: string[]): void => {
    const command = asRoot ? 'runuser' : path.join(bin, program);
    const argv = asRoot ? ['-u', 'postgres', '--', path.join(bin, program), ...args] : args;
    const result = spawnSync(command, argv, { encoding: 'utf8', cwd: dir });
    if (result.status !== 0) {
      throw new Error(`${program} failed (exit ${result.status}): ${(result.stderr || result.stdout || '').trim().slice(-2000)}`);
    }
  };
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-N', '-E', 'UTF8', '--locale=C', '--no-instructions']);
  const port = await freePort();
  run('pg_ctl', ['-D', data, '-o', `-p ${port} -k ${dir} -h 127.0.0.1 -F -c max_connections=200`, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  const info: PostgresInfo = {
    available: true,
    reason: '',
    host: '127.0.0.1',
    port,
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
  };
  return {
    info,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** vitest global setup: starts the cluster when the server is installed; returns the teardown. */
export default async function setup({ provide }: { provide: (key: 'postgres', value: PostgresInfo) => void }): Promise<() => void> {
  const bin = findPostgresBin();
  if (bin === null) {
    provide('postgres', {
      available: false,
      reason: 'the PostgreSQL server is not installed (no /usr/lib/postgresql/*/bin/initdb); install it with: apt-get install -y postgresql',
      host: '',
      port: 0,
      adminUrl: '',
    });
    return () => undefined;
  }
  let cluster: Cluster;
  try {
    cluster = await startCluster(bin);
  } catch (error) {
    provide('postgres', {
      available: false,
      reason: `the throw-away PostgreSQL cluster did not start: ${error instanceof Error ? error.message : String(error)}`,
      host: '',
      port: 0,
      adminUrl: '',
    });
    return () => undefined;
  }
  provide('postgres', cluster.info);
  return () => cluster.stop();
}
