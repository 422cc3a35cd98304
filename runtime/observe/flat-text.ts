/**
 * Strings of their own: text that does not keep a longer text alive.
 *
 * Why: V8 makes a slice of a string, and a concatenation, of 13 characters or more as a view
 * (a slice, or a pair of strings) that holds the text it came from. A value cut from a long text
 * (a re-read file's rows) and kept for a plan item would keep that whole text, and every row in
 * it, as long as the item lives. Joining parts (`Array.prototype.join`) makes one flat string.
 */

/** The two parts `flatConcat` joins (set per call, emptied after). */
const PARTS = ['', ''];

/** `a + b` as one flat string of its own (`+` would make a pair holding both). */
export function flatConcat(a: string, b: string): string {
  PARTS[0] = a;
  PARTS[1] = b;
  const flat = PARTS.join('');
  PARTS[0] = '';
  PARTS[1] = '';
  return flat;
}

/** The same text in a string of its own (shorter than 13 characters, it already is one). */
export function ownText(text: string): string {
  return text.length < 13 ? text : flatConcat(text.charAt(0), text.slice(1));
}
