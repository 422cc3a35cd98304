/**
 * `recon fmt` end to end (RUNTIME.md section 2, LANGUAGE.md section 5): `--check` reports and
 * exits 1 when a file would change, `fmt` rewrites it into the canonical form the library
 * computes, a file with syntax errors is never touched, comments survive.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatText } from '../../language/formatter.js';
import { ensureCliBuilt, makeTempDir, RECON_BIN, removeTempDir, runCli, STACK_TRACE_LINE } from '../helpers/run-cli.js';

const UGLY = `# the ledger
let   x =    1   # trailing comment
source a {
from csv("x.csv")
   key id }
policy p { desired a
actual a
  remediate { on missing => create
  }
}
`;

const SYNTAX_ERROR = `source a {
  from csv("x.csv"
  key id
`;

let dir: string;

beforeAll(async () => {
  await ensureCliBuilt();
  dir = makeTempDir();
});

afterAll(() => removeTempDir(dir));

function read(name: string): string {
  return readFileSync(join(dir, name), 'utf8');
}

describe('recon fmt (built CLI)', () => {
  it('replaces a file by rename (never truncated in place), keeping its mode, and writes through a link', async () => {
    const sub = join(dir, 'atomic');
    mkdirSync(join(sub, 'shared'), { recursive: true });
    writeFileSync(join(sub, 'shared', 'real.recon'), UGLY);
    chmodSync(join(sub, 'shared', 'real.recon'), 0o640);
    symlinkSync('shared/real.recon', join(sub, 'linked.recon'));
    const before = statSync(join(sub, 'shared', 'real.recon'));
    const r = await runCli(['fmt', 'linked.recon'], { cwd: sub });
    expect(r.code, r.stderr).toBe(0);
    const after = statSync(join(sub, 'shared', 'real.recon'));
    // a new inode: the text was written to a temporary file and renamed over the old one, so a
    // crash or a full disk mid-write leaves the old text, not half of the new one
    expect(after.ino).not.toBe(before.ino);
    expect(after.mode & 0o777).toBe(0o640);
    expect(lstatSync(join(sub, 'linked.recon')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(sub, 'shared', 'real.recon'), 'utf8')).toBe(formatText(UGLY).text);
    expect(readdirSync(join(sub, 'shared'))).toEqual(['real.recon']);
  });

  it('--check exits 1 on an unformatted file and leaves it alone; fmt rewrites it; --check then exits 0', async () => {
    writeFileSync(join(dir, 'ugly.recon'), UGLY);
    const check = await runCli(['fmt', '--check', 'ugly.recon'], { cwd: dir });
    expect(check.code).toBe(1);
    expect(check.stdout).toBe('ugly.recon: would be reformatted\n');
    expect(read('ugly.recon')).toBe(UGLY);

    const fmt = await runCli(['fmt', 'ugly.recon'], { cwd: dir });
    expect(fmt.code).toBe(0);
    expect(fmt.stdout).toBe('ugly.recon: formatted\n');
    const formatted = read('ugly.recon');
    expect(formatted).toBe(formatText(UGLY).text);
    expect(formatted).not.toBe(UGLY);
    // canonical layout: two-space indent, blank line between declarations, comments kept
    expect(formatted).toContain('# the ledger\nlet x = 1 # trailing comment\n\nsource a {\n  from csv("x.csv")\n  key id\n}\n');
    expect(formatted).toContain('  remediate {\n    on missing => create\n  }\n');

    const again = await runCli(['fmt', '--check', 'ugly.recon'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('');

    // idempotent: a second fmt writes nothing new
    const second = await runCli(['fmt', 'ugly.recon'], { cwd: dir });
    expect(second.code).toBe(0);
    expect(second.stdout).toBe('');
    expect(read('ugly.recon')).toBe(formatted);
  });

  it('never touches a file with syntax errors: exit 1 with located errors, with and without --check', async () => {
    writeFileSync(join(dir, 'broken.recon'), SYNTAX_ERROR);
    for (const args of [['fmt', 'broken.recon'], ['fmt', '--check', 'broken.recon']]) {
      const r = await runCli(args, { cwd: dir });
      expect(r.code, args.join(' ')).toBe(1);
      expect(read('broken.recon')).toBe(SYNTAX_ERROR);
      const out = r.stdout.split('\n').filter(Boolean);
      expect(out.length).toBeGreaterThanOrEqual(1);
      for (const line of out) expect(line).toMatch(/^broken\.recon:\d+:\d+: error: .+ \[syntax-error\]$/);
      expect(r.stdout + r.stderr).not.toMatch(STACK_TRACE_LINE);
    }
  });

  it('a folder: formats the good files, skips the broken one, exit 1', async () => {
    const sub = makeTempDir();
    try {
      writeFileSync(join(sub, 'one.recon'), UGLY);
      writeFileSync(join(sub, 'two.recon'), formatText(UGLY).text);
      writeFileSync(join(sub, 'three.recon'), SYNTAX_ERROR);
      const r = await runCli(['fmt', sub]);
      expect(r.code).toBe(1);
      expect(readFileSync(join(sub, 'one.recon'), 'utf8')).toBe(formatText(UGLY).text);
      expect(readFileSync(join(sub, 'two.recon'), 'utf8')).toBe(formatText(UGLY).text);
      expect(readFileSync(join(sub, 'three.recon'), 'utf8')).toBe(SYNTAX_ERROR);
      expect(r.stdout).toMatch(/one\.recon: formatted/);
      expect(r.stdout).not.toMatch(/two\.recon/);
      expect(r.stdout).toMatch(/three\.recon:\d+:\d+: error: /);

      // without the broken file, the folder is clean
      writeFileSync(join(sub, 'three.recon'), formatText(UGLY).text);
      const clean = await runCli(['fmt', '--check', sub]);
      expect(clean.code).toBe(0);
    } finally {
      removeTempDir(sub);
    }
  });

  it('a missing path is one clear line, exit 1', async () => {
    const r = await runCli(['fmt', 'nowhere.recon'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toContain('nowhere.recon');
    expect(r.stderr).not.toMatch(STACK_TRACE_LINE);
  });

  // Root may write any file: the permission cases run the CLI as `nobody` through setpriv.
  const asRoot = process.getuid?.() === 0;
  const canDropRoot = !asRoot || existsSync('/usr/bin/setpriv');

  it.skipIf(!canDropRoot)('a file it may not read or write is one line naming it; the other files are still formatted, exit 1', () => {
    const sub = join(dir, 'perm');
    mkdirSync(sub);
    chmodSync(dir, 0o755);
    chmodSync(sub, 0o777);
    const files = { 'a-readonly.recon': 0o444, 'b-unreadable.recon': 0o000, 'c-fine.recon': 0o666 };
    for (const [name, mode] of Object.entries(files)) {
      writeFileSync(join(sub, name), UGLY);
      chmodSync(join(sub, name), mode);
    }
    const node = [process.execPath, RECON_BIN, 'fmt', '.'];
    const argv = asRoot ? ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...node] : node;
    const r = spawnSync(argv[0]!, argv.slice(1), { cwd: sub, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n').filter(Boolean).sort()).toEqual([
      'a-readonly.recon: not formatted: cannot write it: permission denied',
      'b-unreadable.recon: cannot read it: permission denied',
    ]);
    expect(r.stdout).toBe('c-fine.recon: formatted\n');
    expect(read('perm/a-readonly.recon')).toBe(UGLY);
    expect(read('perm/c-fine.recon')).toBe(formatText(UGLY).text);
    expect(r.stderr).not.toContain(sub);
  });
});
