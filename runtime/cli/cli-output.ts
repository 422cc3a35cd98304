/**
 * Where the CLI writes, and whether it may colour: one object passed to every command so tests
 * can capture output and `--no-color` / `NO_COLOR` / non-TTY are decided once.
 */
import pc from 'picocolors';
import { shouldUseColor } from '../render/render-plan.js';

export interface CliOutput {
  out(text: string): void;
  /**
   * Writes UTF-8 bytes to the same place as `out` (the JSON plan, written as bytes). Optional:
   * where it is missing the bytes are decoded and handed to `out`. The caller does not reuse them.
   */
  outBytes?(bytes: Uint8Array): void;
  err(text: string): void;
  /** Colour functions, all identity when colour is off. */
  colors: ReturnType<typeof pc.createColors>;
  useColor: boolean;
  /** True when stdout is a terminal (progress bars, interactive prompts). */
  isTty: boolean;
}

/**
 * A reader that goes away early (`recon plan | head`) closes the pipe under standard output. What
 * is left to print then has no reader: that is not a failure of the run, so the output is dropped
 * and the command ends as it would have (its exit code still says drift or no drift), instead of
 * Node's unhandled `EPIPE` stack trace. Any other write error is one line and exit 1. Not for
 * `recon lsp`, whose protocol library handles its own streams.
 */
export function tolerateClosedStdout(): void {
  if (stdoutGuarded) return;
  stdoutGuarded = true;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') {
      for (const listener of [...closedListeners]) listener();
      return;
    }
    process.stderr.write(`error: cannot write the output: ${error.message}\n`);
    process.exit(1);
  });
}

let stdoutGuarded = false;
const closedListeners = new Set<() => void>();

/**
 * Calls `listener` when a write finds standard output closed (after `tolerateClosedStdout`).
 * A command that would otherwise run on forever with no reader (`recon watch FILE | head -1`)
 * uses it to stop; a command that ends by itself needs nothing. Returns the unsubscribe.
 */
export function onStdoutClosed(listener: () => void): () => void {
  closedListeners.add(listener);
  return () => closedListeners.delete(listener);
}

/** The process's own streams. */
export function processOutput(noColorFlag: boolean): CliOutput {
  const isTty = process.stdout.isTTY === true;
  const useColor = shouldUseColor({ noColor: noColorFlag, isTTY: isTty });
  return {
    out: (text) => process.stdout.write(text),
    outBytes: (bytes) => process.stdout.write(bytes),
    err: (text) => process.stderr.write(text),
    colors: pc.createColors(useColor),
    useColor,
    isTty,
  };
}
