/**
 * Deterministic generator of the diff benchmark's two CSV files (desired and actual).
 *
 * Why a generator and not checked-in data: the files are 100 MB (1M records) to 500 MB (5M
 * records) each; they are rebuilt on demand into `bench/.data/` (gitignored) and reused while
 * their manifest (size, seed, generator version) matches.
 *
 * Shape (10 columns): id, amount (number, 2 decimals), currency, status, booked_at (ISO 8601
 * instant), qty (integer), sku, region, memo (sometimes quoted, with a comma), flag (bool).
 * The actual file has the same records in another row order and another column order, and:
 * - 1% of the desired ids are absent (missing),
 * - 1% of its records have ids the desired file lacks (extra),
 * - 2% of the shared records differ in a compared field beyond the policy's tolerance (changed),
 * - 1% of the shared records differ only within tolerance (amount ± 0.001, currency case,
 *   booked_at ± 30 s) or in the ignored `memo`: these must NOT be reported.
 * Expected counts are written to the manifest so the benchmark can check both engines.
 */
import fs from 'node:fs';
import path from 'node:path';

export const GENERATOR_VERSION = 3;

/** mulberry32: a tiny deterministic PRNG, so the same size always gives the same bytes. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF', 'JPY', 'SEK'];
const STATUSES = ['settled', 'pending', 'failed', 'refunded'];
const REGIONS = ['eu-west', 'eu-central', 'us-east', 'us-west', 'ap-south'];
const WORDS = ['invoice', 'refund', 'march', 'batch', 'retry', 'manual', 'card', 'wire', 'fee', 'adjust'];

const DESIRED_COLUMNS = ['id', 'amount', 'currency', 'status', 'booked_at', 'qty', 'sku', 'region', 'memo', 'flag'];
/** The actual file orders its columns differently: comparison is by name. */
const ACTUAL_COLUMNS = ['id', 'status', 'amount', 'currency', 'qty', 'booked_at', 'region', 'sku', 'flag', 'memo'];

function pad(n, width) {
  return String(n).padStart(width, '0');
}

function isoFromSeconds(sec) {
  return new Date(sec * 1000).toISOString().replace('.000Z', 'Z');
}

function makeRecord(i, rnd) {
  const cents = Math.floor(rnd() * 10_000_000);
  const memoWords = WORDS[Math.floor(rnd() * WORDS.length)] + ' ' + WORDS[Math.floor(rnd() * WORDS.length)];
  return {
    id: 'T' + pad(i, 9),
    amount: (cents / 100).toFixed(2),
    currency: CURRENCIES[Math.floor(rnd() * CURRENCIES.length)],
    status: STATUSES[Math.floor(rnd() * STATUSES.length)],
    booked_at: 1_700_000_000 + Math.floor(rnd() * 60_000_000),
    qty: String(1 + Math.floor(rnd() * 100)),
    sku: 'SKU-' + pad(Math.floor(rnd() * 100000), 5),
    region: REGIONS[Math.floor(rnd() * REGIONS.length)],
    memo: rnd() < 0.05 ? '"' + memoWords + ', ref ' + pad(i % 1000, 3) + '"' : memoWords,
    flag: rnd() < 0.5 ? 'true' : 'false',
  };
}

function line(rec, columns) {
  let s = '';
  for (let c = 0; c < columns.length; c++) {
    const name = columns[c];
    const v = name === 'booked_at' ? isoFromSeconds(rec.booked_at) : rec[name];
    s += (c === 0 ? '' : ',') + v;
  }
  return s + '\n';
}

/** Applies a change beyond tolerance to one compared field. */
function change(rec, rnd) {
  const which = Math.floor(rnd() * 5);
  if (which === 0) rec.amount = (Number(rec.amount) + 1.25).toFixed(2);
  else if (which === 1) rec.status = rec.status === 'settled' ? 'pending' : 'settled';
  else if (which === 2) rec.qty = String(Number(rec.qty) + 1);
  else if (which === 3) rec.booked_at += 3600;
  else rec.region = rec.region === 'eu-west' ? 'us-east' : 'eu-west';
}

/** Applies a difference the policy tolerates. */
function tolerate(rec, rnd) {
  const which = Math.floor(rnd() * 4);
  if (which === 0) rec.amount = (Number(rec.amount) + 0.001).toFixed(3);
  else if (which === 1) rec.currency = rec.currency.toLowerCase();
  else if (which === 2) rec.booked_at += 30;
  else rec.memo = 'edited by hand';
}

class Writer {
  constructor(file) {
    this.fd = fs.openSync(file, 'w');
    this.parts = [];
    this.size = 0;
  }
  write(s) {
    this.parts.push(s);
    this.size += s.length;
    if (this.size > 4 << 20) this.flush();
  }
  flush() {
    fs.writeSync(this.fd, this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
  close() {
    this.flush();
    fs.closeSync(this.fd);
  }
}

/**
 * Writes `desired.csv` and `actual.csv` for `n` records a side into `dir` (unless a matching
 * manifest is there) and returns the manifest with the expected counts.
 */
export function generate(dir, n, seed = 42) {
  fs.mkdirSync(dir, { recursive: true });
  const manifestFile = path.join(dir, 'manifest.json');
  if (fs.existsSync(manifestFile)) {
    const m = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    if (m.version === GENERATOR_VERSION && m.n === n && m.seed === seed &&
        fs.existsSync(path.join(dir, 'desired.csv')) && fs.existsSync(path.join(dir, 'actual.csv'))) return m;
  }
  const rnd = prng(seed);
  const desired = new Writer(path.join(dir, 'desired.csv'));
  desired.write(DESIRED_COLUMNS.join(',') + '\n');
  // Actual rows are written in blocks, each block in a shuffled order, and the blocks in reverse:
  // a different order from the desired file without holding all rows in memory.
  const BLOCK = 65536;
  const blocks = [];
  const counts = { missing: 0, extra: 0, changed: 0, tolerated: 0, unchanged: 0 };
  let block = [];
  const flushBlock = () => {
    for (let i = block.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      const t = block[i]; block[i] = block[j]; block[j] = t;
    }
    blocks.push(block.join(''));
    block = [];
  };
  const actualTmp = new Writer(path.join(dir, 'actual.tmp'));
  const blockSizes = [];
  const pushActual = (s) => {
    block.push(s);
    if (block.length === BLOCK) {
      flushBlock();
      const text = blocks.pop();
      blockSizes.push(Buffer.byteLength(text));
      actualTmp.write(text);
    }
  };
  for (let i = 0; i < n; i++) {
    const rec = makeRecord(i, rnd);
    desired.write(line(rec, DESIRED_COLUMNS));
    const r = rnd();
    if (r < 0.01) { counts.missing++; continue; }
    if (r < 0.03) { change(rec, rnd); counts.changed++; }
    else if (r < 0.04) { tolerate(rec, rnd); counts.tolerated++; counts.unchanged++; }
    else counts.unchanged++;
    pushActual(line(rec, ACTUAL_COLUMNS));
    if (rnd() < 0.01) {
      counts.extra++;
      pushActual(line(makeRecord(n + i, rnd), ACTUAL_COLUMNS));
    }
  }
  if (block.length) {
    flushBlock();
    const text = blocks.pop();
    blockSizes.push(Buffer.byteLength(text));
    actualTmp.write(text);
  }
  desired.close();
  actualTmp.close();
  // Reverse the block order into the final actual file.
  const tmp = fs.openSync(path.join(dir, 'actual.tmp'), 'r');
  const out = fs.openSync(path.join(dir, 'actual.csv'), 'w');
  fs.writeSync(out, ACTUAL_COLUMNS.join(',') + '\n');
  const offsets = [];
  let off = 0;
  for (const s of blockSizes) { offsets.push(off); off += s; }
  for (let b = blockSizes.length - 1; b >= 0; b--) {
    const buf = Buffer.allocUnsafe(blockSizes[b]);
    fs.readSync(tmp, buf, 0, blockSizes[b], offsets[b]);
    fs.writeSync(out, buf);
  }
  fs.closeSync(tmp);
  fs.closeSync(out);
  fs.unlinkSync(path.join(dir, 'actual.tmp'));
  const manifest = { version: GENERATOR_VERSION, n, seed, counts,
    desiredRecords: n, actualRecords: n - counts.missing + counts.extra };
  fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
  return manifest;
}

export { DESIRED_COLUMNS, ACTUAL_COLUMNS };
