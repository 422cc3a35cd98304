/**
 * A source file whose bytes are not UTF-8 (a Latin-1 export: `caf\xe9`) used to read as
 * `caf\uFFFD`: the plan proposed `update name "caf\uFFFD" → "café"` and `recon apply` would have
 * written the corrupted value. Now the run stops, naming the first bad line, for every file format
 * (LANGUAGE.md 2.1: bad input gets a clear error and loses nothing).
 */
import { constants as bufferConstants } from 'node:buffer';
import { rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCsvConnectorWithChunkSize } from '../../../runtime/connectors/csv-connector.js';
import { createConnectorContext } from '../../../runtime/connectors/connector-registry.js';
import { ensureCliBuilt, makeTempDir, removeTempDir, runCli, STACK_TRACE_LINE } from '../../helpers/run-cli.js';
import { makeSource, makeWorkspace, OBSERVED_AT, readAll } from './source-fixture.js';

const latin1 = (text: string) => Buffer.from(text, 'latin1');

function reconFile(connector: string): string {
  return `source a {\n  from ${connector}\n  key id\n}\nsource b {\n  from csv("actual.csv")\n  key id\n}\npolicy people {\n  mode enforce\n  desired a\n  actual b\n  remediate {\n    on changed => update\n  }\n}\n`;
}

describe('a source file that is not UTF-8, through the CLI', () => {
  let dir: string;
  beforeAll(async () => {
    await ensureCliBuilt();
    dir = makeTempDir();
    writeFileSync(join(dir, 'recon.json'), '{}\n');
    writeFileSync(join(dir, 'actual.csv'), 'id,name\n1,café\n2,bob\n');
  }, 120_000);
  afterAll(() => removeTempDir(dir));

  const cases: [string, string, Buffer, string][] = [
    ['csv', 'csv("d.csv")', latin1('id,name\n1,caf\xe9\n2,bob\n'), 'd.csv:2:6'],
    ['jsonl', 'jsonl("d.jsonl")', latin1('{"id":"2","name":"bob"}\n{"id":"1","name":"caf\xe9"}\n'), 'd.jsonl:2:22'],
    ['json', 'json("d.json")', latin1('[\n  {"id": "1", "name": "caf\xe9"},\n  {"id": "2", "name": "bob"}\n]\n'), 'd.json:2:27'],
    ['yaml', 'yaml("d.yaml")', latin1('- id: "1"\n  name: caf\xe9\n- id: "2"\n  name: bob\n'), 'd.yaml:2:12'],
  ];

  it.each(cases)('%s: stops the run naming the first bad line, with no plan and no U+FFFD', async (kind, connector, bytes, at) => {
    writeFileSync(join(dir, `d.${kind}`), bytes);
    writeFileSync(join(dir, `${kind}.recon`), reconFile(connector));
    const result = await runCli(['plan', `${kind}.recon`, '--format', 'json'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`source a: ${at}: not valid UTF-8 (byte 0xE9): the file must be UTF-8`);
    expect(result.stderr).toContain('convert it (iconv -f WINDOWS-1252 -t UTF-8)');
    expect(result.stderr).not.toContain('\uFFFD');
    expect(result.stderr).not.toMatch(STACK_TRACE_LINE);
  });

  it('a JSON or YAML file too large to be one text says so, not "not UTF-8"', async () => {
    // A sparse file of NUL bytes (valid UTF-8) just over the longest JavaScript string: no disk used.
    for (const kind of ['json', 'yaml']) {
      const big = join(dir, `big.${kind}`);
      writeFileSync(big, '');
      truncateSync(big, bufferConstants.MAX_STRING_LENGTH + 1);
      writeFileSync(join(dir, `big-${kind}.recon`), reconFile(`${kind}("big.${kind}")`));
      const result = await runCli(['plan', `big-${kind}.recon`], { cwd: dir });
      rmSync(big);
      expect(result.code, kind).toBe(1);
      expect(result.stderr.trim()).toBe(
        `error: source a: big.${kind}: it is 512 MiB, more than the 512 MiB of text recon can hold as one whole file; split it, or write it as JSON Lines (jsonl), which is read line by line`.replace(
          /^error: /,
          `big-${kind}.recon:2:8: error: `,
        ),
      );
    }
  }, 120_000);

  it('gives one message for a whole Latin-1 file, not one per row', async () => {
    const rows = Array.from({ length: 500 }, (_, i) => `${i + 10},Jos\xe9 ${i}`);
    writeFileSync(join(dir, 'many.csv'), latin1(`id,name\n${rows.join('\n')}\n`));
    writeFileSync(join(dir, 'many.recon'), reconFile('csv("many.csv")'));
    const result = await runCli(['plan', 'many.recon'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('many.csv:2:7: not valid UTF-8 (byte 0xE9)');
  });

  it('says when the file is UTF-16', async () => {
    writeFileSync(join(dir, 'wide.csv'), Buffer.from('\uFEFFid,name\n1,café\n', 'utf16le'));
    writeFileSync(join(dir, 'wide.recon'), reconFile('csv("wide.csv")'));
    const result = await runCli(['plan', 'wide.recon'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('wide.csv:1:1: not valid UTF-8: the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8');
  });

  it('still reads UTF-8 text (and a real U+FFFD in the file) as it is', async () => {
    writeFileSync(join(dir, 'good.csv'), '\uFEFFid,name\n1,café\n2,b\uFFFDb\n');
    writeFileSync(join(dir, 'good.recon'), reconFile('csv("good.csv")'));
    const result = await runCli(['plan', 'good.recon', '--format', 'json'], { cwd: dir });
    expect(result.code, result.stderr).toBe(2);
    const plan = JSON.parse(result.stdout) as { policies: { summary: Record<string, number>; items: { after?: Record<string, unknown> }[] }[] };
    expect(plan.policies[0]!.summary).toMatchObject({ unchanged: 1, changed: 1 });
    expect(JSON.stringify(plan.policies[0]!.items)).toContain('b\uFFFDb');
  });
});

describe('the csv connector decoding chunk by chunk', () => {
  it('joins characters split between chunks (any chunk size) and still finds the bad byte', async () => {
    const ws = makeWorkspace();
    try {
      writeFileSync(join(ws.root, 'good.csv'), '\uFEFFid,name\n1,é€😀\n2,"x\n€"\n');
      writeFileSync(join(ws.root, 'bad.csv'), Buffer.concat([Buffer.from('id,name\n1,é€😀\n2,'), Buffer.from([0xf0, 0x9f, 0x98]), Buffer.from('\n')]));
      const context = createConnectorContext({ workspaceRoot: ws.root, trusted: true, observedAt: OBSERVED_AT, env: {} });
      for (const size of [1, 2, 3, 5, 7, 64]) {
        const good = await readAll(createCsvConnectorWithChunkSize(size)(makeSource('csv', 'good.csv'), context));
        expect(good.records).toEqual([
          { id: '1', name: 'é€😀' },
          { id: '2', name: 'x\n€' },
        ]);
        await expect(readAll(createCsvConnectorWithChunkSize(size)(makeSource('csv', 'bad.csv'), context))).rejects.toThrow(
          'source things: bad.csv:3:3: not valid UTF-8 (byte 0xF0)',
        );
      }
    } finally {
      ws.cleanup();
    }
  });
});
