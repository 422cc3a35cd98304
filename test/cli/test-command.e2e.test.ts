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

  it('a file that does not compile: the summary and the JUnit report say so, with a relative path', async () => {
    const r = await runCli(['test', 'broken.recon', 'passing.recon', '--junit', 'broken.xml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(lines(r.stdout).at(-1)).toBe('2 passed, 0 failed, 1 file did not compile');
    expect(r.stderr).toContain('error: broken.recon: 1 error; nothing was run');
    expect(r.stderr).not.toContain(dir);
    const xml = readFileSync(join(dir, 'broken.xml'), 'utf8');
    expect(xml).toMatch(/<testsuites [^>]*tests="3"[^>]*failures="0"[^>]*errors="1"/);
    expect(xml).toMatch(/<testsuite name="broken\.recon" tests="1" failures="0" errors="1"/);
    expect(xml).toContain('<testcase name="compile" classname="broken.recon" time="0.000" file="broken.recon">');
    expect(xml).toContain('<error message="broken.recon: 1 error; nothing was run" type="error">');
  });

  it('tests read no secret: an unset secret() of the actual source leaves no warning', async () => {
    writeFileSync(
      join(dir, 'secret.recon'),
      `source a { from inline([]) key id }
source api {
  from http("http://127.0.0.1:9/x", headers: { Authorization: "Bearer \${secret("UNSET_TEST_TOKEN")}" })
  key id
  write { create POST "http://127.0.0.1:9/x" }
}
policy p {
  desired a
  actual api
  remediate { on missing => create }
}
test "a missing record is created" {
  policy p
  desired [{ id: "1" }]
  actual []
  expect { action create on "1" }
}
`,
    );
    const r = await runCli(['test', 'secret.recon'], { cwd: dir, env: { UNSET_TEST_TOKEN: undefined } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toContain('warning');
    expect(r.stdout).not.toContain('UNSET_TEST_TOKEN');
  });

  it('expected keys are written as the records are: typed key fields coerce them, "42" is not 42', async () => {
    writeFileSync(
      join(dir, 'keys.recon'),
      `source days { from inline([]) key id, day fields { id: string day: datetime } }
source loose { from inline([]) key n }
policy by_day {
  desired days
  actual days
  remediate { on missing => report }
}
policy by_number {
  desired loose
  actual loose
  remediate { on missing => report }
}
test "a datetime key as written" {
  policy by_day
  desired [ { id: 7, day: "2026-11-01T01:00:00+01:00" } ]
  actual  []
  expect { action report on [7, "2026-11-01T00:00:00Z"] }
}
test "a number key as a number" {
  policy by_number
  desired [ { n: 42 } ]
  actual  []
  expect { action report on 42 }
}
test "a number key is not a text" {
  policy by_number
  desired [ { n: 42 } ]
  actual  []
  expect { action report on "42" }
}
`,
    );
    const r = await runCli(['test', 'keys.recon'], { cwd: dir });
    expect(r.code).toBe(1);
    const out = lines(r.stdout);
    expect(out.some((l) => l.startsWith('PASS keys.recon › a datetime key as written'))).toBe(true);
    expect(out.some((l) => l.startsWith('PASS keys.recon › a number key as a number'))).toBe(true);
    const fail = out.findIndex((l) => l.startsWith('FAIL keys.recon › a number key is not a text'));
    expect(fail).toBeGreaterThanOrEqual(0);
    expect(out[fail + 1]).toMatch(/expected action report on "42", but no item has that key \(items: 42\)/);
    expect(out.at(-1)).toBe('2 passed, 1 failed');
  });

  it('a policy in mode audit (the default) is tested on its rules: approval gates are not hidden as "blocked"', async () => {
    writeFileSync(
      join(dir, 'audit.recon'),
      `group leads = ["alice@example.com"]
source ledger { from inline([]) key id fields { id: string amount: number } }
source books { from json("books.json") key id }
policy p {
  desired ledger
  actual books
  remediate {
    on missing when desired.amount > 100 => create requires approval from leads
    on missing => create
  }
}
test "a big one waits for a lead" {
  policy p
  desired [ { id: "big", amount: 500 }, { id: "small", amount: 1 } ]
  actual  []
  expect {
    action create on "big" requires approval
    action create on "small"
  }
}
test "a big one is not expected to go unattended" {
  policy p
  desired [ { id: "big", amount: 500 } ]
  actual  []
  expect { action create on "big" }
}
`,
    );
    writeFileSync(join(dir, 'books.json'), '[]\n');
    const r = await runCli(['test', 'audit.recon'], { cwd: dir });
    const out = lines(r.stdout);
    expect(out.some((l) => l.startsWith('PASS audit.recon › a big one waits for a lead')), r.stdout).toBe(true);
    const fail = out.findIndex((l) => l.startsWith('FAIL audit.recon › a big one is not expected to go unattended'));
    expect(fail).toBeGreaterThanOrEqual(0);
    expect(out[fail + 1]).toMatch(/expected action create on "big", but it requires approval from leads/);
    expect(r.code).toBe(1);
  });

  it('a missing path is one clear line, exit 1', async () => {
    const r = await runCli(['test', 'nope.recon'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('nope.recon');
    expect(r.stderr).not.toMatch(STACK_TRACE_LINE);
  });
});
