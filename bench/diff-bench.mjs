/**
 * The diff benchmark: `recon plan --format json` against DuckDB's FULL OUTER JOIN on the same two
 * CSV files, in the same run.
 *
 *   node bench/diff-bench.mjs [--sizes 1000000,5000000] [--runs 3]     (after `npm run build`)
 *   npm run bench                    (1,000,000 and 5,000,000 records a side; RECON_BENCH_QUICK=1 or --quick: 1,000,000 only)
 *
 * Why this shape:
 * - The data is generated deterministically (`diff-bench-data.mjs`: 10 columns, 1% missing,
 *   1% extra, 2% changed, 1% differing only within the policy's tolerances) into
 *   `bench/.data/<size>/` (gitignored) and reused while its manifest matches.
 * - Recon is the real CLI end to end (`diff-bench-recon.mjs`): `recon plan bench.recon --format
 *   json` with stdout to a file, timed from spawn to exit (Node start-up and loading the bundle
 *   included), its plan's summary checked against the generator's counts. It runs the build in
 *   `dist/` (`npm run bench` builds first), the CSV fast path's worker threads included.
 * - DuckDB reads both files, joins, compares and writes its drift rows (ordered) to a file with
 *   `COPY` (`diff-bench-duckdb.mjs`); its time excludes loading its native library.
 * - Each engine runs in its own child process, so its peak RSS is its own. Runs alternate
 *   between the engines; the median time and the largest peak are reported.
 * - Both sizes issue #3 names run by default. 5,000,000 records a side take about 8 s per run
 *   pair (plus about a minute to generate 0.5 GB a side the first time): RECON_BENCH_QUICK=1
 *   (or `--quick`) keeps only 1,000,000, for a quick look.
 * Knobs for investigating: `RECON_TRACE=1` (phase times and memory on stderr),
 * `RECON_DIFF_THREADS=N` (worker threads) and `RECON_BENCH_NODE_ARGS` (e.g. `--cpu-prof`) reach
 * the CLI's process.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generate } from './diff-bench-data.mjs';
import { runReconPlan } from './diff-bench-recon.mjs';

/** The repository root, found upward (this module also runs bundled from `dist/bench/`). */
function repoRoot() {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'bin', 'recon.js'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('diff bench: cannot find the repository root');
    dir = up;
  }
  return dir;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`;

function duckdb(benchDir, desiredFile, actualFile, outFile) {
  const result = spawnSync(process.execPath, [path.join(benchDir, 'diff-bench-duckdb.mjs'), desiredFile, actualFile, outFile], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (result.status !== 0) throw new Error(`diff-bench-duckdb.mjs failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

/**
 * Runs the benchmark at each size (`runs` alternating runs per engine) and returns one row per
 * size: both medians, the ratio, both peaks. Sizes default to 1,000,000 and 5,000,000, or
 * 1,000,000 alone when RECON_BENCH_QUICK=1 or `--quick` is on the command line.
 */
export function runDiffBench(options = {}) {
  const root = repoRoot();
  const benchDir = path.join(root, 'bench');
  const dataDir = path.join(benchDir, '.data');
  const quick = process.env.RECON_BENCH_QUICK === '1' || process.argv.includes('--quick');
  const sizes = options.sizes ?? (quick ? [1_000_000] : [1_000_000, 5_000_000]);
  const runs = options.runs ?? 3;
  const rows = [];
  for (const n of sizes) {
    const dir = path.join(dataDir, n >= 1e6 ? `${n / 1e6}m` : `${n / 1e3}k`);
    process.stdout.write(`generating ${n} records a side in ${path.relative(root, dir)} ...\n`);
    const manifest = generate(dir, n);
    const expected = manifest.counts;
    const desiredFile = path.join(dir, 'desired.csv');
    const actualFile = path.join(dir, 'actual.csv');
    const recon = [];
    const duck = [];
    for (let r = 0; r < runs; r++) {
      duck.push(duckdb(benchDir, desiredFile, actualFile, path.join(dir, 'duckdb.jsonl')));
      recon.push(runReconPlan(dir, path.join(dir, 'plan.json')));
    }
    for (const result of recon) {
      const s = result.summary;
      if (!s || s.missing !== expected.missing || s.extra !== expected.extra || s.changed !== expected.changed || s.unchanged !== expected.unchanged) {
        throw new Error(`Recon's plan counts ${JSON.stringify(s)} differ from the expected ${JSON.stringify(expected)}`);
      }
    }
    const expectedRows = expected.missing + expected.extra + expected.changed;
    for (const result of duck) {
      if (Number(result.rows) !== expectedRows) throw new Error(`DuckDB wrote ${result.rows} rows, expected ${expectedRows}`);
    }
    const row = {
      records: n,
      reconMs: median(recon.map((x) => x.ms)),
      duckMs: median(duck.map((x) => x.ms)),
      ratio: 0,
      reconPeakKb: Math.max(...recon.map((x) => x.maxRssKb)),
      duckPeakKb: Math.max(...duck.map((x) => x.maxRssKb)),
      memoryRatio: 0,
      reconCpuMs: median(recon.map((x) => x.cpuMs)),
      duckCpuMs: median(duck.map((x) => x.cpuMs)),
      reconInProcessMs: median(recon.map((x) => x.inProcessMs)),
      reconRuns: recon.map((x) => Math.round(x.ms)),
      duckRuns: duck.map((x) => Math.round(x.ms)),
    };
    row.ratio = row.reconMs / row.duckMs;
    row.memoryRatio = row.reconPeakKb / row.duckPeakKb;
    rows.push(row);
    process.stdout.write(
      `${n} records a side: Recon (recon plan --format json) ${row.reconMs.toFixed(0)} ms, ${mb(row.reconPeakKb)} peak; ` +
        `DuckDB ${row.duckMs.toFixed(0)} ms, ${mb(row.duckPeakKb)} peak\n` +
        `    time ratio ${row.ratio.toFixed(2)} (goal <= 1.00), memory ratio ${row.memoryRatio.toFixed(2)} (goal <= 0.33)\n` +
        `    cpu (all threads): Recon ${row.reconCpuMs.toFixed(0)} ms, DuckDB ${row.duckCpuMs.toFixed(0)} ms; Recon in-process ${row.reconInProcessMs.toFixed(0)} ms\n` +
        `    runs: Recon ${row.reconRuns.join(', ')} ms; DuckDB ${row.duckRuns.join(', ')} ms\n`,
    );
  }
  fs.writeFileSync(path.join(dataDir, 'diff-bench-results.json'), JSON.stringify(rows, null, 2));
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const sizes = arg('--sizes')?.split(',').map(Number);
  const runs = arg('--runs') ? Number(arg('--runs')) : undefined;
  runDiffBench({ sizes, runs });
}
