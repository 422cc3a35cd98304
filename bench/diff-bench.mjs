/**
 * The diff benchmark: Recon's diff against DuckDB's FULL OUTER JOIN on the same two CSV files.
 *
 *   node --expose-gc bench/diff-bench.mjs [--sizes 1000000,5000000] [--runs 3] [--generic]
 *
 * Why this shape:
 * - The data is generated deterministically (`diff-bench-data.mjs`: 10 columns, 1% missing,
 *   1% extra, 2% changed, 1% differing only within the policy's tolerances) into
 *   `bench/.data/<size>/` (gitignored) and reused while its manifest matches.
 * - Recon's diff is bundled with esbuild into `bench/.data/dist/` — the entry the plan runner
 *   calls, `runtime/diff/diff-sources.ts`, plus the fast path's worker module next to it, as a
 *   build must place it — so nothing is compiled while measuring; tsx is not involved.
 * - "End to end" for Recon is `diffSources` over a policy of two csv sources (observe, join,
 *   compare, items) plus writing every item as JSON to a file: `recon plan` is not wired to the
 *   diff yet. DuckDB reads both files, joins, compares and writes its drift rows (ordered) to a
 *   file with `COPY`. Times exclude loading each engine's code.
 * - Each engine runs in its own child process (`diff-bench-recon.mjs`, `diff-bench-duckdb.mjs`),
 *   so `process.resourceUsage().maxRSS` is that engine's peak memory alone. Runs alternate
 *   between the engines; the median time and the largest peak are reported, and every run's
 *   counts are checked against the generator's.
 * - `--generic` also times Recon's generic path (every record as an object) at the smallest size.
 * Knobs for investigating: `RECON_DIFF_TRACE=1` (phase times and memory on stderr) and
 * `RECON_DIFF_THREADS=N` (worker threads) are read by `diff-bench-recon.mjs` runs.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { generate } from './diff-bench-data.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const dataDir = path.join(here, '.data');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const sizes = arg('--sizes', '1000000,5000000').split(',').map(Number);
const runs = Number(arg('--runs', '3'));
const withGeneric = process.argv.includes('--generic');

const bundleDir = path.join(dataDir, 'dist');
await build({
  entryPoints: [path.join(root, 'runtime/diff/diff-sources.ts'), path.join(root, 'runtime/diff/csv-scan-worker.ts')],
  outdir: bundleDir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  // Some dependencies are CommonJS and call require(): give the ESM bundle one.
  banner: { js: "import { createRequire as __reconRequire } from 'node:module'; const require = __reconRequire(import.meta.url);" },
});

function child(script, args) {
  const result = spawnSync(process.execPath, [path.join(here, script), ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (result.status !== 0) throw new Error(`${script} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`;

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
    duck.push(child('diff-bench-duckdb.mjs', [desiredFile, actualFile, path.join(dir, 'duckdb.jsonl')]));
    recon.push(child('diff-bench-recon.mjs', [bundleDir, dir]));
  }
  for (const result of recon) {
    const s = result.summary;
    if (result.path !== 'fast') throw new Error(`Recon took the generic path: ${result.reason}`);
    if (s.missing !== expected.missing || s.extra !== expected.extra || s.changed !== expected.changed || s.unchanged !== expected.unchanged) {
      throw new Error(`Recon's counts ${JSON.stringify(s)} differ from the expected ${JSON.stringify(expected)}`);
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
    reconCpuMs: median(recon.map((x) => x.cpuMs)),
    duckCpuMs: median(duck.map((x) => x.cpuMs)),
    reconPeakKb: Math.max(...recon.map((x) => x.maxRssKb)),
    duckPeakKb: Math.max(...duck.map((x) => x.maxRssKb)),
    reconRuns: recon.map((x) => Math.round(x.ms)),
    duckRuns: duck.map((x) => Math.round(x.ms)),
  };
  rows.push(row);
  if (withGeneric && n === Math.min(...sizes)) {
    const generic = child('diff-bench-recon.mjs', [bundleDir, dir, '--generic']);
    row.genericMs = generic.ms;
    row.genericPeakKb = generic.maxRssKb;
  }
  process.stdout.write(
    `${n} records a side: Recon ${row.reconMs.toFixed(0)} ms (${mb(row.reconPeakKb)} peak), ` +
      `DuckDB ${row.duckMs.toFixed(0)} ms (${mb(row.duckPeakKb)} peak): time ratio ${(row.reconMs / row.duckMs).toFixed(2)}, ` +
      `memory ratio ${(row.reconPeakKb / row.duckPeakKb).toFixed(2)}` +
      (row.genericMs ? `; generic path ${row.genericMs.toFixed(0)} ms (${mb(row.genericPeakKb)})` : '') +
      `\n    cpu (all threads): Recon ${row.reconCpuMs.toFixed(0)} ms, DuckDB ${row.duckCpuMs.toFixed(0)} ms` +
      `\n    runs: Recon ${row.reconRuns.join(', ')} ms; DuckDB ${row.duckRuns.join(', ')} ms\n`,
  );
}
fs.writeFileSync(path.join(dataDir, 'diff-bench-results.json'), JSON.stringify(rows, null, 2));
