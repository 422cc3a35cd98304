/**
 * `recon check`, `recon fmt` and `recon compile` on hostile input, through the built CLI: a file
 * that is not UTF-8, an expression nested ten thousand levels deep. Each gives located
 * diagnostics with a code (`file:line:col: error: ... [code]`), never a bare exception, and
 * `recon fmt` never rewrites such a file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, makeTempDir, removeTempDir, runCli, STACK_TRACE_LINE } from '../helpers/run-cli.js';

let dir: string;

beforeAll(async () => {
  await ensureCliBuilt();
  dir = makeTempDir();
});

afterAll(() => removeTempDir(dir));

describe('a .recon file that is not UTF-8', () => {
  // saved as Latin-1: é is the single byte 0xE9; the layout is not canonical, so fmt would write
  const LATIN1 = Buffer.concat([Buffer.from('# owner: caf'), Buffer.from([0xe9]), Buffer.from('\nlet   a = "caf'), Buffer.from([0xe9]), Buffer.from('"\n')]);

  it('recon fmt leaves the bytes alone and exits 1 with the located byte (before: rewrote them as U+FFFD)', async () => {
    writeFileSync(join(dir, 'latin1.recon'), LATIN1);
    for (const args of [['fmt', 'latin1.recon'], ['fmt', '--check', 'latin1.recon']]) {
      const r = await runCli(args, { cwd: dir });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stdout).toBe('latin1.recon:1:13: error: the file is not UTF-8: byte 0xE9 cannot be read as text here; save the file as UTF-8 [invalid-encoding]\n');
      expect(readFileSync(join(dir, 'latin1.recon')).equals(LATIN1)).toBe(true);
    }
  });

  it('recon check and recon compile report it (before: check said 0 errors and compile wrote U+FFFD into the IR)', async () => {
    writeFileSync(join(dir, 'latin1.recon'), LATIN1);
    const check = await runCli(['check', 'latin1.recon'], { cwd: dir });
    expect(check.code).toBe(1);
    expect(check.stdout).toContain('latin1.recon:1:13: error: the file is not UTF-8: byte 0xE9');
    const compile = await runCli(['compile', 'latin1.recon'], { cwd: dir });
    expect(compile.code).toBe(1);
    expect(compile.stdout).toBe('');
    expect(compile.stderr).toContain('[invalid-encoding]');
  });

  it('an imported module that is not UTF-8 is reported in that module', async () => {
    writeFileSync(join(dir, 'recon.json'), '{}');
    writeFileSync(join(dir, 'shared.recon'), LATIN1);
    writeFileSync(join(dir, 'main.recon'), 'import "./shared.recon"\n');
    const r = await runCli(['check', 'main.recon'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^shared\.recon:1:13: error: the file is not UTF-8: byte 0xE9 .*\[invalid-encoding\]$/m);
  });
});

describe('an expression nested 10,000 levels deep', () => {
  const DEEP = `let x = ${'('.repeat(10_000)}1${')'.repeat(10_000)}\n`;
  const LONG = `let x = ${Array(20_000).fill('1').join(' + ')}\n`;

  it('check, compile and fmt give one located error each (before: "Maximum call stack size exceeded")', async () => {
    writeFileSync(join(dir, 'deep.recon'), DEEP);
    writeFileSync(join(dir, 'long.recon'), LONG);
    for (const [file, column] of [['deep.recon', 109], ['long.recon', 9]] as const) {
      for (const args of [['check', file], ['compile', file], ['fmt', '--check', file], ['fmt', file]]) {
        const r = await runCli(args, { cwd: dir });
        expect(r.code, args.join(' ')).toBe(1);
        const all = r.stdout + r.stderr;
        expect(all, args.join(' ')).toContain(`${file}:1:${column}: error: too deeply nested: `);
        expect(all, args.join(' ')).toContain('[nesting-too-deep]');
        expect(all).not.toContain('Maximum call stack');
        expect(all).not.toMatch(STACK_TRACE_LINE);
      }
    }
    expect(readFileSync(join(dir, 'deep.recon'), 'utf8')).toBe(DEEP);
  });
});

describe('a file with classic Mac line ends (a lone \\r)', () => {
  it('locates a diagnostic on its line, not all on line 1', async () => {
    writeFileSync(join(dir, 'cr.recon'), 'let a = 1\rlet b = 2\rlet c = nope\r');
    const r = await runCli(['check', 'cr.recon'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^cr\.recon:3:9: error: unknown name 'nope'/);
  });
});
