/**
 * Recon's side of the diff benchmark: the real CLI, `recon plan bench.recon --format json`, run
 * in a child process so its peak RSS is its own. Two roles in one file:
 *
 * - `runReconPlan(workspace, outFile)` (imported by `diff-bench.mjs`): writes the benchmark
 *   policy (`bench.recon` + `recon.json`) into WORKSPACE, clears its state directory (the audit
 *   log grows by one `planned` line per item and run; flapping reads it back), then spawns
 *   `node bench/diff-bench-recon.mjs WORKSPACE` with stdout going to OUT_FILE and returns
 *   { ms, cpuMs, inProcessMs, maxRssKb, exitCode, summary }. `ms` is the child's wall time from
 *   spawn to exit (Node's start-up and loading the CLI bundle included: end to end, as a user
 *   sees it); `summary` is the plan's summary, read back from the head of OUT_FILE.
 * - As a script (the child): runs `main(['plan', 'bench.recon', '--format', 'json'])` of
 *   `dist/cli.js` — exactly what `bin/recon.js` does — in WORKSPACE, and reports its own
 *   `process.resourceUsage()` (max RSS, CPU of all threads) as one JSON line on fd 3, since
 *   stdout is the plan.
 *
 * Why a wrapper and not `/usr/bin/time`: portable (no GNU time needed) and the same numbers.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The benchmark policy: the same comparisons as DuckDB's SQL in `diff-bench-duckdb.mjs`. */
const FIELDS = '{ id: string  amount: number  currency: string  status: string  booked_at: datetime  qty: integer  sku: string  region: string  memo: string  flag: bool }';
export const BENCH_POLICY = `source ledger {
  from csv("desired.csv")
  key id
  fields ${FIELDS}
}
source gateway {
  from csv("actual.csv")
  key id
  fields ${FIELDS}
}
policy bench {
  mode audit
  desired ledger
  actual gateway
  compare {
    amount within 0.005
    currency ignore_case
    booked_at within 2m
    memo ignore
  }
}
`;

/** The repository root: found upward from this file, so a bundled copy (`dist/bench/`) works too. */
function repoRoot() {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'bin', 'recon.js'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('diff bench: cannot find the repository root (bin/recon.js)');
    dir = up;
  }
  return dir;
}

/** Reads the first policy's `summary` object from the head of a pretty or compact JSON plan. */
function readSummary(file) {
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(1 << 20);
  const n = fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  const text = head.subarray(0, n).toString('utf8');
  const match = /"summary":\s*(\{[^}]*\})/.exec(text);
  return match ? JSON.parse(match[1]) : null;
}

export function runReconPlan(workspace, outFile) {
  const root = repoRoot();
  if (!fs.existsSync(path.join(root, 'dist', 'cli.js'))) throw new Error('diff bench: dist/cli.js is missing; run `npm run build` first');
  fs.writeFileSync(path.join(workspace, 'bench.recon'), BENCH_POLICY);
  fs.writeFileSync(path.join(workspace, 'recon.json'), '{}\n');
  fs.rmSync(path.join(workspace, '.recon'), { recursive: true, force: true });
  const out = fs.openSync(outFile, 'w');
  const script = path.join(root, 'bench', 'diff-bench-recon.mjs');
  const t0 = performance.now();
  const result = spawnSync(process.execPath, [...(process.env.RECON_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), script, workspace], {
    cwd: workspace,
    stdio: ['ignore', out, 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const ms = performance.now() - t0;
  fs.closeSync(out);
  // exit 2: drift found, the expected outcome
  if (result.status !== 2) throw new Error(`recon plan exited ${result.status}:\n${result.stderr}`);
  if (result.stderr.trim()) process.stderr.write(result.stderr);
  const usage = JSON.parse(result.output[3].trim().split('\n').pop());
  return { ms, ...usage, exitCode: result.status, summary: readSummary(outFile) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const t0 = performance.now();
  const workspace = process.argv[2];
  process.chdir(workspace);
  const { main } = await import(pathToFileURL(path.join(repoRoot(), 'dist', 'cli.js')).href);
  const code = await main(['plan', 'bench.recon', '--format', 'json']);
  // stdout may still be draining (a pipe): report once it has
  process.stdout.write('', () => {
    const usage = process.resourceUsage();
    fs.writeSync(3, JSON.stringify({
      inProcessMs: performance.now() - t0,
      cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
      maxRssKb: usage.maxRSS,
    }) + '\n');
    process.exitCode = code;
  });
}
