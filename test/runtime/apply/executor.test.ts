/**
 * The executor (runtime/apply/executor.ts): concurrency, rate, retries with backoff for transient
 * failures only, Retry-After, per-attempt timeouts, commits before `applied`, the journal, and
 * stopping. File-writer cases use the real jsonl writer; behaviour no real writer can be made to
 * show on demand (an exact Retry-After, counting calls in flight) uses a small in-memory writer
 * that implements the same interface.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IrSource } from '../../../language/ir/ir-types.js';
import { ApplyJournal, readPendingIntents } from '../../../runtime/apply/apply-journal.js';
import { executeActions, idempotencyKey, isTransient, type AuditSink, type ExecutorOptions } from '../../../runtime/apply/executor.js';
import { withFaultInjection } from '../../../runtime/apply/fault-injection.js';
import type { PlanItem } from '../../../runtime/plan/change-plan.js';
import { createJsonlWriter } from '../../../runtime/write/writer-registry.js';
import { WriteError, type WriteAction, type WriteSession, type Writer } from '../../../runtime/write/writer.js';
import { MemoryAudit } from '../../helpers/memory-audit.js';

const PLAN = 'sha256:' + 'ab'.repeat(32);
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'recon-executor-'));
  dirs.push(dir);
  return dir;
}

function item(id: string, op: 'create' | 'update' | 'delete' = 'create', record: Record<string, unknown> = { id, n: 1 }): PlanItem {
  return {
    id: `p/${op === 'create' ? 'missing' : op === 'update' ? 'changed' : 'extra'}/${id}`,
    kind: op === 'create' ? 'missing' : op === 'update' ? 'changed' : 'extra',
    key: { id },
    side: null,
    fields: [],
    action: op,
    gate: 'auto',
    approvers: null,
    reason: { rule: 1, at: 'x.recon:1:1', because: null },
    precondition: null,
    effect: { kind: 'file', connector: 'jsonl', path: 'data/actual.jsonl', op, key: { id }, record },
  };
}

function actionOf(planItem: PlanItem): WriteAction {
  return { item: planItem, effect: planItem.effect!, idempotencyKey: idempotencyKey(PLAN, planItem.id) };
}

function actions(count: number): WriteAction[] {
  return Array.from({ length: count }, (_, i) => actionOf(item(`k${i}`)));
}

interface MemoryWriterOptions {
  staged?: boolean;
  latencyMs?: number;
  /** Errors to throw on successive performs of an item id (then it succeeds). */
  failures?: Map<string, Error[]>;
  timeline?: string[];
}

/** An in-memory writer: records what it performed and committed, and how many calls were in flight. */
function memoryWriter(options: MemoryWriterOptions = {}) {
  const state = { performed: [] as string[], committed: [] as string[], inFlight: 0, maxInFlight: 0, performTimes: [] as number[] };
  const writer: Writer = {
    staged: options.staged ?? false,
    async open(): Promise<WriteSession> {
      let staged: WriteAction[] = [];
      return {
        async perform(action, signal) {
          state.inFlight++;
          state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
          state.performTimes.push(performance.now());
          try {
            if (options.latencyMs) await new Promise((done) => setTimeout(done, options.latencyMs));
            signal?.throwIfAborted();
            const planned = options.failures?.get(action.item.id);
            const failure = planned?.shift();
            if (failure) throw failure;
            state.performed.push(action.item.id);
            options.timeline?.push(`perform ${action.item.id}`);
            staged.push(action);
          } finally {
            state.inFlight--;
          }
        },
        async commit() {
          const done = staged;
          staged = [];
          for (const action of done) state.committed.push(action.item.id);
          options.timeline?.push(`commit ${done.length}`);
          return done;
        },
        async close() {
          staged = [];
        },
      };
    },
  };
  return { writer, state };
}

function options(writer: Writer, audit: AuditSink, extra: Partial<ExecutorOptions> = {}): ExecutorOptions {
  return {
    policy: 'p',
    planHash: PLAN,
    runId: 'run-1',
    command: 'apply',
    actor: 'tester',
    writer,
    concurrency: 4,
    ratePerSecond: null,
    retry: { attempts: 3, backoffMinMs: 1, backoffMaxMs: 5 },
    audit,
    ...extra,
  };
}

describe('executeActions', () => {
  it('runs at most `concurrency` actions at once, and reaches it', async () => {
    const { writer, state } = memoryWriter({ latencyMs: 10 });
    const audit = new MemoryAudit();
    const report = await executeActions(actions(40), options(writer, audit, { concurrency: 5 }));
    expect(report.applied).toBe(40);
    expect(state.maxInFlight).toBe(5);
    expect(audit.events('applied')).toHaveLength(40);
  });

  it('keeps to the rate (token bucket): 30 actions at 100/s take about 0.3 s', async () => {
    const { writer, state } = memoryWriter();
    const started = performance.now();
    const report = await executeActions(actions(30), options(writer, new MemoryAudit(), { ratePerSecond: 100, concurrency: 8 }));
    const elapsed = performance.now() - started;
    expect(report.applied).toBe(30);
    expect(elapsed).toBeGreaterThanOrEqual(270);
    expect(elapsed).toBeLessThan(1500);
    // Never a burst: in any 100 ms window at most 100/s * 0.1 s + the bucket's burst of 10.
    for (const start of state.performTimes) {
      expect(state.performTimes.filter((t) => t >= start && t < start + 100).length).toBeLessThanOrEqual(21);
    }
  });

  it('retries transient failures with backoff, recording `retried` per failed attempt, and never retries permanent ones', async () => {
    const failures = new Map<string, Error[]>([
      ['p/missing/k1', [new WriteError('503 busy', true), new WriteError('503 busy', true)]],
      ['p/missing/k2', [new WriteError('400 bad request', false)]],
      ['p/missing/k3', [new WriteError('timeout', true), new WriteError('timeout', true), new WriteError('timeout', true)]],
    ]);
    const { writer, state } = memoryWriter({ failures });
    const audit = new MemoryAudit();
    const report = await executeActions(actions(4), options(writer, audit, { retry: { attempts: 3, backoffMinMs: 5, backoffMaxMs: 20 } }));
    const outcome = (id: string) => report.outcomes.find((o) => o.action.item.id === id)!;
    expect(outcome('p/missing/k0')).toMatchObject({ status: 'applied', attempts: 1 });
    expect(outcome('p/missing/k1')).toMatchObject({ status: 'applied', attempts: 3 });
    expect(outcome('p/missing/k2')).toMatchObject({ status: 'failed', attempts: 1, error: '400 bad request' });
    expect(outcome('p/missing/k3')).toMatchObject({ status: 'failed', attempts: 3 });
    expect(outcome('p/missing/k3').error).toContain('after 3 attempts');
    expect(report.retries).toBe(4);
    const retried = audit.events('retried');
    expect(retried.map((r) => [r.item, r.attempt])).toEqual(
      expect.arrayContaining([
        ['p/missing/k1', 1],
        ['p/missing/k1', 2],
        ['p/missing/k3', 1],
        ['p/missing/k3', 2],
      ]),
    );
    for (const r of retried) expect(r.detail!.delay_ms as number).toBeGreaterThanOrEqual(5);
    expect(audit.events('failed').map((r) => r.item).sort()).toEqual(['p/missing/k2', 'p/missing/k3']);
    expect(state.committed.sort()).toEqual(['p/missing/k0', 'p/missing/k1']);
  });

  it('waits at least Retry-After before retrying', async () => {
    const failures = new Map<string, Error[]>([['p/missing/k0', [new WriteError('429 slow down', true, 0.25)]]]);
    const { writer, state } = memoryWriter({ failures });
    const report = await executeActions(actions(1), options(writer, new MemoryAudit(), { retry: { attempts: 2, backoffMinMs: 1, backoffMaxMs: 2 } }));
    expect(report.applied).toBe(1);
    expect(state.performTimes[1]! - state.performTimes[0]!).toBeGreaterThanOrEqual(240);
  });

  it('times an attempt out (a transient failure) and retries it', async () => {
    const { writer } = memoryWriter({ latencyMs: 200 });
    const audit = new MemoryAudit();
    const report = await executeActions(actions(1), options(writer, audit, { actionTimeoutMs: 30, retry: { attempts: 2, backoffMinMs: 1, backoffMaxMs: 2 } }));
    expect(report.outcomes[0]).toMatchObject({ status: 'failed', attempts: 2 });
    expect(report.outcomes[0]!.error).toContain('timed out after 30 ms');
    expect(audit.events('retried')).toHaveLength(1);
  });

  it('records `applied` only after the commit that made an action durable (staged writers commit in batches)', async () => {
    const timeline: string[] = [];
    const { writer } = memoryWriter({ staged: true, timeline });
    const audit = new MemoryAudit(timeline);
    const report = await executeActions(actions(7), options(writer, audit, { commitEvery: 3, concurrency: 1 }));
    expect(report.applied).toBe(7);
    expect(report.commits).toBe(3);
    const commits = timeline.filter((entry) => entry.startsWith('commit')).map((entry) => Number(entry.split(' ')[1]));
    expect(commits).toEqual([3, 3, 1]);
    for (const record of audit.events('applied')) {
      const appliedAt = timeline.indexOf(`applied ${record.item}`);
      const performedAt = timeline.indexOf(`perform ${record.item}`);
      const commitAfter = timeline.findIndex((entry, index) => index > performedAt && entry.startsWith('commit'));
      expect(commitAfter).toBeGreaterThan(performedAt);
      expect(appliedAt).toBeGreaterThan(commitAfter);
    }
  });

  it('commits staged actions at least every interval while actions trickle in', async () => {
    const timeline: string[] = [];
    const { writer } = memoryWriter({ staged: true, timeline });
    const report = await executeActions(actions(10), options(writer, new MemoryAudit(), { commitEvery: 1000, commitIntervalMs: 50, ratePerSecond: 50, concurrency: 1 }));
    expect(report.applied).toBe(10);
    // 10 actions at 50/s take ~180 ms: with a 50 ms interval there are several commits, not one at the end.
    expect(timeline.filter((entry) => entry.startsWith('commit')).length).toBeGreaterThanOrEqual(3);
  });

  it('writes a durable intent before each staged commit and a `recorded` line after its audit events', async () => {
    const dir = tempDir();
    const { writer } = memoryWriter({ staged: true });
    const journal = ApplyJournal.forPolicy(dir, 'p', PLAN, 'run-1');
    await executeActions(actions(5), options(writer, new MemoryAudit(), { commitEvery: 2, concurrency: 1, journal }));
    const lines = readFileSync(journal.path, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((line) => ('intent' in line ? 'intent' : 'recorded'))).toEqual(['intent', 'recorded', 'intent', 'recorded', 'intent', 'recorded']);
    expect(readPendingIntents(dir, 'p').byPlan.size).toBe(0);
    journal.close(true);
  });

  it('finds intents without a `recorded` line after a crash (a torn last line ignored)', () => {
    const dir = tempDir();
    const journal = ApplyJournal.forPolicy(dir, 'p', PLAN, 'run-1');
    journal.intent(['p/missing/a', 'p/missing/b'], true);
    journal.recorded(['p/missing/a', 'p/missing/b']);
    journal.intent(['p/missing/c', 'p/missing/d'], true);
    journal.close(false);
    writeFileSync(journal.path, readFileSync(journal.path, 'utf8') + '{"recorded":["p/missing/c"');
    const pending = readPendingIntents(dir, 'p');
    expect([...pending.byPlan.get(PLAN)!].sort()).toEqual(['p/missing/c', 'p/missing/d']);
    expect(pending.runOf.get(PLAN)).toBe('run-1');
  });

  it('performs real file actions through the jsonl writer, exactly once each', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'data.jsonl'), '{"id":"k1","n":0}\n');
    const source: IrSource = {
      name: 'live',
      connector: { kind: 'jsonl', path: 'data.jsonl', args: [], options: [], at: 'x.recon:1:1' },
      key: ['id'],
      fields: null,
      select: null,
      where: null,
      write: null,
      writable: true,
      doc: null,
      at: 'x.recon:1:1',
    };
    const writer = createJsonlWriter(source, { workspaceRoot: dir, observedAt: '2026-01-01T00:00:00Z' });
    const list = [item('k0'), item('k1', 'update', { id: 'k1', n: 5 }), item('k2'), item('zz', 'update', { id: 'zz', n: 1 })].map((planItem) => ({
      ...actionOf(planItem),
      effect: { ...planItem.effect!, path: 'data.jsonl' } as WriteAction['effect'],
    }));
    const audit = new MemoryAudit();
    const report = await executeActions(list, options(writer, audit, { commitEvery: 2 }));
    expect(report.applied).toBe(3);
    // An update of a key the file does not have is a permanent failure: one attempt, no retry.
    expect(report.outcomes[3]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(audit.events('retried')).toHaveLength(0);
    const lines = readFileSync(join(dir, 'data.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toEqual([{ id: 'k1', n: 5 }, { id: 'k0', n: 1 }, { id: 'k2', n: 1 }]);
  });

  it('converges through injected transient faults (RECON_FAULT_INJECTION) within the retry budget', async () => {
    const { writer, state } = memoryWriter();
    const audit = new MemoryAudit();
    const flaky = withFaultInjection(writer, { write: 0.3, commit: 0, latencyMs: 0, seed: 11 });
    const report = await executeActions(actions(200), options(flaky, audit, { retry: { attempts: 10, backoffMinMs: 1, backoffMaxMs: 4 }, concurrency: 16 }));
    expect(report.applied).toBe(200);
    expect(report.retries).toBeGreaterThan(40);
    expect(report.retries).toBeLessThan(160);
    expect(audit.events('retried')).toHaveLength(report.retries);
    expect(new Set(state.committed).size).toBe(200);
    expect(state.committed).toHaveLength(200);
  });

  it('stops starting actions when stopped: in-flight ones finish and are committed, the rest are not started', async () => {
    const { writer, state } = memoryWriter({ staged: true, latencyMs: 20 });
    const stop = new AbortController();
    const audit = new MemoryAudit();
    const running = executeActions(actions(50), options(writer, audit, { concurrency: 2, stop: stop.signal, commitEvery: 100 }));
    setTimeout(() => stop.abort(), 70);
    const report = await running;
    expect(report.applied).toBeGreaterThan(0);
    expect(report.applied).toBeLessThan(50);
    expect(report.notStarted).toBe(50 - report.applied);
    expect(state.committed).toHaveLength(report.applied);
    expect(audit.events('applied')).toHaveLength(report.applied);
  });

  it('fails every action when the writer cannot be opened, without throwing', async () => {
    const writer: Writer = { staged: true, open: () => Promise.reject(new WriteError('cannot read data.jsonl: permission denied', false)) };
    const audit = new MemoryAudit();
    const report = await executeActions(actions(3), options(writer, audit));
    expect(report.failed).toBe(3);
    expect(report.outcomes[0]!.error).toContain('permission denied');
    expect(audit.events('failed')).toHaveLength(3);
  });

  it('gives each action the idempotency key plan_hash/item id, ASCII only', () => {
    expect(idempotencyKey(PLAN, 'p/missing/k1')).toBe(`${PLAN}/p/missing/k1`);
    expect(idempotencyKey(PLAN, 'p/missing/zürich 1')).toBe(`${PLAN}/p/missing/z%C3%BCrich%201`);
    expect(isTransient(new WriteError('x', true))).toBe(true);
    expect(isTransient(new WriteError('x', false))).toBe(false);
    expect(isTransient(new Error('x'))).toBe(false);
  });
});
