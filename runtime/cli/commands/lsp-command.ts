/**
 * `recon lsp --stdio`: the language server on stdin/stdout (RUNTIME.md section 6), for VS Code,
 * Neovim or any LSP client. The server itself lives in `extension/server/`; the CLI, which joins
 * the halves of the code base, only starts it.
 *
 * Why `--stdio` is required: it is the one transport, and a server started by mistake in a
 * terminal would otherwise sit silently waiting for protocol messages.
 */
import { startStdioServer } from '../../../extension/server/server.js';
import { parseCommandArgs } from '../cli-args.js';
import { CliError } from '../cli-error.js';
import type { CliOutput } from '../cli-output.js';
import { EXIT, type ExitCode } from '../exit-codes.js';

export async function runLspCommand(args: string[], _output: CliOutput): Promise<ExitCode> {
  // `--clientProcessId` is what some clients append; the server's connection watches that process itself.
  const { values } = parseCommandArgs('lsp', args, { stdio: { type: 'boolean' }, clientProcessId: { type: 'string' } });
  if (values.stdio !== true) throw new CliError('recon lsp: pass --stdio (the language server speaks LSP on stdin and stdout)');
  await startStdioServer();
  // The client went away: leave even if a timer or a preview worker would keep the process up.
  setTimeout(() => process.exit(process.exitCode ?? EXIT.ok), 1000).unref();
  return EXIT.ok;
}
