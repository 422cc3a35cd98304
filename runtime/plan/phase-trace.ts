/**
 * Phase timings on stderr when `RECON_TRACE=1` (or the older `RECON_DIFF_TRACE=1`) is set: one
 * line per phase with its wall time, the process's CPU time (all threads) and memory.
 *
 * Why one module: the diff's phases and the plan command's (compile, decide, hash, record, write)
 * are measured on one clock, so the lines of one run add up to its end-to-end time. Used by the
 * diff benchmark (`npm run bench`); off, it costs one empty function call per phase.
 */
/** Whether tracing is on. */
export const traceEnabled = process.env.RECON_TRACE === '1' || process.env.RECON_DIFF_TRACE === '1';

let last = performance.now();
let lastCpu = process.cpuUsage();

/** Ends the phase that started at the previous call (or at process start) and prints it. */
export const tracePhase: (label: string) => void = traceEnabled
  ? (label) => {
      const now = performance.now();
      const cpu = process.cpuUsage(lastCpu);
      const m = process.memoryUsage();
      process.stderr.write(
        `[trace] ${label}: ${(now - last).toFixed(0)} ms wall (at ${now.toFixed(0)} ms), ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms cpu, ` +
          `rss ${(m.rss / 1048576).toFixed(0)} MB, heap ${(m.heapUsed / 1048576).toFixed(0)} MB, buffers ${(m.arrayBuffers / 1048576).toFixed(0)} MB\n`,
      );
      last = performance.now();
      lastCpu = process.cpuUsage();
    }
  : () => undefined;

/** Prints a one-line note among the phase lines (which diff path ran, and why), when tracing. */
export function traceNote(text: string): void {
  if (traceEnabled) process.stderr.write(`[trace] ${text}\n`);
}
