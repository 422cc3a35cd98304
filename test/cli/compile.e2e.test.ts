/**
 * `recon compile` end to end (RUNTIME.md sections 1 and 2): the IR on stdout or in `-o`, valid
 * against the IR schema, byte-identical from run to run and from any working folder (paths are
 * relative to the workspace root); a file with errors gives diagnostics and no IR.
 */
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeIr } from '../../language/compiler/compile-program.js';
import { DiskModuleHost } from '../../language/module-host.js';
import { compileFile } from '../../language/pipeline.js';
import { validateIr } from '../../language/ir/ir-validate.js';
import { ensureCliBuilt, makeTempDir, removeTempDir, runCli, SETTLEMENT_SAMPLE, STACK_TRACE_LINE } from '../helpers/run-cli.js';

let dir: string;

beforeAll(async () => {
  await ensureCliBuilt();
  dir = makeTempDir(SETTLEMENT_SAMPLE);
});

afterAll(() => removeTempDir(dir));

describe('recon compile (built CLI)', () => {
  it('prints the IR as JSON that passes validateIr, and the same bytes as the library', async () => {
    const r = await runCli(['compile', 'settlement.recon'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const ir: unknown = JSON.parse(r.stdout);
    expect(() => validateIr(ir)).not.toThrow();
    validateIr(ir);
    expect(ir.version).toBe(1);
    expect(ir.file).toBe('settlement.recon');
    expect(ir.sources.map((s) => s.name).sort()).toEqual(['gateway', 'ledger']);
    expect(ir.policies.map((p) => p.name)).toEqual(['settlement_parity']);
    // the bundle and the library agree byte for byte
    const library = compileFile(join(dir, 'settlement.recon'), new DiskModuleHost());
    expect(library.ir).not.toBeNull();
    expect(r.stdout).toBe(serializeIr(library.ir!));
  });

  it('-o OUT writes the same bytes and prints nothing; twice is byte-identical, from any folder', async () => {
    const stdout = await runCli(['compile', 'settlement.recon'], { cwd: dir });
    const o = await runCli(['compile', 'settlement.recon', '-o', 'ir-1.json'], { cwd: dir });
    expect(o.code).toBe(0);
    expect(o.stdout).toBe('');
    const first = readFileSync(join(dir, 'ir-1.json'), 'utf8');
    expect(first).toBe(stdout.stdout);

    const again = await runCli(['compile', '-o', join(dir, 'ir-2.json'), join(dir, 'settlement.recon')], { cwd: '/' });
    expect(again.code).toBe(0);
    expect(readFileSync(join(dir, 'ir-2.json'), 'utf8')).toBe(first);
    // no absolute path of this machine leaks into the IR
    expect(first).not.toContain(dir);
  });

  it('a file with errors: exit 1, diagnostics on stderr, no IR on stdout and no -o file', async () => {
    writeFileSync(join(dir, 'bad.recon'), 'source a {\n  from csv("x.csv")\n  key id\n}\npolicy p {\n  desired a\n  actual nope\n}\n');
    const r = await runCli(['compile', 'bad.recon', '-o', 'bad-ir.json'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^bad\.recon:7:10: error: unknown source 'nope'.* \[unknown-source\]$/m);
    expect(r.stderr).not.toMatch(STACK_TRACE_LINE);
    expect(existsSync(join(dir, 'bad-ir.json'))).toBe(false);
  });

  it('no FILE, or two, is one clear line, exit 1', async () => {
    for (const args of [['compile'], ['compile', 'settlement.recon', 'settlement.recon']]) {
      const r = await runCli(args, { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n').filter(Boolean)).toEqual(['error: recon compile: expected exactly one FILE']);
    }
  });

  it('a missing FILE is one clear line, exit 1', async () => {
    const r = await runCli(['compile', 'missing.recon'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toContain('missing.recon');
    expect(r.stderr).not.toMatch(STACK_TRACE_LINE);
  });

  it('-o never overwrites a .recon source: its own FILE, a link to it, or any OUT named *.recon (exit 1, one line)', async () => {
    const source = readFileSync(join(dir, 'settlement.recon'), 'utf8');
    symlinkSync('settlement.recon', join(dir, 'link-to-source.json'));
    const cases: [string, string][] = [
      ['settlement.recon', 'settlement.recon is a .recon source'],
      ['link-to-source.json', 'link-to-source.json is settlement.recon, the file being compiled'],
      ['ir.recon', 'ir.recon is a .recon source'],
    ];
    for (const [out, why] of cases) {
      const r = await runCli(['compile', 'settlement.recon', '-o', out], { cwd: dir });
      expect(r.code, out).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`error: recon compile: -o ${out}: ${why}; write the IR to a .json file\n`);
    }
    expect(readFileSync(join(dir, 'settlement.recon'), 'utf8')).toBe(source);
    expect(existsSync(join(dir, 'ir.recon'))).toBe(false);
  });
});
