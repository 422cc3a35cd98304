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

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Parses `args` with the common options plus the command's own. */
export function parseCommandArgs(command: string, args: string[], options: OptionSpec): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...COMMON_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/^TypeError \[[A-Z_]+\]: /, '') : String(error);
    throw new CliError(`recon ${command}: ${message.split('\n')[0]}`);
  }
}

/** A string flag's value, checked against a closed set. */
export function enumFlag<T extends string>(command: string, name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new CliError(`recon ${command}: --${name} must be one of ${allowed.join(', ')} (got '${String(value)}')`);
}
