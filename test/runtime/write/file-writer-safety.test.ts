/**
 * What a file rewrite must keep safe, for every file format: the record an update or delete acts
 * on is still the one the plan saw (its precondition, computed the way the plan computes it from
 * the connector's raw record), the file's permission bits and owner survive the atomic replace,
 * a read-only file is refused, and the temporary file a killed apply left behind is removed.
 */
import { chmodSync, chownSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IrSource } from '../../../language/ir/ir-types.js';
import type { RawRecord } from '../../../runtime/connectors/connector.js';
import { sha256OfCanonical } from '../../../runtime/plan/canonical-json.js';
import { HOST_TAG } from '../../../runtime/write/atomic-file.js';
import { createCsvWriter, createJsonlWriter, createJsonWriter, createYamlWriter } from '../../../runtime/write/writer-registry.js';
import { StaleWriteError, type WriteAction, type WriterFactory } from '../../../runtime/write/writer.js';
import { connectorFor, makeSource, readAll } from '../connectors/source-fixture.js';
import { applyActions, fileAction, workspacesRemovedAfterEach, writeErrorOf } from './writer-fixture.js';

const workspace = workspacesRemovedAfterEach();

interface Case {
  name: string;
  file: string;
  factory: WriterFactory;
  source: IrSource;
  /** Two records, a1 and a2, written in ways a reader could normalise. */
  text: string;
  /** `text` with a2 changed by another process. */
  edited: (text: string) => string;
}

const cases: Case[] = [
  {
    name: 'csv',
    file: 'x.csv',
    factory: createCsvWriter,
    source: makeSource('csv', 'x.csv'),
    text: '\ufeffid,name,n,memo\r\na1,"Al, pha",1.50,\r\na2,"Be ""ta""",2,"multi\nline"\r\n',
    edited: (text) => text.replace(',2,', ',3,'),
  },
  {
    name: 'json',
    file: 'x.json',
    factory: createJsonWriter,
    source: makeSource('json', 'x.json', { options: { items: 'rows' } }),
    text: '{"rows": [\n  {"id": "a1", "n": 1.50, "nested": {"x": [1, "2", null]}, "empty": "", "t": true},\n  {"id": "a2", "n": 2e0}\n]}\n',
    edited: (text) => text.replace('2e0', '3'),
  },
  {
    name: 'jsonl',
    file: 'x.jsonl',
    factory: createJsonlWriter,
    source: makeSource('jsonl', 'x.jsonl'),
    text: '{"id":"a1","n":1.50,"t":true,"z":null,"u":"\\u00e9"}\r\n\r\n{"id":"a2","n":2}\r\n',
    edited: (text) => text.replace('"n":2}', '"n":3}'),
  },
  {
    name: 'yaml',
    file: 'x.yaml',
    factory: createYamlWriter,
    source: makeSource('yaml', 'x.yaml', { options: { items: 'rows' } }),
    text: '# rows\nrows:\n  - id: a1   # first\n    n: 1.50\n    when: 2024-01-01\n    flag: yes\n    tags: [a, b]\n    empty:\n  - id: a2\n    n: 0x2\n',
    edited: (text) => text.replace('0x2', '3'),
  },
];

/** The action of a plan item made from the record as the connector reads it (the plan's precondition). */
async function plannedAction(c: Case, root: string, op: 'update' | 'delete', id: string, record: RawRecord): Promise<WriteAction> {
  const { records } = await readAll(connectorFor(c.source, root));
  const seen = records.find((candidate) => candidate.id === id);
  if (!seen) throw new Error(`no record ${id}`);
  const action = fileAction(c.source, op, { id }, record);
  action.item.precondition = sha256OfCanonical(seen);
  return action;
}

describe('the record acted on is the one the plan saw', () => {
  for (const c of cases) {
    it(`${c.name}: an update and a delete whose records are unchanged since the plan are applied`, async () => {
      const root = workspace({ [c.file]: c.text });
      const update = await plannedAction(c, root, 'update', 'a1', { id: 'a1', n: '7' });
      const remove = await plannedAction(c, root, 'delete', 'a2', { id: 'a2' });
      expect(await applyActions(c.factory, c.source, root, [update, remove])).toHaveLength(2);
      const { records } = await readAll(connectorFor(c.source, root));
      expect(records.map((record) => [record.id, String(record.n)])).toEqual([['a1', '7']]);
    });

    it(`${c.name}: an update or delete of a record another process changed after the plan is stale and changes nothing`, async () => {
      const root = workspace({ [c.file]: c.text });
      const update = await plannedAction(c, root, 'update', 'a2', { id: 'a2', n: '9' });
      const remove = await plannedAction(c, root, 'delete', 'a2', { id: 'a2' });
      const edited = c.edited(c.text);
      expect(edited).not.toBe(c.text);
      writeFileSync(path.join(root, c.file), edited);
      for (const action of [update, remove]) {
        const session = await c.factory(c.source, { workspaceRoot: root, observedAt: '2026-11-26T12:00:00Z' }).open();
        const error = await writeErrorOf(session.perform(action));
        expect(error).toBeInstanceOf(StaleWriteError);
        expect(error.transient).toBe(false);
        expect(error.message).toBe('the actual record changed since the plan was made');
        expect(await session.commit()).toEqual([]);
        await session.close();
      }
      expect(readFileSync(path.join(root, c.file), 'utf8')).toBe(edited);
    });
  }
});

describe('the replaced file keeps its permissions and owner', () => {
  it('keeps group-write and other bits the umask would strip from a new file', async () => {
    const root = workspace({ 'x.csv': 'id,n\na,1\n' });
    const file = path.join(root, 'x.csv');
    chmodSync(file, 0o666);
    const umask = process.umask(0o022);
    try {
      await applyActions(createCsvWriter, makeSource('csv', 'x.csv'), root, [fileAction(makeSource('csv', 'x.csv'), 'update', { id: 'a' }, { id: 'a', n: '2' })]);
    } finally {
      process.umask(umask);
    }
    expect(readFileSync(file, 'utf8')).toBe('id,n\na,2\n');
    expect(statSync(file).mode & 0o7777).toBe(0o666);
  });

  it.skipIf(process.getuid?.() !== 0)('keeps the owner and group of a file another user owns (when recon runs as root)', async () => {
    const root = workspace({ 'x.csv': 'id,n\na,1\n' });
    const file = path.join(root, 'x.csv');
    chownSync(file, 4321, 8765);
    await applyActions(createCsvWriter, makeSource('csv', 'x.csv'), root, [fileAction(makeSource('csv', 'x.csv'), 'update', { id: 'a' }, { id: 'a', n: '2' })]);
    expect(readFileSync(file, 'utf8')).toBe('id,n\na,2\n');
    expect([statSync(file).uid, statSync(file).gid]).toEqual([4321, 8765]);
  });
});

describe('a read-only file', () => {
  it('is refused with a clear message and left as it was', async () => {
    const root = workspace({ 'x.jsonl': '{"id":"a","n":1}\n' });
    const file = path.join(root, 'x.jsonl');
    chmodSync(file, 0o444);
    const source = makeSource('jsonl', 'x.jsonl');
    const error = await writeErrorOf(createJsonlWriter(source, { workspaceRoot: root, observedAt: '2026-11-26T12:00:00Z' }).open());
    expect(error.message).toBe('source things: cannot rewrite x.jsonl: the file is read-only (mode 0444); nothing was written');
    expect(error.transient).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('{"id":"a","n":1}\n');
  });
});

describe('temporary files of a killed apply', () => {
  it('are removed by the next commit; those of a running process, another host or another file are not', async () => {
    const root = workspace({ 'x.csv': 'id,n\na,1\n', 'other.csv': 'id\n' });
    // A pid that no process has (beyond the kernel's pid_max) and the pid of this process.
    const dead = path.join(root, `.x.csv.recon-${HOST_TAG}-99999999-0123456789ab.tmp`);
    const alive = path.join(root, `.x.csv.recon-${HOST_TAG}-${process.pid}-0123456789ab.tmp`);
    // the same dead pid on another host (a shared folder): its pid means nothing here
    const otherHost = path.join(root, `.x.csv.recon-${HOST_TAG === '00000000' ? '11111111' : '00000000'}-99999999-0123456789ab.tmp`);
    const otherFile = path.join(root, `.other.csv.recon-${HOST_TAG}-99999999-0123456789ab.tmp`);
    for (const stray of [dead, alive, otherHost, otherFile]) writeFileSync(stray, 'id,n\na,');
    await applyActions(createCsvWriter, makeSource('csv', 'x.csv'), root, [fileAction(makeSource('csv', 'x.csv'), 'update', { id: 'a' }, { id: 'a', n: '2' })]);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(alive)).toBe(true);
    expect(existsSync(otherFile)).toBe(true);
    expect(existsSync(otherHost)).toBe(true);
    expect(readdirSync(root).sort()).toEqual([path.basename(otherFile), path.basename(alive), path.basename(otherHost), 'other.csv', 'x.csv'].sort());
  });
});
