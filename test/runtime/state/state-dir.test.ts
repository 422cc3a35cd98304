import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveStateDir, StateDirError } from '../../../runtime/state/state-dir.js';
import { runCli } from '../../helpers/run-cli.js';

let scratch: string | undefined;
afterEach(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

/** A workspace `ws/` and a folder `victim/` outside it holding a file someone cares about. */
function setUp(): { ws: string; victim: string } {
  scratch = mkdtempSync(join(tmpdir(), 'recon-state-dir-'));
  const ws = join(scratch, 'ws');
  const victim = join(scratch, 'victim');
  mkdirSync(ws);
  mkdirSync(victim);
  writeFileSync(join(ws, 'recon.json'), '{}');
  writeFileSync(join(victim, 'profile'), 'precious\n');
  return { ws, victim };
}

describe('state dir', () => {
  it('is .recon/ in the workspace root by default, created on first use', () => {
    const { ws } = setUp();
    expect(resolveStateDir(ws)).toBe(join(ws, '.recon'));
    expect(existsSync(join(ws, '.recon'))).toBe(true);
  });

  it('refuses a state file that is a symbolic link (a cloned repository could point it anywhere)', () => {
    const { ws, victim } = setUp();
    mkdirSync(join(ws, '.recon', 'checkpoints'), { recursive: true });
    symlinkSync(join(victim, 'profile'), join(ws, '.recon', 'checkpoints', 'p.jsonl'));
    expect(() => resolveStateDir(ws)).toThrow(StateDirError);
    expect(() => resolveStateDir(ws)).toThrow(
      'the state folder .recon holds a symbolic link, .recon/checkpoints/p.jsonl; recon does not write its state through links (remove it)',
    );
  });

  it('refuses a default .recon that is a link out of the workspace, and takes one that stays inside', () => {
    const { ws, victim } = setUp();
    symlinkSync(victim, join(ws, '.recon'));
    expect(() => resolveStateDir(ws)).toThrow(
      'the state folder .recon is a symbolic link that leads outside the workspace root; remove it, or choose a state folder with --state-dir',
    );
    rmSync(join(ws, '.recon'));
    mkdirSync(join(ws, 'state'));
    symlinkSync(join(ws, 'state'), join(ws, '.recon'));
    expect(resolveStateDir(ws)).toBe(join(ws, '.recon'));
    expect(resolveStateDir(ws, victim)).toBe(victim); // a folder the user names may be anywhere
  });

  it('recon plan appends nothing through a linked audit log and rewrites nothing through a linked metrics file', async () => {
    const { ws, victim } = setUp();
    writeFileSync(join(ws, 'want.csv'), 'id,v\n$(touch pwned),1\n');
    writeFileSync(join(ws, 'have.csv'), 'id,v\n');
    writeFileSync(join(ws, 'main.recon'), 'source want {\n  from csv("want.csv")\n  key id\n}\nsource have {\n  from csv("have.csv")\n  key id\n}\npolicy p {\n  desired want\n  actual have\n}\n');
    mkdirSync(join(ws, '.recon'));
    symlinkSync(join(victim, 'profile'), join(ws, '.recon', 'audit.jsonl'));
    const linked = await runCli(['plan', 'main.recon'], { cwd: ws });
    expect(linked.code).toBe(1);
    expect(linked.stderr).toBe('error: recon plan: the state folder .recon holds a symbolic link, .recon/audit.jsonl; recon does not write its state through links (remove it)\n');
    rmSync(join(ws, '.recon', 'audit.jsonl'));
    symlinkSync(join(victim, 'profile'), join(ws, '.recon', 'metrics.prom.tmp'));
    expect((await runCli(['plan', 'main.recon'], { cwd: ws })).code).toBe(1);
    expect(readFileSync(join(victim, 'profile'), 'utf8')).toBe('precious\n');
  });
});
