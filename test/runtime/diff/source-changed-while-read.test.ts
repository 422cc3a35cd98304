/**
 * A data file that another process replaces or rewrites while a diff reads it stops the run
 * (`observe/source-file-snapshot.ts`): the CSV fast path reads a file several times by its path,
 * so a plan from a replaced file mixed the old and the new records. Both paths, real files: the
 * change is made from the progress callback (fast path) or between two batches (generic path).
 */
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../runtime/connectors/connector.js';
import { diffSources } from '../../../runtime/diff/diff-sources.js';
import { observeSource, type ObservedBatch } from '../../../runtime/observe/record-reader.js';
import type { IrSource } from '../../../language/ir/ir-types.js';
import { OBSERVED_AT, policy, source, workspace } from './diff-fixture.js';

const d = source('desired', { kind: 'csv', path: 'desired.csv', fields: { id: 'string', amount: 'number' } });
const a = source('actual', { kind: 'csv', path: 'actual.csv', fields: { id: 'string', amount: 'number' } });
const p = policy();

function rows(count: number, amount: number): string {
  const lines = ['id,amount'];
  for (let i = 0; i < count; i++) lines.push(`k${i},${amount + (i % 97)}`);
  return lines.join('\n') + '\n';
}

const context = (root: string) => ({ observedAt: OBSERVED_AT, env: {}, workspaceRoot: root, trusted: true });

describe('a data file changed while the diff reads it', () => {
  it('fast path: the desired file replaced (renamed over) during the scan stops the run naming it', async () => {
    const ws = workspace({ 'desired.csv': rows(400_000, 0), 'actual.csv': rows(400_000, 0) });
    try {
      writeFileSync(join(ws.root, 'next.csv'), rows(400_000, 1000));
      let replaced = false;
      let path: string | null = null;
      const run = diffSources(p, d, a, {
        ...context(ws.root),
        fastPath: {
          minBytes: 0,
          workers: 2,
          minRangeBytes: 1 << 20,
          report: (r) => (path = r.path),
          onProgress: (side) => {
            if (side !== 'desired' || replaced) return;
            replaced = true;
            renameSync(join(ws.root, 'next.csv'), join(ws.root, 'desired.csv'));
          },
        },
      });
      const error = await run.then(() => null, (e: unknown) => e);
      expect(replaced).toBe(true);
      expect(path).toBe('fast');
      expect(error).toBeInstanceOf(ConnectorError);
      expect((error as Error).message).toBe(
        'source desired: desired.csv was replaced while recon read it (by another process); a plan from it would mix the old and the new records, so nothing was planned: run again',
      );
    } finally {
      ws.cleanup();
    }
  }, 120_000);

  it('generic path: the actual file written in place between two batches stops the run', async () => {
    const ws = workspace({ 'desired.csv': rows(50, 0), 'actual.csv': rows(50, 0) });
    try {
      let written = false;
      const readSide = async function* (s: IrSource, side: 'desired' | 'actual'): AsyncIterable<ObservedBatch> {
        for await (const batch of observeSource(s, side, context(ws.root))) {
          yield batch;
          if (side === 'actual' && !written) {
            written = true;
            appendFileSync(join(ws.root, 'actual.csv'), 'k999,5\n');
          }
        }
      };
      const error = await diffSources(p, d, a, { ...context(ws.root), fastPath: { enabled: false }, readSide }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(written).toBe(true);
      expect((error as Error).message).toBe(
        'source actual: actual.csv was written while recon read it (by another process); a plan from it would mix the old and the new records, so nothing was planned: run again',
      );
    } finally {
      ws.cleanup();
    }
  });

  it('an unchanged file diffs as always (no error, same result on both paths)', async () => {
    const ws = workspace({ 'desired.csv': rows(300_000, 0), 'actual.csv': rows(300_000, 1) });
    try {
      const fast = await diffSources(p, d, a, { ...context(ws.root), fastPath: { minBytes: 0, workers: 2 } });
      const generic = await diffSources(p, d, a, { ...context(ws.root), fastPath: { enabled: false } });
      expect(fast.summary).toEqual(generic.summary);
      expect(fast.summary.changed).toBeGreaterThan(0);
    } finally {
      ws.cleanup();
    }
  }, 120_000);
});
