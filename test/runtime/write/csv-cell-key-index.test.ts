/**
 * The file writer's key index filled from key cells (`RecordKeyIndex.addCandidate`, CSV
 * `forEachCells`, `KeyHashTable`): the path a large CSV file takes when its key is its own text.
 * Each test checks that it answers as the full pipeline pass did: quoting, line breaks in cells,
 * CRLF and a byte-order mark kept; shared keys refused; invalid and out-of-scope rows never
 * matched; shared hashes told apart; a row changed since the plan still stale.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IrSource } from '../../../language/ir/ir-types.js';
import { directKeyColumns, rawKeyStrings } from '../../../runtime/observe/direct-key.js';
import { keyText } from '../../../runtime/observe/key-text.js';
import { sha256OfCanonical } from '../../../runtime/plan/canonical-json.js';
import { keyHash, KeyHashTable } from '../../../runtime/write/key-hash-table.js';
import { createCsvWriter } from '../../../runtime/write/writer-registry.js';
import { StaleWriteError } from '../../../runtime/write/writer.js';
import { makeSource } from '../connectors/source-fixture.js';
import { applyActions, fileAction, workspacesRemovedAfterEach, writeErrorOf } from './writer-fixture.js';

const workspace = workspacesRemovedAfterEach();

const read = (root: string) => readFileSync(path.join(root, 'data/x.csv'), 'utf8');

/** Two different keys whose key texts share a `keyHash` (found by search, deterministic). */
function collidingKeys(): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const key = `k${i}`;
    const hash = keyHash(keyText([key]));
    const other = seen.get(hash);
    if (other !== undefined) return [other, key];
    seen.set(hash, key);
  }
}

describe('csv writer, key index from key cells', () => {
  it('finds quoted keys and keys next to cells with line breaks, keeping BOM, CRLF and every other byte', async () => {
    const original = '\ufeffid,memo,n\r\n"a,1","two\r\nlines",1\r\nb,"say ""hi""",2\r\n"c ""q""",x,3\r\n';
    const root = workspace({ 'data/x.csv': original });
    const source = makeSource('csv', 'data/x.csv');
    await applyActions(createCsvWriter, source, root, [
      fileAction(source, 'update', { id: 'a,1' }, { id: 'a,1', n: 10 }),
      fileAction(source, 'update', { id: 'c "q"' }, { id: 'c "q"', n: 30 }),
      fileAction(source, 'delete', { id: 'b' }),
      fileAction(source, 'create', { id: 'd' }, { id: 'd', n: 4 }),
    ]);
    expect(read(root)).toBe('\ufeffid,memo,n\r\n"a,1","two\r\nlines",10\r\n"c ""q""",x,30\r\nd,,4\r\n');
  });

  it('refuses keys two rows share, but not when one of them is invalid (as the plan saw it)', async () => {
    const root = workspace({ 'data/x.csv': 'id,n\na,1\na,2\nb,3\nb,oops\n' });
    const source: IrSource = makeSource('csv', 'data/x.csv', { fields: [{ name: 'id', type: 'string' }, { name: 'n', type: 'integer' }] });
    expect(directKeyColumns(source, null)).toEqual(['id']);
    const shared = await writeErrorOf(applyActions(createCsvWriter, source, root, [fileAction(source, 'delete', { id: 'a' })]));
    expect(shared.message).toContain('data/x.csv has 2 records with key id=a');
    // `b,oops` is invalid (n is not an integer): it has no key, so b is one record.
    await applyActions(createCsvWriter, source, root, [fileAction(source, 'update', { id: 'b' }, { id: 'b', n: 4 })]);
    expect(read(root)).toBe('id,n\na,1\na,2\nb,4\nb,oops\n');
  });

  it('never matches an out-of-scope row', async () => {
    const root = workspace({ 'data/x.csv': 'id,state\na,live\nb,voided\n' });
    const source: IrSource = makeSource('csv', 'data/x.csv', { where: { expr: { '!==': [{ var: 'state' }, 'voided'] }, at: 't:4:1' } });
    await applyActions(createCsvWriter, source, root, [fileAction(source, 'delete', { id: 'b' })]);
    expect(read(root)).toBe('id,state\na,live\nb,voided\n');
    const missing = await writeErrorOf(applyActions(createCsvWriter, source, root, [fileAction(source, 'update', { id: 'b' }, { id: 'b', state: 'live' })]));
    expect(missing.message).toContain('has no record with that key');
  });

  it('tells apart keys whose texts share a hash', async () => {
    const [first, second] = collidingKeys();
    expect(first).not.toBe(second);
    const root = workspace({ 'data/x.csv': `id,n\n${first},1\n${second},2\n` });
    const source = makeSource('csv', 'data/x.csv');
    await applyActions(createCsvWriter, source, root, [
      fileAction(source, 'update', { id: second }, { id: second, n: 20 }),
      fileAction(source, 'delete', { id: first }),
    ]);
    expect(read(root)).toBe(`id,n\n${second},20\n`);
  });

  it('still refuses a row changed since the plan as stale, and applies one that did not change', async () => {
    const root = workspace({ 'data/x.csv': 'id,n\na,1\nb,2\n' });
    const source = makeSource('csv', 'data/x.csv');
    const stale = fileAction(source, 'update', { id: 'a' }, { id: 'a', n: 5 });
    stale.item.precondition = sha256OfCanonical({ id: 'a', n: '0' });
    const error = await applyActions(createCsvWriter, source, root, [stale]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StaleWriteError);
    const fresh = fileAction(source, 'update', { id: 'b' }, { id: 'b', n: 6 });
    fresh.item.precondition = sha256OfCanonical({ id: 'b', n: '2' });
    await applyActions(createCsvWriter, source, root, [fresh]);
    expect(read(root)).toBe('id,n\na,1\nb,6\n');
  });

  it('reads keys from cells only when the key is its own text', () => {
    const plain = makeSource('csv', 'data/x.csv');
    expect(directKeyColumns(plain, null)).toEqual(['id']);
    expect(directKeyColumns(makeSource('csv', 'data/x.csv', { fields: [{ name: 'id', type: 'integer' }] }), null)).toBeNull();
    expect(directKeyColumns(plain, { types: ['integer'], declaredBy: ["the desired source 'w'"] })).toBeNull();
    expect(directKeyColumns(makeSource('csv', 'data/x.csv', { key: ['a.b'] }), null)).toBeNull();
    expect(
      directKeyColumns(makeSource('csv', 'data/x.csv', { select: [{ name: 'id', expr: { var: 'ref' }, reads: ['ref'], plainPath: 'ref', at: 't:1:1' }] }), null),
    ).toBeNull();
    expect(rawKeyStrings({ id: 'x' }, ['id'])).toEqual(['x']);
    expect(rawKeyStrings({ id: 5 }, ['id'])).toBeNull();
    expect(rawKeyStrings({ id: '' }, ['id'])).toBeNull();
  });

  it('KeyHashTable answers every position added with a hash, in order', () => {
    const table = new KeyHashTable(4);
    table.add(7, 0);
    table.add(7 + 16, 1); // same slot, other hash
    table.add(7, 2);
    expect(table.candidates(7)).toEqual([0, 2]);
    expect(table.candidates(7 + 16)).toEqual([1]);
    expect(table.candidates(8)).toEqual([]);
  });
});
