/**
 * When a source's key can be read straight from a raw record's text fields.
 *
 * Why: the file writer's key index and apply's re-read of a few keys (`observeKeyStates`) look
 * for a handful of keys in files of millions of records. Running every record through the read
 * pipeline (`RecordPipeline`: fields coercion, `where`, key check) only to learn that its key is
 * not one of them was most of `recon apply`'s time and garbage on a 2M-row CSV file. When the
 * key is its own raw text, a record whose key fields hold other text can never have a wanted key,
 * so it can be skipped before the pipeline; the records that could have it still go through the
 * pipeline, which alone decides validity, scope and the key.
 */
import type { IrSource } from '../../language/ir/ir-types.js';
import type { KeyCoercion } from './key-typing.js';

/** A plain field name that `readPath` reads as one own field. */
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The key's field names when every valid, in-scope record's key values are exactly the (string)
 * values of those raw fields, else null: no `select`, plain names, key fields untyped or typed
 * `string` (text stays as it is), and no key coercion from the policy's other side.
 */
export function directKeyColumns(source: IrSource, keyCoercion: KeyCoercion | null): readonly string[] | null {
  if (source.select !== null) return null;
  for (let k = 0; k < source.key.length; k++) {
    const path = source.key[k]!;
    if (!PLAIN_NAME.test(path) || path === '__proto__') return null;
    const field = source.fields?.find((f) => f.name === path);
    if (field !== undefined && field.type !== 'string') return null;
    const type = keyCoercion?.types[k];
    if (type !== null && type !== undefined) return null;
  }
  return source.key;
}

/**
 * The raw record's key values when all are non-empty strings (then, for a source with
 * `directKeyColumns`, they are its key if it has one), else null: a non-string value may still
 * coerce to a key, so the caller must not skip that record on it.
 */
export function rawKeyStrings(raw: Readonly<Record<string, unknown>>, columns: readonly string[]): string[] | null {
  const values: string[] = [];
  for (const name of columns) {
    const value = Object.prototype.hasOwnProperty.call(raw, name) ? raw[name] : undefined;
    if (typeof value !== 'string' || value === '') return null;
    values.push(value);
  }
  return values;
}
