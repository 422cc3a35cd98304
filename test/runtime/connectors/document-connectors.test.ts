import { afterEach, describe, expect, it } from 'vitest';
import type { IrExpr } from '../../../language/ir/ir-types.js';
import { ConnectorError } from '../../../runtime/connectors/connector.js';
import { CONNECTOR_FACTORIES, createConnector, createConnectorContext } from '../../../runtime/connectors/connector-registry.js';
import { connectorFor, makeSource, makeWorkspace, OBSERVED_AT, readAll } from './source-fixture.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function workspace(files: Record<string, string>) {
  const ws = makeWorkspace(files);
  cleanups.push(ws.cleanup);
  return ws.root;
}

async function read(kind: 'json' | 'jsonl' | 'yaml', content: string, options: Record<string, IrExpr> = {}) {
  const root = workspace({ [`data/file.${kind}`]: content });
  return readAll(connectorFor(makeSource(kind, `data/file.${kind}`, { options }), root));
}

describe('json connector', () => {
  it('reads a top-level list of records', async () => {
    const result = await read('json', '[{"id": "a", "n": 1}, {"id": "b", "nested": {"x": [1]}}]');
    expect(result.records).toEqual([{ id: 'a', n: 1 }, { id: 'b', nested: { x: [1] } }]);
    expect(result.origins).toEqual([{ position: 1 }, { position: 2 }]);
  });

  it('reads the list at a dotted items path', async () => {
    const result = await read('json', '{"data": {"rows": [{"id": 1}]}, "next": null}', { items: 'data.rows' });
    expect(result.records).toEqual([{ id: 1 }]);
  });

  it('reports an element that is not an object as unreadable', async () => {
    const result = await read('json', '[{"id": 1}, 42, null, [1]]');
    expect(result.records).toEqual([{ id: 1 }]);
    expect(result.unreadable.map((u) => u.origin.position)).toEqual([2, 3, 4]);
    expect(result.unreadable[0].error).toBe('data/file.json: record 2 is a number, not an object');
  });

  it('names the file and position of a parse error', async () => {
    const error = await read('json', '[\n  {"id": 1},\n  {"id" 2}\n]').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as Error).message).toBe("source things: data/file.json:3:9: not valid JSON: Expected ':' after property name");
    await expect(read('json', '[{"id": 1}')).rejects.toThrow(/data\/file\.json:1:11: not valid JSON/);
    await expect(read('json', 'nope')).rejects.toThrow(/data\/file\.json:1:2: not valid JSON: Unexpected token 'o'$/);
  });

  it('locates, in one line, the errors V8 reports with a piece of the text instead of a position', async () => {
    // V8: `Unexpected token '}', ..."1,\n  "x": }\n" is not valid JSON` (several lines, no position)
    const error = await read('json', '[\n  {"id": 1,\n  "x": }\n]\n').catch((e: unknown) => e);
    expect((error as Error).message).toBe("source things: data/file.json:3:8: not valid JSON: Unexpected token '}'");
    await expect(read('json', '[1,]')).rejects.toThrow(/^source things: data\/file\.json:1:4: not valid JSON: Unexpected token '\]'$/);
    await expect(read('json', '[{"id": 1}] x')).rejects.toThrow(
      /^source things: data\/file\.json:1:13: not valid JSON: Unexpected non-whitespace character after JSON$/,
    );
  });

  it('refuses a document that is not a list, or an items path that leads nowhere', async () => {
    await expect(read('json', '{"rows": []}')).rejects.toThrow(/holds an object at the top level, not a list of records \(set items:/);
    await expect(read('json', '{"rows": []}', { items: 'data.rows' })).rejects.toThrow(/has nothing at items path "data.rows"/);
    await expect(read('json', '{"rows": 5}', { items: 'rows' })).rejects.toThrow(/items path "rows" holds a number, not a list/);
    await expect(read('json', '{"rows": []}', { items: 'constructor' })).rejects.toThrow(/nothing at items path/);
  });

  it('batches large lists', async () => {
    const items = Array.from({ length: 10_000 }, (_, i) => ({ id: i }));
    const result = await read('json', JSON.stringify(items));
    expect(result.records).toHaveLength(10_000);
    expect(result.batches).toBe(3);
    expect(result.origins[9999]).toEqual({ position: 10_000 });
  });
});

describe('jsonl connector', () => {
  it('reads one object a line, skipping blank lines, with line numbers', async () => {
    const result = await read('jsonl', '{"id": 1}\n\n{"id": 2}\r\n   \n{"id": 3}');
    expect(result.records).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(result.origins).toEqual([
      { position: 1, line: 1 },
      { position: 2, line: 3 },
      { position: 3, line: 5 },
    ]);
  });

  it('reports a bad line with its line number and keeps reading', async () => {
    const result = await read('jsonl', '{"id": 1}\n{"id": \n[1, 2]\n{"id": 4}\n');
    expect(result.records).toEqual([{ id: 1 }, { id: 4 }]);
    expect(result.origins).toEqual([
      { position: 1, line: 1 },
      { position: 4, line: 4 },
    ]);
    expect(result.unreadable.map((u) => u.origin)).toEqual([
      { position: 2, line: 2 },
      { position: 3, line: 3 },
    ]);
    expect(result.unreadable[0].error).toMatch(/^data\/file\.jsonl:2: not valid JSON/);
    expect(result.unreadable[1].error).toBe('data/file.jsonl:3: the line holds a list, not an object');
  });

  it('gives the column of a bad line, whatever form the message of V8 takes', async () => {
    const result = await read('jsonl', 'nope\n{"id": 1} {"id": 2}\n{"id": 3,}\n');
    expect(result.unreadable.map((u) => u.error)).toEqual([
      "data/file.jsonl:1: not valid JSON: Unexpected token 'o' at column 2",
      'data/file.jsonl:2: not valid JSON: Unexpected non-whitespace character after JSON at column 11',
      'data/file.jsonl:3: not valid JSON: Expected double-quoted property name at column 10',
    ]);
  });

  it('takes no options', async () => {
    await expect(read('jsonl', '{}', { items: 'x' })).rejects.toThrow(/jsonl\(\) has no option "items"/);
  });
});

describe('yaml connector', () => {
  it('reads the list at an items path, with the line of each record', async () => {
    const text = ['kind: List', 'data:', '  rows:', '    - id: a', '      amount: 1.5', '    - id: b', '      when: 2026-01-01T00:00:00Z', '    - just text', ''].join('\n');
    const result = await read('yaml', text, { items: 'data.rows' });
    expect(result.records).toEqual([
      { id: 'a', amount: 1.5 },
      { id: 'b', when: '2026-01-01T00:00:00Z' },
    ]);
    expect(result.origins).toEqual([
      { position: 1, line: 4 },
      { position: 2, line: 6 },
    ]);
    expect(result.unreadable).toEqual([
      { origin: { position: 3, line: 8 }, error: 'data/file.yaml:8: record 3 is a string, not an object' },
    ]);
  });

  it('reads a top-level list', async () => {
    const result = await read('yaml', '- id: 1\n- id: 2\n');
    expect(result.records).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('reads a file that starts with a byte order mark', async () => {
    const result = await read('yaml', '\ufeff- id: 1\n- id: 2\n');
    expect(result.records).toEqual([{ id: 1 }, { id: 2 }]);
    expect(result.origins).toEqual([
      { position: 1, line: 1 },
      { position: 2, line: 2 },
    ]);
  });

  it('reports binary data (!!binary) in the list as unreadable, not as a record', async () => {
    const result = await read('yaml', '- !!binary aGVsbG8=\n- id: 2\n');
    expect(result.records).toEqual([{ id: 2 }]);
    expect(result.unreadable).toEqual([{ origin: { position: 1, line: 1 }, error: 'data/file.yaml:1: record 1 is binary data, not an object' }]);
  });

  it('names the file and position of a syntax error', async () => {
    await expect(read('yaml', 'rows:\n  - id: 1\n    bad: [1, 2\n')).rejects.toThrow(/^source things: data\/file\.yaml:\d+:\d+: not valid YAML: /);
  });

  it('reads a file of several documents as one list: each document a record, or a list of them', async () => {
    // as `kustomize build` or `helm template` write manifests: a leading and a trailing `---`,
    // an empty document, a document holding a list, and one that is no record
    const text = ['---', 'kind: Deployment', 'name: web', '---', '---', '- {kind: Service, name: web}', '- {kind: Service, name: api}', '---', 'just text', '---', ''].join('\n');
    const result = await read('yaml', text);
    expect(result.records).toEqual([
      { kind: 'Deployment', name: 'web' },
      { kind: 'Service', name: 'web' },
      { kind: 'Service', name: 'api' },
    ]);
    expect(result.origins).toEqual([
      { position: 1, line: 2 },
      { position: 2, line: 6 },
      { position: 3, line: 7 },
    ]);
    expect(result.unreadable).toEqual([{ origin: { position: 4, line: 9 }, error: 'data/file.yaml:9: record 4 is a string, not an object' }]);
  });

  it('takes the list at the items path of each document, and names the document that has none', async () => {
    const text = 'kind: List\nitems:\n  - id: a\n---\nkind: List\nitems:\n  - id: b\n  - id: c\n';
    const result = await read('yaml', text, { items: 'items' });
    expect(result.records).toEqual([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    expect(result.origins).toEqual([
      { position: 1, line: 3 },
      { position: 2, line: 7 },
      { position: 3, line: 8 },
    ]);
    await expect(read('yaml', `${text}---\nkind: Other\n`, { items: 'items' })).rejects.toThrow(
      'source things: data/file.yaml (document 3) has nothing at items path "items"',
    );
  });

  it('locates a syntax error in any document of the file', async () => {
    await expect(read('yaml', '- id: 1\n---\n- id: 2\n  bad: [1\n')).rejects.toThrow(/^source things: data\/file\.yaml:[3-5]:\d+: not valid YAML: /);
  });
});

describe('inline connector', () => {
  const ctx = (root: string) => createConnectorContext({ workspaceRoot: root, trusted: true, observedAt: OBSERVED_AT, env: { REGION: 'eu' } });

  it('evaluates its list argument', async () => {
    const list: IrExpr = [
      { object: ['id', 'a', 'region', { env: ['REGION'] }] },
      { object: ['id', 'b'] },
      7,
    ];
    const connector = createConnector(makeSource('inline', [list]), ctx('/nonexistent'));
    expect(connector.canWrite).toBe(false);
    const result = await readAll(connector);
    expect(result.records).toEqual([{ id: 'a', region: 'eu' }, { id: 'b' }]);
    expect(result.unreadable).toEqual([{ origin: { position: 3 }, error: 'inline: record 3 is a number, not an object' }]);
  });

  it('refuses something that is not a list', async () => {
    await expect(readAll(createConnector(makeSource('inline', [{ object: ['id', 1] }]), ctx('/x')))).rejects.toThrow(/inline\(\) needs a list of records, got an object/);
  });
});

describe('connector registry', () => {
  it('has a factory for every connector kind', () => {
    expect(Object.keys(CONNECTOR_FACTORIES).sort()).toEqual(['csv', 'exec', 'http', 'inline', 'json', 'jsonl', 'postgres', 'yaml']);
  });

  it('says which file connectors can write', () => {
    const root = workspace({});
    for (const kind of ['csv', 'json', 'jsonl', 'yaml'] as const) {
      expect(connectorFor(makeSource(kind, `x.${kind}`), root).canWrite, kind).toBe(true);
    }
  });

  it('builds http, postgres and exec connectors without any I/O, writable as their declaration says', () => {
    expect(connectorFor(makeSource('http', ['http://127.0.0.1:1/x']), '/tmp').canWrite).toBe(false);
    expect(connectorFor(makeSource('exec', ['prog']), '/tmp').canWrite).toBe(false);
    expect(connectorFor(makeSource('postgres', ['postgres://127.0.0.1:1/db'], { options: { table: 't' } }), '/tmp').canWrite).toBe(true);
    expect(connectorFor(makeSource('postgres', ['postgres://127.0.0.1:1/db'], { options: { query: 'SELECT 1' } }), '/tmp').canWrite).toBe(false);
    const write = { ops: [{ op: 'create' as const, http: { method: 'POST', url: 'http://127.0.0.1:1/x' }, at: 'test.recon:2:1' }], map: [], at: 'test.recon:2:1' };
    expect(connectorFor(makeSource('http', ['http://127.0.0.1:1/x'], { write }), '/tmp').canWrite).toBe(true);
  });

  it('refuses an unknown connector kind', () => {
    expect(() => connectorFor(makeSource('ftp' as never, 'x'), '/tmp')).toThrow(/unknown connector "ftp"/);
  });

  it('reports an option that fails to evaluate at the option', async () => {
    const root = workspace({ 'a.csv': 'id\n1\n' });
    const source = makeSource('csv', 'a.csv', { options: { delimiter: { '*': ['a', 2] } } });
    const error = await readAll(connectorFor(source, root)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).at).toBe('test.recon:1:20');
    expect((error as Error).message).toMatch(/option delimiter: '\*' needs numbers/);
  });
});
