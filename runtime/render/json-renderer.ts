/**
 * The JSON view of a change plan (`--format json`): the plan itself, pretty-printed.
 *
 * Why not compact: people read and diff saved plans in review; two-space indentation keeps the
 * diff readable, and the text stays byte-identical for the same plan (keys are written in the
 * plan builder's fixed order).
 */
import type { ChangePlan } from '../plan/change-plan.js';

/** The plan as pretty JSON, ending with a newline. */
export function renderJson(plan: ChangePlan): string {
  return prettyJson(plan) + '\n';
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
 * Writes the same text as `renderJson(plan)` in chunks of about `chunkChars` characters.
 *
 * Why: a plan of a million-record diff is tens of megabytes of pretty JSON; built as one string
 * it is held twice (the string and its UTF-8 copy for the stream) at the run's peak. Here the
 * plan's outer levels (plan, policies, policy, items) are written piece by piece and each item
 * (or other member below) by `JSON.stringify`, re-indented to its depth — byte-identical, since
 * JSON text never holds a raw newline inside a string.
 */
export function writeJson(plan: ChangePlan, write: (text: string) => void, chunkChars = 1 << 20): void {
  const chunk = { text: '' };
  emitPretty(plan, '', 0, chunk, write, chunkChars);
  chunk.text += '\n';
  write(chunk.text);
}

/** Levels written piece by piece: plan, `policies`, a policy, its `items`; deeper values in one go. */
const STREAMED_DEPTH = 4;

function isOmitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

function emitPretty(raw: unknown, indent: string, depth: number, chunk: { text: string }, write: (text: string) => void, chunkChars: number): void {
  const value = jsonReplacer('', raw);
  const streamable =
    depth < STREAMED_DEPTH &&
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { toJSON?: unknown }).toJSON !== 'function' &&
    (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null);
  if (!streamable) {
    const text = prettyJson(value);
    chunk.text += indent === '' ? text : text.replaceAll('\n', '\n' + indent);
  } else if (Array.isArray(value)) {
    if (value.length === 0) {
      chunk.text += '[]';
    } else {
      const inner = indent + '  ';
      chunk.text += '[';
      for (let i = 0; i < value.length; i++) {
        chunk.text += (i > 0 ? ',\n' : '\n') + inner;
        const element = jsonReplacer(String(i), value[i]);
        if (isOmitted(element)) chunk.text += 'null';
        else emitPretty(element, inner, depth + 1, chunk, write, chunkChars);
        if (chunk.text.length >= chunkChars) {
          write(chunk.text);
          chunk.text = '';
        }
      }
      chunk.text += '\n' + indent + ']';
    }
  } else {
    const object = value as Record<string, unknown>;
    const names = Object.keys(object).filter((name) => !isOmitted(jsonReplacer(name, object[name])));
    if (names.length === 0) {
      chunk.text += '{}';
    } else {
      const inner = indent + '  ';
      chunk.text += '{';
      for (let i = 0; i < names.length; i++) {
        chunk.text += (i > 0 ? ',\n' : '\n') + inner + JSON.stringify(names[i]) + ': ';
        emitPretty(object[names[i]!], inner, depth + 1, chunk, write, chunkChars);
      }
      chunk.text += '\n' + indent + '}';
    }
  }
}

/** Maps values JSON cannot carry the same way canonical JSON does (bigints as text). */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}
