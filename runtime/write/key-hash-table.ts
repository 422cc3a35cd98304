/**
 * Entry positions by a 32-bit hash of their key text, in two typed arrays (open addressing).
 *
 * Why: the file writer's key index of a large file (`RecordKeyIndex` filled from key cells) held
 * one string and one `Map` entry per record — ≈ 150 MB and over a second of `Map` growth for a
 * 2M-row CSV file — for the few hundred keys a plan acts on. Here a record costs two 32-bit slots
 * and no string. Positions are candidates only: two keys may share a hash, so the caller checks
 * each candidate's real key (`RecordKeyIndex.find`).
 */

/** FNV-1a over the UTF-16 code units of `text`. */
export function keyHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

/** A fixed-capacity multimap hash → position (positions ≥ 0), for at most `expected` entries. */
export class KeyHashTable {
  /** Position + 1 per slot (0: empty). */
  private readonly slots: Int32Array;
  private readonly hashes: Int32Array;
  private readonly mask: number;
  private count = 0;

  constructor(private readonly expected: number) {
    let capacity = 16;
    while (capacity < expected * 1.6) capacity *= 2;
    this.slots = new Int32Array(capacity);
    this.hashes = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  add(hash: number, position: number): void {
    if (this.count >= this.expected) throw new Error(`internal error: KeyHashTable holds at most ${this.expected} entries`);
    let slot = hash & this.mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
    this.slots[slot] = position + 1;
    this.hashes[slot] = hash;
    this.count++;
  }

  /** The positions added with this hash, in the order they were added. */
  candidates(hash: number): number[] {
    const out: number[] = [];
    let slot = hash & this.mask;
    while (this.slots[slot] !== 0) {
      if (this.hashes[slot] === hash) out.push(this.slots[slot]! - 1);
      slot = (slot + 1) & this.mask;
    }
    return out;
  }
}
