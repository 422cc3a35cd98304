/**
 * Writing values at field paths (`amount`, `metadata.labels.app`, `tags["cost-center"]`,
 * `items[0].sku`) to build raw records, and finding the top-level field of a reported path.
 *
 * Why here: effects write presented values back to the raw paths a `select` read them from, and
 * those paths may be nested. Paths are parsed by the read pipeline's own parser
 * (`observe/field-path.ts`), so a value is written exactly where it was read from.
 */
import { parseFieldPath, type PathSegment } from '../observe/field-path.js';

/** The segments of a path; text that is not a path is one field name. */
export function pathSegments(path: string): PathSegment[] {
  return parseFieldPath(path) ?? [path];
}

/**
 * The top-level field a reported path belongs to. Paths printed by the diff engine start with
 * the field name as it is (`cost-center.x`, `containers[name=web].image`), so a known field that
 * prefixes the path wins; otherwise the text up to the first `.` or `[`.
 */
export function topField(path: string, knownFields: readonly string[] = []): string {
  let best = '';
  for (const field of knownFields) {
    if (field.length <= best.length) continue;
    if (path === field) return field;
    if (path.startsWith(field) && (path[field.length] === '.' || path[field.length] === '[')) best = field;
  }
  if (best !== '') return best;
  const first = pathSegments(path)[0];
  if (typeof first === 'string' && (parseFieldPath(path) !== null || !/[.[]/.test(path))) return first;
  const stop = path.search(/[.[]/);
  return stop <= 0 ? path : path.slice(0, stop);
}

/**
 * Sets a value at a path, creating objects (and lists for numeric segments) on the way. With
 * `flat`, the path text is one field name (CSV rows have no nesting: a column `user.id`).
 */
export function setPath(target: Record<string, unknown>, path: string, value: unknown, flat = false): void {
  const segments = flat ? [path] : pathSegments(path);
  let node: Record<string | number, unknown> = target;
  for (let index = 0; index < segments.length - 1; index += 1) {
    const segment = segments[index];
    const next = Object.prototype.hasOwnProperty.call(node, segment) ? node[segment] : undefined;
    if (next === null || typeof next !== 'object') {
      const created: Record<string | number, unknown> =
        typeof segments[index + 1] === 'number' ? ([] as unknown as Record<number, unknown>) : {};
      defineOwn(node, segment, created);
      node = created;
    } else {
      node = next as Record<string | number, unknown>;
    }
  }
  defineOwn(node, segments[segments.length - 1], value);
}

/** Defines an own, enumerable property: a segment named `__proto__` never reaches the prototype. */
function defineOwn(node: Record<string | number, unknown>, segment: PathSegment, value: unknown): void {
  Object.defineProperty(node, segment, { value, writable: true, enumerable: true, configurable: true });
}
