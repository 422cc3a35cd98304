/**
 * Memory of the apply that follows a crash, on a long-lived state directory (RUNTIME.md 4:
 * "progress is checkpointed: after a crash (kill -9) the next apply re-plans"; 5: the audit log
 * is append-only, so it holds the whole history).
 *
 * A crashed run left its journal: 200 creates intended, 100 committed, 50 of those recorded. The
 * resuming `recon apply` (the built CLI) runs once after a ~60 MB audit log of unrelated earlier
 * runs and once after none. Both must settle the journal alike (50 recovered, 100 applied), and
 * the one with the long history may peak only a little above the other: recovery must not hold
 * the history (it once parsed the whole log into objects, about 190 MB more at 60 MB of log).
 */
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cliTestFolders, jsonlText, makeTempDir, runCli } from '../helpers/cli-helpers.js';
import { bulkWorkspace } from './apply-fixtures.js';

const keep = cliTestFolders();

const CRASHED_PLAN = 'sha256:' + 'c'.repeat(64);
const item = (i: number): string => `accounts/missing/k${String(i).padStart(4, '0')}`;

/** The workspace a crashed apply left behind, with `historyBytes` of other runs' audit lines before it. */
function crashedWorkspace(historyBytes: number): string {
  const dir = keep(bulkWorkspace(200));
  const actual = Array.from({ length: 100 }, (_, i) => ({ id: `k${String(i).padStart(4, '0')}`, name: `Name ${i}`, amount: i % 1000 }));
  writeFileSync(join(dir, 'data/actual.jsonl'), jsonlText(actual));
  mkdirSync(join(dir, '.recon/checkpoints'), { recursive: true });
  const fd = openSync(join(dir, '.recon/audit.jsonl'), 'w');
  try {
    // Earlier runs of other policies: each plans, applies and converges 20 items (the drift of
    // every item ends, as in a healthy state directory).
    let written = 0;
    for (let run = 0; written < historyBytes; run++) {
      const policy = ['billing', 'users', 'groups'][run % 3];
      const base = { run_id: `run-${run}`, command: 'apply', policy, plan_hash: `sha256:${String(run).padStart(64, '0')}` };
      let text = '';
      for (let i = 0; i < 20; i++) {
        const fields = { ts: new Date(Date.UTC(2026, 0, 1) + run * 60_000 + i).toISOString(), ...base, item: `${policy}/changed/c${(run * 7 + i) % 3000}` };
        text += JSON.stringify({ ...fields, event: 'planned', attempt: null, actor: 'ci', error: null, detail: { action: 'update' } }) + '\n';
        text += JSON.stringify({ ...fields, event: 'applied', attempt: 1, actor: 'ci', error: null, detail: { action: 'update' } }) + '\n';
        text += JSON.stringify({ ...fields, event: 'converged', attempt: null, actor: 'ci', error: null }) + '\n';
      }
      written += writeSync(fd, text);
    }
    // The crashed run: 200 planned, k0000..k0049 recorded applied.
    const crashed = { ts: '2026-11-26T12:00:00.000Z', run_id: 'crashed-run', command: 'apply', policy: 'accounts', plan_hash: CRASHED_PLAN };
    let text = '';
    for (let i = 0; i < 200; i++) text += JSON.stringify({ ...crashed, item: item(i), event: 'planned', attempt: null, actor: 'ci', error: null }) + '\n';
    for (let i = 0; i < 50; i++) text += JSON.stringify({ ...crashed, item: item(i), event: 'applied', attempt: 1, actor: 'ci', error: null }) + '\n';
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  const journal: Record<string, unknown>[] = [0, 50, 100, 150].map((from) => ({ intent: Array.from({ length: 50 }, (_, i) => item(from + i)), plan_hash: CRASHED_PLAN, run_id: 'crashed-run' }));
  journal.push({ recorded: Array.from({ length: 50 }, (_, i) => item(i)), plan_hash: CRASHED_PLAN, run_id: 'crashed-run' });
  writeFileSync(join(dir, '.recon/checkpoints/accounts.jsonl'), jsonlText(journal));
  return dir;
}

/** Runs `recon apply accounts.recon` in `dir`; returns its result and its peak resident memory in MB. */
async function applyMeasured(dir: string): Promise<{ code: number | null; policy: Record<string, unknown>; peakMb: number }> {
  const probe = keep(makeTempDir());
  const out = join(probe, 'maxrss.txt');
  const preload = join(probe, 'maxrss.mjs');
  // the process's peak resident set (kilobytes on Linux), written as it exits
  writeFileSync(
    preload,
    `import { appendFileSync } from 'node:fs';\nimport { isMainThread } from 'node:worker_threads';\nif (isMainThread) process.on('exit', () => appendFileSync(${JSON.stringify(out)}, String(process.resourceUsage().maxRSS)));\n`,
  );
  const run = await runCli(['apply', 'accounts.recon', '--format', 'json'], { cwd: dir, timeoutMs: 120_000, env: { NODE_OPTIONS: `--import=${pathToFileURL(preload).href}` } });
  const policy = JSON.parse(run.stdout).policies[0] as Record<string, unknown>;
  return { code: run.code, policy, peakMb: Number(readFileSync(out, 'utf8')) / 1024 };
}

describe('the apply after a crash, on a long history', () => {
  it('settles the journal as on an empty log, with about the same peak memory', async () => {
    const empty = await applyMeasured(crashedWorkspace(0));
    const long = await applyMeasured(crashedWorkspace(60 * 1024 * 1024));
    for (const run of [empty, long]) {
      expect(run.code).toBe(0);
      expect(run.policy).toMatchObject({ recovered: 50, counts: { applied: 100 }, status: 'converged' });
    }
    // Streaming the log costs a few megabytes of buffers and parsing garbage (about +25 MB
    // measured); holding it as objects cost about +190 MB.
    expect(long.peakMb - empty.peakMb, `peak RSS ${long.peakMb.toFixed(0)} MB after 60 MB of history, ${empty.peakMb.toFixed(0)} MB after none`).toBeLessThan(50);
  }, 240_000);
});
