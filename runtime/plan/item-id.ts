/**
 * Plan item ids (RUNTIME.md section 3): `policy/kind/key`, or `policy/invalid/<side>/<n>`.
 *
 * Why a fixed scheme: `recon approve --item ID` and the audit log name items by id across runs,
 * so the id must depend only on the policy, the kind and the key, never on the run.
 */
import type { IrDiffKind } from '../../language/ir/ir-types.js';
import { canonicalJson } from './canonical-json.js';

/**
 * The text of one key value inside an id: strings as they are, numbers and booleans as JSON
 * writes them, instants as ISO 8601, anything else as canonical JSON; `null` as the empty text.
 */
export function keyValueText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  return canonicalJson(value);
}

/** Percent-encodes the three characters that carry meaning in an id: `%`, `/` and `,`. */
export function encodeIdPart(text: string): string {
  // Most key texts hold none of them: found by a loop, cheaper than running the expression on
  // every one of a large plan's ids.
  let plain = true;
  for (let i = 0; i < text.length && plain; i++) {
    const c = text.charCodeAt(i);
    plain = c !== 37 && c !== 47 && c !== 44;
  }
  if (plain) return text;
  return text.replace(/[%/,]/g, (character) => '%' + character.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

/** Undoes `encodeIdPart` (for showing a key read back from an id). */
export function decodeIdPart(text: string): string {
  return text.replace(/%(25|2F|2C)/gi, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * The key part of an item id: key values in key order, as text, joined by `,`. Keys of different
 * types can share it (`1` and `"1"`): the diff makes such keys of one side duplicates.
 */
export function keyIdText(keyValues: readonly unknown[]): string {
  return keyValues.map((value) => encodeIdPart(keyValueText(value))).join(',');
}

/** The id of a missing, extra or changed item: `policy/kind/` and the key part (`keyIdText`). */
export function keyedItemId(policy: string, kind: IrDiffKind, keyValues: readonly unknown[]): string {
  return `${policy}/${kind}/${keyIdText(keyValues)}`;
}

/** The id of an invalid item: its side and its 1-based position in that side's source. */
export function invalidItemId(policy: string, side: 'desired' | 'actual', position: number): string {
  return `${policy}/invalid/${side}/${position}`;
}

/** What `itemId` needs to know about an item. */
export interface ItemIdInput {
  kind: IrDiffKind;
  keyValues: readonly unknown[] | null;
  side: 'desired' | 'actual' | null;
  position: number | null;
}

/** The id of any item: invalid items by side and position, the others by key. */
export function itemId(policy: string, item: ItemIdInput): string {
  if (item.kind === 'invalid') {
    return invalidItemId(policy, item.side ?? 'desired', item.position ?? 0);
  }
  return keyedItemId(policy, item.kind, item.keyValues ?? []);
}
