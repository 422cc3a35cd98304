/**
 * Test helpers for the diff engine: IR sources and policies with defaults, observed records
 * without I/O, a CSV writer, and a throw-away workspace.
 *
 * Why shared: every diff test needs a policy, two sources and records; an IR literal has a dozen
 * fields the test does not care about.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IrComparator, IrDiffKind, IrFieldType, IrPolicy, IrSource } from '../../../language/ir/ir-types.js';
import { diffPolicy, type ObservedBatch } from '../../../runtime/diff/diff-engine.js';
import type { DiffItem, DiffResult } from '../../../runtime/diff/diff-result.js';
import { observeRecords } from '../../../runtime/observe/record-reader.js';

export const OBSERVED_AT = '2026-11-26T12:00:00.000Z';
export const EVALUATION = { observedAt: OBSERVED_AT, env: {} };

/**
 * An item of `kind` keyed `{ id: keyValues[0] }`, without records or fields (what ordering and
 * identity tests need); an invalid one is on the desired side at `position`.
 */
export function bareItem(kind: IrDiffKind, keyValues: unknown[], position = 0): DiffItem {
  const invalid = kind === 'invalid';
  return {
    kind,
    key: { id: keyValues[0] },
    keyValues,
    desired: null,
    actual: null,
    desiredRaw: null,
    actualRaw: null,
    fields: [],
    diff: [],
    side: invalid ? 'desired' : null,
    origin: invalid ? { position } : null,
    invalidReason: invalid ? 'bad' : null,
  };
}

/** A source; `fields` as `{ name: type }`, or null for an untyped one. */
export function source(
  name: string,
  options: {
    kind?: 'csv' | 'inline';
    path?: string;
    key?: string[];
    fields?: Record<string, IrFieldType> | null;
    select?: Record<string, string> | null;
    connectorOptions?: Record<string, string | boolean>;
  } = {},
): IrSource {
  const kind = options.kind ?? 'inline';
  return {
    name,
    connector: {
      kind,
      ...(kind === 'csv' ? { path: options.path ?? `${name}.csv` } : {}),
      args: [],
      options: Object.entries(options.connectorOptions ?? {}).map(([n, value]) => ({ name: n, value, at: 'test.recon:2:1' })),
      at: 'test.recon:2:1',
    },
    key: options.key ?? ['id'],
    fields: options.fields ? Object.entries(options.fields).map(([n, type]) => ({ name: n, type })) : null,
    select: options.select
      ? Object.entries(options.select).map(([n, raw]) => ({ name: n, expr: { var: raw }, reads: [raw], plainPath: raw, at: 'test.recon:3:1' }))
      : null,
    where: null,
    write: null,
    writable: false,
    doc: null,
    at: 'test.recon:1:1',
  };
}

/** A policy over `desired`/`actual` with these compare rules (`path: comparator`). */
export function policy(rules: Record<string, IrComparator> = {}, defaultComparator: 'exact' | 'ignore' = 'exact'): IrPolicy {
  return {
    name: 'parity',
    description: null,
    owner: null,
    severity: 'low',
    mode: 'audit',
    desired: 'desired',
    actual: 'actual',
    compare: {
      default: defaultComparator,
      rules: Object.entries(rules).map(([p, comparator]) => ({ path: p, comparator, profile: null, at: 'test.recon:9:3' })),
    },
    remediate: [],
    limits: { max_changes: null, max_ratio: null, max_deletes: null, on_exceed: 'abort' },
    retry: { attempts: 1, backoff_min_ms: 200, backoff_max_ms: 10000 },
    rate: null,
    concurrency: 1,
    schedule_ms: null,
    doc: null,
    at: 'test.recon:8:1',
  };
}

async function* once(batch: ObservedBatch): AsyncGenerator<ObservedBatch> {
  yield batch;
}

/** Diffs records given as the sources present them (no I/O), like a `test` block. */
export function diffRecords(
  p: IrPolicy,
  desired: unknown[],
  actual: unknown[],
  desiredSource: IrSource = source('desired'),
  actualSource: IrSource = source('actual'),
): Promise<DiffResult> {
  return diffPolicy(
    p,
    desiredSource,
    actualSource,
    once(observeRecords(desired, desiredSource, 'desired', EVALUATION)),
    once(observeRecords(actual, actualSource, 'actual', EVALUATION)),
    { evaluation: EVALUATION },
  );
}

/** One CSV cell: quoted when it must be (or when `quote` asks), quotes doubled. */
export function csvCell(value: string, quote = false): string {
  if (quote || /[",\r\n]/.test(value) || value === '') return quote || value !== '' ? `"${value.replace(/"/g, '""')}"` : '';
  return value;
}

/** A folder with these files; `cleanup` removes it. */
export function workspace(files: Record<string, string | Buffer>): { root: string; cleanup: () => void } {
  const root = mkdtempSync(path.join(tmpdir(), 'recon-diff-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(root, name), content);
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
