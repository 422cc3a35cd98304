/**
 * `withApprovalsLock`: the read-modify-write of an approvals file, from several processes at
 * once, keeps every record; the lock file is removed after, also when the work throws; a live
 * holder is named when the wait runs out.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTsxScript } from '../../helpers/tsx-script.js';
import { ApprovalsLockError, approvalsLockPath, withApprovalsLock } from '../../../runtime/apply/approvals-lock.js';
import { appendApprovals, loadApprovals } from '../../../runtime/apply/approvals.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'recon-approvals-lock-'));
  dirs.push(dir);
  return dir;
}

/** A process that appends `times` approvals (one per call, each under the lock) from START_AT (epoch ms) on. */
function lockedAppender(file: string, who: string, times: number, startAt: number): Promise<{ code: number | null; stderr: string }> {
  const approvals = resolve(import.meta.dirname, '..', '..', '..', 'runtime', 'apply', 'approvals.ts');
  const lock = resolve(import.meta.dirname, '..', '..', '..', 'runtime', 'apply', 'approvals-lock.ts');
  const script = [
    `import { appendApprovals } from ${JSON.stringify(approvals)};`,
    `import { withApprovalsLock } from ${JSON.stringify(lock)};`,
    `while (Date.now() < ${startAt}) {}`,
    `for (let i = 0; i < ${times}; i++) {`,
    `  const record = { plan_hash: 'sha256:1', item: 'p/missing/' + i, approver: ${JSON.stringify(who)}, approved_at: '2026-11-26T12:00:00Z' };`,
    `  await withApprovalsLock(${JSON.stringify(file)}, () => appendApprovals(${JSON.stringify(file)}, [record]), { lockTimeoutMs: 60000, pollMs: 5 });`,
    '}',
  ].join('\n');
  return runTsxScript(script);
}

describe('withApprovalsLock', () => {
  it('serialises appends from several processes: every record is kept', async () => {
    const file = join(tempDir(), 'approvals.json');
    const startAt = Date.now() + 1500;
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((who) => lockedAppender(file, who, 100, startAt)));
    for (const result of results) {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    }
    expect(loadApprovals(file, null)).toHaveLength(400);
    expect(readdirSync(join(file, '..'))).toEqual(['approvals.json']);
  }, 60_000);

  it('removes the lock file after the work, also when the work throws', async () => {
    const file = join(tempDir(), 'approvals.json');
    let seen = false;
    await withApprovalsLock(file, () => {
      seen = existsSync(approvalsLockPath(file));
    });
    expect(seen).toBe(true);
    expect(existsSync(approvalsLockPath(file))).toBe(false);
    await expect(
      withApprovalsLock(file, () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(existsSync(approvalsLockPath(file))).toBe(false);
  });

  it('names a live holder when the wait runs out, and leaves its lock alone', async () => {
    const file = join(tempDir(), 'approvals.json');
    const holder = {
      file: 'approvals.json',
      owner: 'olga@ci',
      host: hostname(),
      pid: process.pid,
      started: '2026-11-27T04:00:00.000Z',
      lease_expires: new Date(Date.now() + 60_000).toISOString(),
      token: 'abc',
    };
    writeFileSync(approvalsLockPath(file), JSON.stringify(holder));
    let ran = false;
    const error = await withApprovalsLock(file, () => (ran = true), { lockTimeoutMs: 200, pollMs: 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApprovalsLockError);
    expect((error as Error).message).toBe(`${file} is being written by olga@ci (pid ${process.pid}) since 2026-11-27T04:00:00.000Z`);
    expect(ran).toBe(false);
    expect(existsSync(approvalsLockPath(file))).toBe(true);
    // a holder whose lease ran out is taken over at once
    writeFileSync(approvalsLockPath(file), JSON.stringify({ ...holder, lease_expires: new Date(Date.now() - 1000).toISOString() }));
    await withApprovalsLock(file, () => appendApprovals(file, [{ plan_hash: 'sha256:1', item: 'p/x', approver: 'a', approved_at: '2026-11-27T04:00:00Z' }]), {
      lockTimeoutMs: 0,
    });
    expect(loadApprovals(file, null)).toHaveLength(1);
    expect(existsSync(approvalsLockPath(file))).toBe(false);
  });
});
