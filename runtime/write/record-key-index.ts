/**
 * Finds the records of a file by the key an effect names.
 *
 * Why through the read pipeline: an effect's `key` is the key as the source *presents* it (after
 * `select`, `fields` coercion), while the file holds raw records. Running each raw record through
 * the same pipeline that `recon plan` used (`observe/record-reader.ts`) gives exactly the key the
 * plan saw, whatever the `select` computes. Records the pipeline rejects (unreadable, a failed
 * `select`, a bad key) or puts out of scope (`where` is false) have no key here: LANGUAGE.md 2.1
 * says out-of-scope records are never touched, and invalid ones cannot be matched. When the
 * policy's desired source types a key field the actual source does not, the plan matched keys
 * coerced to that type (`key-typing.ts`): the index keys records the same way.
 */
import type { IrSource } from '../../language/ir/ir-types.js';
import type { RawRecord } from '../connectors/connector.js';
import type { EvaluationContext } from '../expressions/expression-evaluator.js';
import { isPlainObject } from '../expressions/own-properties.js';
import { directKeyColumns } from '../observe/direct-key.js';
import { keyText } from '../observe/key-text.js';
import type { KeyCoercion } from '../observe/key-typing.js';
import { RecordPipeline } from '../observe/record-reader.js';
import { keyHash, KeyHashTable } from './key-hash-table.js';

/** Key values as text-comparable data: instants as ISO text (a plan read back from JSON has text). */
function keyValue(value: unknown): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  return value ?? null;
}

/**
 * The canonical key text of an effect's key (`{ txn_id: "t17" }`), in the source's key order;
 * null when a key field is missing.
 */
export function effectKeyText(source: IrSource, key: Record<string, unknown> | null | undefined): string | null {
  if (!isPlainObject(key)) return null;
  const values: unknown[] = [];
  for (const path of source.key) {
    if (!Object.prototype.hasOwnProperty.call(key, path)) return null;
    const value = keyValue(key[path]);
    if (value === null || value === '') return null;
    values.push(value);
  }
  return keyText(values);
}

/**
 * Key text → positions of the file's entries that have it, kept up to date as a session edits.
 *
 * Two ways to fill it. `keyOf` + `add` runs every record through the pipeline (any source). When
 * a record's key can only be its own text cells (`directKeyColumns`), `useCandidates` +
 * `addCandidate` index the entries by a hash of their cells' key text alone (`KeyHashTable`: no
 * record object, no pipeline, no string kept per row — on a 2M-row CSV file the full pass was
 * most of `open()`'s time and garbage, and its `Map` ≈ 150 MB), and a candidate meets the
 * pipeline the first time a key with its hash is looked up (`find`), on the record as it was
 * read: one the pipeline rejects (invalid, out of scope) or keys otherwise (a shared hash) is not
 * answered, so `find` answers exactly as with the full pass.
 */
export class RecordKeyIndex {
  private readonly pipeline: RecordPipeline;
  /** One position, or several when records share a key (a number saves an array per record). */
  private readonly positions = new Map<string, number | number[]>();
  /** Entries read from the file, by key hash (when filled by `addCandidate`). */
  private candidates: KeyHashTable | null = null;
  /** Positions below this are in `candidates` (entries read from the file). */
  private candidateLimit = 0;
  /** A candidate's key through the pipeline (null: none), once looked up. */
  private readonly candidateKeys = new Map<number, string | null>();
  /** Candidates removed by the session. */
  private readonly removed = new Set<number>();

  /** `keyCoercion`: how the plan matched the source's keys (`WriterContext.keyCoercion`). */
  constructor(readonly source: IrSource, context: EvaluationContext, keyCoercion: KeyCoercion | null = null) {
    this.pipeline = new RecordPipeline(source, 'actual', context, keyCoercion);
  }

  /** The key text of a raw record as the plan would see it, or null (invalid or out of scope). */
  keyOf(raw: RawRecord, position: number): string | null {
    const out = RecordPipeline.emptyBatch();
    this.pipeline.fromRaw(raw, { position }, out);
    const observed = out.records[0];
    if (!observed) return null;
    return keyText(observed.key.map(keyValue));
  }

  /** The key's columns when a record's key is its own text cells (`directKeyColumns`), else null. */
  directKeyColumns(): readonly string[] | null {
    return directKeyColumns(this.source, this.pipeline.keyCoercion);
  }

  /** Prepares for `addCandidate` of the file's `entries` entries (positions 0 … entries - 1). */
  useCandidates(entries: number): void {
    this.candidates = new KeyHashTable(entries);
    this.candidateLimit = entries;
  }

  /** Adds an entry read from the file by the key text of its raw key cells (see `directKeyColumns`). */
  addCandidate(key: string, index: number): void {
    this.candidates!.add(keyHash(key), index);
  }

  add(key: string, index: number): void {
    const known = this.positions.get(key);
    if (known === undefined) this.positions.set(key, index);
    else if (typeof known === 'number') this.positions.set(key, [known, index]);
    else known.push(index);
  }

  remove(key: string, index: number): void {
    if (index < this.candidateLimit) {
      this.removed.add(index);
      return;
    }
    const known = this.positions.get(key);
    if (known === undefined) return;
    if (typeof known === 'number') {
      if (known === index) this.positions.delete(key);
      return;
    }
    const at = known.indexOf(index);
    if (at >= 0) known.splice(at, 1);
    if (known.length === 1) this.positions.set(key, known[0]);
    else if (known.length === 0) this.positions.delete(key);
  }

  /**
   * The entries with this key (empty when none), in file order. `recordAt` reads an entry's raw
   * record, to key candidates (`addCandidate`) through the pipeline when first looked up.
   */
  find(key: string, recordAt?: (index: number) => RawRecord | null): readonly number[] {
    const found: number[] = [];
    if (this.candidates !== null) {
      for (const index of this.candidates.candidates(keyHash(key))) {
        if (this.removed.has(index)) continue;
        let real = this.candidateKeys.get(index);
        if (real === undefined) {
          const raw = recordAt?.(index) ?? null;
          real = raw === null ? null : this.keyOf(raw, index + 1);
          this.candidateKeys.set(index, real);
        }
        if (real === key) found.push(index);
      }
    }
    const known = this.positions.get(key);
    if (known !== undefined) {
      if (typeof known === 'number') found.push(known);
      else found.push(...known);
    }
    return found;
  }
}
