/**
 * How a policy matches keys when its two sources type a key field differently.
 *
 * Why (LANGUAGE.md 2.3): "when one side declares a field's type, the other side's value is
 * coerced to it before comparing" — and a key is compared too, when records are joined. A
 * desired `fields { id: string }` against untyped JSON ids `1, 2`, or a desired `id: integer`
 * against an untyped CSV (`"1"` text), would otherwise match nothing: every record `missing` and
 * `extra`, and with `create`/`delete` rules every record deleted and created again.
 *
 * The rule, per key position (keys are joined position by position):
 * - neither side declares the key field's type, or both declare the same: nothing is coerced
 *   (two untyped sides keep `"1"` and `1` apart);
 * - one side declares it: the other side's key values are coerced to that type;
 * - both declare different types: the actual side's key values are coerced to the desired
 *   source's type — the desired declaration first, as for compared fields — and the checker
 *   warns (`key-type-mismatch`).
 *
 * A key value that cannot be coerced makes its record `invalid` (the reason names the value and
 * the declaring source): it can match no record of the other side, and reporting it beats making
 * it `extra` (deletable) or `missing` (created under a key the other side rejects).
 *
 * Only the key (`ObservedRecord.key`, its key text, an invalid record's key) is coerced; the
 * record keeps its values. Everything that joins or finds records by key — the diff, `recon
 * apply`'s re-read and verification (`key-state.ts`), the file writers' key index — reads the
 * sides with the same `KeyCoercion`, so a plan's key finds its record again.
 */
import type { IrFieldType, IrSource } from '../../language/ir/ir-types.js';
import { coerceValue } from './field-coercion.js';

/** What one side's key values are coerced to for matching, per key position. */
export interface KeyCoercion {
  /** Per key position: the type to coerce to, or null (the value is matched as it is). */
  readonly types: readonly (IrFieldType | null)[];
  /** Per key position: who declares that type (`the desired source 'want'`), for messages. */
  readonly declaredBy: readonly (string | null)[];
}

/** Each side's key coercion in a policy (null: that side's keys are matched as read). */
export interface PolicyKeyCoercion {
  desired: KeyCoercion | null;
  actual: KeyCoercion | null;
}

/**
 * The declared type of a key path: the `fields` entry of that name, or null (an untyped source,
 * an undeclared field, a path below a field).
 */
export function declaredKeyType(source: IrSource, path: string): IrFieldType | null {
  const fields = source.fields;
  if (fields === null) return null;
  for (let i = fields.length - 1; i >= 0; i--) if (fields[i]!.name === path) return fields[i]!.type;
  return null;
}

/** How each side of a policy (`desired`, `actual` sources) coerces its key values for matching. */
export function policyKeyCoercion(desired: IrSource, actual: IrSource): PolicyKeyCoercion {
  const arity = Math.min(desired.key.length, actual.key.length);
  const desiredTypes: (IrFieldType | null)[] = new Array(desired.key.length).fill(null);
  const actualTypes: (IrFieldType | null)[] = new Array(actual.key.length).fill(null);
  const desiredBy: (string | null)[] = new Array(desired.key.length).fill(null);
  const actualBy: (string | null)[] = new Array(actual.key.length).fill(null);
  let coercesDesired = false;
  let coercesActual = false;
  for (let k = 0; k < arity; k++) {
    const d = declaredKeyType(desired, desired.key[k]!);
    const a = declaredKeyType(actual, actual.key[k]!);
    if (d === a) continue;
    if (d !== null) {
      actualTypes[k] = d;
      actualBy[k] = `the desired source '${desired.name}'`;
      coercesActual = true;
    } else {
      desiredTypes[k] = a;
      desiredBy[k] = `the actual source '${actual.name}'`;
      coercesDesired = true;
    }
  }
  return {
    desired: coercesDesired ? { types: desiredTypes, declaredBy: desiredBy } : null,
    actual: coercesActual ? { types: actualTypes, declaredBy: actualBy } : null,
  };
}

/** A coerced key value, or why the value cannot be coerced (the whole reason of an invalid record). */
export type KeyValueCoercion = { ok: true; value: unknown } | { ok: false; reason: string };

/**
 * Coerces the key value at position `k` of a side with `coercion`; a value already of the type
 * (text for `string`, the common case) is returned as it is.
 */
export function coerceKeyValue(coercion: KeyCoercion, k: number, path: string, value: unknown): KeyValueCoercion {
  const type = coercion.types[k] ?? null;
  if (type === null || (type === 'string' && typeof value === 'string')) return { ok: true, value };
  const result = coerceValue(value, type);
  if (result.ok) return { ok: true, value: result.value };
  return { ok: false, reason: `key field ${path}: ${result.reason}; ${coercion.declaredBy[k] ?? 'the other source'} declares it ${type}, and keys are matched as declared` };
}
