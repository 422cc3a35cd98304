/**
 * Test helpers for connectors and the read pipeline: an `IrSource` with defaults, a throw-away
 * workspace folder with files in it, and reading a connector to the end.
 *
 * Why shared: every connector and pipeline test needs the same three things, and an IR source
 * literal has a dozen fields the test does not care about.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IrConnectorKind, IrExpr, IrSource } from '../../../language/ir/ir-types.js';
import type { Connector, RawRecord, RawRecordOrigin, UnreadableRecord } from '../../../runtime/connectors/connector.js';
import { createConnector, createConnectorContext } from '../../../runtime/connectors/connector-registry.js';

/** The observed_at every test uses. */
export const OBSERVED_AT = '2026-11-26T12:00:00.000Z';

/** A source reading `kind(path)` with the given options; everything else defaulted. */
export function makeSource(
  kind: IrConnectorKind,
  pathOrArgs: string | IrExpr[],
  overrides: Partial<IrSource> & { options?: Record<string, IrExpr> } = {},
): IrSource {
  const { options = {}, ...rest } = overrides;
  return {
    name: 'things',
    connector: {
      kind,
      ...(typeof pathOrArgs === 'string' ? { path: pathOrArgs, args: [] } : { args: pathOrArgs }),
      options: Object.entries(options).map(([name, value], i) => ({ name, value, at: `test.recon:1:${20 + i}` })),
      at: 'test.recon:1:8',
    },
    key: ['id'],
    fields: null,
    select: null,
    where: null,
    write: null,
    writable: false,
    doc: null,
    at: 'test.recon:1:1',
    ...rest,
  };
}

/** A fresh folder holding `files` (relative path to content); removed by `cleanup`. */
export function makeWorkspace(files: Record<string, string> = {}): { root: string; cleanup: () => void } {
  const root = mkdtempSync(path.join(tmpdir(), 'recon-test-'));
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(root, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** The connector of `source` in `root`, with the test's observed_at and env. */
export function connectorFor(source: IrSource, root: string, env: Record<string, string> = {}): Connector {
  return createConnector(source, createConnectorContext({ workspaceRoot: root, trusted: true, observedAt: OBSERVED_AT, env }));
}

/** Everything a connector yields, flattened, plus how many batches it took. */
export async function readAll(connector: Connector): Promise<{
  records: RawRecord[];
  origins: RawRecordOrigin[];
  unreadable: UnreadableRecord[];
  batches: number;
}> {
  const result = { records: [] as RawRecord[], origins: [] as RawRecordOrigin[], unreadable: [] as UnreadableRecord[], batches: 0 };
  for await (const batch of connector.read()) {
    result.batches++;
    result.records.push(...batch.records);
    result.origins.push(...batch.origins);
    result.unreadable.push(...batch.unreadable);
  }
  return result;
}
