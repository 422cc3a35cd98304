/**
 * The text form of field paths in the IR: key paths, compare rule paths, `unordered by`, select
 * `reads` and `plainPath`, and `write { map }` paths.
 *
 * Why one canonical form: the runtime compares these strings with each other (a select line's
 * `reads` against the `map` paths that cover it, a rule path against the fields of a record), so
 * `tags["x"]` and `tags.x` must come out the same, and the form the runtime reads most often
 * should be the simplest one: dotted.
 *
 * The syntax (what the runtime's `parseFieldPath` in `runtime/observe/field-path.ts` reads, and
 * what the checker prints):
 *
 * | segment                          | printed as                     | example                |
 * |----------------------------------|--------------------------------|------------------------|
 * | first, a name                    | as is                          | `amount`, `cost-center` |
 * | later, an identifier             | `.name`                        | `metadata.labels.app`  |
 * | later, a list index              | `[n]`                          | `items[0].sku`         |
 * | later, any other name            | `["name"]` (a JSON string)     | `tags["cost-center"]`  |
 *
 * The first segment is always the field name as written (`cost-center.code` is the field
 * `cost-center`, then `code`), as users write paths in `changed("...")`. A first name holding
 * `.` or `[` cannot be told apart from a longer path; the runtime then also tries the whole text
 * as one field name (a CSV column `user.id`).
 *
 * An index written as a string that is an identifier becomes a dotted segment (`tags["x"]` is
 * `tags.x`); a number index that is not a non-negative integer is a name (`a[1.5]` is `a["1.5"]`).
 */
import type { Path } from '../ast.js';

/** One step of a path: a field name or a list index. */
export type FieldPathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether `value` is a list index the runtime reads as one (`0`, `12`, never `01` or `1.5`). */
export function isListIndex(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0 && !Object.is(value, -0);
}

/** The segments of an AST path, list indexes as numbers and everything else as names. */
export function pathSegments(path: Path): FieldPathSegment[] {
  return path.segments.map((segment) => {
    if (segment.kind === 'field') return segment.name;
    if (typeof segment.value === 'number') return isListIndex(segment.value) ? segment.value : String(segment.value);
    return segment.value;
  });
}

/** Prints segments in the canonical syntax of the module comment; `''` for no segments. */
export function formatFieldPath(segments: readonly FieldPathSegment[]): string {
  let out = '';
  segments.forEach((segment, index) => {
    if (index === 0) {
      out = typeof segment === 'number' ? `[${segment}]` : segment;
      return;
    }
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  });
  return out;
}

/** The canonical text of an AST path (`tags["x"]` prints as `tags.x`). */
export function pathText(path: Path): string {
  return formatFieldPath(pathSegments(path));
}
