/**
 * One plan item's compact JSON line (`JSON.stringify(item, jsonReplacer)`), written as UTF-8
 * bytes into the JSON renderer's chunk.
 *
 * Why bytes: a plan of a million-record diff has tens of thousands of items, some 25 MB of
 * lines. `JSON.stringify` of each item made a string that was then joined into a chunk, the
 * chunk flattened and encoded to UTF-8 again to be written: three copies of every byte, and the
 * strings' garbage. Most of a line is constant text that repeats from item to item (member
 * names, a field's `{"path":"amount","desired":`, the run from `action` to `precondition` that
 * one rule gives all its items), encoded here once and copied; only the values that vary (id,
 * key, field values, precondition) are written anew, straight into the chunk.
 *
 * Measured at 1M records a side (main thread's CPU, alternate runs): the render 98 → 81 ms; at
 * 5M 486 → 330 ms. Session 4's dropped line writer built strings (more pieces to join, flatten
 * and encode); this one writes bytes. Its code starts cold in a one-shot run: V8 compiles it on
 * a background thread while the main thread goes on (≈ 30–60 ms of CPU there, on the core the
 * diff's workers no longer use), which the process's CPU figure counts and the main thread's
 * does not.
 *
 * Only an item in its documented form (`documentedItemShape`: the members in the documented
 * order, fields and reason likewise) whose containers have no `toJSON` takes this path; any
 * other item, and any value that is neither a string, number, boolean, bigint nor null (an
 * object, a list, a date) within it, is written by `JSON.stringify`, so the bytes are always
 * those of the item's `JSON.stringify` text.
 */
import { documentedItemShape, isDocumentedField, isDocumentedReason, ITEM_HAS_FLAPPING, ITEM_HAS_WARNINGS } from '../plan/change-plan.js';
import { hasFixedJsonText } from '../plan/canonical-json.js';
import { ByteChunk } from '../plan/json-string-bytes.js';

/** `JSON.stringify(value, jsonReplacer)` (an item line, or a value in one); set by the renderer. */
export type CompactJson = (value: unknown) => string;

const encoder = new TextEncoder();

function encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * Writes the compact JSON line of a documented item into `out`, or returns false (having
 * written nothing) when the item is not one this path takes: the caller then writes
 * `compactJson(item)`. `compactJson` writes the values this path leaves to `JSON.stringify`.
 */
export function writeItemLine(item: unknown, out: ByteChunk, compactJson: CompactJson): boolean {
  const shape = documentedItemShape(item);
  if (shape < 0 || hasToJson(item)) return false;
  const start = out.length;
  if (writeDocumentedItem(item as DocumentedItem, shape, out, compactJson)) return true;
  out.length = start;
  return false;
}

/** The members an item in documented form has (their values not yet checked). */
interface DocumentedItem {
  id: unknown;
  kind: unknown;
  key: unknown;
  side: unknown;
  fields: unknown;
  action: unknown;
  gate: unknown;
  approvers: unknown;
  reason: unknown;
  precondition: unknown;
  effect: unknown;
  flapping?: unknown;
  warnings?: unknown;
}

/** True when `JSON.stringify` would call the value's `toJSON` (an inherited one: own members are checked by shape). */
function hasToJson(value: unknown): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

const ITEM_START = encode('{"id":');
const ACTUAL = encode(',"actual":');
const ACTUAL_NULL_END = encode(',"actual":null}');
const CLOSE = encode('}');
const EFFECT = encode(',"effect":');
const EFFECT_NULL_END = encode(',"effect":null}');
const FLAPPING = encode(',"flapping":');
const WARNINGS = encode(',"warnings":');

function writeDocumentedItem(item: DocumentedItem, shape: number, out: ByteChunk, compactJson: CompactJson): boolean {
  out.raw(ITEM_START);
  const id = item.id;
  if (typeof id === 'string') out.jsonString(id);
  else if (!writeValue(id, out, compactJson)) return false;
  // `,"kind":KIND,"key":` and, for a key of one plain string member, its head `{"NAME":"`
  const key = item.key;
  const keyed = plainKeyMember(key);
  const kindKey = kindKeyText(item.kind, keyed === null ? null : keyName);
  if (kindKey === null) return false;
  out.raw(kindKey);
  if (keyed === null) {
    if (!writeValue(key, out, compactJson)) return false;
  } else if (!out.plainChars(keyed)) {
    // a value to escape: JSON.stringify's text between its quotes
    const quoted = JSON.stringify(keyed);
    out.text(quoted.slice(1, quoted.length - 1));
  }
  // (`"}` closing a plain key) `,"side":SIDE,"fields":[`
  const side = sideText(item.side, keyed !== null);
  if (side === null) return false;
  out.raw(side);
  const fields = item.fields;
  if (!Array.isArray(fields) || hasToJson(fields)) return false;
  const length = fields.length;
  for (let i = 0; i < length; i++) {
    const field: unknown = fields[i];
    if (!isDocumentedField(field) || hasToJson(field)) return false;
    const path = field.path;
    if (typeof path !== 'string') return false;
    const heads = fieldHeads(i, path);
    const desired = field.desired;
    const actual = field.actual;
    if (desired === null) {
      out.raw(heads.desiredNull);
    } else {
      out.raw(heads.head);
      if (typeof desired === 'string') out.jsonString(desired);
      else if (typeof desired === 'number' && Number.isFinite(desired)) out.ascii('' + desired);
      else if (!writeValue(desired, out, compactJson)) return false;
      if (actual === null) {
        out.raw(ACTUAL_NULL_END);
        continue;
      }
      out.raw(ACTUAL);
    }
    if (typeof actual === 'string') out.jsonString(actual);
    else if (typeof actual === 'number' && Number.isFinite(actual)) out.ascii('' + actual);
    else if (actual === null) out.ascii('null');
    else if (!writeValue(actual, out, compactJson)) return false;
    out.raw(CLOSE);
  }
  // `],"action":…,"gate":…,"approvers":…,"reason":…,"precondition":`
  const middle = middleText(item.action, item.gate, item.approvers, item.reason, compactJson);
  if (middle === null) return false;
  out.raw(middle);
  const precondition = item.precondition;
  if (typeof precondition === 'string') out.jsonString(precondition);
  else if (!writeValue(precondition, out, compactJson)) return false;
  const effect = item.effect;
  if (effect === null && shape === 0) {
    out.raw(EFFECT_NULL_END);
    return true;
  }
  out.raw(EFFECT);
  if (!writeValue(effect, out, compactJson)) return false;
  if (shape & ITEM_HAS_FLAPPING) {
    out.raw(FLAPPING);
    if (!writeValue(item.flapping, out, compactJson)) return false;
  }
  if (shape & ITEM_HAS_WARNINGS) {
    out.raw(WARNINGS);
    if (!writeValue(item.warnings, out, compactJson)) return false;
  }
  out.raw(CLOSE);
  return true;
}

/**
 * Writes a member's value as `JSON.stringify` writes it inside the item (with `jsonReplacer`:
 * bigints as text), or returns false for a value that would leave the member out (undefined, a
 * function, a symbol) or whose `toJSON` would see the member's name. Objects, lists and dates
 * are written by `compactJson`: nested in the item or alone, their text is the same.
 */
function writeValue(value: unknown, out: ByteChunk, compactJson: CompactJson): boolean {
  if (typeof value === 'string') out.jsonString(value);
  else if (typeof value === 'number') out.ascii(Number.isFinite(value) ? '' + value : 'null');
  else if (value === null) out.ascii('null');
  else if (typeof value === 'boolean') out.ascii(value ? 'true' : 'false');
  else if (typeof value === 'bigint') {
    // a `BigInt.prototype.toJSON` someone defined would be called with the member's name
    if (hasToJson(value)) return false;
    out.ascii('"' + value.toString() + '"');
  } else if (typeof value === 'object') {
    // a date's own `toJSON` ignores the name it is called with; any other would see it
    const toJson: unknown = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJson === 'function' && toJson !== DATE_TO_JSON) return false;
    out.text(compactJson(value));
  } else return false;
  return true;
}

const DATE_TO_JSON = Date.prototype.toJSON;

/**
 * The value of a key that is an object of exactly one string member (and no `toJSON`), or null
 * for any other key; sets `keyName` to the member's name.
 */
function plainKeyMember(key: unknown): string | null {
  if (key === null || typeof key !== 'object' || Array.isArray(key) || hasToJson(key)) return null;
  const names = Object.keys(key);
  if (names.length !== 1) return null;
  const name = names[0]!;
  const member = (key as Record<string, unknown>)[name];
  if (typeof member !== 'string') return null;
  keyName = name;
  return member;
}

let keyName = '';

/**
 * `,"kind":KIND,"key":` and, with a key name, `{"NAME":"`: the text made for the last kind and
 * name, else anew; null for a kind that is not a string.
 */
function kindKeyText(kind: unknown, name: string | null): Uint8Array | null {
  if (kind === lastKind && name === lastKeyName && lastKindKey !== null) return lastKindKey;
  if (typeof kind !== 'string') return null;
  const text = encode(',"kind":' + JSON.stringify(kind) + ',"key":' + (name === null ? '' : '{' + JSON.stringify(name) + ':"'));
  lastKind = kind;
  lastKeyName = name;
  lastKindKey = text;
  return text;
}

let lastKind: string | null = null;
let lastKeyName: string | null = null;
let lastKindKey: Uint8Array | null = null;

/**
 * `,"side":SIDE,"fields":[` (after a plain key's closing `"}` when `keyed`), for a side that is
 * a string or null; null for any other side.
 */
function sideText(side: unknown, keyed: boolean): Uint8Array | null {
  if (side === null) return keyed ? KEYED_SIDE_NULL : SIDE_NULL;
  if (side === lastSide && keyed === lastSideKeyed && lastSideText !== null) return lastSideText;
  if (typeof side !== 'string') return null;
  const text = encode((keyed ? '"}' : '') + ',"side":' + JSON.stringify(side) + ',"fields":[');
  lastSide = side;
  lastSideKeyed = keyed;
  lastSideText = text;
  return text;
}

const SIDE_NULL = encode(',"side":null,"fields":[');
const KEYED_SIDE_NULL = encode('"},"side":null,"fields":[');
let lastSide: string | null = null;
let lastSideKeyed = false;
let lastSideText: Uint8Array | null = null;

/** A field's constant heads at one position of `fields`, for one `path`. */
interface FieldHeads {
  path: string;
  /** `{"path":PATH,"desired":` (`,{` after the first field) */
  head: Uint8Array;
  /** the head, then `null,"actual":` */
  desiredNull: Uint8Array;
}

/**
 * The heads of the field at each position of the last `fields` written: a policy's missing and
 * extra items list the same fields in the same order. A changed item's fields vary: each head is
 * also kept by its path (first fields and later fields apart), for the first thousand paths.
 */
const fieldHeadsAt: FieldHeads[] = [];
const firstHeads = new Map<string, FieldHeads>();
const laterHeads = new Map<string, FieldHeads>();

function fieldHeads(position: number, path: string): FieldHeads {
  const known = fieldHeadsAt[position];
  if (known !== undefined && known.path === path) return known;
  const byPath = position === 0 ? firstHeads : laterHeads;
  let heads = byPath.get(path);
  if (heads === undefined) {
    const head = (position === 0 ? '{"path":' : ',{"path":') + JSON.stringify(path) + ',"desired":';
    heads = { path, head: encode(head), desiredNull: encode(head + 'null,"actual":') };
    if (byPath.size < 1000) byPath.set(path, heads);
  }
  if (position < 256) fieldHeadsAt[position] = heads;
  return heads;
}

/**
 * `],"action":ACTION,"gate":GATE,"approvers":APPROVERS,"reason":REASON,"precondition":` (the
 * `]` closing `fields`): the same for all the items one rule decides, so made once while these
 * members repeat (when they and the reason's members are plain values). Null when the reason
 * is not one this path writes.
 */
function middleText(action: unknown, gate: unknown, approvers: unknown, reason: unknown, compactJson: CompactJson): Uint8Array | null {
  const documented = isDocumentedReason(reason);
  if (documented && !hasToJson(reason) && action === mAction && gate === mGate && approvers === mApprovers && reason.rule === mRule && reason.at === mAt && reason.because === mBecause && reason.message === mMessage && mText !== null) {
    return mText;
  }
  if (!hasFixedJsonText(action) || !hasFixedJsonText(gate) || !hasFixedJsonText(approvers)) return null;
  if (!documented || hasToJson(reason) || !hasFixedJsonText(reason.rule) || !hasFixedJsonText(reason.at) || !hasFixedJsonText(reason.because) || (reason.message !== undefined && !hasFixedJsonText(reason.message))) {
    return null;
  }
  const text = encode(
    '],"action":' + compactJson(action) + ',"gate":' + compactJson(gate) + ',"approvers":' + compactJson(approvers) + ',"reason":' + compactJson(reason) + ',"precondition":',
  );
  mAction = action;
  mGate = gate;
  mApprovers = approvers;
  mRule = reason.rule;
  mAt = reason.at;
  mBecause = reason.because;
  mMessage = reason.message;
  mText = text;
  return text;
}

let mAction: unknown = undefined;
let mGate: unknown = undefined;
let mApprovers: unknown = undefined;
let mRule: unknown = undefined;
let mAt: unknown = undefined;
let mBecause: unknown = undefined;
let mMessage: unknown = undefined;
let mText: Uint8Array | null = null;
