/**
 * The current state of some keys of a policy: re-reads both sides, keeps only the records of
 * those keys, and compares them with the policy's full rules (the diff engine itself).
 *
 * Why the diff engine and not a field check: "converged" must mean exactly what `recon plan`
 * would say afterwards — `within`, `normalize`, `unordered`, `by`, type coercion, `where`, key
 * validity and duplicate keys included. Three questions of `recon apply` are answered here:
 * whether an item is already done (its key converged), whether its evidence is stale (the actual
 * record's fingerprint no longer matches the plan's `precondition`), and verification after
 * acting (the essay's "stale observation" and "partial update" failure modes).
 *
 * Keys are named by the key part of item ids (`policy/kind/<key part>`), which depends only on
 * the key values, so a saved plan read back from JSON names the same keys as a fresh read.
 */
import type { IrDocument, IrPolicy, IrSource } from '../../language/ir/ir-types.js';
import type { RawRecord } from '../connectors/connector.js';
import { diffPolicy } from '../diff/diff-engine.js';
import type { DiffItem } from '../diff/diff-result.js';
import { readPath } from '../observe/field-path.js';
import type { InvalidRecord, ObservedRecord } from '../observe/observed-record.js';
import { observeSource, type ObservedBatch, type ObserveContext } from '../observe/record-reader.js';
import { directKeyColumns, rawKeyStrings } from '../observe/direct-key.js';
import { policyKeyCoercion, type KeyCoercion } from '../observe/key-typing.js';
import { sha256OfCanonical } from '../plan/canonical-json.js';
import type { PlanItem } from '../plan/change-plan.js';
import { keyIdText } from '../plan/item-id.js';
import { policySources } from '../plan/policy-selection.js';

/** What is true of one key now. */
export interface KeyState {
  /** No drift for the key: both sides absent, or both present and equal under the policy's rules. */
  converged: boolean;
  /** Fingerprint of the actual record (as a plan's `precondition`), null when there is none. */
  actualFingerprint: string | null;
  /** The actual side has more than one record with the key (they are invalid). */
  ambiguous: boolean;
  /** Why it is not converged (the diff item's kind), for messages. */
  drift: DiffItem['kind'] | null;
}

/** The key part of a plan item's id (after `policy/kind/`), or null for invalid items. */
export function itemKeyPart(item: Pick<PlanItem, 'id' | 'kind'>): string | null {
  if (item.kind === 'invalid') return null;
  const first = item.id.indexOf('/');
  const second = item.id.indexOf('/', first + 1);
  return second < 0 ? null : item.id.slice(second + 1);
}

function invalidKeyPart(record: InvalidRecord, keyPaths: readonly string[]): string | null {
  if (record.key === null) return null;
  const values: unknown[] = [];
  for (const path of keyPaths) {
    const value = Object.prototype.hasOwnProperty.call(record.key, path) ? record.key[path] : readPath(record.key, path);
    if (value === undefined || value === null || value === '') return null;
    values.push(value);
  }
  return keyIdText(values);
}

function diffItemKeyPart(item: DiffItem, keyPaths: readonly string[]): string | null {
  if (item.keyValues) return keyIdText(item.keyValues);
  if (!item.key) return null;
  const values = keyPaths.map((path) => item.key![path]);
  if (values.some((value) => value === undefined || value === null || value === '')) return null;
  return keyIdText(values);
}

/** Keeps only the records (valid or invalid) of the wanted keys. */
async function* onlyKeys(
  batches: AsyncIterable<ObservedBatch>,
  keys: ReadonlySet<string>,
  keyPaths: readonly string[],
  seen?: Map<string, ObservedRecord[]>,
): AsyncGenerator<ObservedBatch> {
  for await (const batch of batches) {
    const records = batch.records.filter((record) => {
      const part = keyIdText(record.key);
      if (!keys.has(part)) return false;
      if (seen) {
        const list = seen.get(part);
        if (list) list.push(record);
        else seen.set(part, [record]);
      }
      return true;
    });
    const invalid = batch.invalid.filter((record) => {
      const part = invalidKeyPart(record, keyPaths);
      return part !== null && keys.has(part);
    });
    yield { records, invalid, warnings: batch.warnings, outOfScope: batch.outOfScope };
  }
}

/**
 * A filter of raw records that could have one of `keys` (key parts), or undefined when the
 * source's key is not its raw text (every record then goes through the pipeline). Why: verify
 * re-reads both files for a few hundred keys; running 2M records a side through the pipeline
 * only to drop them was most of its time. A record whose key fields are not all strings is kept.
 */
function mayHaveKey(source: IrSource, coercion: KeyCoercion | null, keys: ReadonlySet<string>): ((raw: RawRecord) => boolean) | undefined {
  const columns = directKeyColumns(source, coercion);
  if (columns === null) return undefined;
  return (raw) => {
    const values = rawKeyStrings(raw, columns);
    return values === null || keys.has(keyIdText(values));
  };
}

/**
 * Re-reads both sides of `policy` and returns the state of each key in `keys` (key parts, see
 * `itemKeyPart`). Connector failures propagate (`ConnectorError`).
 */
export async function observeKeyStates(
  ir: IrDocument,
  policy: IrPolicy,
  keys: ReadonlySet<string>,
  context: ObserveContext,
): Promise<Map<string, KeyState>> {
  const states = new Map<string, KeyState>();
  if (keys.size === 0) return states;
  const sources = policySources(ir, policy);
  const actualRecords = new Map<string, ObservedRecord[]>();
  // The keys as the plan matched them (a plan's item ids are made of them).
  const coercion = policyKeyCoercion(sources.desired, sources.actual);
  const diff = await diffPolicy(
    policy,
    sources.desired,
    sources.actual,
    onlyKeys(observeSource(sources.desired, 'desired', context, coercion.desired, mayHaveKey(sources.desired, coercion.desired, keys)), keys, sources.desired.key),
    onlyKeys(observeSource(sources.actual, 'actual', context, coercion.actual, mayHaveKey(sources.actual, coercion.actual, keys)), keys, sources.actual.key, actualRecords),
    { evaluation: { observedAt: context.observedAt, env: context.env }, signal: context.signal },
  );
  for (const key of keys) {
    const actual = actualRecords.get(key) ?? [];
    states.set(key, {
      converged: true,
      actualFingerprint: actual.length === 1 ? sha256OfCanonical(actual[0]!.raw) : null,
      ambiguous: actual.length > 1,
      drift: null,
    });
  }
  for (const item of diff.items) {
    const part = diffItemKeyPart(item, item.side === 'actual' ? sources.actual.key : sources.desired.key);
    const state = part === null ? undefined : states.get(part);
    if (!state) continue;
    state.converged = false;
    state.drift ??= item.kind;
  }
  return states;
}
