import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IrSource } from '../../../language/ir/ir-types.js';
import { nodeFileSystem, type AtomicFileSystem } from '../../../runtime/write/atomic-file.js';
import { csvFileFormat } from '../../../runtime/write/csv-file-format.js';
import { fileWriterFactory } from '../../../runtime/write/file-writer.js';
import { createCsvWriter } from '../../../runtime/write/writer-registry.js';
import { connectorFor, makeSource, readAll } from '../connectors/source-fixture.js';
import { applyActions, fileAction, workspacesRemovedAfterEach, writeErrorOf } from './writer-fixture.js';

const workspace = workspacesRemovedAfterEach();

const read = (root: string, file = 'data/x.csv') => readFileSync(path.join(root, file), 'utf8');

describe('csv writer', () => {
  it('updates a row in place, keeping header, delimiter, quoting, CRLF and every other row byte for byte', async () => {
    const original = '"id";"amount";"memo"\r\n"a";"1.50";"first; row"\r\n"b";"2";"second"\r\n"c";"3";"third"\r\n';
    const root = workspace({ 'data/x.csv': original });
    const source = makeSource('csv', 'data/x.csv', { options: { delimiter: ';' } });
    const committed = await applyActions(createCsvWriter, source, root, [fileAction(source, 'update', { id: 'b' }, { id: 'b', amount: 2.25 })]);
    expect(committed).toHaveLength(1);
    expect(read(root)).toBe('"id";"amount";"memo"\r\n"a";"1.50";"first; row"\r\n"b";"2.25";"second"\r\n"c";"3";"third"\r\n');
  });

  it('appends created rows, removes deleted ones, and keeps a missing final line break missing', async () => {
    const original = 'id,amount,memo\na,1,x\nb,2,"has, comma"\nc,3,z';
    const root = workspace({ 'data/x.csv': original });
    const source = makeSource('csv', 'data/x.csv');
    await applyActions(createCsvWriter, source, root, [
      fileAction(source, 'create', { id: 'd' }, { id: 'd', amount: 4, memo: 'say "hi"' }),
      fileAction(source, 'delete', { id: 'a' }),
      fileAction(source, 'create', { id: 'e' }, { id: 'e', amount: 5 }),
    ]);
    expect(read(root)).toBe('id,amount,memo\nb,2,"has, comma"\nc,3,z\nd,4,"say ""hi"""\ne,5,');
    const { records } = await readAll(connectorFor(source, root));
    expect(records).toEqual([
      { id: 'b', amount: '2', memo: 'has, comma' },
      { id: 'c', amount: '3', memo: 'z' },
      { id: 'd', amount: '4', memo: 'say "hi"' },
      { id: 'e', amount: '5' },
    ]);
  });

  it('deleting the last row of a file without a final line break keeps it so', async () => {
    const root = workspace({ 'data/x.csv': 'id,n\na,1\nb,2' });
    const source = makeSource('csv', 'data/x.csv');
    await applyActions(createCsvWriter, source, root, [fileAction(source, 'delete', { id: 'b' })]);
    expect(read(root)).toBe('id,n\na,1');
  });

  it('keeps the byte-order mark, blank lines and unreadable rows where they were', async () => {
    const original = '\ufeffid,n\na,1\n\nbroken row with,too,many,fields\nb,2\n';
    const root = workspace({ 'data/x.csv': original });
    const source = makeSource('csv', 'data/x.csv');
    await applyActions(createCsvWriter, source, root, [fileAction(source, 'update', { id: 'b' }, { id: 'b', n: '3' })]);
    expect(read(root)).toBe('\ufeffid,n\na,1\n\nbroken row with,too,many,fields\nb,3\n');
  });

  it('is idempotent: create of an existing key updates it, delete of a missing key is a no-op', async () => {
    const original = 'id,n,note\na,1,keep\nb,2,keep\n';
    const root = workspace({ 'data/x.csv': original });
    const source = makeSource('csv', 'data/x.csv');
    const committed = await applyActions(createCsvWriter, source, root, [
      fileAction(source, 'create', { id: 'a' }, { id: 'a', n: '10' }),
      fileAction(source, 'delete', { id: 'zz' }),
    ]);
    expect(committed.map((action) => action.item.id)).toEqual(['p/missing/a', 'p/extra/zz']);
    expect(read(root)).toBe('id,n,note\na,10,keep\nb,2,keep\n');
    // Applying the same actions again changes nothing.
    await applyActions(createCsvWriter, source, root, [fileAction(source, 'create', { id: 'a' }, { id: 'a', n: '10' }), fileAction(source, 'delete', { id: 'zz' })]);
    expect(read(root)).toBe('id,n,note\na,10,keep\nb,2,keep\n');
  });

  it('an update of a missing key fails (not transient) and leaves the session usable', async () => {
    const root = workspace({ 'data/x.csv': 'id,n\na,1\n' });
    const source = makeSource('csv', 'data/x.csv');
    const session = await createCsvWriter(source, { workspaceRoot: root, observedAt: '2026-11-26T12:00:00Z', env: {} }).open();
    const error = await writeErrorOf(session.perform(fileAction(source, 'update', { id: 'nope' }, { id: 'nope', n: '2' })));
    expect(error.transient).toBe(false);
    expect(error.message).toBe('source things: cannot update id=nope: data/x.csv has no record with that key (any more)');
    await session.perform(fileAction(source, 'update', { id: 'a' }, { id: 'a', n: '5' }));
    expect((await session.commit()).map((a) => a.item.id)).toEqual(['p/changed/a']);
    expect(read(root)).toBe('id,n\na,5\n');
  });

  it('matches composite keys on every key field', async () => {
    const original = 'account,day,total\nacme,2026-11-01,10\nacme,2026-11-02,20\nbeta,2026-11-01,30\n';
    const root = workspace({ 'data/x.csv': original });
    const source = makeSource('csv', 'data/x.csv', { key: ['account', 'day'] });
    await applyActions(createCsvWriter, source, root, [
      fileAction(source, 'update', { account: 'acme', day: '2026-11-02' }, { account: 'acme', day: '2026-11-02', total: '25' }),
      fileAction(source, 'delete', { account: 'beta', day: '2026-11-01' }),
      fileAction(source, 'create', { account: 'beta', day: '2026-11-02' }, { account: 'beta', day: '2026-11-02', total: '1' }),
    ]);
    expect(read(root)).toBe('account,day,total\nacme,2026-11-01,10\nacme,2026-11-02,25\nbeta,2026-11-02,1\n');
  });

  it('finds keys through select and fields coercion, and never touches out-of-scope records', async () => {
    const original = 'ref,state,n\n7,live,1\n8,voided,2\n';
    const root = workspace({ 'data/x.csv': original });
    const source: IrSource = makeSource('csv', 'data/x.csv', {
      key: ['id'],
      select: [
        { name: 'id', expr: { var: 'ref' }, reads: ['ref'], plainPath: 'ref', at: 't:1:1' },
        { name: 'state', expr: { var: 'state' }, reads: ['state'], plainPath: 'state', at: 't:2:1' },
        { name: 'n', expr: { var: 'n' }, reads: ['n'], plainPath: 'n', at: 't:3:1' },
      ],
      fields: [{ name: 'id', type: 'integer' }],
      where: { expr: { '!==': [{ var: 'state' }, 'voided'] }, at: 't:4:1' },
    });
    await applyActions(createCsvWriter, source, root, [fileAction(source, 'update', { id: 7 }, { ref: 7, n: 9 })]);
    expect(read(root)).toBe('ref,state,n\n7,live,9\n8,voided,2\n');
    // Key 8 is out of scope: a delete does not see it.
    await applyActions(createCsvWriter, source, root, [fileAction(source, 'delete', { id: 8 }, { ref: 8 })]);
    expect(read(root)).toBe('ref,state,n\n7,live,9\n8,voided,2\n');
  });

  it('refuses records that share a key, and columns the file does not have', async () => {
    const original = 'id,n\na,1\na,2\nb,3\n';
    const root = workspace({ 'data/x.csv': original });
    const source = makeSource('csv', 'data/x.csv');
    const session = await createCsvWriter(source, { workspaceRoot: root, observedAt: '2026-11-26T12:00:00Z' }).open();
    const shared = await writeErrorOf(session.perform(fileAction(source, 'delete', { id: 'a' })));
    expect(shared.message).toContain('data/x.csv has 2 records with key id=a');
    const column = await writeErrorOf(session.perform(fileAction(source, 'update', { id: 'b' }, { id: 'b', extra: 'x' })));
    expect(column.message).toBe('source things: data/x.csv has no column "extra" (columns: id, n); recon does not add columns to a CSV file');
    expect(await session.commit()).toEqual([]);
    expect(read(root)).toBe(original);
  });

  it('writes by column position without a header', async () => {
    const root = workspace({ 'data/x.csv': 'a|1\nb|2\n' });
    const source = makeSource('csv', 'data/x.csv', { key: ['column1'], options: { delimiter: '|', header: false } });
    await applyActions(createCsvWriter, source, root, [
      fileAction(source, 'update', { column1: 'b' }, { column1: 'b', column2: '20' }),
      fileAction(source, 'create', { column1: 'c' }, { column1: 'c', column2: '3' }),
    ]);
    expect(read(root)).toBe('a|1\nb|20\nc|3\n');
  });

  it('an empty file with a header option gets its header from the first record written', async () => {
    const root = workspace({ 'data/x.csv': '' });
    const source = makeSource('csv', 'data/x.csv');
    await applyActions(createCsvWriter, source, root, [fileAction(source, 'create', { id: 'a' }, { id: 'a', n: 1 })]);
    expect(read(root)).toBe('id,n\na,1\n');
  });

  it('writes values as text: numbers, booleans, null as an empty cell, objects as JSON', async () => {
    const root = workspace({ 'data/x.csv': 'id,n,flag,meta\n' });
    const source = makeSource('csv', 'data/x.csv');
    await applyActions(createCsvWriter, source, root, [fileAction(source, 'create', { id: 'a' }, { id: 'a', n: 1.5, flag: true, meta: { k: [1] } })]);
    expect(read(root)).toBe('id,n,flag,meta\na,1.5,true,"{""k"":[1]}"\n');
    await applyActions(createCsvWriter, source, root, [fileAction(source, 'update', { id: 'a' }, { id: 'a', flag: null })]);
    expect(read(root)).toBe('id,n,flag,meta\na,1.5,,"{""k"":[1]}"\n');
  });

  it('detects the quoting style of the data rows', async () => {
    const root = workspace({ 'data/x.csv': 'id,name,n\n"a","Ann",1\n"b","Bob",2\n' });
    const source = makeSource('csv', 'data/x.csv');
    await applyActions(createCsvWriter, source, root, [fileAction(source, 'create', { id: 'c' }, { id: 'c', name: 'Cy', n: 3 })]);
    expect(read(root)).toBe('id,name,n\n"a","Ann",1\n"b","Bob",2\n"c","Cy",3\n');
  });

  it('refuses a path outside the workspace', async () => {
    const root = workspace({ 'data/x.csv': 'id\na\n' });
    const source = makeSource('csv', '../outside.csv');
    const error = await writeErrorOf(createCsvWriter(source, { workspaceRoot: root, observedAt: '2026-11-26T12:00:00Z' }).open());
    expect(error.message).toContain('leaves the workspace root');
  });
});

describe('atomic commits', () => {
  const failing = (step: keyof AtomicFileSystem): AtomicFileSystem => ({
    ...nodeFileSystem,
    [step]: () => {
      throw Object.assign(new Error(`${step} failed`), { code: 'EIO' });
    },
  });

  for (const step of ['renameSync', 'fsyncSync', 'writeSync'] as const) {
    it(`leaves the old file intact and no temporary file behind when ${step} fails`, async () => {
      const original = 'id,n\na,1\nb,2\n';
      const root = workspace({ 'data/x.csv': original });
      const source = makeSource('csv', 'data/x.csv');
      const factory = fileWriterFactory(csvFileFormat, { fs: failing(step) });
      const session = await factory(source, { workspaceRoot: root, observedAt: '2026-11-26T12:00:00Z' }).open();
      await session.perform(fileAction(source, 'update', { id: 'a' }, { id: 'a', n: '100' }));
      const error = await writeErrorOf(session.commit());
      expect(error.message).toBe(`source things: cannot rewrite data/x.csv: ${step} failed; the file was left as it was`);
      expect(read(root)).toBe(original);
      expect(readdirSync(path.join(root, 'data'))).toEqual(['x.csv']);
    });
  }

  it('fails (not transiently: committing again cannot succeed) when the file changed after it was read, writing nothing', async () => {
    const root = workspace({ 'data/x.csv': 'id,n\na,1\n' });
    const source = makeSource('csv', 'data/x.csv');
    const session = await createCsvWriter(source, { workspaceRoot: root, observedAt: '2026-11-26T12:00:00Z' }).open();
    await session.perform(fileAction(source, 'update', { id: 'a' }, { id: 'a', n: '2' }));
    writeFileSync(path.join(root, 'data/x.csv'), 'id,n\na,1\nb,7\n');
    const error = await writeErrorOf(session.commit());
    expect(error.transient).toBe(false);
    expect(error.message).toContain('changed while recon was applying');
    expect(read(root)).toBe('id,n\na,1\nb,7\n');
  });

  it('keeps the file mode and leaves no temporary file after a successful commit', async () => {
    const root = workspace({ 'data/x.csv': 'id,n\na,1\n' });
    const file = path.join(root, 'data/x.csv');
    (await import('node:fs')).chmodSync(file, 0o640);
    const source = makeSource('csv', 'data/x.csv');
    await applyActions(createCsvWriter, source, root, [fileAction(source, 'update', { id: 'a' }, { id: 'a', n: '2' })]);
    expect((await import('node:fs')).statSync(file).mode & 0o777).toBe(0o640);
    expect(readdirSync(path.join(root, 'data'))).toEqual(['x.csv']);
    expect(existsSync(file)).toBe(true);
  });
});
