/**
 * An error the user can act on: printed as one line, never with a stack trace
 * (unless RECON_DEBUG=1), and mapped to exit code 1.
 */
import { join, relative } from 'node:path';

export class CliError extends Error {
  constructor(
    message: string,
    /** `file:line:col` (relative to the current folder) when the error has a source position. */
    readonly location: string | null = null,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * Gives a runtime error that carries an IR location (`at`, relative to the workspace root) the
 * `file:line:col:` prefix RUNTIME.md asks for, relative to the current folder. Other errors pass through.
 */
export function locateRunError(error: unknown, workspaceRoot: string): unknown {
  if (!(error instanceof Error) || error instanceof CliError) return error;
  const at = (error as { at?: unknown }).at;
  const match = typeof at === 'string' ? /^(.+):(\d+):(\d+)$/.exec(at) : null;
  if (!match) return error;
  const file = relative(process.cwd(), join(workspaceRoot, match[1]!)) || match[1]!;
  return new CliError(error.message, `${file}:${match[2]}:${match[3]}`);
}
