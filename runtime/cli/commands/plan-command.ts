/**
 * `recon plan FILE [--policy NAME] [-o PLAN.json] [--format text|json|markdown|html|sarif|github]`:
 * observe, diff and decide — a dry run that touches no system. Writes only `-o` (always the JSON
 * plan) and the state directory's audit log and metrics. Exit: 0 no drift, 2 drift, 4 a limit
 * was exceeded, 1 error (RUNTIME.md section 2).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { ChangePlan } from '../../plan/change-plan.js';
import { runPlan } from '../../plan/plan-runner.js';
import { writeJson, writeJsonBytes } from '../../render/json-renderer.js';
import { PLAN_FORMATS, renderPlan } from '../../render/render-plan.js';
import { markPlanFlapping, newRunId, recordPlan } from '../../state/plan-recording.js';
import { resolveStateDir } from '../../state/state-dir.js';
import { enumFlag, parseCommandArgs } from '../cli-args.js';
import { CliError, locateRunError } from '../cli-error.js';
import type { CliOutput } from '../cli-output.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { compileForRun, refuseSourceAsOutput } from '../load-ir.js';
import { ObserveProgress } from '../observe-progress.js';
import { tracePhase } from '../../plan/phase-trace.js';
import { fileWriteProblem } from '../../write/writer-registry.js';

export async function runPlanCommand(args: string[], output: CliOutput): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('plan', args, {
    policy: { type: 'string' },
    output: { type: 'string', short: 'o' },
  });
  if (positionals.length !== 1) throw new CliError('recon plan: expected exactly one FILE');
  const format = enumFlag('plan', 'format', values.format, PLAN_FORMATS, 'text');
  if (typeof values.output === 'string') refuseSourceAsOutput('plan', values.output, positionals[0]!, 'the plan');
  tracePhase('start-up');
  const { ir, workspaceRoot } = compileForRun(positionals[0]!, output, values.root as string | undefined);
  tracePhase('compile');
  const started = performance.now();
  const progress = new ObserveProgress(output);
  let plan;
  try {
    plan = await runPlan(ir, {
      workspaceRoot: resolve(workspaceRoot),
      policy: values.policy as string | undefined,
      onProgress: (event) => progress.update(event),
      // the process ends after the plan: a process-wide V8 flag that lowers its peak memory is fine
      boundYoungGeneration: true,
      writeTargetProblem: fileWriteProblem,
    });
  } catch (error) {
    throw locateRunError(error, workspaceRoot);
  } finally {
    progress.stop();
  }
  const stateDir = resolveStateDir(workspaceRoot, values['state-dir'] as string | undefined);
  markPlanFlapping(stateDir, plan);
  tracePhase('flapping');
  // the plan file first: when it cannot be written, nothing is recorded as planned
  if (typeof values.output === 'string') writePlanFile(values.output, plan);
  const metricsWarning = await recordPlan(stateDir, plan, { command: 'plan', runId: newRunId(), durationSeconds: (performance.now() - started) / 1000 });
  if (metricsWarning !== null) output.err(`warning: ${metricsWarning}\n`);
  tracePhase('record');
  // JSON in chunks: a big plan is never held as one string (same bytes as renderPlan and -o)
  if (format === 'json') {
    const outBytes = output.outBytes;
    if (outBytes !== undefined) writeJsonBytes(plan, (bytes) => outBytes.call(output, bytes));
    else writeJson(plan, (text) => output.out(text));
  } else output.out(renderPlan(plan, format, { color: output.useColor, pathPrefix: locationPrefix(workspaceRoot) }));
  tracePhase(`render ${format}`);
  if (plan.policies.some((p) => p.limits.exceeded)) return EXIT.limitExceeded;
  return plan.drift ? EXIT.drift : EXIT.ok;
}

/**
 * `-o PLAN.json`: the same bytes as `--format json`, written in chunks as they are made (a big
 * plan is never one string).
 */
function writePlanFile(path: string, plan: ChangePlan): void {
  const fd = openSync(path, 'w');
  try {
    writeJsonBytes(plan, (bytes) => {
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    });
  } finally {
    closeSync(fd);
  }
}

/**
 * What `sarif` and `github` put before the IR's paths (which are relative to the workspace root):
 * the workspace root as seen from the current folder, e.g. `policies/`.
 *
 * Why: GitHub places annotations and code-scanning results by paths relative to the repository
 * checkout, the current folder of a workflow step. `recon plan policies/x.recon` in a repository
 * without a `recon.json` at its top has `policies/` as its workspace root, and a bare `x.recon`
 * would annotate a file that does not exist. When the workspace root is not below the current
 * folder, the paths stay relative to it.
 */
function locationPrefix(workspaceRoot: string): string {
  const path = relative(process.cwd(), resolve(workspaceRoot));
  if (path === '' || isAbsolute(path) || path === '..' || path.startsWith(`..${sep}`)) return '';
  return path.split(sep).join('/') + '/';
}
