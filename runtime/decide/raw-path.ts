/**
 * Field paths as the language writes them (`amount`, `metadata.labels.app`, `tags["cost-center"]`,
 * `items[0].sku`), parsed into segments and used to build raw records.
 *
 * Why here: effects write presented values back to the raw paths a `select` read them from, and
 * those paths may be nested; building the nested raw record needs the segments, not the text.
 */

export type PathSegment = string | number;

/** Splits a path into names and list indexes; a malformed path is one segment (the text as is). */
export function parsePath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  let index = 0;
  const text = path.trim();
  while (index < text.length) {
    const character = text[index];
    if (character === '.') {
      index += 1;
      continue;
    }
    if (character === '[') {
      const close = findClose(text, index);
      if (close < 0) return [path];
      const inside = text.slice(index + 1, close).trim();
      if (/^\d+$/.test(inside)) segments.push(Number(inside));
      else if (inside.startsWith('"')) {
        try {
          segments.push(String(JSON.parse(inside)));
        } catch {
          return [path];
        }
      } else return [path];
      index = close + 1;
      continue;
    }
    const match = /^(?:[A-Za-z_][A-Za-z0-9_]*|"(?:[^"\\]|\\.)*")/.exec(text.slice(index));
    if (!match) return [path];
    segments.push(match[0].startsWith('"') ? String(JSON.parse(match[0])) : match[0]);
    index += match[0].length;
  }
  return segments.length > 0 ? segments : [path];
}

function findClose(text: string, open: number): number {
  let inString = false;
  for (let index = open + 1; index < text.length; index += 1) {
    const character = text[index];
    if (inString) {
      if (character === '\\') index += 1;
      else if (character === '"') inString = false;
    } else if (character === '"') inString = true;
    else if (character === ']') return index;
  }
  return -1;
}

/** The first segment of a path as text: the top-level field it belongs to. */
export function topField(path: string): string {
  return String(parsePath(path)[0]);
}

/** Sets a value at a path, creating objects (and lists for numeric segments) on the way. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const segments = parsePath(path);
  let node: Record<string | number, unknown> = target;
  for (let index = 0; index < segments.length - 1; index += 1) {
    const segment = segments[index];
    const next = node[segment];
    if (next === null || typeof next !== 'object' || !Object.prototype.hasOwnProperty.call(node, segment)) {
      const created: Record<string | number, unknown> = typeof segments[index + 1] === 'number' ? ([] as unknown as Record<number, unknown>) : {};
      defineOwn(node, segment, created);
      node = created;
    } else {
      node = next as Record<string | number, unknown>;
    }
  }
  defineOwn(node, segments[segments.length - 1], value);
}

/** Defines an own, enumerable property: a path segment named `__proto__` never reaches the prototype. */
function defineOwn(node: Record<string | number, unknown>, segment: PathSegment, value: unknown): void {
  Object.defineProperty(node, segment, { value, writable: true, enumerable: true, configurable: true });
}

/** Reads an own property path; `undefined` when any step is absent. */
export function getPath(source: unknown, path: string): unknown {
  let node: unknown = source;
  for (const segment of parsePath(path)) {
    if (node === null || typeof node !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(node, segment)) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}
