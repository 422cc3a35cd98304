// Regenerates this sample's data deterministically: `node generate-data.mjs`.
// 2,000 ledger entries; the gateway report agrees on most of them and differs in the ways the
// README describes (missing, extra, changed, tolerated differences, a voided and a broken row).
import { writeFileSync } from 'node:fs';

let seed = 20261126;
const random = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const pick = (list) => list[Math.floor(random() * list.length)];

const currencies = ['EUR', 'USD', 'GBP', 'CHF'];
const ledger = [];
const start = Date.UTC(2026, 10, 1, 8, 0, 0);
for (let i = 1; i <= 2000; i++) {
  const amount = Math.round((5 + random() * 4000) * 100) / 100;
  ledger.push({
    txn_id: `T${String(i).padStart(5, '0')}`,
    amount,
    currency: pick(currencies),
    status: 'settled',
    booked_at: new Date(start + i * 577_000).toISOString().replace('.000Z', 'Z'),
  });
}
// Two big payments, later missing at the gateway (they need a lead's approval to create).
ledger[40].amount = 25000;
ledger[41].amount = 18250.5;
// Voided entries are out of scope (the source's `where`).
ledger[100].status = 'voided';
ledger[101].status = 'voided';

const missing = new Set([40, 41, 300, 301, 302, 303, 100]);
const gateway = [];
for (const [index, row] of ledger.entries()) {
  if (missing.has(index)) continue;
  let cents = Math.round(row.amount * 100);
  let currency = row.currency;
  let settled = new Date(row.booked_at);
  let state = 'SETTLED ';
  if (index % 97 === 5) currency = currency.toLowerCase(); // tolerated: case
  if (index % 89 === 7) settled = new Date(settled.getTime() + 45_000); // tolerated: within 2m
  if ([500, 501, 502, 503, 504].includes(index)) cents += 1250; // changed: amount
  if ([600, 601, 602].includes(index)) settled = new Date(settled.getTime() + 3_600_000); // changed: time only
  if (index === 700) state = 'refunded'; // changed: status
  // The gateway reports times in its own zone (+01:00).
  const local = new Date(settled.getTime() + 3_600_000).toISOString().replace('.000Z', '+01:00');
  gateway.push({ id: row.txn_id, amount_cents: cents, currency, state, settled_at: local, origin: 'api' });
}
gateway.push({ id: 'X90001', amount_cents: 1999, currency: 'EUR', state: 'settled', settled_at: '2026-11-20T10:00:00+01:00', origin: 'manual' });
gateway.push({ id: 'X90002', amount_cents: 500, currency: 'EUR', state: 'settled', settled_at: '2026-11-20T11:00:00+01:00', origin: 'manual' });
gateway.push({ id: 'X90003', amount_cents: 73000, currency: 'USD', state: 'settled', settled_at: '2026-11-21T09:30:00+01:00', origin: 'api' });
gateway.push({ id: 'X90004', amount_cents: 120, currency: 'GBP', state: 'settled', settled_at: '2026-11-22T16:45:00+01:00', origin: 'api' });

const csv = ['txn_id,amount,currency,status,booked_at'];
for (const row of ledger) csv.push(`${row.txn_id},${row.amount.toFixed(2)},${row.currency},${row.status},${row.booked_at}`);
// One broken row: the amount is not a number (reported as an invalid item, never dropped).
csv.splice(1500, 0, 'T09999,12;50,EUR,settled,2026-11-20T10:00:00Z');
writeFileSync(new URL('./data/ledger.csv', import.meta.url), csv.join('\n') + '\n');
writeFileSync(new URL('./data/gateway-settlements.json', import.meta.url), JSON.stringify({ settlements: gateway }, null, 1) + '\n');
console.log(`ledger: ${ledger.length + 1} rows, gateway: ${gateway.length} settlements`);
