/**
 * Executor benchmark (issue "Apply with approval gates"): run with `npx tsx bench/executor-bench.ts`
 * (or as part of `npm run bench`).
 *
 * 1. Overhead: 10,000 no-op actions through `executeActions` at concurrency 32, no rate limit
 *    (the median of three runs after a warm-up).
 *    The writer does nothing, so the time per action is the executor's own cost (scheduling,
 *    retries bookkeeping, commit, audit events, journal). Printed for an in-memory audit sink and
 *    for the real audit log and journal in a temporary state directory, for a writer that acts at
 *    once (a commit per action) and a staged one (a commit per 200). Goal: < 0.2 ms per action.
 * 2. Rate: 2,000 actions at `rate 200/s` (concurrency 8) against a loopback HTTP server started
 *    here on 127.0.0.1, through a minimal writer that POSTs each action with its idempotency key.
 *    The ideal is 10 s; goal: within 1.05x, and no redundant write (the server counts requests per
 *    idempotency key: each exactly once). The minimal writer stands in for the real `http` writer,
 *    which comes with the http connector issue.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplyJournal } from '../runtime/apply/apply-journal.js';
import { executeActions, idempotencyKey, type AuditSink, type ExecutorOptions } from '../runtime/apply/executor.js';
import type { PlanItem } from '../runtime/plan/change-plan.js';
import { AuditLog, type AuditRecord } from '../runtime/state/audit-log.js';
import { WriteError, type WriteAction, type WriteSession, type Writer } from '../runtime/write/writer.js';

const PLAN = 'sha256:' + 'be'.repeat(32);

function makeActions(count: number): WriteAction[] {
  const actions: WriteAction[] = [];
  for (let i = 0; i < count; i++) {
    const id = `bench/missing/k${i}`;
    const item: PlanItem = {
      id,
      kind: 'missing',
      key: { id: `k${i}` },
      side: null,
      fields: [],
      action: 'create',
      gate: 'auto',
      approvers: null,
      reason: { rule: 1, at: 'bench.recon:1:1', because: null },
      precondition: null,
      effect: { kind: 'http', method: 'POST', url: 'http://127.0.0.1/', body: { id: `k${i}`, amount: i } },
    };
    actions.push({ item, effect: item.effect!, idempotencyKey: idempotencyKey(PLAN, id) });
  }
  return actions;
}

/** A writer that does nothing (staged or acting at once). */
function noopWriter(staged: boolean): Writer {
  return {
    staged,
    async open(): Promise<WriteSession> {
      let pending: WriteAction[] = [];
      return {
        async perform(action) {
          pending.push(action);
        },
        async commit() {
          const done = pending;
          pending = [];
          return done;
        },
        async close() {
          pending = [];
        },
      };
    },
  };
}

const memorySink: AuditSink = { append: () => undefined, appendMany: () => undefined };

function baseOptions(writer: Writer, audit: AuditSink, extra: Partial<ExecutorOptions> = {}): ExecutorOptions {
  return {
    policy: 'bench',
    planHash: PLAN,
    runId: 'bench-run',
    command: 'bench',
    actor: 'bench',
    writer,
    concurrency: 32,
    ratePerSecond: null,
    retry: { attempts: 3, backoffMinMs: 10, backoffMaxMs: 100 },
    audit,
    ...extra,
  };
}

async function overhead(label: string, staged: boolean, realState: boolean): Promise<number> {
  const count = 10_000;
  const actions = makeActions(count);
  let dir: string | null = null;
  let audit: AuditSink = memorySink;
  let close = (): void => undefined;
  let journal: ApplyJournal | null = null;
  if (realState) {
    dir = mkdtempSync(join(tmpdir(), 'recon-bench-'));
    const fast = AuditLog.inStateDir(dir, false);
    // As apply does: per-attempt events written at once; committed batches fsynced when staged.
    const durable = staged ? AuditLog.inStateDir(dir, true) : fast;
    audit = { append: (r: AuditRecord) => fast.append(r), appendMany: (r: readonly AuditRecord[]) => durable.appendMany(r) };
    close = () => {
      fast.close();
      durable.close();
    };
    journal = ApplyJournal.forPolicy(dir, 'bench', PLAN, 'bench-run');
  }
  // Warm up the code paths, then take the median of three runs (shared machines are noisy).
  await executeActions(makeActions(2000), baseOptions(noopWriter(staged), memorySink));
  const times: number[] = [];
  let report = null;
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    report = await executeActions(actions, baseOptions(noopWriter(staged), audit, { journal }));
    times.push(performance.now() - started);
  }
  const elapsed = times.sort((a, b) => a - b)[1]!;
  close();
  journal?.close(true);
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (!report || report.applied !== count) throw new Error(`${label}: only ${report?.applied ?? 0} of ${count} applied`);
  const perAction = elapsed / count;
  console.log(`  ${label.padEnd(58)} ${elapsed.toFixed(0).padStart(6)} ms  ${perAction.toFixed(4)} ms/action  ${perAction < 0.2 ? 'ok' : 'ABOVE GOAL'}`);
  return perAction;
}

/** The loopback service: counts requests per idempotency key. */
function startServer(): Promise<{ server: Server; port: number; perKey: Map<string, number>; requests: () => number }> {
  const perKey = new Map<string, number>();
  let requests = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      requests++;
      const key = String(req.headers['idempotency-key'] ?? '');
      perKey.set(key, (perKey.get(key) ?? 0) + 1);
      JSON.parse(body);
      res.writeHead(201, { 'Content-Type': 'application/json' }).end('{"ok":true}');
    });
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done({ server, port: (server.address() as AddressInfo).port, perKey, requests: () => requests })));
}

/** A minimal writer that POSTs each action's body with its idempotency key (not the product's http writer). */
function loopbackWriter(port: number): Writer {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  return {
    staged: false,
    async open(): Promise<WriteSession> {
      let done: WriteAction[] = [];
      return {
        perform(action, signal) {
          return new Promise<void>((resolve, reject) => {
            const payload = JSON.stringify((action.effect as { body: unknown }).body);
            const req = request(
              { host: '127.0.0.1', port, path: '/settlements', method: 'POST', agent, signal, headers: { 'Content-Type': 'application/json', 'Idempotency-Key': action.idempotencyKey, 'Content-Length': Buffer.byteLength(payload) } },
              (res) => {
                res.resume();
                res.on('end', () => {
                  if (res.statusCode && res.statusCode < 300) {
                    done.push(action);
                    resolve();
                  } else reject(new WriteError(`HTTP ${res.statusCode}`, (res.statusCode ?? 500) >= 500 || res.statusCode === 429));
                });
              },
            );
            req.on('error', (error) => reject(new WriteError(error.message, true)));
            req.end(payload);
          });
        },
        async commit() {
          const committed = done;
          done = [];
          return committed;
        },
        async close() {
          agent.destroy();
        },
      };
    },
  };
}

async function rateRun(): Promise<{ ratio: number; redundant: number }> {
  const { server, port, perKey, requests } = await startServer();
  const count = 2000;
  const rate = 200;
  const started = performance.now();
  const report = await executeActions(makeActions(count), baseOptions(loopbackWriter(port), memorySink, { concurrency: 8, ratePerSecond: rate }));
  const seconds = (performance.now() - started) / 1000;
  await new Promise<void>((done) => server.close(() => done()));
  const ideal = count / rate;
  const redundant = requests() - perKey.size;
  const ratio = seconds / ideal;
  console.log(`  ${count} actions at ${rate}/s through a loopback HTTP writer: ${seconds.toFixed(2)} s (ideal ${ideal.toFixed(1)} s) = ${ratio.toFixed(3)}x ${ratio <= 1.05 ? 'ok' : 'ABOVE GOAL'}`);
  console.log(`  requests ${requests()}, distinct idempotency keys ${perKey.size}, redundant writes ${redundant}, applied ${report.applied}, retries ${report.retries} ${redundant === 0 && report.applied === count ? 'ok' : 'NOT OK'}`);
  return { ratio, redundant };
}

/** The executor benchmark: overhead per action, and a rate-limited run against a loopback writer. */
export async function runExecutorBench(): Promise<void> {
  console.log('executor overhead: 10,000 no-op actions, concurrency 32 (goal < 0.2 ms/action)');
  await overhead('acting writer, in-memory audit', false, false);
  await overhead('staged writer (commit per 200), in-memory audit', true, false);
  await overhead('acting writer, audit log + journal on disk', false, true);
  await overhead('staged writer, audit log + journal on disk (fsync/batch)', true, true);
  console.log('executor rate: 2,000 actions at 200/s (goal within 1.05x of 10 s, no redundant write)');
  await rateRun();
}

if (import.meta.url === `file://${process.argv[1]}`) await runExecutorBench();
