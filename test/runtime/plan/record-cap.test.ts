import { describe, expect, it } from 'vitest';
import type { ObservedBatch } from '../../../runtime/observe/record-reader.js';
import type { InvalidRecord, ObservedRecord } from '../../../runtime/observe/observed-record.js';
import { capRecords } from '../../../runtime/plan/record-cap.js';

/** Batches of `sizes` records each (ids numbered across batches); `invalidAt` marks batches whose last record is invalid. */
function batches(sizes: number[], invalidAt: number[] = []): ObservedBatch[] {
  let n = 0;
  return sizes.map((size, b) => {
    const records: ObservedRecord[] = [];
    const invalid: InvalidRecord[] = [];
    for (let i = 0; i < size; i++) {
      n++;
      if (invalidAt.includes(b) && i === size - 1) invalid.push({ position: n } as unknown as InvalidRecord);
      else records.push({ keyText: `k${n}` } as unknown as ObservedRecord);
    }
    return { records, invalid, warnings: [], outOfScope: 0 };
  });
}

async function* source(list: ObservedBatch[], pulled: { count: number }): AsyncGenerator<ObservedBatch> {
  for (const batch of list) {
    pulled.count++;
    yield batch;
  }
}

async function run(list: ObservedBatch[], cap: number): Promise<{ sizes: number[]; cuts: number; pulled: number }> {
  const pulled = { count: 0 };
  let cuts = 0;
  const sizes: number[] = [];
  for await (const batch of capRecords(source(list, pulled), cap, () => cuts++)) sizes.push(batch.records.length + batch.invalid.length);
  return { sizes, cuts, pulled: pulled.count };
}

describe('capRecords', () => {
  it('cuts the batch that crosses the cap and stops pulling', async () => {
    expect(await run(batches([3, 3, 3, 3]), 4)).toEqual({ sizes: [3, 1], cuts: 1, pulled: 2 });
  });

  it('counts invalid records against the cap', async () => {
    const pulled = { count: 0 };
    const out: ObservedBatch[] = [];
    for await (const batch of capRecords(source(batches([2, 3], [1]), pulled), 4, () => undefined)) out.push(batch);
    expect(out.map((b) => [b.records.length, b.invalid.length])).toEqual([[2, 0], [2, 0]]);
    const all: ObservedBatch[] = [];
    for await (const batch of capRecords(source(batches([2, 3], [1]), pulled), 5, () => undefined)) all.push(batch);
    expect(all.map((b) => [b.records.length, b.invalid.length])).toEqual([[2, 0], [2, 1]]);
  });

  it('leaves a source of exactly the cap whole, and cuts one with a single record more', async () => {
    expect(await run(batches([3, 3]), 6)).toEqual({ sizes: [3, 3], cuts: 0, pulled: 2 });
    expect(await run(batches([3, 3, 1]), 6)).toEqual({ sizes: [3, 3], cuts: 1, pulled: 3 });
  });

  it('reads nothing past a cap of zero', async () => {
    expect(await run(batches([3, 3]), 0)).toEqual({ sizes: [], cuts: 1, pulled: 1 });
    expect(await run([], 0)).toEqual({ sizes: [], cuts: 0, pulled: 0 });
  });
});
