/**
 * `recon approve` and the files it reads and writes, through the built CLI (RUNTIME.md 2, 4):
 * what an approver may not approve is reported, not silently skipped; broken plan and approvals
 * files are one line with `file:line:col`; the approvals file is never written through a link
 * planted beside it; a flag taking one value is refused when repeated.
 */
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliTestFolders, csvText, makeWorkspace, runCli } from '../helpers/cli-helpers.js';

const keep = cliTestFolders();

/** Four missing accounts: one anyone may approve, two for leads, one for ops. */
function workspace(): string {
  const dir = makeWorkspace({
    'accounts.recon': `group leads = ["alice@example.com"]
group ops = ["olga@example.com"]

source wanted {
  from csv("data/desired.csv")
  key id
  fields {
    id: string
    amount: number
  }
}

source live {
  from jsonl("data/actual.jsonl")
  key id
  fields {
    id: string
    amount: number
  }
}

policy accounts {
  mode enforce
  desired wanted
  actual live
  remediate {
    on missing when desired.amount > 1000 => create requires approval from leads
    on missing when desired.amount > 500 => create requires approval from ops
    on missing => create requires approval
  }
}
`,
    'data/desired.csv': csvText(['id', 'amount'], [
      ['a1', 10],
      ['a2', 2000],
      ['a3', 600],
      ['a4', 3000],
    ]),
    'data/actual.jsonl': '',
  });
  keep(dir);
  return dir;
}

async function planned(): Promise<string> {
  const dir = workspace();
  expect((await runCli(['plan', 'accounts.recon', '-o', 'plan.json'], { cwd: dir })).code).toBe(2);
  return dir;
}

describe('recon approve without --item', () => {
  it('approves what WHO may and says on stderr how many items it left, for which group', async () => {
    const dir = await planned();
    const olga = await runCli(['approve', 'plan.json', '--by', 'olga@example.com', '-o', 'approvals.json'], { cwd: dir });
    expect(olga.code).toBe(0);
    expect(olga.stdout).toContain('approved 2 items');
    expect(olga.stdout).toContain('accounts/missing/a1');
    expect(olga.stdout).toContain('accounts/missing/a3');
    expect(olga.stderr).toBe('recon approve: skipped 2 waiting items olga@example.com may not approve (2 need approval from leads)\n');

    const outsider = await runCli(['approve', 'plan.json', '--by', 'mallory@example.com'], { cwd: dir });
    expect(outsider.code).toBe(0);
    expect(JSON.parse(outsider.stdout).approvals.map((r: { item: string }) => r.item)).toEqual(['accounts/missing/a1']);
    expect(outsider.stderr).toBe('recon approve: skipped 3 waiting items mallory@example.com may not approve (2 need approval from leads, 1 needs approval from ops)\n');
  });

  it('stays silent on stderr when WHO may approve every waiting item', async () => {
    const dir = await planned();
    writeFileSync(join(dir, 'data/desired.csv'), csvText(['id', 'amount'], [['a2', 2000]]));
    expect((await runCli(['plan', 'accounts.recon', '-o', 'plan.json'], { cwd: dir })).code).toBe(2);
    const alice = await runCli(['approve', 'plan.json', '--by', 'alice@example.com'], { cwd: dir });
    expect(alice.code).toBe(0);
    expect(alice.stderr).toBe('');
  });
});

describe('broken files', () => {
  it('a saved plan that is not JSON: one line with file:line:col, quoting nothing of the file', async () => {
    const dir = workspace();
    writeFileSync(join(dir, 'plan.json'), '{\n  "version": 1,\n  "secret": "s3cr3t-value",\n  "x": }\n');
    for (const args of [['approve', 'plan.json', '--by', 'alice@example.com'], ['apply', 'plan.json']]) {
      const result = await runCli(args, { cwd: dir });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/plan\.json:4:8: not valid JSON: Unexpected token '}'\n$/);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).not.toContain('s3cr3t-value');
    }
  });

  it('an approvals file that is not JSON: one line with file:line:col', async () => {
    const dir = await planned();
    writeFileSync(join(dir, 'approvals.json'), '{\n  "version": 1,\n  "approvals": [\n    {"item": "x",}\n  ]\n}\n');
    const result = await runCli(['apply', 'plan.json', '--approvals', 'approvals.json'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/approvals\.json:4:18: not valid JSON: /);
    // recon approve -o reads the file it appends to: the same line
    const approve = await runCli(['approve', 'plan.json', '--by', 'alice@example.com', '-o', 'approvals.json'], { cwd: dir });
    expect(approve.code).toBe(1);
    expect(approve.stderr).toMatch(/approvals\.json:4:18: not valid JSON: /);
  });
});

describe('writing the approvals file', () => {
  it('into a folder that does not exist: one line naming the file and the folder, nothing recorded', async () => {
    const dir = await planned();
    const result = await runCli(['approve', 'plan.json', '--by', 'alice@example.com', '-o', 'nodir/approvals.json'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: recon approve: cannot write nodir/approvals.json: the folder nodir does not exist\n');
    expect(existsSync(join(dir, 'nodir'))).toBe(false);
    const audit = readFileSync(join(dir, '.recon', 'audit.jsonl'), 'utf8');
    expect(audit).not.toContain('"approved"');
  });

  it('never writes through a link planted at a temporary name beside it', async () => {
    const dir = await planned();
    writeFileSync(join(dir, 'victim.txt'), 'untouched\n');
    symlinkSync(join(dir, 'victim.txt'), join(dir, 'approvals.json.tmp'));
    const result = await runCli(['approve', 'plan.json', '--by', 'alice@example.com', '-o', 'approvals.json'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(readFileSync(join(dir, 'victim.txt'), 'utf8')).toBe('untouched\n');
    expect(JSON.parse(readFileSync(join(dir, 'approvals.json'), 'utf8')).approvals).toHaveLength(3);
    expect(readdirSync(dir).filter((name) => name.includes('.tmp'))).toEqual(['approvals.json.tmp']);
  });

  it('several recon approve -o at once all succeed (no shared temporary file)', async () => {
    const dir = await planned();
    const results = await Promise.all(
      ['alice@example.com', 'olga@example.com', 'mallory@example.com', 'bob@example.com'].map((who) =>
        runCli(['approve', 'plan.json', '--by', who, '-o', 'approvals.json'], { cwd: dir }),
      ),
    );
    for (const result of results) expect(result.code).toBe(0);
    expect(existsSync(join(dir, 'approvals.json'))).toBe(true);
    expect(readdirSync(dir).filter((name) => name.includes('.tmp'))).toEqual([]);
  });
});

describe('a flag that takes one value', () => {
  it('is refused when repeated (--policy a --policy b planned only b)', async () => {
    const dir = workspace();
    for (const command of ['plan', 'apply']) {
      const result = await runCli([command, 'accounts.recon', '--policy', 'accounts', '--policy', 'other'], { cwd: dir });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`error: recon ${command}: --policy may be given once (got 'accounts' and 'other')\n`);
    }
    const approve = await runCli(['approve', 'plan.json', '--by', 'a', '--by', 'b'], { cwd: dir });
    expect(approve.code).toBe(1);
    expect(approve.stderr).toContain("--by may be given once (got 'a' and 'b')");
  });

  it('still takes --item several times', async () => {
    const dir = await planned();
    const result = await runCli(['approve', 'plan.json', '--by', 'alice@example.com', '--item', 'accounts/missing/a2', '--item', 'accounts/missing/a4'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).approvals).toHaveLength(2);
  });
});
