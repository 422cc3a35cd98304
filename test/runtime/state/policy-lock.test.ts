import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { holderIsGone } from '../../../runtime/state/lock-file.js';
import {
  acquirePolicyLock,
  policyLockPath,
  PolicyLockError,
  readPolicyLock,
  type LockHolder,
} from '../../../runtime/state/policy-lock.js';

const CHILD = fileURLToPath(new URL('./policy-lock-child.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

interface ChildResult {
  acquired: boolean;
  pid?: number;
  message?: string;
}

interface Child {
  process: ChildProcess;
  /** The child's JSON line. */
  result: Promise<ChildResult>;
  exited: Promise<number | null>;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function stateDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'recon-lock-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function startChild(dir: string, policy: string, holdMs: number, timeoutMs: number, owner: string, startAt?: number): Child {
  const args = ['--import', 'tsx', CHILD, dir, policy, String(holdMs), String(timeoutMs), owner];
  if (startAt !== undefined) args.push(String(startAt));
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const result = new Promise<ChildResult>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n')) resolve(JSON.parse(line) as ChildResult);
    });
    child.on('exit', () => {
      if (!stdout.includes('\n')) reject(new Error(`the child printed nothing; stderr: ${stderr}`));
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { process: child, result, exited };
}

function writeLock(dir: string, policy: string, holder: Partial<LockHolder>): void {
  const file = policyLockPath(dir, policy);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(
    file,
    JSON.stringify({
      policy,
      owner: 'carol@elsewhere',
      host: 'elsewhere.example',
      pid: 4242,
      started: '2026-11-26T10:00:00.000Z',
      lease_expires: new Date(Date.now() + 60_000).toISOString(),
      token: 'feedface',
      ...holder,
    }),
  );
}

describe('policy lock across processes', () => {
  it('one process wins; the other fails at once naming the holder', async () => {
    const dir = stateDir();
    const alice = startChild(dir, 'settlement', 10_000, 0, 'alice@host-a');
    const held = await alice.result;
    expect(held).toMatchObject({ acquired: true });
    const bob = startChild(dir, 'settlement', 0, 0, 'bob@host-b');
    const refused = await bob.result;
    expect(refused.acquired).toBe(false);
    expect(refused.message).toMatch(
      new RegExp(`^policy settlement is being applied by alice@host-a \\(pid ${held.pid}\\) since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z$`),
    );
    expect(await bob.exited).toBe(3);
    // Another policy is not affected.
    const other = startChild(dir, 'other_policy', 0, 0, 'bob@host-b');
    expect((await other.result).acquired).toBe(true);
  });

  it('of several processes starting together exactly one gets the lock', async () => {
    const dir = stateDir();
    const startAt = Date.now() + 3_000;
    const children = Array.from({ length: 4 }, (_, i) => startChild(dir, 'race', 3_000, 0, `user${i}@host`, startAt));
    const results = await Promise.all(children.map((child) => child.result));
    const winners = results.filter((result) => result.acquired);
    expect(winners).toHaveLength(1);
    for (const loser of results.filter((result) => !result.acquired)) {
      expect(loser.message).toContain(`(pid ${winners[0].pid})`);
    }
  });

  it('a holder killed with SIGKILL is taken over at once', async () => {
    const dir = stateDir();
    const victim = startChild(dir, 'crashy', -1, 0, 'dave@host');
    const held = await victim.result;
    expect(held.acquired).toBe(true);
    victim.process.kill('SIGKILL');
    await victim.exited;
    expect(readPolicyLock(dir, 'crashy')?.pid).toBe(held.pid); // the file is still there
    const lock = await acquirePolicyLock(dir, 'crashy');
    try {
      expect(readPolicyLock(dir, 'crashy')).toMatchObject({ pid: process.pid, token: lock.holder.token });
    } finally {
      lock.release();
    }
  });

  it('of several processes finding an expired lock, exactly one takes it over', async () => {
    const dir = stateDir();
    writeLock(dir, 'stale', { lease_expires: new Date(Date.now() - 1_000).toISOString() });
    const startAt = Date.now() + 3_000;
    const children = Array.from({ length: 4 }, (_, i) => startChild(dir, 'stale', 3_000, 0, `taker${i}@host`, startAt));
    const results = await Promise.all(children.map((child) => child.result));
    const winners = results.filter((result) => result.acquired);
    expect(winners).toHaveLength(1);
    for (const loser of results.filter((result) => !result.acquired)) {
      expect(loser.message).toContain(`(pid ${winners[0].pid})`);
    }
    expect(readdirSync(path.join(dir, 'locks'))).toEqual(['stale.lock']);
  });

  it('waits up to the lock timeout for the holder to finish', async () => {
    const dir = stateDir();
    const holder = startChild(dir, 'queue', 800, 0, 'erin@host');
    expect((await holder.result).acquired).toBe(true);
    const started = Date.now();
    const lock = await acquirePolicyLock(dir, 'queue', { lockTimeoutMs: 20_000, pollMs: 20 });
    const waited = Date.now() - started;
    lock.release();
    expect(waited).toBeGreaterThan(100);
    expect(waited).toBeLessThan(15_000);
  });
});

describe('policy lock in one process', () => {
  it('fails after the timeout, naming the live holder', async () => {
    const dir = stateDir();
    writeLock(dir, 'p', {});
    const started = Date.now();
    const error = await acquirePolicyLock(dir, 'p', { lockTimeoutMs: 300, pollMs: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyLockError);
    expect((error as PolicyLockError).message).toBe('policy p is being applied by carol@elsewhere (pid 4242) since 2026-11-26T10:00:00.000Z');
    expect((error as PolicyLockError).holder?.token).toBe('feedface');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('a lock of this host whose process is gone is taken over though its lease runs', () => {
    const gone: LockHolder = {
      policy: 'p',
      owner: 'x@y',
      host: hostname(),
      pid: 2 ** 22 + 12345, // above Linux's pid_max
      started: '',
      lease_expires: new Date(Date.now() + 60_000).toISOString(),
      token: 't',
    };
    expect(holderIsGone(gone)).toBe(true);
    expect(holderIsGone({ ...gone, pid: process.pid })).toBe(false);
    expect(holderIsGone({ ...gone, pid: process.pid, lease_expires: new Date(Date.now() - 1).toISOString() })).toBe(true);
    expect(holderIsGone({ ...gone, host: 'elsewhere' })).toBe(false);
  });

  it('renews its lease while held, and notices when it was taken over', async () => {
    const dir = stateDir();
    let lostTo: LockHolder | null | undefined;
    const lock = await acquirePolicyLock(dir, 'renewed', { leaseMs: 300, onLost: (holder) => (lostTo = holder) });
    const first = Date.parse(lock.holder.lease_expires);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const onDisk = readPolicyLock(dir, 'renewed')!;
    expect(onDisk.token).toBe(lock.holder.token);
    expect(Date.parse(onDisk.lease_expires)).toBeGreaterThan(first);
    // Still held: another acquirer fails.
    await expect(acquirePolicyLock(dir, 'renewed')).rejects.toThrow(/is being applied by/);
    writeLock(dir, 'renewed', { token: 'intruder' });
    expect(lock.renew()).toBe(false);
    expect(lock.lost).toBe(true);
    expect(lostTo?.token).toBe('intruder');
    lock.release();
    expect(readPolicyLock(dir, 'renewed')?.token).toBe('intruder'); // release never removes someone else's lock
  });

  it('release removes the lock file and may be called twice; names are file-safe', async () => {
    const dir = stateDir();
    const lock = await acquirePolicyLock(dir, 'money.rates/x');
    expect(lock.path).toBe(path.join(dir, 'locks', 'money.rates%2Fx.lock'));
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toMatchObject({ policy: 'money.rates/x', pid: process.pid });
    lock.release();
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
    expect(readdirSync(path.join(dir, 'locks'))).toEqual([]);
  });
});
