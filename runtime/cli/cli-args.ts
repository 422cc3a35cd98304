/**
 * Argument parsing for every command, on Node's own `util.parseArgs`.
 *
 * Why a wrapper: RUNTIME.md says flags may stand before or after the positional arguments and that
 * some flags are common to all commands; an unknown flag must be a clear one-line error.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from './cli-error.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Flags every command accepts. */
export const COMMON_OPTIONS = {
  format: { type: 'string' },
  'no-color': { type: 'boolean' },
  'state-dir': { type: 'string' },
  root: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpec;

/**
 * The commands that have output formats (RUNTIME.md section 2). Why: `--format` is parsed for
 * every command, and the others ignored it — `recon compile f.recon --format yaml` printed JSON
 * and exited 0 — so it is refused there, as an unknown flag is.
 */
const FORMATTED_COMMANDS: ReadonlySet<string> = new Set(['check', 'plan', 'apply', 'test']);

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Parses `args` with the common options plus the command's own. */
export function parseCommandArgs(command: string, args: string[], options: OptionSpec): ParsedArgs {
  try {
    const all: OptionSpec = { ...COMMON_OPTIONS, ...options };
    const { values, positionals, tokens } = parseArgs({ args, options: all, allowPositionals: true, strict: true, tokens: true });
    refuseRepeats(command, all, tokens);
    if (values.format !== undefined && !FORMATTED_COMMANDS.has(command)) {
      throw new CliError(`recon ${command}: --format is not an option of ${command} (check, plan, apply and test have formats)`);
    }
    return { values: values as ParsedArgs['values'], positionals };
  } catch (error) {
    if (error instanceof CliError) throw error;
    const message = error instanceof Error ? error.message.replace(/^TypeError \[[A-Z_]+\]: /, '') : String(error);
    throw new CliError(`recon ${command}: ${message.split('\n')[0]}`);
  }
}

/**
 * Refuses a flag that takes one value given more than once (`--policy a --policy b`).
 *
 * Why: `util.parseArgs` silently keeps the last value, so `recon plan f.recon --policy a
 * --policy b` planned only `b` while looking like a plan of both. The command table names the
 * flags that take several values (`--item ID...`, declared `multiple`); any other flag is one
 * value, and a repetition is a mistake worth one clear line.
 */
function refuseRepeats(command: string, options: OptionSpec, tokens: readonly { kind: string; name?: string; value?: string }[] | undefined): void {
  const seen = new Map<string, string>();
  for (const token of tokens ?? []) {
    if (token.kind !== 'option' || token.name === undefined) continue;
    const option = options[token.name];
    if (option === undefined || option.type !== 'string' || option.multiple) continue;
    const earlier = seen.get(token.name);
    if (earlier !== undefined) {
      throw new CliError(`recon ${command}: --${token.name} may be given once (got '${earlier}' and '${token.value ?? ''}')`);
    }
    seen.set(token.name, token.value ?? '');
  }
}

/** A string flag's value, checked against a closed set. */
export function enumFlag<T extends string>(command: string, name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new CliError(`recon ${command}: --${name} must be one of ${allowed.join(', ')} (got '${String(value)}')`);
}

/** A duration flag's value (`--lock-timeout`): `250ms`, `30s`, `2m`, `1h`, or a number of seconds; milliseconds. */
export function parseDurationFlag(command: string, name: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) throw new CliError(`recon ${command}: --${name} must be a duration like 30s, 2m or 500ms (got '${value}')`);
  const unit = match[2] ?? 's';
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000;
  return Number(match[1]) * factor;
}
