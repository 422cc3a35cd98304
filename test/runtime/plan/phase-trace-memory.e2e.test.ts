import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFastPathFixture } from '../../helpers/fast-path-fixture.js';
import { ensureCliBuilt, RECON_BIN } from '../../helpers/run-cli.js';

/**
 * `RECON_TRACE=mem` adds, under each phase line, what the memory is made of (V8's young and old
 * generations, off-heap memory, and on Linux the resident set by kind of mapping); the plan it
 * prints is the one printed without tracing.
 */
describe('RECON_TRACE=mem', () => {
  let dir: string;
  beforeAll(async () => {
    await ensureCliBuilt();
    dir = mkdtempSync(join(tmpdir(), 'recon-trace-mem-'));
    writeFastPathFixture(dir, { 'fast.recon': 'string' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const plan = (trace: string | undefined) =>
    spawnSync(process.execPath, [RECON_BIN, 'plan', 'fast.recon', '--format', 'json', '--state-dir', join(dir, `state-${trace ?? 'none'}`)], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, RECON_TRACE: trace, RECON_DIFF_TRACE: undefined },
      maxBuffer: 1 << 26,
      timeout: 60_000,
    });

  it('prints a memory line after every phase line, and the same plan', () => {
    const traced = plan('mem');
    expect(traced.status, traced.stderr).toBe(2);
    const lines = traced.stderr.split('\n').filter((line) => line.startsWith('[trace]'));
    const phases = lines.filter((line) => / ms wall /.test(line));
    expect(phases.map((line) => /^\[trace\] (.*): \d+ ms wall/.exec(line)?.[1])).toEqual(expect.arrayContaining(['start-up', 'compile', 'diff: collect', 'plan hash', 'render json']));
    for (const phase of phases) {
      const next = lines[lines.indexOf(phase) + 1] ?? '';
      expect(next).toMatch(/^\[trace\] {3}memory: new \d+\/\d+ MB, old \d+\/\d+ MB, external \d+ MB, array buffers \d+ MB/);
      if (process.platform === 'linux') expect(next).toMatch(/; rss: brk \d+ MB, anon \d+ MB, file \d+ MB$/);
    }
    const quiet = plan(undefined);
    expect(quiet.stderr).not.toContain('[trace]');
    const withoutInstant = (text: string) => text.replace(/"observed_at": "[^"]*"/g, '').replace(/"plan_hash": "[^"]*"/g, '');
    expect(withoutInstant(traced.stdout)).toBe(withoutInstant(quiet.stdout));
  }, 70_000);

  it('RECON_TRACE=1 prints the phase lines only', () => {
    const traced = plan('1');
    expect(traced.status, traced.stderr).toBe(2);
    expect(traced.stderr).toContain('[trace] diff: collect:');
    expect(traced.stderr).not.toContain('memory:');
    if (process.platform === 'linux') {
      // the main thread's own CPU beside the process's, never more than it
      const figures = [...traced.stderr.matchAll(/ (\d+) ms cpu \(main (\d+)\),/g)].map((m) => [Number(m[1]), Number(m[2])]);
      expect(figures.length).toBeGreaterThan(5);
      for (const [processMs, mainMs] of figures) expect(mainMs).toBeLessThanOrEqual(processMs! + 2); // each rounded to the millisecond
    }
  }, 70_000);
});
