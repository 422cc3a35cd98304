/**
 * The `recon` command line: dispatches to one file per command and turns every failure into one
 * clear line and an exit code (RUNTIME.md section 2). A stack trace is shown only with
 * RECON_DEBUG=1.
 */
import { CliError } from './cli-error.js';
import { processOutput, tolerateClosedStdout, type CliOutput } from './cli-output.js';
import { EXIT, type ExitCode } from './exit-codes.js';

type Command = (args: string[], output: CliOutput) => ExitCode | Promise<ExitCode>;

/**
 * Each command's module is imported when that command runs: `recon plan` never loads the
 * language server, and `recon --version` loads nothing (start-up is part of every CI step).
 */
const COMMANDS: Record<string, { run: Command; summary: string; synopsis: string }> = {
  check: { run: async (a, o) => (await import('./commands/check-command.js')).runCheckCommand(a, o), summary: 'parse and check .recon files', synopsis: '[PATHS]' },
  fmt: { run: async (a, o) => (await import('./commands/fmt-command.js')).runFmtCommand(a, o), summary: 'rewrite .recon files in canonical form (--check: only report)', synopsis: '[--check] [PATHS]' },
  compile: { run: async (a, o) => (await import('./commands/compile-command.js')).runCompileCommand(a, o), summary: 'write the IR of a file (JSON)', synopsis: 'FILE [-o OUT]' },
  plan: { run: async (a, o) => (await import('./commands/plan-command.js')).runPlanCommand(a, o), summary: 'observe, diff and decide: show the change plan (a dry run)', synopsis: 'FILE [--policy NAME] [-o PLAN.json] [--format text|json|markdown|html|sarif|github]' },
  test: { run: async (a, o) => (await import('./commands/test-command.js')).runTestCommand(a, o), summary: 'run the test blocks of .recon files', synopsis: '[PATHS] [--junit OUT.xml] [--format json]' },
  approve: { run: async (a, o) => (await import('./commands/approve-command.js')).runApproveCommand(a, o), summary: 'approve items of a saved plan (bound to its hash)', synopsis: 'PLAN.json --by WHO [--item ID]... [-o APPROVALS.json] [--lock-timeout DURATION]' },
  apply: { run: async (a, o) => (await import('./commands/apply-command.js')).runApplyCommand(a, o), summary: 'apply what is allowed, verify, and record (FILE or PLAN.json)', synopsis: 'FILE|PLAN.json [--approvals APPROVALS.json] [--auto-approve] [--lock-timeout DURATION] [--policy NAME]' },
  watch: { run: async (a, o) => (await import('./commands/watch-command.js')).runWatchCommand(a, o), summary: 'plan and apply each policy on its schedule until stopped', synopsis: 'FILE [--policy NAME] [--auto-approve] [--metrics-port N]' },
  lsp: { run: async (a, o) => (await import('./commands/lsp-command.js')).runLspCommand(a, o), summary: 'the language server (--stdio)', synopsis: '--stdio' },
};

const COMMON_USAGE = 'Common options: --no-color, --state-dir DIR, --root DIR, --help; --format on check, plan, apply and test';

/**
 * Whether the arguments ask for help (`--help` or `-h` before a `--` terminator).
 *
 * Why before the command runs: every command accepts the common flag `--help`, and before this
 * check none of them looked at it — `recon fmt --help` rewrote the current folder's files and
 * `recon apply f.recon --help` applied. Asking how a command works must never make it act.
 */
function asksForHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  recon ${name.padEnd(8)} ${c.summary}`);
  return `Usage: recon <command> [options]\n\nCommands:\n${lines.join('\n')}\n\n${COMMON_USAGE}\n`;
}

/** Runs the CLI with `argv` (without node and the script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const noColor = argv.includes('--no-color');
  const output = processOutput(noColor);
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    output.out(usage());
    return name ? EXIT.ok : EXIT.error;
  }
  if (name === '--version') {
    output.out('recon 0.1.0\n');
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    output.err(`recon: unknown command '${name}'\n\n${usage()}`);
    return EXIT.error;
  }
  if (asksForHelp(rest)) {
    output.out(`Usage: recon ${name} ${command.synopsis}\n\n${command.summary}; see docs/commands.md\n\n${COMMON_USAGE}\n`);
    return EXIT.ok;
  }
  if (name !== 'lsp') tolerateClosedStdout();
  try {
    return await command.run(rest, output);
  } catch (error) {
    if (process.env.RECON_DEBUG === '1') output.err(`${error instanceof Error ? error.stack : String(error)}\n`);
    const message = error instanceof CliError ? error.message : `recon ${name}: ${error instanceof Error ? error.message : String(error)}`;
    const location = error instanceof CliError && error.location ? `${output.colors.bold(error.location)}: ` : '';
    output.err(`${location}${output.colors.red('error')}: ${message}\n`);
    return EXIT.error;
  }
}
