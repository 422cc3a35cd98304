/**
 * `recon test` end to end (RUNTIME.md section 2, LANGUAGE.md 2.4): exit 0 with `N passed, 0
 * failed` when every test block passes, exit 1 with the failure's message otherwise, `--junit`
 * writes a JUnit XML report, `--format json` a machine-readable one.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, makeTempDir, removeTempDir, runCli, SETTLEMENT_SAMPLE, STACK_TRACE_LINE } from '../helpers/run-cli.js';

const POLICY = `source a {
  from inline([{ id: "1" }])
  key id
}

source b {
  from inline([])
  key id
}

policy p {
  desired a
  actual b
  remediate {
    on missing => report
  }
}
`;

const PASSING = `${POLICY}
test "a missing record is reported" {
  policy p
  desired [{ id: "1" }]
  actual []
  expect {
    missing 1
    action report on "1"
  }
}

test "equal sides are no drift" {
  policy p
  desired [{ id: "1" }]
  actual [{ id: "1" }]
  expect no_drift
}
`;

// line 19: the failing test
const FAILING = `${POLICY}
test "expects <nothing> & more" {
  policy p
  desired [{ id: "1" }]
  actual []
  expect no_drift
}

test "this one passes" {
  policy p
  desired []
  actual []
  expect no_drift
}
`;

let dir: string;

beforeAll(async () => {
  await ensureCliBuilt();
  dir = makeTempDir();
  writeFileSync(join(dir, 'recon.json'), '{}\n');
  writeFileSync(join(dir, 'passing.recon'), PASSING);
  writeFileSync(join(dir, 'failing.recon'), FAILING);
  writeFileSync(join(dir, 'broken.recon'), `${POLICY}\ntest "names a policy that does not exist" {\n  policy q\n  desired []\n  actual []\n  expect no_drift\n}\n`);
});

afterAll(() => removeTempDir(dir));

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

describe('recon test (built CLI)', () => {
  it('the settlement sample: every test passes, exit 0, `5 passed, 0 failed`', async () => {
    const r = await runCli(['test', 'settlement.recon'], { cwd: SETTLEMENT_SAMPLE });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const out = lines(r.stdout);
    expect(out.at(-1)).toBe('5 passed, 0 failed');
    expect(out.filter((l) => l.startsWith('PASS '))).toHaveLength(5);
    expect(out.some((l) => l.startsWith('FAIL'))).toBe(false);
    expect(r.stdout).toContain('settlement.recon › a big missing payment waits for a lead');
  });

  it('passing tests of a small file: exit 0, `2 passed, 0 failed`', async () => {
    const r = await runCli(['test', 'passing.recon'], { cwd: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(lines(r.stdout).at(-1)).toBe('2 passed, 0 failed');
  });

  it('a failing test: exit 1, FAIL with the failure message, and the count', async () => {
    const r = await runCli(['test', 'failing.recon'], { cwd: dir });
    expect(r.code).toBe(1);
    const out = lines(r.stdout);
    expect(out.at(-1)).toBe('1 passed, 1 failed');
    const fail = out.findIndex((l) => l.startsWith('FAIL failing.recon › expects <nothing> & more'));
    expect(fail).toBeGreaterThanOrEqual(0);
    expect(out[fail + 1]).toMatch(/expected no drift, found 1 item: missing "1" → report \(failing\.recon:19:1\)/);
    expect(out.some((l) => l.startsWith('PASS failing.recon › this one passes'))).toBe(true);
    expect(r.stdout + r.stderr).not.toMatch(STACK_TRACE_LINE);
  });

  it('--junit OUT.xml writes a JUnit report with the failure, escaped', async () => {
    const r = await runCli(['test', 'failing.recon', 'passing.recon', '--junit', 'report.xml'], { cwd: dir });
    expect(r.code).toBe(1);
    const xml = readFileSync(join(dir, 'report.xml'), 'utf8');
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(xml).toMatch(/<testsuites [^>]*tests="4"[^>]*failures="1"/);
    expect(xml).toMatch(/<testsuite [^>]*name="failing\.recon"[^>]*tests="2"[^>]*failures="1"/);
    expect(xml).toMatch(/<testsuite [^>]*name="passing\.recon"[^>]*tests="2"[^>]*failures="0"/);
    expect((xml.match(/<testcase /g) ?? []).length).toBe(4);
    // names and messages are escaped: the test's name holds < > &
    expect(xml).toContain('name="expects &lt;nothing&gt; &amp; more"');
    expect(xml).toMatch(/<failure message="expected no drift, found 1 item: missing &quot;1&quot; → report[^"]*"/);
    expect(xml).not.toMatch(/name="[^"]*[<>][^"]*"/);
    // balanced elements
    for (const tag of ['testsuites', 'testsuite', 'failure']) {
      const open = (xml.match(new RegExp(`<${tag}[ >]`, 'g')) ?? []).length;
      const close = (xml.match(new RegExp(`</${tag}>`, 'g')) ?? []).length;
      expect(close, tag).toBe(open);
    }

    const ok = await runCli(['test', join(dir, 'passing.recon'), '--junit', join(dir, 'ok.xml')], { cwd: '/' });
    expect(ok.code).toBe(0);
    expect(readFileSync(join(dir, 'ok.xml'), 'utf8')).toMatch(/<testsuites [^>]*tests="2"[^>]*failures="0"/);
  });

  it('--format json: counts and one entry per test', async () => {
    const r = await runCli(['test', '--format', 'json', 'failing.recon'], { cwd: dir });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { passed: number; failed: number; tests: { name: string; passed: boolean; failures: string[] }[] };
    expect(report.passed).toBe(1);
    expect(report.failed).toBe(1);
    expect(report.tests.map((t) => [t.name, t.passed])).toEqual([
      ['expects <nothing> & more', false],
      ['this one passes', true],
    ]);
    expect(report.tests[0]!.failures[0]).toMatch(/^expected no drift/);
  });

  it('a file that does not compile: exit 1, its diagnostics, no stack trace', async () => {
    const r = await runCli(['test', 'broken.recon'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^broken\.recon:\d+:\d+: error: .*'q'.* \[[a-z-]+\]$/m);
    expect(r.stdout + r.stderr).not.toMatch(STACK_TRACE_LINE);
  });

  it('a missing path is one clear line, exit 1', async () => {
    const r = await runCli(['test', 'nope.recon'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('nope.recon');
    expect(r.stderr).not.toMatch(STACK_TRACE_LINE);
  });
});
