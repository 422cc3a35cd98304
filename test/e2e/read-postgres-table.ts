/**
 * A child process for the streaming test: reads a postgres source to the end through the
 * connector, keeping nothing, and prints what it saw and its memory as one JSON line.
 * Run with: node --import tsx test/e2e/read-postgres-table.ts URL TABLE
 *
 * Why a child: its resident memory belongs to this read alone, so the test can bound it.
 */
import { createConnector, createConnectorContext } from '../../runtime/connectors/connector-registry.js';
import type { IrSource } from '../../language/ir/ir-types.js';

const [url, table] = process.argv.slice(2);
const source: IrSource = {
  name: 'big',
  connector: { kind: 'postgres', args: [url], options: [{ name: 'table', value: table, at: 'big.recon:1:1' }], at: 'big.recon:1:1' },
  key: ['id'],
  fields: null,
  select: null,
  where: null,
  write: null,
  writable: true,
  doc: null,
  at: 'big.recon:1:1',
};
const connector = createConnector(source, createConnectorContext({ workspaceRoot: process.cwd(), trusted: true, observedAt: '2026-11-26T12:00:00Z' }));
global.gc?.();
const baseline = process.memoryUsage().rss;
let peak = baseline;
let records = 0;
let batches = 0;
let lastId = 0;
let ordered = true;
for await (const batch of connector.read()) {
  batches += 1;
  records += batch.records.length;
  for (const record of batch.records) {
    if ((record.id as number) <= lastId) ordered = false;
    lastId = record.id as number;
  }
  peak = Math.max(peak, process.memoryUsage().rss);
}
process.stdout.write(JSON.stringify({ records, batches, ordered, baselineMb: baseline / 2 ** 20, peakMb: peak / 2 ** 20 }) + '\n');
