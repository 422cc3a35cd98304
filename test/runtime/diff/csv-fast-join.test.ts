/**
 * The fast path's key table and range reads: a hash's first slot is always inside its half of a
 * table of any size (extreme hashes included), a table filled up to one free slot per half still
 * finds every key (wrapping around a half's end, telling apart keys of equal hash) and no other,
 * the build recomputes each row's key hash from its key bytes (short and long keys), a table
 * filled while ranges are scanned flags exactly the rows sharing a key (within a range at once,
 * across ranges and with suspect rows judged valid by `settleTable`) and never fills past its
 * limit, a thread's read buffer is kept
 * from range to range without changing what a range reads, and the type checks of actual rows
 * are skipped exactly for those that equal a valid desired row (in the probe and in the repeats
 * pass alike).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHECK_INTEGER, CHECK_NONE, CHECK_NUMBER, keyHashOf, type ScanPlan } from '../../../runtime/diff/csv-byte-scanner.js';
import { vouchedColumns } from '../../../runtime/diff/csv-fast-plan.js';
import {
  ActualProber,
  buildPartition,
  clearFlags,
  clearTable,
  createTable,
  DesiredStore,
  FLAG_DUP,
  FLAG_INVALID,
  FLAG_SUSPECT,
  flagsAt,
  keyTextAt,
  probeBytes,
  RANGE_STRIDE,
  RepeatCollector,
  scanRange,
  setFlags,
  settleTable,
  slotOf,
  STRIDE,
  tableLimit,
  type DesiredRange,
  type ReadBufferHolder,
} from '../../../runtime/diff/csv-fast-join.js';

const EXTREME_HASHES = [0, 1, 2, 0x3fffffff, 0x40000000, 0x7ffffffe, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff, -1, -2, -0x80000000];

describe('slotOf', () => {
  it('is below the half size for extreme hashes and sizes', () => {
    const halves = [1, 2, 3, 511, 512, 513, 650_000, 2 ** 22 - 1, 2 ** 22, 2 ** 22 + 1, 3_250_001, 2 ** 26 + 12_345, 2 ** 28 - 1, 2 ** 29 - 1];
    for (const half of halves) {
      for (const hash of EXTREME_HASHES) {
        const slot = slotOf(hash, half);
        expect(Number.isInteger(slot)).toBe(true);
        expect(slot).toBeGreaterThanOrEqual(0);
        expect(slot).toBeLessThan(half);
      }
      // The largest 31-bit values, where rounding the product could reach `half`.
      for (let x = 0x7fffffff; x > 0x7fffffff - 4096; x--) expect(slotOf(x, half)).toBeLessThan(half);
      expect(slotOf(0x7fffffff, half)).toBe(half - 1);
      expect(slotOf(0, half)).toBe(0);
    }
  });

  it('is the exact floor of x * half / 2^31 while the product fits a double (half <= 2^22)', () => {
    let seed = 12345;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) | 0);
    for (const half of [1, 7, 512, 650_001, 2 ** 22 - 3, 2 ** 22]) {
      for (let i = 0; i < 2000; i++) {
        const hash = next();
        const exact = Number((BigInt(hash & 0x7fffffff) * BigInt(half)) >> 31n);
        expect(slotOf(hash, half)).toBe(exact);
      }
    }
  });

  it('spreads hashes over the whole half (every slot is some hash\'s first slot)', () => {
    const half = 1000;
    const hit = new Uint8Array(half);
    for (let s = 0; s < half; s++) hit[slotOf(Math.ceil((s * 2 ** 31) / half), half)] = 1;
    expect(hit.every((v) => v === 1)).toBe(true);
  });
});

/**
 * A desired range with these keys, laid out as `DesiredStore` does: keys of at most 12 bytes
 * packed in the record, longer ones in the key arena. Records hold no key hash: the table's
 * build computes it from the key bytes.
 */
function rangeOf(keys: readonly string[]): DesiredRange {
  const rows = new Int32Array(new SharedArrayBuffer(Math.max(1, keys.length) * STRIDE * 4));
  const arena: number[] = [];
  keys.forEach((text, i) => {
    const key = Buffer.from(text, 'latin1');
    const o = i * STRIDE;
    rows[o + 2] = key.length;
    if (key.length > 12) {
      rows[o + 3] = arena.length;
      arena.push(...key);
      return;
    }
    const words = new Int32Array(padded(key).buffer);
    rows[o + 3] = words[0];
    rows[o + 4] = words[1];
    rows[o + 5] = words[2];
  });
  const keyArena = new Uint8Array(new SharedArrayBuffer(Math.max(1, arena.length)));
  keyArena.set(arena);
  return { count: keys.length, rows, rowStart: new Uint32Array(Math.max(1, keys.length)), keyArena };
}

/** The key hash of `text` (latin1 bytes), as the scanner computes it. */
function hashOf(text: string): number {
  const bytes = Buffer.from(text, 'latin1');
  return keyHashOf(bytes, 0, bytes.length);
}

/** Whether `text` is in the table (as the probe sees it: by its hash, then its bytes). */
function find(ranges: readonly DesiredRange[], table: Uint32Array, text: string, hash = hashOf(text)): number {
  return probeBytes(ranges, table, hash, Buffer.from(text, 'latin1'));
}

/**
 * Pairs of different keys with the same 32-bit key hash, found by search among pseudo-random
 * keys (≈ 10 expected in 300,000; sequential keys such as `c<i>` gave none).
 */
const collidingPairs = (() => {
  let pairs: [string, string][] | null = null;
  return (): [string, string][] => {
    if (pairs !== null) return pairs;
    const found: [string, string][] = [];
    const seen = new Map<number, string>();
    let seed = 1;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) | 0) >>> 0;
    for (let i = 0; i < 300_000; i++) {
      const key = `r${next().toString(36)}${next().toString(36)}`;
      const hash = hashOf(key);
      const other = seen.get(hash);
      if (other === undefined) seen.set(hash, key);
      else if (other !== key) found.push([other, key]);
    }
    return (pairs = found);
  };
})();

function padded(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(12);
  out.set(bytes.subarray(0, 12));
  return out;
}

describe('the key table', () => {
  it('sizes itself at about 1.6 slots a row, in two equal halves', () => {
    const table = createTable(1_000_000);
    const slots = table.length / 2;
    expect(slots % 2).toBe(0);
    expect(slots).toBeGreaterThanOrEqual(1_600_000);
    expect(slots).toBeLessThan(1_600_004);
    expect(createTable(0).length / 2).toBe(1024);
  });

  it('finds every key of a table filled up to one free slot per half, and no other', () => {
    const half = 512;
    const table = new Uint32Array(new SharedArrayBuffer(half * 16));
    // Different keys with equal hashes (the key bytes must tell them apart), then: half 0 filled
    // to 511 keys whose first slot is among its last 37 (probes wrap around its end); half 1 to
    // 400 keys whose first slot is among its first 40 (long probe sequences); some of them longer
    // than 12 bytes (kept in the key arena).
    const pairs = collidingPairs();
    expect(pairs.length).toBeGreaterThanOrEqual(4);
    const keys = pairs.flat();
    const inHalf = (hash: number) => (hash >>> 31 === 0 ? 0 : 1);
    const want = [half - 1, 400];
    const count = [0, 0];
    for (const key of keys) count[inHalf(hashOf(key))]++;
    for (let i = 0; count[0] < want[0] || count[1] < want[1]; i++) {
      const key = i % 3 === 0 ? `a-longer-key-${i}` : `k${i}`;
      const hash = hashOf(key);
      const h = inHalf(hash);
      const slot = slotOf(hash, half);
      if (count[h] === want[h] || (h === 0 ? slot < half - 37 : slot >= 40)) continue;
      keys.push(key);
      count[h]++;
    }
    const range = rangeOf(keys);
    const ranges = [range];
    expect(buildPartition(ranges, table, 0)).toBe(0);
    expect(buildPartition(ranges, table, 1)).toBe(0);
    const used = [0, 0];
    for (let s = 0; s < 2 * half; s++) if (table[2 * s] !== 0) used[s < half ? 0 : 1]++;
    expect(used).toEqual(want);
    // The slots hold each row's key hash (recomputed from its bytes).
    for (let s = 0; s < 2 * half; s++) if (table[2 * s] !== 0) expect(table[2 * s + 1]).toBe(hashOf(keys[table[2 * s] - 1]) >>> 0);
    keys.forEach((key, i) => expect(find(ranges, table, key)).toBe(i));
    // Keys that are not there, with the hashes of keys that are (the key bytes decide) and others.
    for (const key of keys.slice(0, 50)) expect(find(ranges, table, 'absent', hashOf(key))).toBe(-1);
    for (const [a, b] of pairs) expect(find(ranges, table, `${a}x`, hashOf(b))).toBe(-1);
    for (const hash of EXTREME_HASHES) expect(find(ranges, table, 'absent', hash)).toBe(-1);
  });

  it('flags rows that share a key as duplicates, across ranges (short and long keys alike)', () => {
    const [x, y] = collidingPairs()[0]; // different keys, one hash: not duplicates
    const long = 'a key of more than twelve bytes';
    const a = rangeOf(['k0', 'k1', 'k2', long, x]);
    const b = rangeOf(['k0', 'm1', long, y, `${long}!`]);
    const ranges = [a, b];
    const table = createTable(10);
    expect(buildPartition(ranges, table, 0) + buildPartition(ranges, table, 1)).toBe(4);
    expect([0, 1, 2, 3, 4].map((i) => flagsAt(a, i) & FLAG_DUP)).toEqual([FLAG_DUP, 0, 0, FLAG_DUP, 0]);
    expect([0, 1, 2, 3, 4].map((i) => flagsAt(b, i) & FLAG_DUP)).toEqual([FLAG_DUP, 0, FLAG_DUP, 0, 0]);
    expect(find(ranges, table, 'm1')).toBe(RANGE_STRIDE + 1);
    expect(find(ranges, table, 'k2')).toBe(2);
    expect(find(ranges, table, long)).toBe(3); // the first row with the key stays in the table
    expect(find(ranges, table, x)).toBe(4);
    expect(find(ranges, table, y)).toBe(RANGE_STRIDE + 3);
    expect(find(ranges, table, `${long}!`)).toBe(RANGE_STRIDE + 4);
    expect(find(ranges, table, 'k1', hashOf('m1'))).toBe(-1);
  });

  it('leaves invalid rows out of the table', () => {
    const range = rangeOf(['k0', 'k1', 'k0']);
    setFlags(range, 0, FLAG_INVALID);
    const table = createTable(3);
    expect(buildPartition([range], table, 0) + buildPartition([range], table, 1)).toBe(0);
    expect(find([range], table, 'k0')).toBe(2);
    expect(find([range], table, 'k1')).toBe(1);
  });
});

describe('scanRange', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'recon-fast-join-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const plan: ScanPlan = {
    delimiter: 44,
    columns: 2,
    fpSlot: Int32Array.from([-1, 0]),
    fpSlots: 1,
    keyComponent: Int32Array.from([0, -1]),
    keyComponents: 1,
    check: Uint8Array.from([CHECK_NONE, CHECK_NONE]),
  };

  function scan(file: string, text: string, holder: ReadBufferHolder | null): DesiredRange {
    const header = 'id,v\n'.length;
    const store = new DesiredStore(16, text.length);
    const outcome = scanRange(file, plan, header, false, Infinity, Buffer.byteLength(text), store, holder);
    expect(outcome.bail).toBeNull();
    return store.range();
  }

  it('keeps one read buffer from range to range, reading the same rows', () => {
    const text = 'id,v\n' + Array.from({ length: 3000 }, (_, i) => `key${i},${i * 7}\n`).join('');
    const file = path.join(dir, 'rows.csv');
    writeFileSync(file, text);
    const fresh = scan(file, text, null);
    const holder: ReadBufferHolder = { buffer: null };
    const first = scan(file, text, holder);
    const kept = holder.buffer;
    expect(kept).not.toBeNull();
    const second = scan(file, text, holder);
    expect(holder.buffer).toBe(kept);
    for (const range of [first, second]) {
      expect(range.count).toBe(3000);
      expect(Array.from(range.rows.subarray(0, 3000 * STRIDE))).toEqual(Array.from(fresh.rows.subarray(0, 3000 * STRIDE)));
      expect(Array.from(range.rowStart.subarray(0, 3000))).toEqual(Array.from(fresh.rowStart.subarray(0, 3000)));
    }
  });

  it('does not keep a buffer grown for a row longer than it', () => {
    const long = 'x'.repeat(5 << 20);
    const text = `id,v\na,${long}\nb,2\n`;
    const file = path.join(dir, 'long.csv');
    writeFileSync(file, text);
    const holder: ReadBufferHolder = { buffer: null };
    const range = scan(file, text, holder);
    expect(range.count).toBe(2);
    expect(holder.buffer).toBeNull();
  });
});

/** id, v (a number, compared), w (an integer, not compared); `vouched`: v is vouched for (`RowSink.vouch`). */
function typedPlan(vouched: boolean): ScanPlan {
  return {
    delimiter: 44,
    columns: 3,
    fpSlot: Int32Array.from([-1, 0, -1]),
    fpSlots: 1,
    keyComponent: Int32Array.from([0, -1, -1]),
    keyComponents: 1,
    check: Uint8Array.from([CHECK_NONE, CHECK_NUMBER, CHECK_INTEGER]),
    ...(vouched ? { vouched: Uint8Array.from([0, 1, 0]) } : {}),
  };
}

describe('vouched type checks', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'recon-fast-vouch-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The desired side as the fast path leaves it before the probe: suspects judged, table built. */
  function desired(): { ranges: DesiredRange[]; table: Uint32Array } {
    // '1e1' is valid but beyond the scanner's checks (suspect, judged valid); 'abc' is invalid.
    const text = 'id,v,w\na,1e1,1\nb,abc,1\nc,5,1\nd,7,1\n';
    const file = path.join(dir, 'desired.csv');
    writeFileSync(file, text);
    const store = new DesiredStore(16, text.length);
    expect(scanRange(file, typedPlan(false), 'id,v,w\n'.length, false, Infinity, text.length, store).bail).toBeNull();
    const range = store.range();
    expect(Array.from(store.suspects.take())).toEqual([0, 1, 1, 2]); // rows a and b, with their lines
    clearFlags(range, 0, FLAG_SUSPECT);
    setFlags(range, 1, FLAG_INVALID);
    clearFlags(range, 1, FLAG_SUSPECT);
    const table = createTable(range.count);
    buildPartition([range], table, 0);
    buildPartition([range], table, 1);
    return { ranges: [range], table };
  }

  // Local rows: 0 a = desired (vouched), 1 b = an invalid desired row, 2 c differs, 3 e has no
  // desired row, 4 d = desired but its uncompared integer is bad, 5 a again (a repeated key).
  const actualText = 'id,v,w\na,1e1,1\nb,abc,1\nc,1e1,1\ne,1e1,1\nd,7,x\na,1e1,1\n';

  function probe(vouched: boolean): { suspects: number[]; candidates: number[]; repeats: number[]; collected: number[] } {
    const { ranges, table } = desired();
    const file = path.join(dir, 'actual.csv');
    writeFileSync(file, actualText);
    const prober = new ActualProber(ranges, table);
    const from = 'id,v,w\n'.length;
    expect(scanRange(file, typedPlan(vouched), from, false, Infinity, actualText.length, prober).bail).toBeNull();
    const lists = prober.lists();
    const collector = new RepeatCollector(ranges, table);
    scanRange(file, typedPlan(vouched), from, false, Infinity, actualText.length, collector);
    const locals = (pairs: Int32Array) => Array.from(pairs).filter((_, i) => i % 2 === 1);
    return {
      suspects: Array.from(prober.suspects.take()).filter((_, i) => i % 2 === 0),
      candidates: locals(lists.candidates),
      repeats: locals(lists.repeats),
      collected: locals(collector.rows.take()),
    };
  }

  it('skips the checks of vouched columns only for rows equal to a valid desired row', () => {
    const vouched = probe(true);
    // Row a (twice) is not suspect: the probe matches it, and the repeats pass sees it too.
    expect(vouched.suspects).toEqual([1, 2, 3, 4]);
    expect(vouched.candidates).toEqual([]);
    expect(vouched.repeats).toEqual([5]);
    expect(vouched.collected).toEqual([0, 5]);
    // Without vouching, every '1e1' is suspect (the main thread judges those).
    const checked = probe(false);
    expect(checked.suspects).toEqual([0, 1, 2, 3, 4, 5]);
    expect(checked.collected).toEqual([]);
  });

  it('vouches for the actual columns whose compared field the desired side types the same', () => {
    const desiredPlan: ScanPlan = {
      delimiter: 44,
      columns: 4,
      fpSlot: Int32Array.from([-1, 0, 1, 2]),
      fpSlots: 3,
      keyComponent: Int32Array.from([0, -1, -1, -1]),
      keyComponents: 1,
      check: Uint8Array.from([CHECK_NONE, CHECK_NUMBER, CHECK_NUMBER, CHECK_NONE]),
    };
    // Another column order; slot 1 is an integer here, slot 2 typed here only, w not compared.
    const actualPlan: ScanPlan = {
      delimiter: 44,
      columns: 5,
      fpSlot: Int32Array.from([2, 1, -1, 0, -1]),
      fpSlots: 3,
      keyComponent: Int32Array.from([-1, -1, 0, -1, -1]),
      keyComponents: 1,
      check: Uint8Array.from([CHECK_NUMBER, CHECK_INTEGER, CHECK_NONE, CHECK_NUMBER, CHECK_INTEGER]),
    };
    expect(Array.from(vouchedColumns(desiredPlan, actualPlan))).toEqual([0, 0, 0, 1, 0]);
  });
});

describe('the key table filled while the desired ranges are scanned', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'recon-fast-fill-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // '1e1' in v is suspect (valid), 'abc' too (invalid)
  const plan = typedPlan(false);
  const header = 'id,v,w\n';

  /** Scans `ids` (with values `v`, default 1) as range `range` of a file into `table`. */
  function scanInto(name: string, ids: readonly string[], table: Uint32Array, range: number, v: (i: number) => string = () => '1'): DesiredStore {
    const text = header + ids.map((id, i) => `${id},${v(i)},1\n`).join('');
    const file = path.join(dir, name);
    writeFileSync(file, text);
    const store = new DesiredStore(16, text.length, { table, range });
    expect(scanRange(file, plan, header.length, false, Infinity, text.length, store).bail).toBeNull();
    return store;
  }

  const dups = (range: DesiredRange) => Array.from({ length: range.count }, (_, i) => (flagsAt(range, i) & FLAG_DUP) !== 0);

  it('flags exactly the rows sharing a key: within a range at once, across ranges and with judged suspects after the scan', () => {
    const [x, y] = collidingPairs()[0]; // different keys, one hash: never duplicates
    const long = 'a key of more than twelve bytes';
    const table = createTable(20);
    // range 0: k0 twice, k1, the long key, x, s (suspect, judged valid), t (suspect, invalid), z
    const first = scanInto('r0.csv', ['k0', 'k1', 'k0', long, x, 's', 't', 'z'], table, 0, (i) => (i === 5 ? '1e1' : i === 6 ? 'abc' : '1'));
    // range 1: k1, the long key, y, s, t, m
    const second = scanInto('r1.csv', ['k1', long, y, 's', 't', 'm'], table, 1);
    const ranges = [first.range(), second.range()];
    // Equal keys of one range are flagged while it is scanned; suspect rows are not in the table yet.
    expect(dups(ranges[0])).toEqual([true, false, true, false, false, false, false, false]);
    expect(dups(ranges[1])).toEqual([false, false, false, false, false, false]);
    expect(find(ranges, table, 's')).toBe(RANGE_STRIDE + 3);
    expect(Array.from(first.suspects.take()).filter((_, i) => i % 2 === 0)).toEqual([5, 6]);
    // The second range met the first's k1, long key and x (y's hash) without comparing them.
    const sameHash = Array.from(second.sameHash.take());
    expect(first.sameHash.length).toBe(0);
    expect(sameHash.filter((_, i) => i % 2 === 0)).toEqual([0, 1, 2]);
    const refs = Int32Array.from(sameHash.map((value, i) => (i % 2 === 0 ? RANGE_STRIDE + value : value)));
    // The suspects judged (as the `settle-table` task does: flags first).
    clearFlags(ranges[0], 5, FLAG_SUSPECT);
    setFlags(ranges[0], 6, FLAG_INVALID);
    clearFlags(ranges[0], 6, FLAG_SUSPECT);
    expect(settleTable(ranges, table, refs, Int32Array.from([5]))).toBe(true);
    expect(dups(ranges[0])).toEqual([true, true, true, true, false, true, false, false]);
    expect(dups(ranges[1])).toEqual([true, true, false, true, false, false]);
    // Every key is found, as a row with that key.
    for (const key of ['k0', 'k1', long, 's']) expect(keyTextAt(ranges[find(ranges, table, key) >>> 27], find(ranges, table, key) & (RANGE_STRIDE - 1))).toBe(key);
    expect(find(ranges, table, x)).toBe(4);
    expect(find(ranges, table, y)).toBe(RANGE_STRIDE + 2);
    expect(find(ranges, table, 't')).toBe(RANGE_STRIDE + 4);
    expect(find(ranges, table, 'z')).toBe(7);
    expect(find(ranges, table, 'm')).toBe(RANGE_STRIDE + 5);
  });

  it('starts over empty after clearTable (a scan run again does not meet its own rows)', () => {
    const table = createTable(10);
    const ids = ['a', 'b', 'c', 'a-longer-key-than-twelve'];
    scanInto('again.csv', ids, table, 0);
    clearTable(table);
    expect(table.every((word) => word === 0)).toBe(true);
    const store = scanInto('again.csv', ids, table, 0);
    const range = store.range();
    expect(dups(range)).toEqual([false, false, false, false]);
    expect(store.sameHash.length).toBe(0);
    ids.forEach((id, i) => expect(find([range], table, id)).toBe(i));
    // Without clearing, every row meets itself from the first scan.
    const stale = scanInto('again.csv', ids, table, 0).range();
    expect(dups(stale)).toEqual([true, true, true, true]);
  });

  it('leaves rows out rather than fill a half past its limit; a table built after the scan holds them all', () => {
    const table = createTable(10); // two halves of 512 slots
    const half = table.length >>> 2;
    const ids = Array.from({ length: 1500 }, (_, i) => `key${i}`);
    const store = scanInto('many.csv', ids, table, 0);
    expect(store.tableFull).toBe(true);
    const used = [0, 0];
    for (let s = 0; s < 2 * half; s++) if (table[2 * s] !== 0) used[s < half ? 0 : 1]++;
    expect(Math.max(...used)).toBeLessThanOrEqual(tableLimit(half));
    expect(Math.min(...used)).toBeGreaterThan(0);
    const range = store.range();
    expect(range.count).toBe(1500);
    const rebuilt = createTable(range.count);
    expect(buildPartition([range], rebuilt, 0) + buildPartition([range], rebuilt, 1)).toBe(0);
    ids.forEach((id, i) => expect(find([range], rebuilt, id)).toBe(i));
  });

  it('refuses judged suspect rows past the limit (settleTable is false)', () => {
    const few = rangeOf(Array.from({ length: 300 }, (_, i) => `s${i}`));
    const table = createTable(0);
    expect(settleTable([few], table, new Int32Array(0), Int32Array.from({ length: 300 }, (_, i) => i))).toBe(true);
    for (let i = 0; i < 300; i++) expect(find([few], table, `s${i}`)).toBe(i);
    const many = rangeOf(Array.from({ length: 800 }, (_, i) => `s${i}`));
    expect(settleTable([many], createTable(0), new Int32Array(0), Int32Array.from({ length: 800 }, (_, i) => i))).toBe(false);
  });
});
