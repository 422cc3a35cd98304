/**
 * The JSON view of a change plan (`--format json`, and the file `-o PLAN.json`).
 *
 * The layout: the document is indented by two spaces, except that each item of a policy's
 * `items` is one compact line (`{"id":…,"kind":…}`), the items separated by `,\n`:
 *
 * ```
 *       "items": [
 *         {"id":"p/missing/t1","kind":"missing",…,"effect":null},
 *         {"id":"p/changed/t2","kind":"changed",…,"effect":{…}}
 *       ]
 * ```
 *
 * Why: one item per line is greppable (`grep '"action":"delete"' plan.json`), shows as one line
 * per item in a review diff, and is about half the bytes of indenting every member of tens of
 * thousands of items. It is plain JSON for every reader. Keys stay in the plan builder's fixed
 * order, so the text is byte-identical for the same plan.
 */
import type { ChangePlan } from '../plan/change-plan.js';
import { ByteChunk } from '../plan/json-string-bytes.js';
import { writeItemLine } from './json-item-line.js';

/** The plan as JSON in the layout above, ending with a newline. */
export function renderJson(plan: ChangePlan): string {
  const parts: string[] = [];
  writeJson(plan, (text) => parts.push(text));
  return parts.join('');
}

/**
 * Writes the same text as `renderJson(plan)` in chunks of about `chunkChars` characters (the
 * UTF-8 chunks of `writeJsonBytes`, decoded).
 */
export function writeJson(plan: ChangePlan, write: (text: string) => void, chunkChars = 1 << 16): void {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  writeJsonBytes(
    plan,
    (bytes) => {
      const text = decoder.decode(bytes, { stream: true });
      if (text.length > 0) write(text);
    },
    chunkChars,
  );
  const rest = decoder.decode();
  if (rest.length > 0) write(rest);
}

/**
 * Writes the UTF-8 bytes of `renderJson(plan)` in chunks of about `chunkBytes` bytes. Each chunk
 * is a view of its own buffer: `write` may keep it (a stream that writes later).
 *
 * Why: a plan of a million-record diff is tens of megabytes of JSON; built as one string it is
 * held twice (the string and its UTF-8 copy for the stream) at the run's peak. Here the plan's
 * outer levels (plan, policies, policy, items) are written piece by piece, each item as one line
 * (`writeItemLine`: its bytes straight into the chunk) and any other member below them by
 * `JSON.stringify`, re-indented to its depth — the same text, since JSON text never holds a raw
 * newline inside a string.
 *
 * Chunks are 64 KiB: a chunk of 1 MiB was a large object, kept (with its UTF-8 copy) until a
 * garbage collection; at this size the render does not raise the run's peak RSS (measured at 1M
 * records a side; at 5M the render's CPU went 786 → 547 ms). Writing the items' bytes rather
 * than joining their `JSON.stringify` strings into text chunks, encoded again to be written,
 * saves two copies of every byte and the strings' garbage.
 */
export function writeJsonBytes(plan: ChangePlan, write: (bytes: Uint8Array) => void, chunkBytes = 1 << 16): void {
  const out = new ChunkedBytes(write, chunkBytes);
  emitPretty(plan, '', 'plan', out);
  out.push('\n');
  out.end();
}

/**
 * Bytes gathered into chunks: a chunk is handed on when it reaches `chunkBytes`, so the whole
 * text is never held at once.
 */
class ChunkedBytes {
  private chunk: ByteChunk;

  constructor(
    private readonly write: (bytes: Uint8Array) => void,
    private readonly chunkBytes: number,
  ) {
    this.chunk = this.newChunk();
  }

  /** Appends a text. */
  push(text: string): void {
    this.chunk.text(text);
    if (this.chunk.length >= this.chunkBytes) this.flush();
  }

  /** Appends bytes already encoded. */
  pushBytes(bytes: Uint8Array): void {
    this.chunk.raw(bytes);
    if (this.chunk.length >= this.chunkBytes) this.flush();
  }

  /** Appends an item's compact line (`compactJson(item)`). */
  pushItem(item: unknown): void {
    if (!writeItemLine(item, this.chunk, compactJson)) this.chunk.text(compactJson(item));
    if (this.chunk.length >= this.chunkBytes) this.flush();
  }

  end(): void {
    this.flush();
  }

  private flush(): void {
    const chunk = this.chunk;
    if (chunk.length === 0) return;
    this.chunk = this.newChunk();
    this.write(chunk.bytes.subarray(0, chunk.length));
  }

  /** A chunk with room for an item line or two past `chunkBytes` (it grows for a longer one), not zeroed: only what is written is handed on. */
  private newChunk(): ByteChunk {
    const capacity = this.chunkBytes + Math.max(this.chunkBytes >> 2, 4096);
    return new ByteChunk(new Uint8Array(Buffer.allocUnsafeSlow(capacity).buffer, 0, capacity));
  }
}

const encoder = new TextEncoder();

/** Where a value sits: the levels written piece by piece, and the items' list. */
type Level = 'plan' | 'policies' | 'policy' | 'items' | 'other';

/** The level of a member: the plan's `policies`, a policy in it, a policy's `items`. */
function childLevel(level: Level, name: string | null): Level {
  if (level === 'plan') return name === 'policies' ? 'policies' : 'other';
  if (level === 'policies') return 'policy';
  if (level === 'policy') return name === 'items' ? 'items' : 'other';
  return 'other';
}

function isOmitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

function emitPretty(raw: unknown, indent: string, level: Level, out: ChunkedBytes): void {
  const value = jsonReplacer('', raw);
  const streamable =
    level !== 'other' &&
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { toJSON?: unknown }).toJSON !== 'function' &&
    (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null);
  if (!streamable) {
    const text = prettyJson(value);
    out.push(indent === '' ? text : text.replaceAll('\n', '\n' + indent));
  } else if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push('[]');
    } else {
      const inner = indent + '  ';
      const items = level === 'items';
      // what goes before each element, made once per list (an item list has tens of thousands)
      const before = encoder.encode('\n' + inner);
      const between = encoder.encode(',\n' + inner);
      out.push('[');
      for (let i = 0; i < value.length; i++) {
        out.pushBytes(i > 0 ? between : before);
        // `jsonReplacer` does not look at the name (the index): no string made per element
        const element = jsonReplacer('', value[i]);
        if (isOmitted(element)) out.push('null');
        else if (items) out.pushItem(element);
        else emitPretty(element, inner, childLevel(level, null), out);
      }
      out.push('\n' + indent + ']');
    }
  } else {
    const object = value as Record<string, unknown>;
    const names = Object.keys(object).filter((name) => !isOmitted(jsonReplacer(name, object[name])));
    if (names.length === 0) {
      out.push('{}');
    } else {
      const inner = indent + '  ';
      out.push('{');
      for (let i = 0; i < names.length; i++) {
        out.push((i > 0 ? ',\n' : '\n') + inner + JSON.stringify(names[i]) + ': ');
        emitPretty(object[names[i]!], inner, childLevel(level, names[i]!), out);
      }
      out.push('\n' + indent + '}');
    }
  }
}

/**
 * `JSON.stringify(value, jsonReplacer, 2)`, without the replacer when it cannot matter: a
 * replacer function takes V8 off its fast path (several times slower on a big plan), and
 * non-finite numbers already become `null` natively; only a bigint makes the plain call throw.
 */
function prettyJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return JSON.stringify(value, jsonReplacer, 2);
  }
}

/**
 * `JSON.stringify(value, jsonReplacer)` with the same shortcut as `prettyJson`: an item's line
 * when `writeItemLine` does not take the item, or a value in an item it does.
 */
function compactJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return JSON.stringify(value, jsonReplacer);
  }
}

/** Maps values JSON cannot carry the same way canonical JSON does (bigints as text). */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}
