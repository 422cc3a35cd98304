/**
 * The writer of `exec` sources: runs each action's program — the plan's `exec` effect — at once.
 *
 * Why this shape:
 * - Exactly the approved command: the effect's argv (arguments shown as `***` are filled in with
 *   the real secrets only when rebuilding them gives exactly what the plan shows), never through
 *   a shell; the effect's `stdin` (the record, as JSON) on stdin, nothing for a delete.
 * - `RECON_IDEMPOTENCY_KEY` (the action's `plan_hash` + item id) in the program's environment,
 *   the same on every attempt, so a program can recognise a repeated action.
 * - The program runs in the folder of the `.recon` file that declares the source, like the
 *   source's read, with recon's environment (less `WITHHELD_VARIABLES`); the source's `timeout` (default 60 s) bounds it,
 *   and a timeout stops its whole process group.
 * - Failures: exit 0 is success; a timeout, and exit code 75 (`EX_TEMPFAIL` of sysexits.h: "try
 *   again later"), are transient — the executor retries them; any other exit, a signal, or a
 *   program that cannot start fails the action, with the end of stderr, secrets scrubbed.
 * - Remote, so not staged: `perform` acts at once and `commit` returns what was performed since
 *   the last commit.
 */
import type { IrSource } from '../../language/ir/ir-types.js';
import { DEFAULT_EXEC_TIMEOUT_MS, programFolder, ProgramStartError, runFailure, runProgram, startFailure } from '../connectors/program-runner.js';
import { SecretScrubber } from '../connectors/secret-scrubber.js';
import { itemRoots, ShownValues } from './shown-values.js';
import { ActingWriteSession, sourceTimeoutMs, type ActingAction } from './acting-session.js';
import { WriteError, type Writer, type WriterContext, type WriteSession } from './writer.js';

/** The exit code a program uses to say "a transient failure: try again later" (sysexits.h). */
export const EXIT_TEMPFAIL = 75;

class ExecWriteSession extends ActingWriteSession<'exec'> {
  protected readonly kind = 'exec';

  protected async act({ action, effect, label, op }: ActingAction<'exec'>, signal?: AbortSignal): Promise<void> {
    const { source, scrubber } = this;
    if (!Array.isArray(effect.argv) || effect.argv.length === 0 || effect.argv.some((part) => typeof part !== 'string')) {
      throw new WriteError(`${label}: the plan's command is not a list of texts`, false);
    }
    const argv = op?.exec
      ? this.shownValues.argv(effect.argv, op.exec.command, op.exec.args, itemRoots(action.item, source), `${label}: the command`)
      : this.shownValues.argv(effect.argv, '', [], {}, `${label}: the command`);
    const shownProgram = scrubber.scrub(effect.argv[0]);
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [name, value] of Object.entries(this.context.env ?? {})) if (value !== undefined) env[name] = value;
    env.RECON_IDEMPOTENCY_KEY = action.idempotencyKey;
    let result;
    try {
      result = await runProgram({
        program: argv[0],
        args: argv.slice(1),
        cwd: programFolder(this.context.workspaceRoot, source.at),
        env,
        stdin: effect.stdin === null || effect.stdin === undefined ? null : JSON.stringify(effect.stdin),
        timeoutMs: this.timeoutMs,
        signal,
      });
    } catch (error) {
      if (error instanceof ProgramStartError) throw new WriteError(`${label}: ${startFailure(error, shownProgram, scrubber)}`, false);
      throw new WriteError(`${label}: ${scrubber.scrub(error instanceof Error ? error.message : String(error))}`, false);
    }
    const failure = runFailure(result, shownProgram, this.timeoutMs, scrubber);
    if (failure !== null) throw new WriteError(`${label}: ${failure}`, result.timedOut || result.exitCode === EXIT_TEMPFAIL);
  }
}

class ExecWriter implements Writer {
  readonly staged = false;

  constructor(
    private readonly source: IrSource,
    private readonly context: WriterContext,
  ) {}

  async open(): Promise<WriteSession> {
    const scrubber = new SecretScrubber();
    const shownValues = new ShownValues(this.source, this.context, scrubber);
    // The secrets of every write operation's program and arguments, for scrubbing stderr.
    for (const op of this.source.write?.ops ?? []) {
      if (!op.exec) continue;
      for (const expr of [op.exec.command, ...op.exec.args]) {
        try {
          shownValues.evaluate(expr, { desired: null, actual: null, key: null, diff: [] });
        } catch {
          // Evaluated again, with the item, when an action runs.
        }
      }
    }
    return new ExecWriteSession(this.source, this.context, shownValues, scrubber, sourceTimeoutMs(this.source, this.context, DEFAULT_EXEC_TIMEOUT_MS));
  }
}

/** The `exec` writer factory (a `WriterFactory`). */
export function createExecWriter(source: IrSource, context: WriterContext): Writer {
  return new ExecWriter(source, context);
}
