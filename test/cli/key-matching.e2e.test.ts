/**
 * Keys through the built CLI, as a user meets them (LANGUAGE.md 2.1, 2.3):
 * - a key field typed on one side only matches the other side's values coerced to that type
 *   (`"1"` in a typed desired CSV is the actual JSON's `1`), for `recon plan`, `recon apply` of a
 *   fresh run and of a saved plan, and its verification; a key that cannot be coerced is
 *   reported, never deleted;
 * - two untyped sides keep `"1"` and `1` apart, and the plan warns when the same key is missing
 *   and extra for it; `1` and `"1"` on one side are duplicates (they would share an item id);
 * - a failing `select` line in a desired row keeps that record's key, so the actual record with
 *   the key is not `extra`, and a delete rule deletes nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliTestFolders, makeWorkspace, runCli } from '../helpers/cli-helpers.js';
import { planJson, RULES, type PlanJson } from './key-fixtures.js';

const keep = cliTestFolders();
function workspace(files: Record<string, string>): string {
  return keep(makeWorkspace(files));
}

function itemsOf(plan: PlanJson): string[] {
  return plan.policies[0]!.items.map((item) => `${item.id} ${item.action}`);
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** A desired CSV whose `id` is typed `string` against an untyped JSON actual source. */
const TYPED_DESIRED = `source want {
  from csv("desired.csv")
  key id
  fields { id: string  name: string }
}
source have {
  from json("actual.json")
  key id
}
policy users {
  desired want
  actual have
${RULES}
}
`;

describe('a key field typed on one side only', () => {
  const typedDesired = (actualJson: unknown[]) =>
    workspace({
      'desired.csv': 'id,name\n1,alice\n2,bob\n',
      'actual.json': JSON.stringify(actualJson),
      'p.recon': TYPED_DESIRED,
    });

  it('matches an untyped JSON number to a desired string: no churn, and apply updates and deletes the right records', async () => {
    const dir = typedDesired([
      { id: 1, name: 'alice' },
      { id: 2, name: 'bobby' },
      { id: 3, name: 'carol' },
    ]);
    const plan = await planJson(dir);
    expect(plan.policies[0]!.summary).toMatchObject({ unchanged: 1, missing: 0, extra: 1, changed: 1, invalid: 0 });
    expect(itemsOf(plan)).toEqual(['users/extra/3 delete', 'users/changed/2 update']);

    const applied = await runCli(['apply', 'p.recon'], { cwd: dir });
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain('verified: 2 converged');
    expect(applied.code).toBe(0);
    // the right records changed, and the actual keys kept their type (an update does not rewrite the key)
    expect(readJson(join(dir, 'actual.json'))).toEqual([
      { id: 1, name: 'alice' },
      { id: 2, name: 'bob' },
    ]);
    const after = await runCli(['plan', 'p.recon'], { cwd: dir });
    expect(after.code).toBe(0);
    expect(after.stdout).toContain('No drift');
  });

  it('applies a saved plan of such keys and verifies it converged', async () => {
    const dir = typedDesired([
      { id: 2, name: 'bobby' },
      { id: 3, name: 'carol' },
    ]);
    expect((await runCli(['plan', 'p.recon', '-o', 'plan.json'], { cwd: dir })).code).toBe(2);
    const applied = await runCli(['apply', 'plan.json', '--format', 'json'], { cwd: dir });
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    const outcomes = (JSON.parse(applied.stdout) as { policies: { items: { id: string; outcome: string; verified: string }[] }[] }).policies[0]!.items;
    expect(outcomes.map((item) => `${item.id} ${item.outcome} ${item.verified}`).sort()).toEqual([
      'users/changed/2 applied converged',
      'users/extra/3 applied converged',
      'users/missing/1 applied converged',
    ]);
    expect(readJson(join(dir, 'actual.json'))).toEqual([
      { id: 2, name: 'bob' },
      { id: '1', name: 'alice' },
    ]);
  });

  it('matches untyped CSV text to a desired integer, and reports an actual key that is no integer instead of deleting it', async () => {
    const dir = workspace({
      'desired.json': JSON.stringify([
        { id: 1, name: 'alice' },
        { id: 2, name: 'bob' },
      ]),
      'actual.csv': 'id,name\n1,alice\n02,bobby\n3,carol\nx7,weird\n',
      'p.recon': `source want {
  from json("desired.json")
  key id
  fields { id: integer  name: string }
}
source have {
  from csv("actual.csv")
  key id
}
policy users {
  desired want
  actual have
${RULES}
}
`,
    });
    const plan = await planJson(dir);
    expect(itemsOf(plan)).toEqual(['users/extra/3 delete', 'users/changed/2 update', 'users/invalid/actual/4 report']);
    const text = await runCli(['plan', 'p.recon'], { cwd: dir });
    expect(text.stdout).toContain(
      `invalid actual record #4 (actual.csv:5): key field id: "x7" (string) is not a whole number; the desired source 'want' declares it integer, and keys are matched as declared`,
    );
    const applied = await runCli(['apply', 'p.recon'], { cwd: dir });
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain('verified: 2 converged');
    // `02` is the desired 2: updated in place, its key text kept
    expect(readFileSync(join(dir, 'actual.csv'), 'utf8')).toBe('id,name\n1,alice\n02,bob\nx7,weird\n');
  });

  it('warns at check time when both sides declare different types, and matches as the desired type', async () => {
    const dir = workspace({
      'desired.csv': 'id,name\n1,alice\n',
      'actual.json': JSON.stringify([{ id: 1, name: 'alice' }]),
      'p.recon': `source want {
  from csv("desired.csv")
  key id
  fields { id: string  name: string }
}
source have {
  from json("actual.json")
  key id
  fields { id: integer  name: string }
}
policy users {
  desired want
  actual have
}
`,
    });
    const check = await runCli(['check', 'p.recon'], { cwd: dir });
    expect(check.code).toBe(0);
    expect(check.stdout + check.stderr).toContain('[key-type-mismatch]');
    const plan = await runCli(['plan', 'p.recon'], { cwd: dir });
    expect(plan.code).toBe(0);
  });
});

describe('a test block', () => {
  it('matches its records\' keys as the plan does', async () => {
    const dir = workspace({
      't.recon': `${TYPED_DESIRED}test "numbers match text" {
  policy users
  desired [{ id: "1", name: "a" }, { id: "2", name: "b" }]
  actual [{ id: 1, name: "a" }, { id: 2, name: "c" }]
  expect { missing 0  extra 0  changed 1  action update on "2" }
}
`,
    });
    const result = await runCli(['test', 't.recon'], { cwd: dir });
    expect(result.stdout).toContain('1 passed, 0 failed');
    expect(result.code).toBe(0);
  });
});

describe('two untyped sides', () => {
  it('keep "1" and 1 apart: different keys', async () => {
    const dir = workspace({
      'desired.csv': 'id,name\n1,alice\n',
      'actual.json': JSON.stringify([{ id: 1, name: 'alice' }]),
      'p.recon': `source want {
  from csv("desired.csv")
  key id
}
source have {
  from json("actual.json")
  key id
}
policy users {
  desired want
  actual have
}
`,
    });
    const plan = await planJson(dir);
    expect(plan.policies[0]!.summary).toMatchObject({ missing: 1, extra: 1, unchanged: 0 });
    // the plan says why the same key is both missing and extra
    expect(plan.policies[0]!.warnings).toEqual([
      '1 key is both missing and extra, written with other types on the two sides ("1" desired, 1 actual): keys of different types do not match; declare the key\'s type in the fields of one source',
    ]);
  });

  it('make 1 and "1" of one side duplicates: two items would share one id', async () => {
    const dir = workspace({
      'desired.json': JSON.stringify([{ id: 1, name: 'a' }, { id: '1', name: 'b' }, { id: 2, name: 'c' }]),
      'actual.json': JSON.stringify([{ id: 1, name: 'x' }, { id: 2, name: 'c' }]),
      'p.recon': `source want {
  from json("desired.json")
  key id
}
source have {
  from json("actual.json")
  key id
}
policy users {
  desired want
  actual have
${RULES}
}
`,
    });
    const plan = await planJson(dir);
    const items = plan.policies[0]!.items;
    const ids = items.map((item) => item.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(items.map((item) => item.kind)).toEqual(['invalid', 'invalid']);
    expect(items[0]!.reason.message).toContain('duplicate key: id=1 and id="1" would share one item id; 2 records of the desired source have them (positions 1, 2)');
    // the key takes no part in the comparison: the actual record 1 is not updated or deleted
    expect(plan.policies[0]!.summary).toMatchObject({ unchanged: 1, changed: 0, extra: 0, invalid: 2 });
    expect(plan.policies[0]!.warnings).toBeUndefined();
  });
});

describe('a select line that fails in a desired row', () => {
  it('keeps the record\'s key: the actual record is not extra, and nothing is deleted', async () => {
    const actual = [
      { id: '1', v: 5 },
      { id: '2', v: 5 },
      { id: '3', v: 3 },
    ];
    const dir = workspace({
      'desired.json': JSON.stringify([
        { id: '1', x: 10, y: 2 },
        { id: '2', x: 10, y: 0 },
        { id: '3', x: 9, y: 3 },
      ]),
      'actual.json': JSON.stringify(actual),
      'p.recon': `source want {
  from json("desired.json")
  key id
  select { id = id  v = x / y }
}
source have {
  from json("actual.json")
  key id
}
policy p {
  desired want
  actual have
${RULES}
}
`,
    });
    const plan = await planJson(dir);
    expect(plan.policies[0]!.summary).toMatchObject({ unchanged: 2, missing: 0, extra: 0, changed: 0, invalid: 1 });
    expect(plan.policies[0]!.items.map((item) => [item.id, item.action, item.key])).toEqual([['p/invalid/desired/2', 'report', { id: '2' }]]);
    const text = await runCli(['plan', 'p.recon'], { cwd: dir });
    expect(text.stdout).toContain("invalid desired record #2: select v: '/' divides 10 (number) by zero");
    const applied = await runCli(['apply', 'p.recon'], { cwd: dir });
    expect(applied.stderr).toBe('');
    expect(readJson(join(dir, 'actual.json'))).toEqual(actual);
  });

  it('still keeps the key when the key line itself is typed by fields and every other line fails', async () => {
    const dir = workspace({
      'desired.json': JSON.stringify([{ ref: '7', x: 1, y: 0 }]),
      'actual.json': JSON.stringify([{ id: 7, v: 1 }]),
      'p.recon': `source want {
  from json("desired.json")
  key id
  select { id = ref  v = x / y  w = x / y }
  fields { id: integer  v: number  w: number }
}
source have {
  from json("actual.json")
  key id
  fields { id: integer  v: number }
}
policy p {
  desired want
  actual have
${RULES}
}
`,
    });
    const plan = await planJson(dir);
    expect(plan.policies[0]!.summary).toMatchObject({ extra: 0, invalid: 1 });
    expect(plan.policies[0]!.items[0]!.key).toEqual({ id: 7 });
  });
});
