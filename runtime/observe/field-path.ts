/**
 * Reads a field path (`txn_id`, `metadata.labels.app`, `items[0].sku`, `tags["cost-center"]`)
 * from a record, through own properties only.
 *
 * Why here: key paths and compare-rule paths in the IR are written in the language's path
 * syntax (LANGUAGE.md section 1), and the read pipeline, the diff engine and writers must agree
 * on what a path reaches. Parsed paths are cached: the same few paths are read on every record.
 */
import { ownValue } from '../expressions/own-properties.js';

/** One step of a path: a field name or a list index. */
export type PathSegment = string | number;

const cache = new Map<string, PathSegment[] | null>();

function parse(path: string): PathSegment[] | null {
  const segments: PathSegment[] = [];
  let i = 0;
  let expectName = true;
  while (i < path.length) {
    const c = path[i];
    if (c === '[') {
      const open = i + 1;
      if (path[open] === '"') {
        // A JSON string (it may contain `]` or escaped quotes).
        let k = open + 1;
        while (k < path.length && path[k] !== '"') k += path[k] === '\\' ? 2 : 1;
        if (k >= path.length || path[k + 1] !== ']') return null;
        try {
          segments.push(JSON.parse(path.slice(open, k + 1)) as string);
        } catch {
          return null;
        }
        i = k + 2;
      } else {
        const close = path.indexOf(']', open);
        const inner = close < 0 ? '' : path.slice(open, close);
        if (!/^\d+$/.test(inner)) return null;
        segments.push(Number(inner));
        i = close + 1;
      }
      expectName = false;
    } else if (c === '.') {
      if (expectName) return null;
      i++;
      expectName = true;
    } else {
      if (!expectName) return null;
      // A name runs to the next `.` or `[` (the first may be any field name: `cost-center`).
      const stop = path.slice(i).search(/[.[]/);
      const name = stop < 0 ? path.slice(i) : path.slice(i, i + stop);
      if (name === '') return null;
      segments.push(name);
      i += name.length;
      expectName = false;
    }
  }
  return expectName && segments.length > 0 ? null : segments;
}

/** The segments of a path, or null when it is not a valid path. */
export function parseFieldPath(path: string): PathSegment[] | null {
  let segments = cache.get(path);
  if (segments === undefined) {
    segments = parse(path);
    if (cache.size > 10000) cache.clear();
    cache.set(path, segments);
  }
  return segments;
}

/**
 * The value at `path` in `record`, or `undefined` when any step is absent. A record field named
 * exactly like the whole path (a CSV column `user.id`) is found too, when the path itself leads
 * nowhere.
 */
export function readPath(record: unknown, path: string): unknown {
  const segments = parseFieldPath(path);
  if (segments !== null) {
    let current: unknown = record;
    for (const segment of segments) {
      current = ownValue(current, segment);
      if (current === undefined) break;
    }
    if (current !== undefined) return current;
  }
  return ownValue(record, path);
}
