/**
 * `recon apply FILE|PLAN.json [--approvals APPROVALS.json] [--auto-approve] [--lock-timeout DURATION]
 * [--format text|json] [--policy NAME]`: act on what is allowed, verify, record (RUNTIME.md 2, 4).
 *
 * `FILE` (a `.recon` file) is planned afresh; `PLAN.json` (from `recon plan -o`) is hash-checked
 * and re-observed. Exit: 0 converged, 2 drift remains (failed, stale, blocked by mode audit,
 * report-only, not converged, interrupted), 3 waiting for approval, 4 a limit was exceeded (nothing
 * of that policy applied), 1 error — the first of 1, 4, 3, 2 that holds. SIGINT/SIGTERM stop
 * starting actions; the ones in flight finish and are recorded. On a terminal (never in CI) the
 * items waiting for an approval the user may give are offered in a prompt.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { findWorkspaceRoot } from '../../../language/module-host.js';
import type { IrDocument } from '../../../language/ir/ir-types.js';
import { runApply, defaultActor, type ApplyInput, type ApplyResult, type PolicyApplyStatus } from '../../apply/apply-runner.js';
import { applyResultJson, renderApplyText } from '../../apply/apply-summary.js';
import { ApprovalError, approvalKey, loadApprovals, type ApprovalRecord } from '../../apply/approvals.js';
import { defaultApplyServices } from '../../apply/default-services.js';
import { describeFaultSpec, faultSpecFromEnv, FaultSpecError } from '../../apply/fault-injection.js';
import { isPlanPath, loadSavedPlan, SavedPlanError } from '../../apply/saved-plan.js';
import type { ChangePlan } from '../../plan/change-plan.js';
import { resolveStateDir } from '../../state/state-dir.js';
import { ApplyProgress } from '../apply-progress.js';
import { ObserveProgress } from '../observe-progress.js';
import { canPrompt, promptForApprovals } from '../approval-prompt.js';
import { enumFlag, parseCommandArgs, parseDurationFlag } from '../cli-args.js';
import { CliError, locateRunError } from '../cli-error.js';
import type { CliOutput } from '../cli-output.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { compileForRun } from '../load-ir.js';

/** The exit code of an apply's overall status (RUNTIME.md 2; precedence is in the status). */
export function applyExitCode(status: PolicyApplyStatus): ExitCode {
  switch (status) {
    case 'limit_exceeded':
      return EXIT.limitExceeded;
    case 'waiting_approval':
      return EXIT.waitingForApproval;
    case 'drift':
      return EXIT.drift;
    default:
      return EXIT.ok;
  }
}

/** The workspace root for a saved plan or approvals: `--root`, else at or above the current folder. */
export function workspaceRootFromCwd(rootFlag: string | undefined): string {
  if (rootFlag) return resolve(rootFlag);
  return findWorkspaceRoot(join(process.cwd(), 'recon-cwd'), { fileExists: existsSync });
}

/**
 * Calls `onStop` on the first SIGINT or SIGTERM (the run then winds down); a second one exits at
 * once. Returns the function that removes the handlers.
 */
export function onStopSignals(onStop: (signal: string) => void): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(130);
    stopping = true;
    onStop(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

export async function runApplyCommand(args: string[], output: CliOutput): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('apply', args, {
    approvals: { type: 'string' },
    'auto-approve': { type: 'boolean' },
    'lock-timeout': { type: 'string' },
    policy: { type: 'string' },
  });
  if (positionals.length !== 1) throw new CliError('recon apply: expected exactly one FILE (.recon) or PLAN.json');
  const format = enumFlag('apply', 'format', values.format, ['text', 'json'] as const, 'text');
  const target = positionals[0]!;
  const lockTimeoutMs = typeof values['lock-timeout'] === 'string' ? parseDurationFlag('apply', 'lock-timeout', values['lock-timeout']) : 0;
  const env = process.env;

  let input: ApplyInput;
  let workspaceRoot: string;
  if (isPlanPath(target)) {
    let plan: ChangePlan;
    try {
      plan = loadSavedPlan(target);
    } catch (error) {
      if (error instanceof SavedPlanError) throw new CliError(`recon apply: ${error.message}`);
      throw error;
    }
    input = { kind: 'plan', plan };
    workspaceRoot = workspaceRootFromCwd(values.root as string | undefined);
  } else {
    const compiled = compileForRun(target, output, values.root as string | undefined);
    input = { kind: 'file', ir: compiled.ir as IrDocument };
    workspaceRoot = compiled.workspaceRoot;
  }
  const stateDir = resolveStateDir(workspaceRoot, values['state-dir'] as string | undefined);
  const key = approvalKey(env);
  let approvals: ApprovalRecord[] = [];
  if (typeof values.approvals === 'string') {
    try {
      approvals = loadApprovals(values.approvals, key);
    } catch (error) {
      if (error instanceof ApprovalError) throw new CliError(`recon apply: ${error.message}`);
      throw error;
    }
  }
  let faults;
  try {
    faults = faultSpecFromEnv(env);
  } catch (error) {
    if (error instanceof FaultSpecError) throw new CliError(`recon apply: ${error.message}`);
    throw error;
  }
  if (faults) output.err(`${output.colors.yellow('warning')}: fault injection is on (RECON_FAULT_INJECTION): ${describeFaultSpec(faults)}\n`);

  const actor = defaultActor(env);
  const stop = new AbortController();
  const removeHandlers = onStopSignals((signal) => {
    output.err(`recon apply: ${signal}: finishing the actions in flight, starting no new ones (again to quit at once)\n`);
    stop.abort();
  });
  // the observe bar while a file is planned afresh, then the actions' bar (both on stderr)
  const observing = new ObserveProgress(output);
  const progress = new ApplyProgress(output);
  let result: ApplyResult;
  try {
    result = await runApply(input, {
      workspaceRoot: resolve(workspaceRoot),
      stateDir,
      services: defaultApplyServices({ faults }),
      policy: values.policy as string | undefined,
      approvals,
      autoApprove: values['auto-approve'] === true,
      lockTimeoutMs,
      env,
      actor,
      stop: stop.signal,
      promptApprovals: canPrompt(output, env)
        ? (plan, waiting) => {
            observing.stop();
            progress.stop();
            return promptForApprovals(plan, waiting, actor, key, output);
          }
        : undefined,
      onObserveProgress: (event) => observing.update(event),
      onProgress: (event) => {
        observing.stop();
        progress.update(event);
      },
    });
  } catch (error) {
    // a source that cannot be read names its place in the .recon file, as for `recon plan`
    throw locateRunError(error, workspaceRoot);
  } finally {
    observing.stop();
    progress.stop();
    removeHandlers();
  }
  const code = applyExitCode(result.status);
  for (const warning of result.warnings) output.err(`warning: ${warning}\n`);
  if (format === 'json') output.out(JSON.stringify(applyResultJson(result, code), null, 2) + '\n');
  else output.out(renderApplyText(result, output.colors));
  return code;
}
