import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IrSource } from '../../../language/ir/ir-types.js';
import { createJsonlWriter, createJsonWriter } from '../../../runtime/write/writer-registry.js';
import { connectorFor, makeSource, readAll } from '../connectors/source-fixture.js';
import { applyActions, fileAction, workspacesRemovedAfterEach, writeErrorOf } from './writer-fixture.js';

const workspace = workspacesRemovedAfterEach();

const read = (root: string, file: string) => readFileSync(path.join(root, file), 'utf8');

describe('json writer', () => {
  const pretty = [
    '{',
    '    "generated": "2026-11-26",',
    '    "data": {',
    '        "rows": [',
    '            {',
    '                "id": "a",',
    '                "amount": 1.50,',
    '                "z_first": true',
    '            },',
    '            {',
    '                "id": "b",',
    '                "amount": 2',
    '            },',
    '            {',
    '                "id": "c",',
    '                "amount": 3',
    '            }',
    '        ]',
    '    }',
    '}',
    '',
  ].join('\n');

  it('updates one value in place at the items path; every other byte stays', async () => {
    const root = workspace({ 'x.json': pretty });
    const source = makeSource('json', 'x.json', { options: { items: 'data.rows' } });
    await applyActions(createJsonWriter, source, root, [fileAction(source, 'update', { id: 'b' }, { id: 'b', amount: 2.5 })]);
    expect(read(root, 'x.json')).toBe(pretty.replace('"amount": 2\n', '"amount": 2.5\n'));
  });

  it('adds a new field last, with the file indentation', async () => {
    const root = workspace({ 'x.json': pretty });
    const source = makeSource('json', 'x.json', { options: { items: 'data.rows' } });
    await applyActions(createJsonWriter, source, root, [fileAction(source, 'update', { id: 'a' }, { id: 'a', memo: 'new' })]);
    expect(read(root, 'x.json')).toBe(pretty.replace('"z_first": true\n', '"z_first": true,\n                "memo": "new"\n'));
  });

  it('appends created records in the style of the others and removes deleted ones with their separator', async () => {
    const root = workspace({ 'x.json': pretty });
    const source = makeSource('json', 'x.json', { options: { items: 'data.rows' } });
    await applyActions(createJsonWriter, source, root, [
      fileAction(source, 'delete', { id: 'b' }),
      fileAction(source, 'create', { id: 'd' }, { id: 'd', amount: 4, tags: ['x'] }),
    ]);
    const expected = [
      '{',
      '    "generated": "2026-11-26",',
      '    "data": {',
      '        "rows": [',
      '            {',
      '                "id": "a",',
      '                "amount": 1.50,',
      '                "z_first": true',
      '            },',
      '            {',
      '                "id": "c",',
      '                "amount": 3',
      '            },',
      '            {',
      '                "id": "d",',
      '                "amount": 4,',
      '                "tags": [',
      '                    "x"',
      '                ]',
      '            }',
      '        ]',
      '    }',
      '}',
      '',
    ].join('\n');
    expect(read(root, 'x.json')).toBe(expected);
    const { records } = await readAll(connectorFor(source, root));
    expect(records.map((r) => r.id)).toEqual(['a', 'c', 'd']);
  });

  it('deleting the last record keeps the list well formed', async () => {
    const root = workspace({ 'x.json': pretty });
    const source = makeSource('json', 'x.json', { options: { items: 'data.rows' } });
    await applyActions(createJsonWriter, source, root, [fileAction(source, 'delete', { id: 'c' })]);
    expect(read(root, 'x.json')).toBe(pretty.replace(',\n            {\n                "id": "c",\n                "amount": 3\n            }', ''));
  });

  it('keeps one record per line, spaced as the file spaces them', async () => {
    const original = '[\n\t{"id": "a", "n": 1},\n\t{"id": "b", "n": 2}\n]\n';
    const root = workspace({ 'x.json': original });
    const source = makeSource('json', 'x.json');
    await applyActions(createJsonWriter, source, root, [
      fileAction(source, 'update', { id: 'a' }, { id: 'a', n: 10 }),
      fileAction(source, 'update', { id: 'b' }, { id: 'b', extra: { k: 1 } }),
      fileAction(source, 'create', { id: 'c' }, { id: 'c', n: 3 }),
    ]);
    expect(read(root, 'x.json')).toBe('[\n\t{"id": "a", "n": 10},\n\t{"id": "b", "n": 2, "extra": {"k": 1}},\n\t{"id": "c", "n": 3}\n]\n');
  });

  it('keeps a minified file minified, and CRLF files CRLF', async () => {
    const root = workspace({ 'min.json': '[{"id":"a","n":1}]', 'crlf.json': '[\r\n  {\r\n    "id": "a"\r\n  }\r\n]\r\n' });
    const minified = makeSource('json', 'min.json');
    await applyActions(createJsonWriter, minified, root, [fileAction(minified, 'create', { id: 'b' }, { id: 'b', n: 2 })]);
    expect(read(root, 'min.json')).toBe('[{"id":"a","n":1},{"id":"b","n":2}]');
    const crlf = makeSource('json', 'crlf.json');
    await applyActions(createJsonWriter, crlf, root, [fileAction(crlf, 'create', { id: 'b' }, { id: 'b' })]);
    expect(read(root, 'crlf.json')).toBe('[\r\n  {\r\n    "id": "a"\r\n  },\r\n  {\r\n    "id": "b"\r\n  }\r\n]\r\n');
  });

  it('fills an empty list with the file indentation', async () => {
    const root = workspace({ 'x.json': '{\n  "items": []\n}\n' });
    const source = makeSource('json', 'x.json', { options: { items: 'items' } });
    await applyActions(createJsonWriter, source, root, [fileAction(source, 'create', { id: 'a' }, { id: 'a' })]);
    expect(read(root, 'x.json')).toBe('{\n  "items": [\n    {\n      "id": "a"\n    }\n  ]\n}\n');
  });

  it('writes nested select paths back to where they were read, keeping their siblings', async () => {
    const original = '[\n  {\n    "meta": { "id": "t1", "region": "eu" },\n    "amount_cents": 100,\n    "note": "keep"\n  }\n]\n';
    const root = workspace({ 'x.json': original });
    const source: IrSource = makeSource('json', 'x.json', {
      key: ['txn_id'],
      select: [
        { name: 'txn_id', expr: { var: 'meta.id' }, reads: ['meta.id'], plainPath: 'meta.id', at: 't:1:1' },
        { name: 'amount', expr: { '/': [{ var: 'amount_cents' }, 100] }, reads: ['amount_cents'], plainPath: null, at: 't:2:1' },
      ],
      write: { ops: [], map: [{ path: 'amount_cents', expr: { '*': [{ var: 'amount' }, 100] }, at: 't:3:1' }], at: 't:3:1' },
    });
    // The effect record is what the decider builds: key and changed fields through their raw paths.
    await applyActions(createJsonWriter, source, root, [
      fileAction(source, 'update', { txn_id: 't1' }, { meta: { id: 't1' }, amount_cents: 250 }),
      fileAction(source, 'create', { txn_id: 't2' }, { meta: { id: 't2' }, amount_cents: 5 }),
    ]);
    expect(read(root, 'x.json')).toBe(
      '[\n  {\n    "meta": { "id": "t1", "region": "eu" },\n    "amount_cents": 250,\n    "note": "keep"\n  },\n' +
        '  {\n    "meta": {\n      "id": "t2"\n    },\n    "amount_cents": 5\n  }\n]\n',
    );
  });

  it('a value written whole at a plain path replaces an object (it is not merged)', async () => {
    const original = '[{"id": "a", "labels": {"x": 1, "y": 2}}]';
    const root = workspace({ 'x.json': original });
    const source = makeSource('json', 'x.json');
    await applyActions(createJsonWriter, source, root, [fileAction(source, 'update', { id: 'a' }, { id: 'a', labels: { x: 1 } })]);
    expect(read(root, 'x.json')).toBe('[{"id": "a", "labels": {"x": 1}}]');
  });

  it('reports a file that is not JSON, with its position', async () => {
    const root = workspace({ 'x.json': '[\n  {"id": "a",}\n]' });
    const source = makeSource('json', 'x.json');
    const error = await writeErrorOf(applyActions(createJsonWriter, source, root, []));
    expect(error.message).toMatch(/^source things: x\.json:2:\d+: not valid JSON/);
    expect(error.transient).toBe(false);
  });
});

describe('jsonl writer', () => {
  it('keeps line order, blank lines and lines that are not records; edits a record on its line', async () => {
    const original = '{"id":"a","n":1}\r\n\r\nnot json\r\n{"id":"b","n":2,"z":0}\r\n{"id":"c","n":3}\r\n';
    const root = workspace({ 'x.jsonl': original });
    const source = makeSource('jsonl', 'x.jsonl');
    await applyActions(createJsonlWriter, source, root, [
      fileAction(source, 'update', { id: 'b' }, { id: 'b', n: 20 }),
      fileAction(source, 'delete', { id: 'a' }),
      fileAction(source, 'create', { id: 'd' }, { id: 'd', n: 4 }),
    ]);
    expect(read(root, 'x.jsonl')).toBe('\r\nnot json\r\n{"id":"b","n":20,"z":0}\r\n{"id":"c","n":3}\r\n{"id":"d","n":4}\r\n');
  });

  it('spaces new lines like the first record and keeps a missing final line break missing', async () => {
    const root = workspace({ 'x.jsonl': '{"id": "a", "n": 1}\n{"id": "b", "n": 2}' });
    const source = makeSource('jsonl', 'x.jsonl');
    await applyActions(createJsonlWriter, source, root, [
      fileAction(source, 'create', { id: 'c' }, { id: 'c', n: 3 }),
      fileAction(source, 'update', { id: 'a' }, { id: 'a', added: [1, 2] }),
    ]);
    expect(read(root, 'x.jsonl')).toBe('{"id": "a", "n": 1, "added": [1, 2]}\n{"id": "b", "n": 2}\n{"id": "c", "n": 3}');
  });

  it('composite keys and idempotent replays', async () => {
    const root = workspace({ 'x.jsonl': '{"acct":"x","day":1,"v":1}\n{"acct":"x","day":2,"v":2}\n' });
    const source = makeSource('jsonl', 'x.jsonl', { key: ['acct', 'day'] });
    const actions = [
      fileAction(source, 'update', { acct: 'x', day: 2 }, { acct: 'x', day: 2, v: 9 }),
      fileAction(source, 'delete', { acct: 'x', day: 1 }),
    ];
    await applyActions(createJsonlWriter, source, root, actions);
    const after = read(root, 'x.jsonl');
    expect(after).toBe('{"acct":"x","day":2,"v":9}\n');
    await applyActions(createJsonlWriter, source, root, [actions[1]]);
    expect(read(root, 'x.jsonl')).toBe(after);
    const error = await writeErrorOf(applyActions(createJsonlWriter, source, root, [fileAction(source, 'update', { acct: 'x', day: 1 }, { acct: 'x', day: 1, v: 1 })]));
    expect(error.message).toBe('source things: cannot update acct=x, day=1: x.jsonl has no record with that key (any more)');
  });
});
