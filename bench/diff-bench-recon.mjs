/**
 * Recon's side of the diff benchmark, run as a child process so its peak RSS is its own:
 *   node bench/diff-bench-recon.mjs BUNDLE_DIR WORKSPACE [--generic]
 * It diffs `desired.csv` against `actual.csv` of WORKSPACE with the benchmark policy through
 * `diffSources` (the entry the plan runner calls), writes the items as JSON lines to
 * WORKSPACE/recon.jsonl, and prints one JSON line: { ms, cpuMs, diffMs, path, reason, summary,
 * maxRssKb } (cpuMs: all threads).
 *
 * `recon plan` is not wired to the diff yet, so "end to end" here is: observe + diff (the fast
 * path when eligible) + JSON of every item written to a file. The time excludes loading the
 * module (as DuckDB's excludes loading its native library).
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [bundleDir, workspace, flag] = process.argv.slice(2);
const { diffSources } = await import(pathToFileURL(path.join(bundleDir, 'diff-sources.js')).href);

const TYPES = [
  ['id', 'string'], ['amount', 'number'], ['currency', 'string'], ['status', 'string'],
  ['booked_at', 'datetime'], ['qty', 'integer'], ['sku', 'string'], ['region', 'string'],
  ['memo', 'string'], ['flag', 'bool'],
];

function source(name, file) {
  return {
    name,
    connector: { kind: 'csv', path: file, args: [], options: [], at: 'bench.recon:1:1' },
    key: ['id'],
    fields: TYPES.map(([n, type]) => ({ name: n, type })),
    select: null,
    where: null,
    write: null,
    writable: true,
    doc: null,
    at: 'bench.recon:1:1',
  };
}

const rule = (p, comparator) => ({ path: p, comparator, profile: null, at: 'bench.recon:1:1' });
const policy = {
  name: 'bench', description: null, owner: null, severity: 'low', mode: 'audit',
  desired: 'ledger', actual: 'gateway',
  compare: {
    default: 'exact',
    rules: [
      rule('amount', { kind: 'within', absolute: 0.005 }),
      rule('currency', { kind: 'ignore_case' }),
      rule('booked_at', { kind: 'within', duration_ms: 120000 }),
      rule('memo', { kind: 'ignore' }),
    ],
  },
  remediate: [], limits: { max_changes: null, max_ratio: null, max_deletes: null, on_exceed: 'abort' },
  retry: { attempts: 1, backoff_min_ms: 200, backoff_max_ms: 10000 }, rate: null, concurrency: 1,
  schedule_ms: null, doc: null, at: 'bench.recon:1:1',
};

const t0 = performance.now();
const cpu0 = process.cpuUsage();
let report = null;
const result = await diffSources(policy, source('ledger', 'desired.csv'), source('gateway', 'actual.csv'), {
  observedAt: '2026-11-26T12:00:00Z',
  workspaceRoot: workspace,
  trusted: true,
  fastPath: {
    enabled: flag !== '--generic',
    workers: process.env.RECON_DIFF_THREADS ? Number(process.env.RECON_DIFF_THREADS) : undefined,
    report: (r) => { report = r; },
  },
});
const tDiff = performance.now();
const fd = fs.openSync(path.join(workspace, 'recon.jsonl'), 'w');
const parts = [];
for (const item of result.items) {
  parts.push(JSON.stringify({ kind: item.kind, key: item.key, fields: item.fields, desired: item.desired, actual: item.actual }));
  if (parts.length === 8192) {
    fs.writeSync(fd, parts.join('\n') + '\n');
    parts.length = 0;
  }
}
if (parts.length > 0) fs.writeSync(fd, parts.join('\n') + '\n');
fs.closeSync(fd);
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(JSON.stringify({
  ms, cpuMs: (cpu.user + cpu.system) / 1000, diffMs: tDiff - t0, path: report?.path, reason: report?.reason, summary: result.summary,
  maxRssKb: process.resourceUsage().maxRSS,
}) + '\n');
