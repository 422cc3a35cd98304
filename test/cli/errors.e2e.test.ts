/**
 * Errors a user can cause, end to end (RUNTIME.md section 2): each is one clear line on stderr
 * and exit 1, never a stack trace — unless `RECON_DEBUG=1`, which adds one.
 */
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, makeTempDir, removeTempDir, runCli, SETTLEMENT_SAMPLE, STACK_TRACE_LINE, type CliResult } from '../helpers/run-cli.js';

let sample: string;
let outside: string;
let policy: string;

beforeAll(async () => {
  await ensureCliBuilt();
  sample = makeTempDir(SETTLEMENT_SAMPLE);
  outside = makeTempDir();
  policy = readFileSync(join(sample, 'settlement.recon'), 'utf8');
});

afterAll(() => {
  removeTempDir(sample);
  removeTempDir(outside);
});

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

/** A policy file in the sample whose gateway source reads `path` instead. */
function withGatewayPath(name: string, path: string): string {
  expect(policy).toContain('"data/gateway-settlements.json"');
  writeFileSync(join(sample, name), policy.replace('"data/gateway-settlements.json"', JSON.stringify(path)));
  return name;
}

/** One clear line on stderr, exit 1, nothing on stdout, no stack trace. */
function expectOneLineError(r: CliResult, ...mentions: (string | RegExp)[]): string {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stdout).toBe('');
  expect(lines(r.stderr), r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(STACK_TRACE_LINE);
  for (const m of mentions) {
    if (typeof m === 'string') expect(r.stderr).toContain(m);
    else expect(r.stderr).toMatch(m);
  }
  return r.stderr.trim();
}

describe('user errors are one clear line, exit 1, no stack trace (built CLI)', () => {
  it('a data file that is not valid JSON: names the file and the position', async () => {
    writeFileSync(join(sample, 'data', 'broken.json'), '{"settlements": [ {"id": "T1",\n  "amount_cents": 5,, } ] }');
    const r = await runCli(['plan', withGatewayPath('broken.recon', 'data/broken.json')], { cwd: sample });
    const line = expectOneLineError(r, 'source gateway', 'data/broken.json:2:');
    expect(line).toMatch(/not valid JSON/);
  });

  it('a data file with the wrong shape (no list at items)', async () => {
    writeFileSync(join(sample, 'data', 'shape.json'), '{"settlements": {"id": "T1"}}');
    const r = await runCli(['plan', withGatewayPath('shape.recon', 'data/shape.json')], { cwd: sample });
    expectOneLineError(r, 'source gateway', 'data/shape.json', /not a list/);
  });

  it('a missing data file', async () => {
    const r = await runCli(['plan', withGatewayPath('missing.recon', 'data/not-there.json')], { cwd: sample });
    expectOneLineError(r, 'source gateway', 'data/not-there.json', /does not exist/);
  });

  it('a data path that escapes the workspace through a symbolic link', async () => {
    writeFileSync(join(outside, 'settlements.json'), '{"settlements": []}');
    symlinkSync(join(outside, 'settlements.json'), join(sample, 'data', 'link.json'));
    const r = await runCli(['plan', withGatewayPath('link.recon', 'data/link.json')], { cwd: sample });
    expectOneLineError(r, 'source gateway', /outside the workspace/);
  });

  it('a data path written to escape the workspace is refused before anything runs', async () => {
    const r = await runCli(['plan', withGatewayPath('escape.recon', '../outside.json')], { cwd: sample });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(STACK_TRACE_LINE);
    // the located diagnostic, then the one-line summary
    expect(lines(r.stderr)).toEqual([
      expect.stringMatching(/^escape\.recon:\d+:\d+: error: path '\.\.\/outside\.json' leaves the workspace root \[path-outside-workspace\]$/),
      'error: escape.recon: 1 error; nothing was run',
    ]);
  });

  it('-o into a folder that does not exist', async () => {
    const r = await runCli(['plan', 'settlement.recon', '-o', 'no/such/folder/plan.json'], { cwd: sample });
    expect(r.code).toBe(1);
    // the plan itself is not printed when it cannot be saved
    expect(r.stdout).toBe('');
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain('no/such/folder/plan.json');
    expect(r.stderr).not.toMatch(STACK_TRACE_LINE);
  });

  it('an unknown flag, and a missing flag value', async () => {
    expectOneLineError(await runCli(['plan', 'settlement.recon', '--frobnicate'], { cwd: sample }), '--frobnicate');
    expectOneLineError(await runCli(['plan', 'settlement.recon', '--policy'], { cwd: sample }), '--policy');
  });

  it('an unknown command names it (and shows the usage), exit 1', async () => {
    const r = await runCli(['plna', 'settlement.recon'], { cwd: sample });
    expect(r.code).toBe(1);
    expect(lines(r.stderr)[0]).toBe("recon: unknown command 'plna'");
    expect(r.stderr).toMatch(/Usage: recon <command>/);
    expect(r.stderr).not.toMatch(STACK_TRACE_LINE);
  });

  it('RECON_DEBUG=1 adds the stack trace to the same message', async () => {
    const name = withGatewayPath('broken-debug.recon', 'data/broken.json');
    writeFileSync(join(sample, 'data', 'broken.json'), '{"settlements": [ {"id": "T1",\n  "amount_cents": 5,, } ] }');
    const plain = await runCli(['plan', name], { cwd: sample });
    const debug = await runCli(['plan', name], { cwd: sample, env: { RECON_DEBUG: '1' } });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(STACK_TRACE_LINE);
    expect(debug.stderr).toContain(plain.stderr.trim());
    // only RECON_DEBUG=1 turns it on
    const other = await runCli(['plan', name], { cwd: sample, env: { RECON_DEBUG: '0' } });
    expect(other.stderr).not.toMatch(STACK_TRACE_LINE);
  });
});

describe('data problems that are not errors', () => {
  it('a broken CSV row becomes an invalid item, not a crash', async () => {
    const dir = makeTempDir(SETTLEMENT_SAMPLE);
    try {
      const ledger = readFileSync(join(dir, 'data', 'ledger.csv'), 'utf8');
      writeFileSync(join(dir, 'data', 'ledger.csv'), ledger + 'T99998,"unterminated,EUR,settled,2026-11-01T08:00:00Z\n');
      const r = await runCli(['plan', 'settlement.recon', '--format', 'json'], { cwd: dir });
      expect([2, 4]).toContain(r.code);
      expect(r.stderr).not.toMatch(STACK_TRACE_LINE);
      const plan = JSON.parse(r.stdout) as { policies: { items: { kind: string; side: string | null }[] }[] };
      const invalid = plan.policies[0]!.items.filter((i) => i.kind === 'invalid' && i.side === 'desired');
      expect(invalid.length).toBeGreaterThanOrEqual(2); // the sample's own bad row, and this one
    } finally {
      removeTempDir(dir);
    }
  });
});
