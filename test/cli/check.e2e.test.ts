/**
 * `recon check` end to end: the built CLI in a real process, as a user or a CI job runs it
 * (RUNTIME.md section 2: exit 0 clean or warnings only, 1 errors; diagnostics as
 * `file:line:col: severity: message [code]`; `--format json`; one clear line per error).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, makeTempDir, removeTempDir, runCli, SETTLEMENT_SAMPLE, STACK_TRACE_LINE } from '../helpers/run-cli.js';

const CLEAN = `source a {
  from csv("a.csv")
  key id
}

source b {
  from csv("b.csv")
  key id
}

policy p {
  desired a
  actual b
}
`;

// line 7: unknown source 'b'; line 9: unknown action 'creat'
const ERRORS = `source a {
  from csv("x.csv")
  key id
}
policy p {
  desired a
  actual b
  remediate {
    on missing => creat
  }
}
`;

// an expired `until` is a warning only (LANGUAGE.md section 4)
const WARNINGS = `source a {
  from csv("x.csv")
  key id
}
source b {
  from csv("y.csv")
  key id
}
policy p {
  desired a
  actual b
  remediate {
    on extra => ignore until "2020-01-01"
  }
}
`;

const SYNTAX = `source a {
  from csv("x.csv"
  key id
}
policy {
`;

/** `file:line:col: severity: message [code]` (RUNTIME.md section 2). */
const DIAGNOSTIC_LINE = /^(?<file>[^:\s]+\.recon):(?<line>\d+):(?<col>\d+): (?<severity>error|warning): (?<message>.+) \[(?<code>[a-z][a-z0-9-]*)\]$/;

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '');
}

let dir: string;

beforeAll(async () => {
  await ensureCliBuilt();
  dir = makeTempDir();
  writeFileSync(join(dir, 'clean.recon'), CLEAN);
  writeFileSync(join(dir, 'errors.recon'), ERRORS);
  writeFileSync(join(dir, 'warnings.recon'), WARNINGS);
  writeFileSync(join(dir, 'syntax.recon'), SYNTAX);
  mkdirSync(join(dir, 'nested', 'deeper'), { recursive: true });
  writeFileSync(join(dir, 'nested', 'deeper', 'also-clean.recon'), CLEAN);
  // folders a walk skips: the state dir and dependencies
  mkdirSync(join(dir, '.recon'));
  writeFileSync(join(dir, '.recon', 'ignored.recon'), 'this is not recon at all {');
  mkdirSync(join(dir, 'node_modules', 'x'), { recursive: true });
  writeFileSync(join(dir, 'node_modules', 'x', 'ignored.recon'), 'nor this {');
  writeFileSync(join(dir, 'notes.txt'), 'not a .recon file {');
});

afterAll(() => removeTempDir(dir));

describe('recon check (built CLI)', () => {
  it('exits 0 on a clean file and prints no diagnostics', async () => {
    const r = await runCli(['check', 'clean.recon'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe('1 file checked: 0 errors, 0 warnings');
  });

  it('exits 0 on the payment settlement sample', async () => {
    const r = await runCli(['check', SETTLEMENT_SAMPLE]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toBe('');
  });

  it('exits 1 on errors, one `file:line:col: error: message [code]` line each', async () => {
    const r = await runCli(['check', 'errors.recon'], { cwd: dir });
    expect(r.code).toBe(1);
    const out = lines(r.stdout);
    expect(out).toEqual([
      "errors.recon:7:10: error: unknown source 'b'; did you mean 'a'? [unknown-source]",
      "errors.recon:9:19: error: unknown action 'creat'; did you mean 'create'? [unknown-action]",
    ]);
    for (const line of out) expect(line).toMatch(DIAGNOSTIC_LINE);
    expect(r.stderr.trim()).toBe('1 file checked: 2 errors, 0 warnings');
    expect(r.stderr).not.toMatch(STACK_TRACE_LINE);
  });

  it('reports several syntax errors of one file (the parser recovers), exit 1', async () => {
    const r = await runCli(['check', 'syntax.recon'], { cwd: dir });
    expect(r.code).toBe(1);
    const out = lines(r.stdout);
    expect(out.length).toBeGreaterThanOrEqual(2);
    for (const line of out) {
      const m = DIAGNOSTIC_LINE.exec(line);
      expect(m, line).not.toBeNull();
      expect(m!.groups!.file).toBe('syntax.recon');
      expect(m!.groups!.code).toBe('syntax-error');
      // positions are inside the 6-line file
      expect(Number(m!.groups!.line)).toBeGreaterThanOrEqual(1);
      expect(Number(m!.groups!.line)).toBeLessThanOrEqual(6);
    }
  });

  it('exits 0 when there are warnings only, and still prints them', async () => {
    const r = await runCli(['check', 'warnings.recon'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual(['warnings.recon:13:30: warning: the exception ended after 2020-01-01: this rule no longer matches [until-expired]']);
    expect(r.stderr.trim()).toBe('1 file checked: 0 errors, 1 warning');
  });

  it('checks every .recon file below a folder, skipping .recon/ and node_modules/', async () => {
    const r = await runCli(['check', '.'], { cwd: dir });
    expect(r.code).toBe(1);
    const files = new Set(lines(r.stdout).map((l) => DIAGNOSTIC_LINE.exec(l)?.groups?.file));
    expect([...files].sort()).toEqual(['errors.recon', 'syntax.recon', 'warnings.recon']);
    expect(r.stderr).toMatch(/^5 files checked: \d+ errors, 1 warning$/m);
    // no PATHS means the current folder
    const implicit = await runCli(['check'], { cwd: dir });
    expect(implicit.stdout).toBe(r.stdout);
    expect(implicit.code).toBe(1);
  });

  it('a clean folder exits 0', async () => {
    const r = await runCli(['check', join(dir, 'nested')]);
    expect(r.code).toBe(0);
    expect(r.stderr.trim()).toBe('1 file checked: 0 errors, 0 warnings');
  });

  it('--format json: one JSON document with counts and located diagnostics, before or after the paths', async () => {
    const r = await runCli(['check', '--format', 'json', 'errors.recon', 'warnings.recon', 'clean.recon'], { cwd: dir });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(report).sort()).toEqual(['diagnostics', 'errors', 'files', 'warnings']);
    expect(report.files).toBe(3);
    expect(report.errors).toBe(2);
    expect(report.warnings).toBe(1);
    const diagnostics = report.diagnostics as Record<string, unknown>[];
    expect(diagnostics).toHaveLength(3);
    for (const d of diagnostics) {
      expect(Object.keys(d).sort()).toEqual(['code', 'column', 'endColumn', 'endLine', 'file', 'line', 'message', 'severity']);
      expect(typeof d.line).toBe('number');
      expect(d.endLine as number).toBeGreaterThanOrEqual(d.line as number);
    }
    expect(diagnostics[0]).toEqual({
      file: 'errors.recon',
      line: 7,
      column: 10,
      endLine: 7,
      endColumn: 11,
      severity: 'error',
      code: 'unknown-source',
      message: "unknown source 'b'; did you mean 'a'?",
    });
    expect(diagnostics.map((d) => d.code)).toEqual(['unknown-source', 'unknown-action', 'until-expired']);

    const after = await runCli(['check', 'errors.recon', 'warnings.recon', 'clean.recon', '--format', 'json'], { cwd: dir });
    expect(after.stdout).toBe(r.stdout);
    expect(after.code).toBe(1);

    const clean = await runCli(['check', 'clean.recon', '--format', 'json'], { cwd: dir });
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).toEqual({ files: 1, errors: 0, warnings: 0, diagnostics: [] });
  });

  it('a missing path is one clear line on stderr, exit 1, no stack trace', async () => {
    const r = await runCli(['check', 'no-such-file.recon'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('no-such-file.recon');
    expect(r.stderr).toMatch(/no such file/);
    expect(r.stderr).not.toMatch(STACK_TRACE_LINE);
  });

  it('an unknown --format value is one clear line, exit 1', async () => {
    const r = await runCli(['check', 'clean.recon', '--format', 'yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('yaml');
    expect(r.stderr).not.toMatch(STACK_TRACE_LINE);
  });
});
