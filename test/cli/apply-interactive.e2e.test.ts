/**
 * `recon apply` on a terminal and under signals: the approval prompt (only on a TTY, never in
 * CI), the progress bar, and SIGINT finishing the actions in flight.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appliedPerItem, cliTestFolders, readAudit, readJsonl, runCliInTtyWithInput, startCli, waitFor } from '../helpers/cli-helpers.js';
import { TTY_AVAILABLE } from '../helpers/run-cli.js';
import { accountsWorkspace, bulkWorkspace } from './apply-fixtures.js';

const keep = cliTestFolders();

function ids(dir: string): string[] {
  return readJsonl(join(dir, 'data/actual.jsonl')).map((record) => String(record.id)).sort();
}

describe.skipIf(!TTY_AVAILABLE)('on a terminal', () => {
  it('offers the waiting items to a group member, applies them on "y", and shows a progress bar', async () => {
    const dir = accountsWorkspace();
    keep(dir);
    const result = await runCliInTtyWithInput(['apply', 'accounts.recon'], '[y/N]', 'y\n', { cwd: dir, env: { RECON_ACTOR: 'alice@example.com' } });
    expect(result.stdout).toContain('1 item waits for your approval (alice@example.com)');
    expect(result.stdout).toContain('accounts/missing/a2');
    expect(result.stdout).toMatch(/applying accounts \[/);
    expect(result.code).toBe(0);
    expect(ids(dir)).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(readAudit(dir).find((r) => r.event === 'approved' && r.item === 'accounts/missing/a2')?.actor).toBe('alice@example.com');
  }, 60_000);

  it('leaves the items waiting (exit 3) when the answer is no', async () => {
    const dir = accountsWorkspace();
    keep(dir);
    const result = await runCliInTtyWithInput(['apply', 'accounts.recon'], '[y/N]', 'n\n', { cwd: dir, env: { RECON_ACTOR: 'bob@example.com' } });
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('not approved');
    expect(ids(dir)).toEqual(['a1', 'a3', 'a4']);
  }, 60_000);

  it('never prompts in CI, nor someone outside the group: exit 3 at once', async () => {
    const dir = accountsWorkspace();
    keep(dir);
    const ci = await runCliInTtyWithInput(['apply', 'accounts.recon'], 'never shown', '', { cwd: dir, env: { RECON_ACTOR: 'alice@example.com', CI: 'true' }, timeoutMs: 30_000 });
    expect(ci.code).toBe(3);
    expect(ci.stdout).not.toContain('[y/N]');
    const outsider = await runCliInTtyWithInput(['apply', 'accounts.recon'], 'never shown', '', { cwd: dir, env: { RECON_ACTOR: 'mallory@example.com' }, timeoutMs: 30_000 });
    expect(outsider.code).toBe(3);
    expect(outsider.stdout).toContain('mallory@example.com may approve none of them');
    expect(outsider.stdout).not.toContain('[y/N]');
  }, 60_000);
});

describe('signals', () => {
  it('on SIGINT finishes the actions in flight, records them, starts no more, and exits 2', async () => {
    const dir = bulkWorkspace(200, { rate: '20/s', concurrency: 2 });
    keep(dir);
    const run = startCli(['apply', 'accounts.recon'], { cwd: dir });
    await waitFor(() => readAudit(dir).filter((r) => r.event === 'applied').length >= 20, 30_000, '20 applied actions');
    run.child.kill('SIGINT');
    const exit = await run.exited;
    expect(exit.code).toBe(2);
    expect(exit.stderr).toContain('SIGINT: finishing the actions in flight');
    expect(exit.stdout).toContain('stopped: the actions in flight finished');
    const written = readJsonl(join(dir, 'data/actual.jsonl')).length;
    expect(written).toBeLessThan(200);
    const applied = appliedPerItem(readAudit(dir));
    expect(applied.size).toBe(written);
    expect(readAudit(dir).filter((r) => r.event === 'converged')).toHaveLength(written);
  }, 60_000);
});
