/**
 * Canonical JSON: one byte sequence per value, whatever order its keys were built in.
 *
 * Why: `plan_hash`, `ir_hash` and item preconditions are content hashes; two runs over the same
 * input must give byte-identical text, so object keys are sorted (by UTF-16 code unit, never by
 * locale) and values that JSON cannot carry are mapped one fixed way.
 *
 * Why it is written this way: a plan of a million-record diff has tens of thousands of items and
 * every item's actual record is fingerprinted, so this text is made some million times a run.
 * Strings that need no escaping are quoted without a call into `JSON.stringify`, the sorted key
 * order of an object shape is computed once and reused, and long texts go to the hash in chunks.
 */
import { createHash, hash as hashOnce, type Hash } from 'node:crypto';
import { flatConcat } from '../observe/flat-text.js';
import { writePlainJsonChars } from './json-string-bytes.js';

/**
 * The canonical JSON text of a value: sorted keys, no white space. Dates become ISO strings,
 * bigints their decimal text, non-finite numbers `null`; `undefined` object members are left
 * out (as `JSON.stringify` does) and `undefined` list elements become `null`. Any other value
 * that is not JSON (a function, a symbol) is `null`, also as an object member.
 */
export function canonicalJson(value: unknown): string {
  return canonicalText(value);
}

/**
 * `sha256:<hex>` of the canonical JSON of a value: the fingerprint format used in plans. A
 * large value is fed to the hash in chunks as it is written, so it is never held as one string
 * (same bytes, same hash). A flat object of strings (a raw record: every changed and extra plan
 * item's precondition) is written as UTF-8 bytes straight into a reused buffer
 * (`stringRecordDigest`), not as a text that the hash would then have to flatten and encode.
 */
export function sha256OfCanonical(value: unknown): string {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)) {
    const keys = Object.keys(value);
    if (keys.length <= STREAMED_SIZE) {
      const object = value as Record<string, unknown>;
      const shape = shapeOf(keys);
      // a record the byte path does not take (rare: a value to escape, or not a string)
      return stringRecordDigest(object, shape) ?? 'sha256:' + hashOnce('sha256', canonicalText(object), 'hex');
    }
  } else if (isSmall(value)) {
    return 'sha256:' + hashOnce('sha256', canonicalText(value), 'hex');
  }
  const stream = new CanonicalHashStream();
  stream.value(value);
  return stream.digest();
}

/**
 * `sha256:<hex>` of the canonical text of an object whose members are all strings (or
 * undefined, left out) that need no escaping, or null for any other object (the caller then
 * writes the text). Why bytes: the canonical text of such an object is its sorted member heads
 * (`"name":"`, the same for every record of one shape, encoded once) and the values' UTF-8 bytes
 * between quotes; writing them into one reused buffer checks the escaping and encodes in one
 * pass, where a text made of some twenty joins cost the hash a flattening and an encoding.
 * `shape` is `shapeOf(Object.keys(object))`.
 */
function stringRecordDigest(object: Record<string, unknown>, shape: Shape): string | null {
  const values = Object.values(object);
  const order = shape.order;
  const count = order.length;
  const heads = (shape.heads ??= shape.sorted.map((name) => Buffer.from(jsonString(name) + ':"', 'utf8')));
  const bytes = (recordBytes ??= new Uint8Array(RECORD_BYTES));
  let n = 0;
  let first = true;
  for (let i = 0; i < count; i++) {
    const member = values[order[i]!];
    if (member === undefined) continue;
    if (typeof member !== 'string') return null;
    const head = heads[i]!;
    const length = member.length;
    // room for the separator, the head, three bytes per code unit, the closing quote and `}`
    // (RECORD_BYTES written out: the bundle makes module constants variables V8 does not fold)
    if (n + head.length + 3 * length + 3 > 65536) return null;
    bytes[n++] = first ? 123 : 44; // `{` or `,`
    first = false;
    for (let j = 0; j < head.length; j++) bytes[n++] = head[j]!;
    // `"`, `\`, controls and surrogates: the general writer escapes them
    n = writePlainJsonChars(member, bytes, n);
    if (n < 0) return null;
    bytes[n++] = 34; // `"`
  }
  if (first) bytes[n++] = 123;
  bytes[n++] = 125; // `}`
  // a view of the written length, one per length (no new view per record)
  const view = (recordViews[n] ??= new Uint8Array(bytes.buffer, 0, n));
  // one flat string: a pair (`+`) would be kept beside the copy the plan hash flattens it into
  return flatConcat('sha256:', hashOnce('sha256', view, 'hex'));
}

/**
 * `sha256OfCanonical` of a flat object of strings by its byte path alone, or null when that
 * path does not take the object (a member that is not a string or needs escaping, more than
 * `STREAMED_SIZE` members, a large record). Why exported: tests compare it with the general
 * writer, which it must match byte for byte.
 */
export function stringRecordSha256(object: Record<string, unknown>): string | null {
  const keys = Object.keys(object);
  return keys.length <= STREAMED_SIZE ? stringRecordDigest(object, shapeOf(keys)) : null;
}

/** The size of the buffer `stringRecordDigest` writes into; a larger record takes the general path. */
const RECORD_BYTES = 1 << 16;
let recordBytes: Uint8Array | undefined;
/** `recordViews[n]`: the first `n` bytes of `recordBytes`. */
const recordViews: Uint8Array[] = [];

/** True for a value `CanonicalHashStream.value` writes as one text: no list or object of more than `STREAMED_SIZE` members. */
function isSmall(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || value instanceof Date) return true;
  if (Array.isArray(value)) return value.length <= STREAMED_SIZE;
  // counts members without making the list of names (a record fingerprinted per item)
  let members = 0;
  for (const name in value) {
    if (Object.prototype.hasOwnProperty.call(value, name) && ++members > STREAMED_SIZE) return false;
  }
  return true;
}

/** Characters `JSON.stringify` escapes in a string: `"`, `\`, controls and lone surrogate halves. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * A string as JSON text, byte for byte what `JSON.stringify(text)` gives. Why not just that:
 * most strings in a plan (ids, field names, values) need no escaping, and quoting them here is
 * several times cheaper than the call.
 */
export function jsonString(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : '"' + text + '"';
}

/** True when `JSON.stringify(text)` escapes something in the string (else it is the text in quotes). */
export function isEscaped(text: string): boolean {
  return NEEDS_ESCAPE.test(text);
}

/** The canonical text of one value (see `canonicalJson`), built as one string. */
export function canonicalText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return jsonString(value);
    case 'number':
      // `'' + n` is the text JSON.stringify gives a finite number (-0 included: "0")
      return Number.isFinite(value) ? '' + value : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    case 'bigint':
      return '"' + value.toString() + '"';
    default:
      // undefined (a list element or the value itself), functions, symbols
      return 'null';
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    const length = value.length;
    if (length === 0) return '[]';
    let text = '[' + canonicalText(value[0]);
    for (let i = 1; i < length; i++) text += ',' + canonicalText(value[i]);
    return text + ']';
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'null' : '"' + value.toISOString() + '"';
  const object = value as Record<string, unknown>;
  const shape = shapeOf(Object.keys(object));
  // the values in `Object.keys` order, taken in sorted order through the shape's permutation:
  // one native call instead of a property lookup by name per member
  const values = Object.values(object);
  const order = shape.order;
  const count = order.length;
  if (count === 0) return '{}';
  // fast path, a flat record of strings that need no escaping (a CSV row, a key): one test for all
  let strings = true;
  for (let i = 0; i < count; i++) {
    if (typeof values[i] !== 'string') {
      strings = false;
      break;
    }
  }
  if (strings && !NEEDS_ESCAPE.test(count === 1 ? (values[0] as string) : values.join(''))) {
    const glue = shape.glue;
    let text = glue[0]! + (values[order[0]!] as string);
    for (let i = 1; i < count; i++) text += glue[i]! + (values[order[i]!] as string);
    return text + '"}';
  }
  const prefixes = shape.prefixes;
  let text = '{';
  let first = true;
  for (let i = 0; i < count; i++) {
    const member = values[order[i]!];
    if (member === undefined) continue;
    text += (first ? prefixes[i]! : ',' + prefixes[i]!) + canonicalText(member);
    first = false;
  }
  return text + '}';
}

/** Texts shorter than this are hashed in one call; longer ones in chunks of about this size. */
const FLUSH_AT = 1 << 16;

/**
 * Lists and objects with more than `STREAMED_SIZE` members, at most `STREAMED_DEPTH` levels
 * below the value, are written member by member (and so hashed in chunks); smaller ones, and
 * everything deeper, as one text.
 */
const STREAMED_DEPTH = 3;
const STREAMED_SIZE = 16;

/**
 * Canonical JSON text fed into one SHA-256, in chunks: `raw` appends text that is already
 * canonical (punctuation, a member name, an item's text), `value` the canonical text of a
 * value. Why a stream: a plan's text is tens of megabytes, and hashing it chunk by chunk keeps
 * it from ever being one string; a small text is hashed in one call when `digest` is asked.
 */
export class CanonicalHashStream {
  private text = '';
  private hash: Hash | null = null;

  /** Appends canonical text as it is. */
  raw(text: string): void {
    this.text += text;
    if (this.text.length >= FLUSH_AT) this.flush();
  }

  /** Appends the canonical text of a value (large lists and objects member by member). */
  value(value: unknown, depth = 0): void {
    if (depth >= STREAMED_DEPTH || value === null || typeof value !== 'object' || value instanceof Date) {
      this.raw(canonicalText(value));
      return;
    }
    if (Array.isArray(value)) {
      if (value.length <= STREAMED_SIZE) {
        this.raw(canonicalText(value));
        return;
      }
      this.raw('[');
      for (let i = 0; i < value.length; i++) {
        if (i > 0) this.raw(',');
        this.value(value[i], depth + 1);
      }
      this.raw(']');
      return;
    }
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object);
    if (keys.length <= STREAMED_SIZE) {
      this.raw(canonicalText(value));
      return;
    }
    const shape = shapeOf(keys);
    this.raw('{');
    let first = true;
    for (let i = 0; i < shape.sorted.length; i++) {
      const member = object[shape.sorted[i]!];
      if (member === undefined) continue;
      this.raw(first ? shape.prefixes[i]! : ',' + shape.prefixes[i]!);
      first = false;
      this.value(member, depth + 1);
    }
    this.raw('}');
  }

  /** `sha256:<hex>` of everything appended. */
  digest(): string {
    if (this.hash === null) return 'sha256:' + hashOnce('sha256', this.text, 'hex');
    this.flush();
    return 'sha256:' + this.hash.digest('hex');
  }

  private flush(): void {
    if (this.text.length === 0) return;
    (this.hash ??= createHash('sha256')).update(this.text, 'utf8');
    this.text = '';
  }
}

/**
 * An object shape: its keys as `Object.keys` lists them, sorted, each sorted key as `"key":`,
 * for each sorted key its position in `keys` (and so in `Object.values`), and the text between
 * the values when they are all strings.
 */
interface Shape {
  keys: readonly string[];
  sorted: readonly string[];
  prefixes: readonly string[];
  order: readonly number[];
  /** For members that are all plain strings: `{"a":"`, then `","b":"` and so on (the text is glue, value, glue, value, `"}`). */
  glue: readonly string[];
  /** For `stringRecordDigest`, made on first use: each sorted key as the UTF-8 bytes of `"key":"`. */
  heads?: readonly Uint8Array[];
}

/**
 * The sorted form of a key list, from a small cache of recent shapes: a plan repeats a few
 * object shapes (items, reasons, fields, records of one source) tens of thousands of times, and
 * sorting and quoting the names anew for each dominated the canonical text.
 */
const recentShapes: Shape[] = [];
const RECENT_SHAPES = 16;

function shapeOf(keys: string[]): Shape {
  const length = keys.length;
  for (let s = 0; s < recentShapes.length; s++) {
    const shape = recentShapes[s]!;
    const known = shape.keys;
    if (known.length !== length) continue;
    let same = true;
    for (let i = 0; i < length; i++) {
      if (known[i] !== keys[i]) {
        same = false;
        break;
      }
    }
    if (same) return shape;
  }
  const sorted = length < 2 ? keys : [...keys].sort();
  const shape: Shape = {
    keys,
    sorted,
    prefixes: sorted.map((name) => jsonString(name) + ':'),
    order: sorted.map((name) => keys.indexOf(name)),
    glue: sorted.map((name, i) => (i === 0 ? '{' : '",') + jsonString(name) + ':"'),
    heads: undefined,
  };
  if (recentShapes.length >= RECENT_SHAPES) recentShapes.pop();
  recentShapes.unshift(shape);
  return shape;
}

/**
 * A string, a finite number, a boolean or null: values for which `===` means the same JSON text
 * (-0 and 0 are `===` and both `0`), so a cache of texts keyed by them is sound. Not NaN (never
 * `===`) nor an object (the same object may change between two items). The plan hash and the
 * JSON item writer both keep the text of members that repeat from item to item.
 */
export function hasFixedJsonText(value: unknown): boolean {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}
