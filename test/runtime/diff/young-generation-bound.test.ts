import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('./young-generation-bound-child.ts', import.meta.url));

/** Runs the child (in a process of its own: the flag is process-wide) and returns its figures. */
function run(mode: 'bound' | 'free'): { before: number; after: number; kept: number } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', CHILD, mode], { encoding: 'utf8', timeout: 60_000 });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as { before: number; after: number; kept: number };
}

describe('boundYoungGeneration', () => {
  it('keeps the young generation at its size while surviving objects pile up', () => {
    const bound = run('bound');
    expect(bound.kept).toBe(400_000);
    expect(bound.after).toBeLessThanOrEqual(bound.before);
  }, 70_000);

  it('is what stops the growth: without it the same allocations grow the young generation', () => {
    const free = run('free');
    expect(free.after).toBeGreaterThan(free.before);
  }, 70_000);
});
