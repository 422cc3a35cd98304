/**
 * A file writer never rewrites a file that is not UTF-8: decoded leniently, every byte that is
 * not UTF-8 (a Latin-1 file changed since the plan was made) would come back as U+FFFD in rows
 * the plan never touched. It refuses, naming the first bad line, and leaves the file as it was.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCsvWriter, createJsonlWriter } from '../../../runtime/write/writer-registry.js';
import { makeSource, makeWorkspace } from '../connectors/source-fixture.js';
import { applyActions, fileAction, writeErrorOf } from './writer-fixture.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
});

describe('file writers and a file that is not UTF-8', () => {
  it.each([
    ['csv', createCsvWriter, 'id,name\na,caf\xe9\nb,bob\n', 'x.csv:2:6'],
    ['jsonl', createJsonlWriter, '{"id":"a","name":"caf\xe9"}\n{"id":"b","name":"bob"}\n', 'x.jsonl:1:22'],
  ] as const)('%s: refuses to rewrite it and writes nothing', async (kind, factory, content, at) => {
    const ws = makeWorkspace();
    cleanups.push(ws.cleanup);
    const file = path.join(ws.root, `x.${kind}`);
    const bytes = Buffer.from(content, 'latin1');
    writeFileSync(file, bytes);
    const source = makeSource(kind, `x.${kind}`);
    const error = await writeErrorOf(applyActions(factory, source, ws.root, [fileAction(source, 'update', { id: 'b' }, { id: 'b', name: 'bobby' })]));
    expect(error.message).toContain(`source things: cannot rewrite ${at}: not valid UTF-8 (byte 0xE9)`);
    expect(error.message).toContain('nothing was written');
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });
});
