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
import { keyText } from '../observe/key-text.js';
import type { KeyCoercion } from '../observe/key-typing.js';
import { RecordPipeline } from '../observe/record-reader.js';

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

/** Key text → positions of the file's entries that have it, kept up to date as a session edits. */
export class RecordKeyIndex {
  private readonly pipeline: RecordPipeline;
  /** One position, or several when records share a key (a number saves an array per record). */
  private readonly positions = new Map<string, number | number[]>();

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

  add(key: string, index: number): void {
    const known = this.positions.get(key);
    if (known === undefined) this.positions.set(key, index);
    else if (typeof known === 'number') this.positions.set(key, [known, index]);
    else known.push(index);
  }

  remove(key: string, index: number): void {
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

  /** The entries with this key (empty when none). */
  find(key: string): readonly number[] {
    const known = this.positions.get(key);
    return known === undefined ? [] : typeof known === 'number' ? [known] : known;
  }
}
