/**
 * Canonical JSON: one byte sequence per value, whatever order its keys were built in.
 *
 * Why: `plan_hash`, `ir_hash` and item preconditions are content hashes; two runs over the same
 * input must give byte-identical text, so object keys are sorted (by UTF-16 code unit, never by
 * locale) and values that JSON cannot carry are mapped one fixed way.
 */
import { createHash, type Hash } from 'node:crypto';

/**
 * The canonical JSON text of a value: sorted keys, no white space. Dates become ISO strings,
 * bigints their decimal text, non-finite numbers `null`; `undefined` object members are left
 * out (as `JSON.stringify` does) and `undefined` list elements become `null`.
 */
export function canonicalJson(value: unknown): string {
  const sink = new CanonicalSink(null);
  sink.write(value);
  return sink.text;
}

/**
 * `sha256:<hex>` of the canonical JSON of a value: the fingerprint format used in plans. The
 * text is fed to the hash in chunks as it is written, so a plan of tens of megabytes is never
 * held as one string (same bytes, same hash).
 */
export function sha256OfCanonical(value: unknown): string {
  const hash = createHash('sha256');
  const sink = new CanonicalSink(hash);
  sink.write(value);
  sink.flush();
  return 'sha256:' + hash.digest('hex');
}

/** Chunks handed to the hash at about this many characters. */
const FLUSH_AT = 1 << 16;

/** Appends canonical JSON to `text`; with a hash, hands the text over in chunks. */
class CanonicalSink {
  text = '';
  constructor(private readonly hash: Hash | null) {}

  flush(): void {
    if (this.hash !== null && this.text.length > 0) {
      this.hash.update(this.text, 'utf8');
      this.text = '';
    }
  }

  write(value: unknown): void {
    if (value === null || value === undefined) {
      this.text += 'null';
      return;
    }
    switch (typeof value) {
      case 'string':
        this.text += JSON.stringify(value);
        return;
      case 'number':
        this.text += Number.isFinite(value) ? JSON.stringify(value) : 'null';
        return;
      case 'boolean':
        this.text += value ? 'true' : 'false';
        return;
      case 'bigint':
        this.text += JSON.stringify(value.toString());
        return;
      case 'function':
      case 'symbol':
        this.text += 'null';
        return;
      default:
        break;
    }
    if (value instanceof Date) {
      this.text += Number.isNaN(value.getTime()) ? 'null' : JSON.stringify(value.toISOString());
      return;
    }
    if (Array.isArray(value)) {
      this.text += '[';
      for (let i = 0; i < value.length; i++) {
        if (i > 0) this.text += ',';
        this.write(value[i]);
      }
      this.text += ']';
    } else {
      const object = value as Record<string, unknown>;
      const names = sortedNames(Object.keys(object));
      this.text += '{';
      let first = true;
      for (let i = 0; i < names.length; i++) {
        const member = object[names[i]!];
        if (member === undefined) continue;
        this.text += (first ? '' : ',') + JSON.stringify(names[i]) + ':';
        first = false;
        this.write(member);
      }
      this.text += '}';
    }
    if (this.text.length >= FLUSH_AT) this.flush();
  }
}

/**
 * The names sorted, from a small cache of recent key lists: a plan repeats a few object shapes
 * (items, reasons, effects) tens of thousands of times, and sorting each anew dominated hashing.
 */
const recentShapes: { keys: string[]; sorted: string[] }[] = [];
const RECENT_SHAPES = 16;

function sortedNames(keys: string[]): string[] {
  if (keys.length < 2) return keys;
  for (let s = 0; s < recentShapes.length; s++) {
    const shape = recentShapes[s]!;
    const known = shape.keys;
    if (known.length !== keys.length) continue;
    let same = true;
    for (let i = 0; i < keys.length; i++) {
      if (known[i] !== keys[i]) {
        same = false;
        break;
      }
    }
    if (same) return shape.sorted;
  }
  const sorted = [...keys].sort();
  if (recentShapes.length >= RECENT_SHAPES) recentShapes.pop();
  recentShapes.unshift({ keys, sorted });
  return sorted;
}
