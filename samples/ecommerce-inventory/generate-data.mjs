// Regenerates this sample's data deterministically: `node generate-data.mjs`.
// Three warehouses stock about 2,000 items between them. The inventory database export
// (data/inventory-db.jsonl) says what should be on the shelves; the cycle count
// (data/warehouse-counts.csv) says what the counters found. They agree on most items and differ
// in the ways the README describes: counting noise within the tolerance, shrinkage, big
// adjustments, items oversold, moved bins, unknown items, items nobody counted, broken rows.
import { writeFileSync } from 'node:fs';

let seed = 20261128;
const random = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const pick = (list) => list[Math.floor(random() * list.length)];
const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));

const warehouses = [
  { code: 'AMS1', counters: ['j.devries', 'a.bakker', 's.jansen'] },
  { code: 'BER2', counters: ['m.schmidt', 'l.weber', 'k.fischer'] },
  { code: 'MAD1', counters: ['c.garcia', 'p.lopez'] },
];
const nouns = ['T-shirt', 'Hoodie', 'Sneaker', 'Backpack', 'Water bottle', 'Beanie', 'Rain jacket', 'Sock pack', 'Cap', 'Tote bag', 'Running short', 'Fleece', 'Scarf', 'Belt', 'Wallet'];
const colours = ['black', 'white', 'navy', 'olive', 'sand', 'red', 'grey', 'forest'];
const sizes = ['XS', 'S', 'M', 'L', 'XL', 'one size'];

const catalog = [];
for (let i = 0; i < 900; i++) {
  const noun = pick(nouns);
  catalog.push({
    sku: `SKU-${String(100000 + i * 7).padStart(6, '0')}`,
    title: `${noun}, ${pick(colours)}, ${pick(sizes)}`,
    unit_cost: Math.round((2 + random() * (noun === 'Rain jacket' || noun === 'Sneaker' ? 90 : 30)) * 100) / 100,
  });
}

const db = [];
const counts = [];
const countedAt = Date.UTC(2026, 10, 25, 6, 0, 0);
for (const w of warehouses) {
  for (const item of catalog) {
    if (random() < 0.26) continue; // not stocked here
    const onHand = random() < 0.012 ? 0 : int(1, 240);
    const row = {
      warehouse: w.code,
      sku: item.sku,
      title: item.title,
      bin: `${pick('ABCDEF'.split(''))}-${String(int(1, 24)).padStart(2, '0')}-${int(1, 6)}`,
      on_hand: onHand,
      reserved: onHand > 10 && random() < 0.3 ? int(1, Math.min(8, onHand)) : 0,
      unit_cost: item.unit_cost,
      status: 'active',
      updated_at: new Date(countedAt - int(1, 72) * 3_600_000).toISOString().replace('.000Z', 'Z'),
    };
    db.push(row);
    // Discontinued items stay in the database but are out of scope (the database source's
    // `where`), and nobody counts them.
    if (db.length % 97 === 4) row.status = 'discontinued';
    // Items with nothing on the shelf are not counted (there is nothing to count).
    if (onHand === 0 || row.status !== 'active') continue;
    counts.push({
      warehouse: w.code,
      sku: item.sku,
      bin: row.bin,
      counted_qty: onHand,
      counted_by: pick(w.counters),
      counted_at: new Date(countedAt + counts.length * 9_000).toISOString().replace('.000Z', 'Z'),
    });
  }
}

const byKey = new Map(counts.map((c, i) => [`${c.warehouse}/${c.sku}`, i]));
const used = new Set();
const takeCount = (filter = () => true) => {
  for (;;) {
    const i = Math.floor(random() * counts.length);
    const row = db.find((r) => r.warehouse === counts[i].warehouse && r.sku === counts[i].sku);
    if (!used.has(i) && row.status === 'active' && filter(counts[i], row)) {
      used.add(i);
      return [counts[i], row];
    }
  }
};
// Counting noise within the tolerance (2 units, or 2% of large stocks): not drift.
for (let i = 0; i < 40; i++) {
  const [c] = takeCount((c) => c.counted_qty > 5);
  c.counted_qty += pick([-2, -1, 1, 2]);
}
// Shrinkage and surplus beyond the tolerance, worth little: corrected automatically.
for (let i = 0; i < 14; i++) {
  const [c] = takeCount((c, r) => c.counted_qty > 20 && r.unit_cost < 12 && r.reserved === 0);
  c.counted_qty += pick([-9, -7, -5, 4, 6]);
}
// Adjustments worth more than 500 at unit cost: a stock controller approves them.
for (let i = 0; i < 5; i++) {
  const [c] = takeCount((c, r) => c.counted_qty > 60 && r.unit_cost > 40 && r.reserved === 0);
  c.counted_qty -= int(15, 40);
}
// Fewer on the shelf than orders have reserved: oversold, a person decides which orders wait.
for (let i = 0; i < 3; i++) {
  const [c, r] = takeCount((c, r) => r.reserved >= 3);
  c.counted_qty = r.reserved - int(1, 2);
}
// Moved to another bin, quantity right: the bin is corrected.
for (let i = 0; i < 6; i++) {
  const [c] = takeCount();
  c.bin = `${pick('GH'.split(''))}-${String(int(1, 12)).padStart(2, '0')}-${int(1, 4)}`;
}
// Bin labels written in lower case, or with spaces: the same bin (normalised before comparing).
for (let i = 0; i < 12; i++) {
  const [c] = takeCount();
  c.bin = i % 2 === 0 ? c.bin.toLowerCase() : ` ${c.bin}`;
}
// Counted, but the database has no such item in that warehouse (a receiving error).
counts.push({ warehouse: 'AMS1', sku: 'SKU-100004', bin: 'F-22-1', counted_qty: 12, counted_by: 'a.bakker', counted_at: '2026-11-25T09:14:00Z' });
counts.push({ warehouse: 'BER2', sku: 'SKU-106301', bin: 'C-03-5', counted_qty: 3, counted_by: 'l.weber', counted_at: '2026-11-25T10:02:00Z' });
counts.push({ warehouse: 'MAD1', sku: 'SKU-105998', bin: 'A-11-2', counted_qty: 48, counted_by: 'p.lopez', counted_at: '2026-11-25T11:40:00Z' });
// Stock in the database that nobody counted (an aisle skipped).
const skipped = [];
for (let i = 0; i < 4; i++) {
  const [c] = takeCount((c, r) => r.reserved === 0);
  skipped.push(byKey.get(`${c.warehouse}/${c.sku}`));
}
const kept = counts.filter((_, i) => !skipped.includes(i));
// One item counted twice by two counters (both rows are invalid: the key is not unique) and one
// quantity mistyped (a letter O for a zero).
const [twice] = takeCount();
kept.push({ ...twice, counted_qty: twice.counted_qty + 10, counted_by: 'k.fischer' });
const [typo] = takeCount((c) => c.counted_qty >= 10 && c.counted_qty < 100 && c.counted_qty % 10 === 0);
typo.counted_qty = `${Math.floor(typo.counted_qty / 10)}O`;

kept.sort((a, b) => (a.warehouse + a.sku < b.warehouse + b.sku ? -1 : 1));
const csv = ['warehouse,sku,bin,counted_qty,counted_by,counted_at'];
for (const c of kept) csv.push([c.warehouse, c.sku, c.bin, c.counted_qty, c.counted_by, c.counted_at].join(','));
writeFileSync(new URL('./data/warehouse-counts.csv', import.meta.url), csv.join('\n') + '\n');
writeFileSync(new URL('./data/inventory-db.jsonl', import.meta.url), db.map((r) => JSON.stringify(r)).join('\n') + '\n');
console.log(`database: ${db.length} items, counts: ${kept.length} rows`);
