/**
 * Field paths of compare rules and of reported differences: parsing, printing, reading.
 *
 * Why one module: a rule's path (`metadata.labels.app`, `tags["cost-center"]`, `items[0].sku`)
 * selects what to compare, and the paths the diff reports (`FieldDelta.path`, the `diff` root of
 * conditions, `changed("...")`) must read the same way, so both directions live here.
 *
 * Printing: the first segment is the field name as it is (`cost-center` too, as a user writes it
 * in `changed("cost-center")`); below it identifiers follow a dot, other names are bracketed JSON
 * strings, list indexes are `[n]`, and elements of a list matched by `unordered by FIELD` are
 * `[FIELD=VALUE]` (`containers[name=web].image`; the value is JSON-quoted when it holds characters
 * other than letters, digits and `_ - . : / @ +`: `containers[name="a b"]`).
 */
import { ownValue } from '../expressions/own-properties.js';

/** One step of a path: a field name or a list index. */
export type PathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BARE_MATCH_VALUE = /^[A-Za-z0-9_\-.:/@+]+$/;

/**
 * The segments of a rule path. Text that is not a well-formed path (a top-level name such as
 * `cost-center`) is one field name.
 */
export function parsePath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  let i = 0;
  const n = path.length;
  const fail = (): PathSegment[] => [path];
  const readName = (): string | null => {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(path.slice(i));
    if (!m) return null;
    i += m[0].length;
    return m[0];
  };
  if (path.startsWith('"')) {
    const end = closingQuote(path, 0);
    if (end < 0) return fail();
    try {
      segments.push(JSON.parse(path.slice(0, end + 1)) as string);
    } catch {
      return fail();
    }
    i = end + 1;
  } else {
    const first = readName();
    if (first === null) return fail();
    segments.push(first);
  }
  while (i < n) {
    const c = path[i];
    if (c === '.') {
      i++;
      const name = readName();
      if (name === null) return fail();
      segments.push(name);
    } else if (c === '[') {
      const close = path[i + 1] === '"' ? closingQuote(path, i + 1) : path.indexOf(']', i);
      if (close < 0) return fail();
      if (path[i + 1] === '"') {
        if (path[close + 1] !== ']') return fail();
        try {
          segments.push(JSON.parse(path.slice(i + 1, close + 1)) as string);
        } catch {
          return fail();
        }
        i = close + 2;
      } else {
        const inner = path.slice(i + 1, close);
        if (!/^(?:0|[1-9][0-9]*)$/.test(inner)) return fail();
        segments.push(Number(inner));
        i = close + 1;
      }
    } else {
      return fail();
    }
  }
  return segments;
}

function closingQuote(text: string, open: number): number {
  for (let j = open + 1; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === '"') return j;
  }
  return -1;
}

/** Appends a field name to a printed path (see the module comment for the notation). */
export function childPath(parent: string, name: string): string {
  if (parent === '') return name;
  return IDENTIFIER.test(name) ? `${parent}.${name}` : `${parent}[${JSON.stringify(name)}]`;
}

/** Appends a list index to a printed path. */
export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

/** The path of a list element matched on `field` by `unordered by field`. */
export function matchPath(parent: string, field: string, value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = BARE_MATCH_VALUE.test(value) ? value : JSON.stringify(value);
  else if (value === undefined) text = 'null';
  else text = JSON.stringify(value) ?? String(value);
  return `${parent}[${field}=${text}]`;
}

/** Prints parsed segments back as a path. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    out = typeof segment === 'number' ? indexPath(out, segment) : childPath(out, segment);
  }
  return out;
}

/** The value at a path, through own properties only; `undefined` when any step is absent. */
export function valueAt(root: unknown, segments: readonly PathSegment[]): unknown {
  let current = root;
  for (const segment of segments) {
    current = ownValue(current, segment);
    if (current === undefined) return undefined;
  }
  return current;
}
