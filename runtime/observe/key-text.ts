/**
 * The canonical join string of a record's key.
 *
 * Why: the diff engine joins desired and actual records on their key with a hash map, so the
 * key must become one string such that two keys get the same string exactly when their values
 * are equal. JSON of the value list does that without collisions (a comma or quote inside a
 * value is escaped, `"1"` and `1` stay distinct); numbers are canonicalised first (`-0` is `0`,
 * JSON already prints `1.0` as `1`), and object fields are sorted so their order does not matter.
 * Key values of a side whose key field only the other side types are coerced to that type
 * before this text is made (`key-typing.ts`), so `"1"` and `1` then meet.
 */

function canonical(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'number') return value === 0 ? 0 : value;
  if (Array.isArray(value)) return value.map(canonical);
  // an instant (a YAML timestamp, a database timestamp) keys by its ISO text, tagged apart from strings
  if (value instanceof Date) return { $instant: Number.isNaN(value.getTime()) ? null : value.toISOString() };
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const name of Object.keys(value).sort()) {
      Object.defineProperty(sorted, name, {
        value: canonical((value as Record<string, unknown>)[name]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return sorted;
  }
  return value;
}

/**
 * A collision-free string for a list of key values (in key order): equal keys give equal text,
 * different keys (including values of different types) different text.
 */
export function keyText(values: readonly unknown[]): string {
  if (values.length === 1) {
    const only = values[0];
    if (typeof only === 'string') return JSON.stringify([only]);
  }
  return JSON.stringify(values.map(canonical));
}
