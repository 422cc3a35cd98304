import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWriter } from '../../../runtime/write/writer-registry.js';
import { WriteError } from '../../../runtime/write/writer.js';
import { makeSource, makeWorkspace, OBSERVED_AT } from '../connectors/source-fixture.js';
import { fileAction, writeErrorOf } from './writer-fixture.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('writer registry', () => {
  it('builds file writers that stage, and refuses inline sources', () => {
    const context = { workspaceRoot: '/nowhere', observedAt: OBSERVED_AT };
    for (const kind of ['csv', 'json', 'jsonl', 'yaml'] as const) expect(createWriter(makeSource(kind, `x.${kind}`), context).staged).toBe(true);
    const inline = () => createWriter(makeSource('inline', []), context);
    expect(inline).toThrow(WriteError);
    expect(inline).toThrow('source things: an inline() source cannot be written');
  });
});

describe('file write sessions', () => {
  function setup(content: string) {
    const ws = makeWorkspace({ 'x.jsonl': content, 'other.jsonl': '' });
    cleanups.push(ws.cleanup);
    const source = makeSource('jsonl', 'x.jsonl');
    const writer = createWriter(source, { workspaceRoot: ws.root, observedAt: OBSERVED_AT });
    return { root: ws.root, source, writer, read: () => readFileSync(path.join(ws.root, 'x.jsonl'), 'utf8') };
  }

  it('goes on after a commit: later actions see the committed state and commit again', async () => {
    const { source, writer, read } = setup('{"id":"a","n":1}\n');
    const session = await writer.open();
    await session.perform(fileAction(source, 'create', { id: 'b' }, { id: 'b', n: 2 }));
    expect(await session.commit()).toHaveLength(1);
    expect(read()).toBe('{"id":"a","n":1}\n{"id":"b","n":2}\n');
    await session.perform(fileAction(source, 'update', { id: 'b' }, { id: 'b', n: 3 }));
    expect(await session.commit()).toHaveLength(1);
    expect(read()).toBe('{"id":"a","n":1}\n{"id":"b","n":3}\n');
    expect(await session.commit()).toEqual([]);
    await session.close();
  });

  it('close drops staged actions; a closed session refuses work', async () => {
    const { source, writer, read } = setup('{"id":"a","n":1}\n');
    const session = await writer.open();
    await session.perform(fileAction(source, 'delete', { id: 'a' }));
    await session.close();
    expect(read()).toBe('{"id":"a","n":1}\n');
    expect((await writeErrorOf(session.perform(fileAction(source, 'delete', { id: 'a' })))).message).toContain('the write session is closed');
  });

  it('refuses effects for another file or of another kind, and honours a cancelled signal', async () => {
    const { source, writer } = setup('{"id":"a"}\n');
    const session = await writer.open();
    const elsewhere = fileAction(makeSource('jsonl', 'other.jsonl'), 'delete', { id: 'a' });
    expect((await writeErrorOf(session.perform(elsewhere))).message).toBe(
      'source things: p/extra/a writes jsonl("other.jsonl"), not this source\'s jsonl("x.jsonl")',
    );
    const ticket = { ...fileAction(source, 'delete', { id: 'a' }), effect: { kind: 'ticket' as const, title: 't' } };
    expect((await writeErrorOf(session.perform(ticket))).message).toContain('has a ticket effect');
    const controller = new AbortController();
    controller.abort();
    const cancelled = await writeErrorOf(session.perform(fileAction(source, 'delete', { id: 'a' }), controller.signal));
    expect(cancelled.transient).toBe(true);
    expect(await session.commit()).toEqual([]);
  });

  it('a file that disappeared is a clear error at open', async () => {
    const ws = makeWorkspace({});
    cleanups.push(ws.cleanup);
    const error = await writeErrorOf(createWriter(makeSource('csv', 'gone.csv'), { workspaceRoot: ws.root, observedAt: OBSERVED_AT }).open());
    expect(error.message).toBe('source things: cannot read gone.csv: the file does not exist');
    expect(error.transient).toBe(false);
  });
});
