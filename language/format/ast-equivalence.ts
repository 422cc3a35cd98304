/**
 * Whether two parses of a file mean the same: equal ASTs once source locations are set aside, and
 * the same comments in the same order.
 *
 * Why the formatter needs it: `recon fmt` rewrites users' files, so it checks its own output
 * before handing it back (LANGUAGE.md section 5: formatting never changes what a file means). A
 * formatter bug then leaves a file untouched instead of changing its meaning.
 */
import type { ReconFile } from '../ast.js';

/** A deep copy of `node` without `start`/`end`, with doc comments' trailing blanks trimmed. */
export function withoutLocations(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLocations);
  if (node === null || typeof node !== 'object') return node;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'start' || key === 'end') continue;
    if (key === 'doc' && typeof value === 'string') {
      result[key] = trimLines(value);
      continue;
    }
    result[key] = withoutLocations(value);
  }
  return result;
}

function trimLines(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');
}

/** The texts of a file's comments, in order, without trailing blanks (the formatter drops those). */
export function commentTexts(file: ReconFile): string[] {
  return file.comments.map((c) => c.text.trimEnd());
}

/** Null when `a` and `b` mean the same, else a short description of the first difference. */
export function meaningDifference(a: ReconFile, b: ReconFile): string | null {
  const ta = commentTexts(a);
  const tb = commentTexts(b);
  if (ta.length !== tb.length || ta.some((t, i) => t !== tb[i])) return 'the comments differ';
  const { comments: _ca, ...restA } = a;
  const { comments: _cb, ...restB } = b;
  return firstDifference(withoutLocations(restA), withoutLocations(restB), '');
}

function firstDifference(a: unknown, b: unknown, at: string): string | null {
  if (a === b) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    if (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b)) return null;
    return `${at || 'file'}: ${JSON.stringify(a)} became ${JSON.stringify(b)}`;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${at}: shape changed`;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const diff = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${at}.${key}`);
    if (diff) return diff;
  }
  return null;
}
