/**
 * How deeply a record's lists and objects may nest.
 *
 * Why a limit: records come from systems the user does not control, and `JSON.parse` reads a
 * 100,000-deep `[[[…]]]` without complaint, but everything after it walks values recursively —
 * the exact-number check, comparators, normalizers, expressions, key text, plan hashing. Such a
 * record made every run end in "Maximum call stack size exceeded", naming neither the source nor
 * the record: one hostile row stopped every policy. Past this depth a record is `invalid`
 * (reported with its source and position, the rest of the run goes on); 256 levels is far beyond
 * real data and far below what the recursive code can take.
 */

/** Levels of lists and objects a record may hold (the record object itself is level 1). */
export const MAX_RECORD_NESTING = 256;

/**
 * True when `value` holds lists or objects nested more than `limit` levels deep (the value itself
 * counting as level 1). Iterative, so any depth is measured without recursion.
 */
export function nestsDeeperThan(value: unknown, limit: number = MAX_RECORD_NESTING): boolean {
  if (value === null || typeof value !== 'object') return false;
  const pending: object[] = [value];
  const depths: number[] = [1];
  while (pending.length > 0) {
    const current = pending.pop() as Record<string, unknown>;
    const depth = depths.pop() as number;
    if (depth > limit) return true;
    if (Array.isArray(current)) {
      for (let i = 0; i < current.length; i++) {
        const inner: unknown = current[i];
        if (inner !== null && typeof inner === 'object') {
          pending.push(inner);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const name in current) {
        const inner = current[name];
        if (inner !== null && typeof inner === 'object') {
          pending.push(inner);
          depths.push(depth + 1);
        }
      }
    }
  }
  return false;
}
