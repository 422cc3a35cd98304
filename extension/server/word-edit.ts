/**
 * Recognising "the user is typing a word": the only difference between the text of the last
 * analysis and the buffer now is word characters typed or erased in the word at the cursor.
 *
 * Why: completion is asked right after each keystroke, and checking a 5,000-line file again takes
 * tens of milliseconds. But what completion offers depends on the tokens *before* the word being
 * typed (identical in both texts) and on the names the program declares (which the word being
 * typed does not change), so the last analysis answers exactly, at the matching offset of its own
 * text (see `features/completion.ts`). Anything else — a space, a bracket, an edit elsewhere —
 * and the caller checks the buffer as usual.
 */

const WORD = /^[A-Za-z0-9_]*$/;

/** The one region where two texts differ: `before[start, beforeEnd)` became `after[start, afterEnd)`. */
export interface ChangedRegion {
  start: number;
  beforeEnd: number;
  afterEnd: number;
}

/**
 * Where `before` and `after` differ, as one region (the longest common prefix and suffix left out),
 * or null when they are equal. The suffix may not reach before `anchor` in `after`, so that of the
 * equally valid regions (typing `b` into `ab|b`) the one ending at the cursor is chosen.
 */
export function changedRegion(before: string, after: string, anchor = 0): ChangedRegion | null {
  if (before === after) return null;
  const maxSuffix = Math.min(before.length, after.length - anchor);
  let suffix = 0;
  while (suffix < maxSuffix && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  const maxPrefix = Math.min(before.length, after.length) - suffix;
  let prefix = 0;
  while (prefix < maxPrefix && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  return { start: prefix, beforeEnd: before.length - suffix, afterEnd: after.length - suffix };
}

/**
 * The offset of `before` that stands for the cursor `offset` of `after`, when every difference
 * between the two texts is word characters typed or erased in the word that ends at the cursor;
 * else null. Text before the word is then identical in both, at the same offsets.
 */
export function offsetBeforeWordEdit(before: string, after: string, offset: number): number | null {
  if (offset < 0 || offset > after.length) return null;
  const region = changedRegion(before, after, offset);
  if (region === null) return offset;
  // the suffix stops at the cursor, so the region ends at or after it: at it, or it is not typing
  const { start, beforeEnd, afterEnd } = region;
  if (afterEnd !== offset) return null;
  if (!WORD.test(before.slice(start, beforeEnd)) || !WORD.test(after.slice(start, offset))) return null;
  return offset - (afterEnd - beforeEnd);
}

/**
 * Maps an offset of `before` to `after` across the changed region. At an insertion point (a
 * region that removed nothing) an offset is ambiguous: the start of a range stays before the
 * inserted text, its end goes after it. Offsets inside a removed part go to the region's start.
 */
export function mapOffset(region: ChangedRegion | null, offset: number, side: 'start' | 'end' = 'start'): number {
  if (region === null) return offset;
  const shifted = offset + (region.afterEnd - region.beforeEnd);
  if (side === 'end' && offset >= region.beforeEnd) return shifted;
  if (offset <= region.start) return offset;
  return offset >= region.beforeEnd ? shifted : region.start;
}
