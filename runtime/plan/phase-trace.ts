/**
 * Phase timings on stderr when `RECON_TRACE=1` (or the older `RECON_DIFF_TRACE=1`) is set: one
 * line per phase with its wall time, the process's CPU time (all threads), the main thread's own
 * CPU time (`main`, on Linux) and memory. Why the main thread's: after the diff's join it alone
 * is on the run's critical path, while the process's figure also counts V8's compiler and
 * collector threads, which run on the core the workers no longer use.
 * `RECON_TRACE=mem` adds a second line per phase that says what the resident memory is made of:
 * V8's young generation (`new`: both semi-spaces, resident / capacity), old generation (`old`:
 * old, code, map and large-object spaces, committed / used), off-heap `external` memory and
 * ArrayBuffers, and from `/proc/self/smaps` (Linux) the resident bytes of the brk heap (`brk`,
 * glibc's main arena), of anonymous mappings (`anon`: V8's pages, shared arrays, thread arenas,
 * large malloc blocks) and of mapped files (`file`, mostly the node binary's code). Reading
 * smaps takes a few milliseconds per phase: for finding where memory goes, not for timing.
 *
 * Why one module: the diff's phases and the plan command's (compile, decide, hash, record, write)
 * are measured on one clock, so the lines of one run add up to its end-to-end time. Used by the
 * diff benchmark (`npm run bench`); off, it costs one empty function call per phase.
 */
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

const mode = process.env.RECON_TRACE;
/** Whether tracing is on. */
export const traceEnabled = mode === '1' || mode === 'mem' || process.env.RECON_DIFF_TRACE === '1';
const memDetail = mode === 'mem';

let last = performance.now();
let lastCpu = process.cpuUsage();
let lastThreadNs = threadCpuNs();

/**
 * The calling thread's CPU time in nanoseconds (the first field of Linux's
 * `/proc/thread-self/schedstat`), or NaN where there is none. Node 20 has no
 * `process.threadCpuUsage`.
 */
function threadCpuNs(): number {
  if (!traceEnabled) return NaN;
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]);
  } catch {
    return NaN;
  }
}

const mb = (bytes: number): string => (bytes / 1048576).toFixed(0);

/** The second line of `RECON_TRACE=mem`: V8's spaces, off-heap memory, and the resident set by kind of mapping. */
function memoryDetail(m: NodeJS.MemoryUsage): string {
  let youngCommitted = 0;
  let youngCapacity = 0;
  let oldCommitted = 0;
  let oldUsed = 0;
  for (const space of getHeapSpaceStatistics()) {
    if (space.space_name === 'new_space') {
      youngCommitted += space.physical_space_size;
      youngCapacity += space.space_size;
    } else {
      oldCommitted += space.physical_space_size;
      oldUsed += space.space_used_size;
    }
  }
  let text = `[trace]   memory: new ${mb(youngCommitted)}/${mb(youngCapacity)} MB, old ${mb(oldCommitted)}/${mb(oldUsed)} MB, external ${mb(m.external)} MB, array buffers ${mb(m.arrayBuffers)} MB`;
  try {
    let brk = 0;
    let anon = 0;
    let file = 0;
    let kind = 0; // 1 brk, 2 anonymous, 3 file
    for (const line of readFileSync('/proc/self/smaps', 'latin1').split('\n')) {
      const first = line.charCodeAt(0);
      if ((first >= 48 && first <= 57) || (first >= 97 && first <= 102)) {
        // a mapping's header: "start-end perms offset dev inode [path]"
        const path = line.split(/\s+/)[5] ?? '';
        kind = path === '[heap]' ? 1 : path === '' ? 2 : path.startsWith('/') ? 3 : 0;
      } else if (line.startsWith('Rss:')) {
        const bytes = Number(line.slice(4).trim().split(' ')[0]) * 1024; // smaps counts in kB
        if (kind === 1) brk += bytes;
        else if (kind === 2) anon += bytes;
        else if (kind === 3) file += bytes;
      }
    }
    text += `; rss: brk ${mb(brk)} MB, anon ${mb(anon)} MB, file ${mb(file)} MB`;
  } catch {
    // not Linux: V8's figures only
  }
  return text + '\n';
}

/** Ends the phase that started at the previous call (or at process start) and prints it. */
export const tracePhase: (label: string) => void = traceEnabled
  ? (label) => {
      const now = performance.now();
      const cpu = process.cpuUsage(lastCpu);
      const threadNs = threadCpuNs();
      const main = Number.isNaN(threadNs) ? '' : ` (main ${((threadNs - lastThreadNs) / 1e6).toFixed(0)})`;
      const m = process.memoryUsage();
      process.stderr.write(
        `[trace] ${label}: ${(now - last).toFixed(0)} ms wall (at ${now.toFixed(0)} ms), ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms cpu${main}, ` +
          `rss ${mb(m.rss)} MB, heap ${mb(m.heapUsed)} MB, buffers ${mb(m.arrayBuffers)} MB\n` +
          (memDetail ? memoryDetail(m) : ''),
      );
      last = performance.now();
      lastCpu = process.cpuUsage();
      lastThreadNs = threadCpuNs();
    }
  : () => undefined;

/** Prints a one-line note among the phase lines (which diff path ran, and why), when tracing. */
export function traceNote(text: string): void {
  if (traceEnabled) process.stderr.write(`[trace] ${text}\n`);
}
