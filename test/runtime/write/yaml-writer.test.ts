import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createYamlWriter } from '../../../runtime/write/writer-registry.js';
import { connectorFor, makeSource, readAll } from '../connectors/source-fixture.js';
import { applyActions, fileAction, workspacesRemovedAfterEach, writeErrorOf } from './writer-fixture.js';

const workspace = workspacesRemovedAfterEach();

const read = (root: string) => readFileSync(path.join(root, 'x.yaml'), 'utf8');

const original = `# Settlements exported by the gateway
version: 2
settlements:
  # the first one
  - id: t1   # inline comment, odd spacing kept
    amount: 10.50
    currency: 'EUR'
    tags: [a, b]
  # before the second
  - id: t2
    amount: 7
    note: >
      folded text
      over two lines
  - {id: t3, amount: 1}  # flow record
# trailing comment
other: {x: 1}
`;

describe('yaml writer', () => {
  const source = makeSource('yaml', 'x.yaml', { options: { items: 'settlements' } });

  it('updates values of one record; its comments and quoting survive, other records keep their bytes', async () => {
    const root = workspace({ 'x.yaml': original });
    await applyActions(createYamlWriter, source, root, [fileAction(source, 'update', { id: 't1' }, { id: 't1', amount: 12.25, currency: 'GBP' })]);
    const after = read(root);
    expect(after).toBe(
      original.replace("  - id: t1   # inline comment, odd spacing kept\n    amount: 10.50\n    currency: 'EUR'\n    tags: [a, b]\n",
        "  - id: t1 # inline comment, odd spacing kept\n    amount: 12.25\n    currency: 'GBP'\n    tags: [a, b]\n"),
    );
  });

  it('edits a flow record on its line, keeping the comment after it', async () => {
    const root = workspace({ 'x.yaml': original });
    await applyActions(createYamlWriter, source, root, [fileAction(source, 'update', { id: 't3' }, { id: 't3', amount: 5, extra: 'x' })]);
    expect(read(root)).toBe(original.replace('  - {id: t3, amount: 1}  # flow record', '  - {id: t3, amount: 5, extra: x}  # flow record'));
  });

  it('appends created records indented like the others, and deletes a record with its lines only', async () => {
    const root = workspace({ 'x.yaml': original });
    await applyActions(createYamlWriter, source, root, [
      fileAction(source, 'delete', { id: 't2' }),
      fileAction(source, 'create', { id: 't4' }, { id: 't4', amount: 3, nested: { a: 1 }, list: ['p', 'q'] }),
    ]);
    const expected = `# Settlements exported by the gateway
version: 2
settlements:
  # the first one
  - id: t1   # inline comment, odd spacing kept
    amount: 10.50
    currency: 'EUR'
    tags: [a, b]
  # before the second
  - {id: t3, amount: 1}  # flow record
  - id: t4
    amount: 3
    nested:
      a: 1
    list: [p, q]
# trailing comment
other: {x: 1}
`;
    expect(read(root)).toBe(expected.replace('    list: [p, q]\n', '    list:\n      - p\n      - q\n'));
    const { records } = await readAll(connectorFor(source, root));
    expect(records.map((r) => r.id)).toEqual(['t1', 't3', 't4']);
  });

  it('follows a file that does not indent sequences, and a top-level list', async () => {
    const text = '- id: a\n  n: 1\n- id: b\n  n: 2\n';
    const root = workspace({ 'x.yaml': text });
    const top = makeSource('yaml', 'x.yaml');
    await applyActions(createYamlWriter, top, root, [
      fileAction(top, 'update', { id: 'a' }, { id: 'a', n: 5 }),
      fileAction(top, 'create', { id: 'c' }, { id: 'c', n: 3, sub: { k: 'v' } }),
    ]);
    expect(read(root)).toBe('- id: a\n  n: 5\n- id: b\n  n: 2\n- id: c\n  n: 3\n  sub:\n    k: v\n');
  });

  for (const [name, text, expected] of [
    [
      'CRLF line endings',
      'items:   # odd spacing survives\r\n  - id: a # c\r\n    n: 1\r\n  - id: b\r\n    n: 2\r\n',
      'items:   # odd spacing survives\r\n  - id: a # c\r\n    n: 5\r\n    sub:\r\n      k: w\r\n  - id: c\r\n    n: 3\r\n',
    ],
    [
      'four-space indentation with padded dashes',
      'meta:\n    owner: x\nitems:   # odd spacing survives\n    -   id: a\n        n: 1\n    -   id: b\n        n: 2\n',
      'meta:\n    owner: x\nitems:   # odd spacing survives\n    -   id: a\n        n: 5\n        sub:\n            k: w\n    -   id: c\n        n: 3\n',
    ],
    [
      'no final line break',
      'items:   # odd spacing survives\n- id: a\n  n: 1\n- id: b\n  n: 2',
      'items:   # odd spacing survives\n- id: a\n  n: 5\n  sub:\n    k: w\n- id: c\n  n: 3',
    ],
  ] as const) {
    it(`keeps the layout of a file with ${name}`, async () => {
      const root = workspace({ 'x.yaml': text });
      const items = makeSource('yaml', 'x.yaml', { options: { items: 'items' } });
      await applyActions(createYamlWriter, items, root, [
        fileAction(items, 'update', { id: 'a' }, { id: 'a', n: 5, sub: { k: 'w' } }),
        fileAction(items, 'delete', { id: 'b' }),
        fileAction(items, 'create', { id: 'c' }, { id: 'c', n: 3 }),
      ]);
      expect(read(root)).toBe(expected);
    });
  }

  it('writes a flow list through the Document API', async () => {
    const root = workspace({ 'x.yaml': 'items: [{id: a, n: 1}, {id: b, n: 2}]  # all\n' });
    const flow = makeSource('yaml', 'x.yaml', { options: { items: 'items' } });
    await applyActions(createYamlWriter, flow, root, [fileAction(flow, 'delete', { id: 'a' }), fileAction(flow, 'create', { id: 'c' }, { id: 'c' })]);
    expect(read(root)).toBe('items: [{id: b, n: 2}, {id: c}] # all\n');
  });

  it('deletes a record of a list spaced by blank lines without leaving a blank line at the start, a double one, or one at the end', async () => {
    const record = (id: string) => `  - id: ${id}\n    n: 1\n`;
    const text = `# spaced\nrows:\n${record('a1')}\n${record('a2')}\n${record('a3')}other: 1\n`;
    const items = makeSource('yaml', 'x.yaml', { options: { items: 'rows' } });
    const cases: [string[], string][] = [
      [['a1'], `# spaced\nrows:\n${record('a2')}\n${record('a3')}other: 1\n`],
      [['a2'], `# spaced\nrows:\n${record('a1')}\n${record('a3')}other: 1\n`],
      [['a3'], `# spaced\nrows:\n${record('a1')}\n${record('a2')}other: 1\n`],
      [['a1', 'a2'], `# spaced\nrows:\n${record('a3')}other: 1\n`],
      [['a2', 'a3'], `# spaced\nrows:\n${record('a1')}other: 1\n`],
    ];
    for (const [deleted, expected] of cases) {
      const root = workspace({ 'x.yaml': text });
      await applyActions(createYamlWriter, items, root, deleted.map((id) => fileAction(items, 'delete', { id })));
      expect(read(root), `deleting ${deleted.join(', ')}`).toBe(expected);
    }
    // CRLF line endings and blank lines holding spaces too.
    const crlf = 'rows:\r\n  - id: a1\r\n  \r\n  - id: a2\r\n  \r\n  - id: a3\r\n';
    const root = workspace({ 'x.yaml': crlf });
    await applyActions(createYamlWriter, items, root, [fileAction(items, 'delete', { id: 'a2' })]);
    expect(read(root)).toBe('rows:\r\n  - id: a1\r\n  \r\n  - id: a3\r\n');
  });

  it('updates a record that holds an alias of an anchor set outside it (the alias is kept, not an internal error)', async () => {
    const text = '# tiers\nbase: &b {tier: gold}\nrows:\n  - id: a1\n    amount: 11\n    plan: *b\n  - id: x9\n    amount: 1\n  - id: a2\n    amount: 20\n';
    const root = workspace({ 'x.yaml': text });
    const items = makeSource('yaml', 'x.yaml', { options: { items: 'rows' } });
    const committed = await applyActions(createYamlWriter, items, root, [
      fileAction(items, 'update', { id: 'a1' }, { id: 'a1', amount: 10 }),
      fileAction(items, 'delete', { id: 'x9' }),
    ]);
    expect(committed).toHaveLength(2);
    const after = read(root);
    expect(after).toContain('plan: *b');
    expect(after.startsWith('# tiers\nbase: &b')).toBe(true);
    const { records } = await readAll(connectorFor(items, root));
    expect(records).toEqual([
      { id: 'a1', amount: 10, plan: { tier: 'gold' } },
      { id: 'a2', amount: 20 },
    ]);
  });

  it('fills an empty list (`[]`) with one `- ` item per record, not a flow list', async () => {
    const root = workspace({ 'x.yaml': '# accounts\nitems: []\nother: 1\n' });
    const items = makeSource('yaml', 'x.yaml', { options: { items: 'items' } });
    await applyActions(createYamlWriter, items, root, [
      fileAction(items, 'create', { id: 'a' }, { id: 'a', memo: 'two\nlines' }),
      fileAction(items, 'create', { id: 'b' }, { id: 'b', n: 2 }),
    ]);
    expect(read(root)).toBe('# accounts\nitems:\n  - id: a\n    memo: |-\n      two\n      lines\n  - id: b\n    n: 2\nother: 1\n');
  });

  it('keeps number spelling and quoting of values it does not change, and quotes text that would read as a number', async () => {
    const root = workspace({ 'x.yaml': '- id: a\n  code: "007"\n  n: 1.50\n' });
    const top = makeSource('yaml', 'x.yaml');
    await applyActions(createYamlWriter, top, root, [fileAction(top, 'update', { id: 'a' }, { id: 'a', n: '2' })]);
    const after = read(root);
    expect(after).toBe('- id: a\n  code: "007"\n  n: "2"\n');
  });

  it('refuses to edit anchored or aliased records', async () => {
    const text = 'defaults: &d {id: z, n: 0}\nitems:\n  - &base {id: a, n: 1}\n  - *d\n  - {id: b, n: 2}\n';
    const root = workspace({ 'x.yaml': text });
    const items = makeSource('yaml', 'x.yaml', { options: { items: 'items' } });
    const anchored = await writeErrorOf(applyActions(createYamlWriter, items, root, [fileAction(items, 'update', { id: 'b' }, { id: 'b', n: 3 }), fileAction(items, 'delete', { id: 'a' })]));
    expect(anchored.message).toBe('source things: x.yaml:3: the record carries the anchor &base; recon does not delete anchored records');
    const aliased = await writeErrorOf(applyActions(createYamlWriter, items, root, [fileAction(items, 'update', { id: 'z' }, { id: 'z', n: 3 })]));
    expect(aliased.message).toBe('source things: x.yaml:4: the record is an alias (*d); recon does not update aliased records');
    expect(read(root)).toBe(text);
    await applyActions(createYamlWriter, items, root, [fileAction(items, 'update', { id: 'b' }, { id: 'b', n: 3 })]);
    expect(read(root)).toBe(text.replace('{id: b, n: 2}', '{id: b, n: 3}'));
  });

  it('refuses to rewrite a file of several documents, which the connector reads, and leaves it as it was', async () => {
    const text = 'id: a\nn: 1\n---\nid: b\nn: 2\n';
    const root = workspace({ 'x.yaml': text });
    const source = makeSource('yaml', 'x.yaml');
    expect((await readAll(connectorFor(source, root))).records).toEqual([
      { id: 'a', n: 1 },
      { id: 'b', n: 2 },
    ]);
    const error = await writeErrorOf(applyActions(createYamlWriter, source, root, [fileAction(source, 'update', { id: 'b' }, { id: 'b', n: 3 })]));
    expect(error.message).toBe(
      'source things: x.yaml holds several YAML documents (separated by ---): recon reads them as one list of records but cannot rewrite such a file; keep the records in one document for recon to write them',
    );
    expect(read(root)).toBe(text);
  });

  it('composite keys, and idempotent creates and deletes', async () => {
    const root = workspace({ 'x.yaml': '- {acct: x, day: 1, v: 1}\n- {acct: x, day: 2, v: 2}\n' });
    const top = makeSource('yaml', 'x.yaml', { key: ['acct', 'day'] });
    await applyActions(createYamlWriter, top, root, [
      fileAction(top, 'create', { acct: 'x', day: 2 }, { acct: 'x', day: 2, v: 7 }),
      fileAction(top, 'delete', { acct: 'y', day: 2 }),
    ]);
    expect(read(root)).toBe('- {acct: x, day: 1, v: 1}\n- {acct: x, day: 2, v: 7}\n');
  });

  it('reads a file that starts with a byte-order mark and writes the mark back', async () => {
    const top = makeSource('yaml', 'x.yaml');
    const root = workspace({ 'x.yaml': '\ufeff- id: t1\n  amount: 1\n- id: t2\n  amount: 2\n' });
    await applyActions(createYamlWriter, top, root, [
      fileAction(top, 'update', { id: 't1' }, { id: 't1', amount: 5 }),
      fileAction(top, 'create', { id: 't3' }, { id: 't3', amount: 3 }),
    ]);
    expect(read(root)).toBe('\ufeff- id: t1\n  amount: 5\n- id: t2\n  amount: 2\n- id: t3\n  amount: 3\n');
  });
});
