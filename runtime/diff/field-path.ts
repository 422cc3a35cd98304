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
import { parseFieldPath, type PathSegment } from '../observe/field-path.js';

export type { PathSegment } from '../observe/field-path.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const BARE_MATCH_VALUE = /^[A-Za-z0-9_\-.:/@+]+$/;

/**
 * The segments of a rule path, parsed as the read pipeline parses key paths (so both agree on
 * what a path reaches); text that is not a path at all is one field name.
 */
export function parsePath(path: string): PathSegment[] {
  return parseFieldPath(path) ?? [path];
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
