/**
 * `recon approve -o` into one approvals file from several processes at once, through the built
 * CLI: the read-modify-write of the file is serialised by `APPROVALS.json.lock` beside it, so
 * reviewers' CI jobs approving together lose no approval; a lock left by a dead process is taken
 * over; a live holder is waited for (`--lock-timeout`) and then named in one line, exit 1.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliTestFolders, csvText, makeWorkspace, runCli } from '../helpers/cli-helpers.js';

const keep = cliTestFolders();

/** 16, not 8: with 8 the old code (no lock) lost an approval in only about two runs of three. */
const PROCESSES = 16;
const ids = Array.from({ length: PROCESSES }, (_, i) => `a${i + 1}`);

/** A workspace with a saved plan of PROCESSES missing accounts, each waiting for anyone's approval. */
async function planned(): Promise<string> {
  const dir = keep(
    makeWorkspace({
      'accounts.recon': `source wanted {
  from csv("data/desired.csv")
  key id
  fields {
    id: string
    amount: number
  }
}

source live {
  from jsonl("data/actual.jsonl")
  key id
  fields {
    id: string
    amount: number
  }
}

policy accounts {
  mode enforce
  desired wanted
  actual live
  remediate {
    on missing => create requires approval
  }
}
`,
      'data/desired.csv': csvText(
        ['id', 'amount'],
        ids.map((id, i) => [id, i + 1]),
      ),
      'data/actual.jsonl': '',
    }),
  );
  expect((await runCli(['plan', 'accounts.recon', '-o', 'plan.json'], { cwd: dir })).code).toBe(2);
  return dir;
}

function approvedItems(dir: string): string[] {
  const document = JSON.parse(readFileSync(join(dir, 'approvals.json'), 'utf8')) as { approvals: { item: string; signature?: string }[] };
  return document.approvals.map((record) => record.item).sort();
}

/** A pid that no process has now: a child that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

function lockFile(holder: { pid: number; owner: string; started?: string }): string {
  return (
    JSON.stringify({
      file: 'approvals.json',
      owner: holder.owner,
      host: hostname(),
      pid: holder.pid,
      started: holder.started ?? new Date().toISOString(),
      lease_expires: new Date(Date.now() + 600_000).toISOString(),
      token: 'f'.repeat(24),
    }) + '\n'
  );
}

describe('recon approve -o from several processes at once', () => {
  it(`keeps every approval when ${PROCESSES} processes approve different items into one file`, async () => {
    const dir = await planned();
    const results = await Promise.all(
      ids.map((id, i) =>
        runCli(['approve', 'plan.json', '--by', `reviewer${i}@example.com`, '--item', `accounts/missing/${id}`, '-o', 'approvals.json', '--lock-timeout', '60s'], {
          cwd: dir,
          env: { RECON_APPROVAL_KEY: 's3cret-key' },
        }),
      ),
    );
    for (const result of results) {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    }
    expect(approvedItems(dir)).toEqual(ids.map((id) => `accounts/missing/${id}`).sort());
    // the lock and the temporary files are gone
    expect(readdirSync(dir).filter((name) => name.startsWith('approvals.json') || name.startsWith('.approvals.json'))).toEqual(['approvals.json']);
    // signed, and every signature verifies: apply takes all of them
    const apply = await runCli(['apply', 'plan.json', '--approvals', 'approvals.json', '--format', 'json'], {
      cwd: dir,
      env: { RECON_APPROVAL_KEY: 's3cret-key' },
    });
    expect(apply.stderr).not.toMatch(/not signed|does not match/);
    expect(apply.code).toBe(0);
  }, 60_000);

  it('takes over a lock left by a process that is gone, and removes it after', async () => {
    const dir = await planned();
    writeFileSync(join(dir, 'approvals.json.lock'), lockFile({ pid: deadPid(), owner: 'crashed@ci' }));
    const result = await runCli(['approve', 'plan.json', '--by', 'alice@example.com', '--item', 'accounts/missing/a1', '-o', 'approvals.json', '--lock-timeout', '0'], {
      cwd: dir,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(approvedItems(dir)).toEqual(['accounts/missing/a1']);
    expect(existsSync(join(dir, 'approvals.json.lock'))).toBe(false);
  });

  it('waits for a live holder up to --lock-timeout, then exits 1 naming it, recording nothing', async () => {
    const dir = await planned();
    const lock = lockFile({ pid: process.pid, owner: 'olga@ci-runner', started: '2026-11-27T04:00:00.000Z' });
    writeFileSync(join(dir, 'approvals.json.lock'), lock);
    const started = Date.now();
    const result = await runCli(['approve', 'plan.json', '--by', 'alice@example.com', '-o', 'approvals.json', '--lock-timeout', '700ms'], { cwd: dir });
    const waited = Date.now() - started;
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: recon approve: approvals.json is being written by olga@ci-runner (pid ${process.pid}) since 2026-11-27T04:00:00.000Z;` +
        ' approvals to one file are recorded one at a time (wait longer with --lock-timeout)\n',
    );
    expect(waited).toBeGreaterThanOrEqual(700);
    expect(result.stdout).toBe('');
    expect(existsSync(join(dir, 'approvals.json'))).toBe(false);
    // the holder's lock is left alone, and no approval reached the audit log
    expect(readFileSync(join(dir, 'approvals.json.lock'), 'utf8')).toBe(lock);
    expect(readFileSync(join(dir, '.recon', 'audit.jsonl'), 'utf8')).not.toContain('"approved"');
  });

  it('goes on as soon as a live holder releases the lock within the wait', async () => {
    const dir = await planned();
    const lockPath = join(dir, 'approvals.json.lock');
    writeFileSync(lockPath, lockFile({ pid: process.pid, owner: 'olga@ci-runner' }));
    const pending = runCli(['approve', 'plan.json', '--by', 'alice@example.com', '--item', 'accounts/missing/a2', '-o', 'approvals.json', '--lock-timeout', '20s'], {
      cwd: dir,
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(existsSync(join(dir, 'approvals.json'))).toBe(false);
    writeFileSync(lockPath.replace('.lock', ''), JSON.stringify({ version: 1, approvals: [] }));
    rmSync(lockPath);
    const result = await pending;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(approvedItems(dir)).toEqual(['accounts/missing/a2']);
  });

  it('refuses a --lock-timeout that is not a duration', async () => {
    const dir = await planned();
    const result = await runCli(['approve', 'plan.json', '--by', 'alice@example.com', '-o', 'approvals.json', '--lock-timeout', 'soon'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("--lock-timeout must be a duration like 30s, 2m or 500ms (got 'soon')");
    expect(existsSync(join(dir, 'approvals.json'))).toBe(false);
  });
});
