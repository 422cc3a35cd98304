/**
 * Own-property access to data, and nothing else.
 *
 * Why: expressions, field paths and connectors handle records that come from files and services
 * the user does not control. A name such as `__proto__`, `constructor` or `toString` must read a
 * field of the record when the record has one, and nothing otherwise — never a prototype member,
 * never a method. Writing `record["__proto__"] = x` would even replace the prototype, so records
 * are built through `setOwn`.
 */

const hasOwn = Object.prototype.hasOwnProperty;
const CANONICAL_INDEX = /^(?:0|[1-9][0-9]*)$/;

/** True for JSON-like objects (plain or null prototype): the only objects expressions walk into. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The own value of `name` in a plain object, or the element at a canonical index of a list;
 * `undefined` for anything else (absent names, prototype members, primitives, class instances).
 */
export function ownValue(container: unknown, name: string | number): unknown {
  if (container === null || typeof container !== 'object') return undefined;
  if (Array.isArray(container)) {
    const index = typeof name === 'number' ? name : CANONICAL_INDEX.test(name) ? Number(name) : NaN;
    if (!Number.isInteger(index) || index < 0 || index >= container.length) return undefined;
    return container[index] as unknown;
  }
  if (!isPlainObject(container)) return undefined;
  const key = String(name);
  return hasOwn.call(container, key) ? container[key] : undefined;
}

/** Whether `name` is an own property of a plain object (a record's field, present even if null). */
export function hasOwnField(container: unknown, name: string): boolean {
  return isPlainObject(container) && hasOwn.call(container, name);
}

/**
 * Sets an own, enumerable data property; `__proto__` becomes a field like any other instead of
 * replacing the prototype.
 */
export function setOwn(target: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') {
    Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[name] = value;
  }
}
