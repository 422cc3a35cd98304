import { afterEach, describe, expect, it } from 'vitest';
import { MAX_RECORD_NESTING, nestsDeeperThan } from '../../../runtime/connectors/record-nesting.js';
import { observeSource, type ObservedBatch } from '../../../runtime/observe/record-reader.js';
import { makeSource, makeWorkspace, OBSERVED_AT } from '../connectors/source-fixture.js';

/**
 * A record from an untrusted file nesting lists 100,000 deep made every run fail with "Maximum
 * call stack size exceeded" (the recursive number check, comparators, hashing): now that record
 * alone is invalid, and the others are read.
 */
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const deep = (n: number, inner = '1') => `${'['.repeat(n)}${inner}${']'.repeat(n)}`;

async function observeText(file: string, kind: 'json' | 'jsonl', text: string): Promise<ObservedBatch> {
  const ws = makeWorkspace({ [file]: text });
  cleanups.push(ws.cleanup);
  const total: ObservedBatch = { records: [], invalid: [], warnings: [], outOfScope: 0 };
  const source = makeSource(kind, file, { key: ['id'] });
  for await (const batch of observeSource(source, 'desired', { workspaceRoot: ws.root, trusted: true, observedAt: OBSERVED_AT, env: {} })) {
    total.records.push(...batch.records);
    total.invalid.push(...batch.invalid);
  }
  return total;
}

describe('records nesting too deep', () => {
  it('measures depth without recursion, the record itself being level 1', () => {
    expect(nestsDeeperThan({ a: 1 }, 1)).toBe(false);
    expect(nestsDeeperThan({ a: [] }, 1)).toBe(true);
    expect(nestsDeeperThan(JSON.parse(`{"v": ${deep(MAX_RECORD_NESTING - 1)}}`))).toBe(false);
    expect(nestsDeeperThan(JSON.parse(`{"v": ${deep(MAX_RECORD_NESTING)}}`))).toBe(true);
    expect(nestsDeeperThan(JSON.parse(deep(200_000)))).toBe(true);
  });

  it('makes a 100,000-deep JSON record invalid, with its key, and reads the others', async () => {
    const text = `[{"id": "a", "v": ${deep(100_000)}}, {"id": "b", "v": ${deep(3)}}]`;
    const { records, invalid } = await observeText('deep.json', 'json', text);
    expect(records.map((r) => r.key)).toEqual([['b']]);
    expect(invalid).toHaveLength(1);
    expect(invalid[0]!.key).toEqual({ id: 'a' });
    expect(invalid[0]!.record).toBeNull();
    expect(invalid[0]!.reason).toBe(`the record nests lists and objects more than ${MAX_RECORD_NESTING} levels deep`);
  });

  it('does the same for JSON Lines, and never keeps a key that is itself deep', async () => {
    const text = `{"id": ${deep(100_000, '"x"')}}\n{"id": "b"}\n`;
    const { records, invalid } = await observeText('deep.jsonl', 'jsonl', text);
    expect(records.map((r) => r.key)).toEqual([['b']]);
    expect(invalid).toHaveLength(1);
    expect(invalid[0]!.key).toBeNull();
  });
});
