/**
 * `recon watch FILE [--metrics-port N] [--policy NAME] [--auto-approve]`: plan and apply each
 * policy on its `schedule`, until stopped (RUNTIME.md 2).
 *
 * Why one policy at a time: each run takes the policy's lock and its own rate budget; running
 * them in turn keeps the actual systems' load what the policies declare. A policy without a
 * `schedule` is not run. A failing run (a lock held by a manual `recon apply`, a source that
 * cannot be read) is reported on stderr and counted as `recon_reconcile_total{outcome="error"}`;
 * the watch goes on. SIGINT/SIGTERM, or standard output closed by its reader: the actions in
 * flight finish and are recorded, then the command exits 0. With `--metrics-port N`, `/metrics` is served on 127.0.0.1 (the same text as
 * the state directory's `metrics.prom`); port 0 picks a free port, printed on stderr.
 *
 * The file is compiled once, at start: an edit that breaks it cannot stop a running watch.
 * Items that need an approval wait (approvals are bound to a plan's hash, which a watch makes
 * afresh every run); `--auto-approve` approves those without a group.
 *
 * The apply history (`ApplyHistoryReader`) lives as long as the watch: each run reads only the
 * audit lines appended since the one before, as the log grows by a line per item and run forever
 * and reading it whole made every run slower than the last.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { ApplyHistoryReader } from '../../apply/apply-history.js';
import { defaultActor, runApply } from '../../apply/apply-runner.js';
import { defaultApplyServices, LOCK_TIMEOUT_HINT } from '../../apply/default-services.js';
import { describeFaultSpec, faultSpecFromEnv, FaultSpecError } from '../../apply/fault-injection.js';
import { AuditLog } from '../../state/audit-log.js';
import { MetricsStore } from '../../state/metrics-file.js';
import { PolicyLockError } from '../../state/policy-lock.js';
import type { ChangePlan } from '../../plan/change-plan.js';
import { resolveStateDir } from '../../state/state-dir.js';
import { parseCommandArgs } from '../cli-args.js';
import { CliError } from '../cli-error.js';
import { onStdoutClosed, type CliOutput } from '../cli-output.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { compileForRun } from '../load-ir.js';
import { onStopSignals } from './apply-command.js';

/** Serves `/metrics` from the state directory on 127.0.0.1; resolves with the server once listening. */
export function serveMetrics(stateDir: string, port: number): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (path !== '/metrics') {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found: try /metrics\n');
      return;
    }
    let body: string;
    try {
      body = MetricsStore.load(stateDir).render();
    } catch (error) {
      response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${error instanceof Error ? error.message : String(error)}\n`);
      return;
    }
    response.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
    response.end(request.method === 'HEAD' ? undefined : body);
  });
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', fail);
      done(server);
    });
  });
}

/**
 * The longest wait one timer can hold: Node runs a `setTimeout` of more than 2^31-1 ms (about
 * 24.8 days) after 1 ms instead, so a `schedule every 30d` would run without pause.
 */
const MAX_TIMER_MS = 2_147_483_647;

/** Waits `ms` (in steps a timer can hold), or less when `signal` aborts. */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  const until = Date.now() + ms;
  for (let left = ms; left > 0 && !signal.aborted; left = until - Date.now()) await pauseOnce(Math.min(left, MAX_TIMER_MS), signal);
}

/** Waits `ms` (at most `MAX_TIMER_MS`), or less when `signal` aborts. */
function pauseOnce(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(finish, ms);
    function finish(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      done();
    }
    signal.addEventListener('abort', finish, { once: true });
  });
}

export async function runWatchCommand(args: string[], output: CliOutput): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('watch', args, {
    'metrics-port': { type: 'string' },
    policy: { type: 'string' },
    'auto-approve': { type: 'boolean' },
  });
  if (positionals.length !== 1) throw new CliError('recon watch: expected exactly one FILE (.recon)');
  let port: number | null = null;
  if (typeof values['metrics-port'] === 'string') {
    port = Number(values['metrics-port']);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`recon watch: --metrics-port must be a port number 0-65535 (got '${values['metrics-port']}')`);
  }
  const { ir, workspaceRoot } = compileForRun(positionals[0]!, output, values.root as string | undefined);
  const policyName = values.policy as string | undefined;
  if (policyName !== undefined && !ir.policies.some((policy) => policy.name === policyName)) {
    throw new CliError(`recon watch: unknown policy "${policyName}" in ${ir.file} (its policies: ${ir.policies.map((p) => p.name).join(', ') || 'none'})`);
  }
  const scheduled = ir.policies.filter((policy) => policy.schedule_ms !== null && (policyName === undefined || policy.name === policyName));
  if (scheduled.length === 0) throw new CliError(`recon watch: no policy of ${ir.file} has a schedule ("schedule every 15m"): nothing to watch`);
  const stateDir = resolveStateDir(workspaceRoot, values['state-dir'] as string | undefined);
  let faults;
  try {
    faults = faultSpecFromEnv(process.env);
  } catch (error) {
    if (error instanceof FaultSpecError) throw new CliError(`recon watch: ${error.message}`);
    throw error;
  }
  if (faults) output.err(`${output.colors.yellow('warning')}: fault injection is on (RECON_FAULT_INJECTION): ${describeFaultSpec(faults)}\n`);
  const services = defaultApplyServices({ faults });

  const stop = new AbortController();
  const removeHandlers = onStopSignals((signal) => {
    output.err(`recon watch: ${signal}: finishing the actions in flight, then stopping\n`);
    stop.abort();
  });
  // A reader that went away (`recon watch FILE | head -1`) ends the watch as a stop signal does:
  // the actions in flight finish, then exit 0. Without it the watch ran on forever, its output dropped.
  const removeClosedListener = onStdoutClosed(() => {
    if (stop.signal.aborted) return;
    output.err('recon watch: standard output was closed: finishing the actions in flight, then stopping\n');
    stop.abort();
  });
  let server: Server | null = null;
  try {
    if (port !== null) {
      try {
        server = await serveMetrics(stateDir, port);
      } catch (error) {
        throw new CliError(`recon watch: cannot serve metrics on 127.0.0.1:${port}: ${error instanceof Error ? error.message : String(error)}`);
      }
      output.err(`recon watch: metrics on http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics\n`);
    }
    output.err(`recon watch: ${scheduled.map((policy) => `${policy.name} every ${formatMs(policy.schedule_ms!)}`).join(', ')}; stop with Ctrl-C\n`);
    const next = new Map(scheduled.map((policy) => [policy.name, Date.now()]));
    // The apply history, followed across runs: each run reads only the audit lines appended since.
    const history = new ApplyHistoryReader(AuditLog.inStateDir(stateDir).path);
    while (!stop.signal.aborted) {
      const [name, due] = [...next.entries()].sort((a, b) => a[1] - b[1])[0]!;
      await pause(due - Date.now(), stop.signal);
      if (stop.signal.aborted) break;
      const policy = scheduled.find((candidate) => candidate.name === name)!;
      const started = Date.now();
      try {
        const result = await runApply(
          { kind: 'file', ir },
          {
            workspaceRoot: resolve(workspaceRoot),
            stateDir,
            services,
            policy: name,
            autoApprove: values['auto-approve'] === true,
            env: process.env,
            actor: defaultActor(process.env),
            command: 'watch',
            stop: stop.signal,
            history,
          },
        );
        for (const policyResult of result.policies) {
          const counts = Object.entries(policyResult.counts)
            .filter(([outcome]) => outcome !== 'ignored')
            .map(([outcome, count]) => `${outcome} ${count}`)
            .join(', ');
          output.out(`${new Date().toISOString()} ${policyResult.policy}: ${policyResult.status.replace('_', ' ')}${counts ? ` (${counts})` : ''}\n`);
        }
        warnFlapping(result.plan, output);
        for (const warning of result.warnings) output.err(`${new Date().toISOString()} warning: ${warning}\n`);
      } catch (error) {
        output.err(`${new Date().toISOString()} ${output.colors.red('error')}: ${name}: ${watchErrorMessage(error)}\n`);
        const metricsWarning = await MetricsStore.update(stateDir, (metrics) => metrics.inc('recon_reconcile_total', { policy: name, outcome: 'error' }));
        if (metricsWarning !== null) output.err(`${new Date().toISOString()} warning: ${metricsWarning}\n`);
      }
      next.set(name, Math.max(Date.now(), started + policy.schedule_ms!));
    }
  } finally {
    removeHandlers();
    removeClosedListener();
    if (server) {
      const closing = new Promise<void>((done) => server!.close(() => done()));
      server.closeAllConnections();
      await closing;
    }
  }
  output.err('recon watch: stopped\n');
  return EXIT.ok;
}

/**
 * RUNTIME.md 5: the text output warns when two writers fight over an item. A watch is where
 * they fight, run after run, and its one line per run would otherwise hide it: the flapping
 * items of the run's plan are named on stderr.
 */
function warnFlapping(plan: ChangePlan, output: CliOutput): void {
  for (const policy of plan.policies) {
    const flapping = policy.items.filter((item) => item.flapping);
    if (flapping.length === 0) continue;
    const named = flapping.slice(0, 5).map((item) => item.id).join(', ') + (flapping.length > 5 ? ` and ${flapping.length - 5} more` : '');
    output.err(
      `${new Date().toISOString()} ${output.colors.yellow('warning')}: ${policy.policy}: ${flapping.length} item${flapping.length === 1 ? '' : 's'} flapping (${named}): corrected 3+ times in the last ten runs — two writers are fighting over ${flapping.length === 1 ? 'it' : 'them'}\n`,
    );
  }
}

/**
 * A failed run's message. A lock held by a manual `recon apply` says to wait with
 * `--lock-timeout`, which `recon watch` has not: here the run is skipped and the next one tries again.
 */
function watchErrorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (!(error instanceof PolicyLockError)) return message;
  return `${message.replace(LOCK_TIMEOUT_HINT, '')}; this run is skipped, the next one tries again`;
}

function formatMs(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
