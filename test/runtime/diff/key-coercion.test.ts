/**
 * Keys typed on one side only (`observe/key-typing.ts`) through `diffSources`, on both diff
 * paths: the generic path joins the coerced keys; the CSV fast path, which takes only keys that
 * are undeclared or `string` (CSV text on both sides: coercion changes nothing), gives the same
 * result, and keys of another declared type go to the generic path.
 */
import { describe, expect, it } from 'vitest';
import { diffSources, type DiffPathReport } from '../../../runtime/diff/diff-sources.js';
import { OBSERVED_AT, policy, source, workspace } from './diff-fixture.js';

const rows = (lines: string[]) => ['id,qty', ...lines].join('\n') + '\n';

async function bothPaths(files: Record<string, string>, desiredFields: Record<string, 'string' | 'integer'> | null) {
  const ws = workspace(files);
  try {
    const d = source('desired', { kind: 'csv', path: 'd.csv', fields: desiredFields });
    const a = source('actual', { kind: 'csv', path: 'a.csv' });
    const ctx = { observedAt: OBSERVED_AT, env: {}, workspaceRoot: ws.root, trusted: true };
    const generic = await diffSources(policy(), d, a, { ...ctx, fastPath: { enabled: false } });
    let report: DiffPathReport | null = null;
    const fast = await diffSources(policy(), d, a, { ...ctx, fastPath: { minBytes: 0, workers: 0, report: (r) => (report = r) } });
    return { generic, fast, report: report as DiffPathReport | null };
  } finally {
    ws.cleanup();
  }
}

describe('a key typed on one side of two csv files', () => {
  it('declared string: both paths give one result, and the fast path is taken', async () => {
    const { generic, fast, report } = await bothPaths({ 'd.csv': rows(['1,5', '2,6', '03,7']), 'a.csv': rows(['1,5', '2,9', '3,7']) }, { id: 'string', qty: 'string' });
    expect(generic.items.map((i) => `${i.kind}/${JSON.stringify(i.keyValues)}`)).toEqual(['missing/["03"]', 'extra/["3"]', 'changed/["2"]']);
    expect(report).toEqual({ path: 'fast', reason: null });
    expect(fast.items).toEqual(generic.items);
    expect(fast.summary).toEqual(generic.summary);
  });

  it('declared integer: the actual text is matched as a number on the generic path (the fast path declines)', async () => {
    const { generic, fast, report } = await bothPaths({ 'd.csv': rows(['1,5', '2,6', '03,7']), 'a.csv': rows(['1,5', '2,9', '3,7', 'x,1']) }, { id: 'integer', qty: 'string' });
    expect(generic.items.map((i) => `${i.kind}/${JSON.stringify(i.keyValues)}`)).toEqual(['changed/[2]', 'invalid/["x"]']);
    expect(generic.summary).toMatchObject({ unchanged: 2, missing: 0, extra: 0, changed: 1, invalid: 1 });
    expect(report?.path).toBe('generic');
    expect(report?.reason).toContain('key id is declared integer');
    expect(fast.items).toEqual(generic.items);
  });
});

describe('an invalid record of a typed side', () => {
  it('withholds its key as the other side matches it: a bad desired row does not make the untyped actual record extra', async () => {
    const { generic } = await bothPaths({ 'd.csv': rows(['1,5', '2,7O']), 'a.csv': rows(['1,5', '02,7']) }, { id: 'integer', qty: 'integer' });
    expect(generic.items.map((i) => `${i.kind}/${i.side}/${JSON.stringify(i.keyValues)}`)).toEqual(['invalid/desired/[2]']);
    expect(generic.summary).toMatchObject({ unchanged: 1, extra: 0, invalid: 1 });
  });
});
