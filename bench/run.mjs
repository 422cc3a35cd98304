/**
 * Runs every benchmark of `bench/`: `npm run bench` (or `node bench/run.mjs [NAME...]`).
 *
 * A benchmark module is a `.ts`, `.mts` or `.mjs` file of this folder that exports a runner: a
 * function named `run…Bench` (`export function runLanguageBench()`), sync or async, taking no
 * required argument. Files without one (the diff bench's child scripts, data
 * generators) are left alone; they are never imported, since importing a script runs it.
 *
 * Why a bundle: each module is bundled with esbuild first (into `dist/bench/`), so what is
 * measured is plain JavaScript as the CLI ships it; running TypeScript through tsx would wrap
 * every closure (`__name`) and distort the figures, Chevrotain's above all.
 *
 * The diff benchmark (`diff-bench.mjs`: `recon plan` beside DuckDB) runs at 1,000,000 and
 * 5,000,000 records a side, as issue #3 asks; RECON_BENCH_QUICK=1 (or `--quick`) keeps 1,000,000.
 *
 * NAME arguments keep the modules whose file name contains one of them (`language`). With
 * `--json FILE`, every runner's return value is written there, keyed by module.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const outDir = path.join(root, 'dist', 'bench');

const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
const names = args.filter((a, i) => !a.startsWith('--') && (jsonAt < 0 || i !== jsonAt + 1));

/** `export function runXBench`, `export async function runXBench`, `export const runXBench =`. */
const RUNNER = /export\s+(?:async\s+)?(?:function\s*\*?\s*|const\s+|let\s+)(run[A-Z]\w*Bench)\b/g;

function findBenchmarks() {
  const found = [];
  for (const file of fs.readdirSync(here).sort()) {
    if (file === 'run.mjs' || !/\.(?:ts|mts|mjs)$/.test(file) || file.endsWith('.d.ts')) continue;
    const source = fs.readFileSync(path.join(here, file), 'utf8');
    const runners = [...source.matchAll(RUNNER)].map((m) => m[1]);
    if (runners.length === 0) continue;
    if (names.length > 0 && !names.some((n) => file.includes(n))) continue;
    found.push({ file, runners });
  }
  return found;
}

const benchmarks = findBenchmarks();
if (benchmarks.length === 0) {
  console.error(names.length > 0 ? `no benchmark in bench/ matches ${names.join(', ')}` : 'no benchmark in bench/ exports a run…Bench function');
  process.exit(1);
}

await build({
  entryPoints: Object.fromEntries(benchmarks.map((b) => [b.file.replace(/\.[^.]+$/, ''), path.join(here, b.file)])),
  outdir: outDir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});

const results = {};
for (const { file, runners } of benchmarks) {
  const bundle = path.join(outDir, file.replace(/\.[^.]+$/, '.mjs'));
  const module = await import(pathToFileURL(bundle).href);
  for (const runner of runners) {
    console.log(`\n== ${file}: ${runner}`);
    results[`${file}:${runner}`] = await module[runner]();
  }
}
if (jsonFile) fs.writeFileSync(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
