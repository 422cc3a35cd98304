/**
 * Numbers no double holds exactly (int64 ids beyond 2^53), end to end through the built CLI, for
 * every connector that parses JSON or YAML: a real file (json, jsonl, yaml), a real program
 * (exec, a document and JSON Lines) and a real loopback HTTP server.
 *
 * What must hold: `9007199254740993` and `9007199254740992` are two keys when the field is
 * declared `string` (its digits as written), and the record is an invalid item naming the field
 * and the literal otherwise — never one key read twice (a false duplicate) or a record matched
 * with another one. A large number written exactly (`9007199254740992`, `1e300`) stays valid.
 * `recon apply` finds, updates and deletes records by such keys, and leaves the other records'
 * numbers as written.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliTestFolders, makeWorkspace, runCli } from '../helpers/cli-helpers.js';

const keep = cliTestFolders();

interface PlanItem {
  id: string;
  kind: string;
  key: Record<string, unknown> | null;
  side?: string;
  reason: { message: string };
}

interface PolicyPlan {
  summary: Record<string, number>;
  items: PlanItem[];
}

async function plan(dir: string, file = 'p.recon'): Promise<PolicyPlan> {
  const result = await runCli(['plan', file, '--format', 'json'], { cwd: dir });
  expect(result.stderr).toBe('');
  expect([0, 2]).toContain(result.code);
  return (JSON.parse(result.stdout) as { policies: PolicyPlan[] }).policies[0]!;
}

/** Two ids a double cannot tell apart (2^53 + 1 and 2^53), and a third record. */
const RECORDS_JSON = '[\n  {"id": 9007199254740993, "n": 1},\n  {"id": 9007199254740992, "n": 2},\n  {"id": 7, "n": 3}\n]\n';
const RECORDS_JSONL = '{"id": 9007199254740993, "n": 1}\n{"id": 9007199254740992, "n": 2}\n{"id": 7, "n": 3}\n';
const RECORDS_YAML = '- id: 9007199254740993\n  n: 1\n- id: 9007199254740992\n  n: 2\n- id: 7\n  n: 3\n';

/**
 * A policy comparing `actual` (the source under test, `from`) with a desired json file of the
 * same three records, ids quoted: with `typed`, the actual source declares `id: string`.
 */
function policy(from: string, typed: boolean, extra = ''): string {
  return `
source wanted {
  from json("wanted.json")
  key id
  fields { id: string  n: number }
}

source actual {
  from ${from}
  key id
${typed ? '  fields { id: string  n: number }' : ''}
${extra}
}

policy p {
  desired wanted
  actual actual
}
`;
}

const WANTED = JSON.stringify([
  { id: '9007199254740993', n: 1 },
  { id: '9007199254740992', n: 5 },
  { id: '7', n: 3 },
]);

/** The plan of a source holding the two ids, read typed and untyped; checks both outcomes. */
async function expectBothWays(from: string, files: Record<string, string>, where: RegExp): Promise<void> {
  const typedDir = keep(makeWorkspace({ 'wanted.json': WANTED, 'p.recon': policy(from, true), ...files }));
  const typed = await plan(typedDir);
  // two keys, each matched with its own desired record: 993 unchanged, 992 changed (n 5 → 2)
  expect(typed.summary).toMatchObject({ desired: 3, actual: 3, unchanged: 2, changed: 1, invalid: 0, missing: 0, extra: 0 });
  expect(typed.items.map((item) => item.id)).toEqual(['p/changed/9007199254740992']);

  const untypedDir = keep(makeWorkspace({ 'wanted.json': WANTED, 'p.recon': policy(from, false), ...files }));
  const untyped = await plan(untypedDir);
  const invalid = untyped.items.filter((item) => item.kind === 'invalid');
  expect(invalid).toHaveLength(1);
  expect(invalid[0]!.key).toEqual({ id: '9007199254740993' });
  expect(invalid[0]!.reason.message).toMatch(where);
  expect(invalid[0]!.reason.message).toContain(
    'field id: the number 9007199254740993 cannot be read exactly (it would read as 9007199254740992); declare the field string (fields { id: string }) to keep its digits as text, or quote the value at the source',
  );
  // the invalid record's key is withheld: its desired record is not `missing` (to be created)
  expect(untyped.summary).toMatchObject({ missing: 0, extra: 0, invalid: 1 });
}

describe('numbers beyond double precision', { timeout: 180_000 }, () => {
  it('json: two keys when the id is declared string, an invalid item naming the field and literal otherwise', async () => {
    await expectBothWays('json("actual.json")', { 'actual.json': RECORDS_JSON }, /^invalid actual record #1: actual\.json:2: record 1: field id/);
  });

  it('jsonl: the same, the message naming file:line', async () => {
    await expectBothWays('jsonl("actual.jsonl")', { 'actual.jsonl': RECORDS_JSONL }, /^invalid actual record #1: actual\.jsonl:1: field id/);
  });

  it('yaml: the same (the yaml package also reads such an integer as the nearest double)', async () => {
    await expectBothWays('yaml("actual.yaml")', { 'actual.yaml': RECORDS_YAML }, /^invalid actual record #1: actual\.yaml:1: record 1: field id/);
  });

  it('exec: a program printing one document, and one printing JSON Lines', async () => {
    const program = `process.stdout.write(process.argv[2] === 'lines' ? ${JSON.stringify(RECORDS_JSONL)} : '{"items": ' + ${JSON.stringify(RECORDS_JSON)} + '}');\n`;
    await expectBothWays('exec("node", ["print.mjs"], items: "items")', { 'print.mjs': program }, /^invalid actual record #1: the output of node: record 1 \(line 2\): field id/);
    await expectBothWays('exec("node", ["print.mjs", "lines"])', { 'print.mjs': program }, /^invalid actual record #1: the output of node: record 1 \(line 1\): field id/);
  });

  describe('http', () => {
    let server: Server;
    let url = '';
    beforeAll(async () => {
      server = createServer((_request, response) => {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(`{"data": ${RECORDS_JSON}}`);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/records`;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('an answer from a loopback server: the same', async () => {
      await expectBothWays(`http("${url}", items: "data")`, {}, /^invalid actual record #1: GET http:\/\/127\.0\.0\.1:\d+\/records: record 1 \(line 2 of the answer\): field id/);
    });
  });

  it('a select line taking the number by its plain path into a field declared string carries its digits; an expression reading it does not', async () => {
    const plain = 'select {\n    id = id\n    n = n\n  }';
    const carried = keep(makeWorkspace({ 'wanted.json': WANTED, 'actual.json': RECORDS_JSON, 'p.recon': policy('json("actual.json")', true, plain) }));
    expect((await plan(carried)).summary).toMatchObject({ unchanged: 2, changed: 1, invalid: 0 });
    const computed = 'select {\n    id = id\n    n = n\n    next = id + 1\n  }';
    const refused = keep(makeWorkspace({ 'wanted.json': WANTED, 'actual.json': RECORDS_JSON, 'p.recon': policy('json("actual.json")', true, computed) }));
    const result = await plan(refused);
    expect(result.summary.invalid).toBe(1);
    expect(result.items.find((item) => item.kind === 'invalid')!.reason.message).toContain(
      'field id: the number 9007199254740993 cannot be read exactly (it would read as 9007199254740992); take it only by a plain select line (name = id) into a field declared string',
    );
  });

  it('large numbers written exactly (2^53, 1e300, -1e300) and ordinary fractions stay valid numbers', async () => {
    const dir = keep(
      makeWorkspace({
        'wanted.json': '[{"id": "a", "big": 9007199254740992, "huge": 1e300, "neg": -1E+300, "f": 0.1}]',
        'actual.jsonl': '{"id": "a", "big": 9007199254740992, "huge": 1e300, "neg": -1e300, "f": 0.10}\n',
        'p.recon': `
source wanted {
  from json("wanted.json")
  key id
}
source actual {
  from jsonl("actual.jsonl")
  key id
}
policy p {
  desired wanted
  actual actual
}
`,
      }),
    );
    const result = await plan(dir);
    expect(result.summary).toMatchObject({ desired: 1, actual: 1, unchanged: 1, invalid: 0 });
  });

  it('a large number outside the key that differs beyond the 16th digit is drift or an invalid item, never unchanged', async () => {
    const files = { 'wanted.json': '[{"id": "a", "ref": 12345678901234567890}]', 'actual.json': '[{"id": "a", "ref": 12345678901234567891}]' };
    const recon = (fields: string) => `
source wanted {
  from json("wanted.json")
  key id
  ${fields}
}
source actual {
  from json("actual.json")
  key id
  ${fields}
}
policy p {
  desired wanted
  actual actual
}
`;
    const typed = await plan(keep(makeWorkspace({ ...files, 'p.recon': recon('fields { id: string  ref: string }') })));
    expect(typed.summary).toMatchObject({ changed: 1, invalid: 0 });
    const untyped = await plan(keep(makeWorkspace({ ...files, 'p.recon': recon('') })));
    expect(untyped.summary).toMatchObject({ unchanged: 0, changed: 0, invalid: 2 });
  });

  for (const kind of ['json', 'jsonl', 'yaml'] as const) {
    it(`apply (${kind}): updates and deletes by keys beyond 2^53, and keeps the other records' numbers as written`, async () => {
      const files = {
        json: '[\n  {"id": 9007199254740992, "n": 2, "ref": 123456789012345678901},\n  {"id": 9007199254740993, "n": 1},\n  {"id": 9007199254740994, "n": 1}\n]\n',
        jsonl: '{"id": 9007199254740992, "n": 2, "ref": 123456789012345678901}\n{"id": 9007199254740993, "n": 1}\n{"id": 9007199254740994, "n": 1}\n',
        yaml: '# records\n- id: 9007199254740992\n  n: 2\n  ref: 123456789012345678901\n- id: 9007199254740993\n  n: 1\n- id: 9007199254740994\n  n: 1\n',
      };
      const expected = {
        json: '[\n  {"id": 9007199254740992, "n": 2, "ref": 123456789012345678901},\n  {"id": 9007199254740993, "n": 5}\n]\n',
        jsonl: '{"id": 9007199254740992, "n": 2, "ref": 123456789012345678901}\n{"id": 9007199254740993, "n": 5}\n',
        yaml: '# records\n- id: 9007199254740992\n  n: 2\n  ref: 123456789012345678901\n- id: 9007199254740993\n  n: 5\n',
      };
      const dir = keep(
        makeWorkspace({
          'wanted.json': '[{"id": "9007199254740993", "n": 5}, {"id": "9007199254740992", "n": 2}]',
          [`actual.${kind}`]: files[kind],
          'p.recon': `
source wanted {
  from json("wanted.json")
  key id
  fields { id: string  n: number }
}
source actual {
  from ${kind}("actual.${kind}")
  key id
  fields { id: string  n: number  ref: string }
}
policy p {
  mode enforce
  desired wanted
  actual actual
  remediate {
    on changed => update
    on extra => delete
  }
}
`,
        }),
      );
      const before = await plan(dir);
      expect(before.items.map((item) => item.id).sort()).toEqual(['p/changed/9007199254740993', 'p/extra/9007199254740994']);
      const apply = await runCli(['apply', 'p.recon'], { cwd: dir });
      expect(apply.stderr).toBe('');
      expect(apply.code, apply.stdout).toBe(0);
      expect(readFileSync(join(dir, `actual.${kind}`), 'utf8')).toBe(expected[kind]);
      expect((await plan(dir)).summary).toMatchObject({ unchanged: 2, changed: 0, extra: 0, invalid: 0 });
    });
  }
});
