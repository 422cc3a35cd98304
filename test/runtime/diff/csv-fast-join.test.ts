/**
 * The fast path's key table and range reads: a hash's first slot is always inside its half of a
 * table of any size (extreme hashes included), a table filled up to one free slot per half still
 * finds every key (wrapping around a half's end) and no other, a thread's read buffer is kept
 * from range to range without changing what a range reads, and the type checks of actual rows
 * are skipped exactly for those that equal a valid desired row (in the probe and in the repeats
 * pass alike).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHECK_INTEGER, CHECK_NONE, CHECK_NUMBER, type ScanPlan } from '../../../runtime/diff/csv-byte-scanner.js';
import { vouchedColumns } from '../../../runtime/diff/csv-fast-plan.js';
import {
  ActualProber,
  buildPartition,
  clearFlags,
  createTable,
  DesiredStore,
  FLAG_DUP,
  FLAG_INVALID,
  FLAG_SUSPECT,
  flagsAt,
  probeBytes,
  RANGE_STRIDE,
  RepeatCollector,
  scanRange,
  setFlags,
  slotOf,
  STRIDE,
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

/** A desired range of short (inline) keys with the given key hashes; key i is `<prefix><i>`. */
function rangeOf(hashes: readonly number[], prefix = 'k'): DesiredRange {
  const rows = new Int32Array(new SharedArrayBuffer(Math.max(1, hashes.length) * STRIDE * 4));
  hashes.forEach((hash, i) => {
    const key = keyBytes(i, prefix);
    const words = new Int32Array(padded(key).buffer);
    const o = i * STRIDE;
    rows[o] = hash;
    rows[o + 3] = key.length;
    rows[o + 4] = words[0];
    rows[o + 5] = words[1];
    rows[o + 6] = words[2];
  });
  return { count: hashes.length, rows, rowStart: new Uint32Array(Math.max(1, hashes.length)), keyArena: new Uint8Array(1) };
}

function keyBytes(i: number, prefix = 'k'): Uint8Array {
  return Buffer.from(`${prefix}${i}`, 'latin1');
}

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
    // Half 0: 511 keys whose first slot is near the end (probes wrap around); half 1: 400 keys
    // with extreme and clustered hashes.
    const hashes: number[] = [];
    for (let i = 0; i < half - 1; i++) hashes.push(0x7fffffff - (i % 37) * 65_536);
    for (let i = 0; i < 400; i++) hashes.push(i < EXTREME_HASHES.length ? EXTREME_HASHES[i] | 0x80000000 : 0x80000000 | (i * 0x9e3779b1) >>> 1);
    const range = rangeOf(hashes);
    const ranges = [range];
    expect(buildPartition(ranges, table, 0)).toBe(0);
    expect(buildPartition(ranges, table, 1)).toBe(0);
    const used = [0, 0];
    for (let s = 0; s < 2 * half; s++) if (table[2 * s] !== 0) used[s < half ? 0 : 1]++;
    expect(used).toEqual([half - 1, 400]);
    hashes.forEach((hash, i) => expect(probeBytes(ranges, table, hash, keyBytes(i))).toBe(i));
    // Keys that are not there, with the hashes of keys that are (the key bytes decide) and others.
    for (const hash of [...hashes.slice(0, 50), ...EXTREME_HASHES]) expect(probeBytes(ranges, table, hash, Buffer.from('absent'))).toBe(-1);
  });

  it('flags rows that share a key as duplicates, across ranges', () => {
    const a = rangeOf([5, 0x80000005, 77]);
    const b = rangeOf([5, 99], 'k'); // row 0: key `k0`, hash 5, as row 0 of `a`
    b.rows[STRIDE + 4] = new Int32Array(padded(Buffer.from('m1')).buffer)[0]; // row 1: key `m1`
    const ranges = [a, b];
    const table = createTable(5);
    expect(buildPartition(ranges, table, 0) + buildPartition(ranges, table, 1)).toBe(2);
    expect(flagsAt(a, 0) & FLAG_DUP).toBe(FLAG_DUP);
    expect(flagsAt(b, 0) & FLAG_DUP).toBe(FLAG_DUP);
    expect(flagsAt(a, 2) & FLAG_DUP).toBe(0);
    expect(probeBytes(ranges, table, 99, Buffer.from('m1'))).toBe(RANGE_STRIDE + 1);
    expect(probeBytes(ranges, table, 77, keyBytes(2))).toBe(2);
    expect(probeBytes(ranges, table, 99, keyBytes(1))).toBe(-1);
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

describe('vouched type checks', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'recon-fast-vouch-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // id, v (a number, compared), w (an integer, not compared)
  const typedPlan = (vouched: boolean): ScanPlan => ({
    delimiter: 44,
    columns: 3,
    fpSlot: Int32Array.from([-1, 0, -1]),
    fpSlots: 1,
    keyComponent: Int32Array.from([0, -1, -1]),
    keyComponents: 1,
    check: Uint8Array.from([CHECK_NONE, CHECK_NUMBER, CHECK_INTEGER]),
    ...(vouched ? { vouched: Uint8Array.from([0, 1, 0]) } : {}),
  });

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
