// Regenerates this sample's data deterministically: `node generate-data.mjs`.
// data/origin-objects.json: the origin bucket as `aws s3api list-objects-v2 --bucket
// www-example-origin --output json` prints it (about 1,250 objects: pages, images, built assets,
// downloads). data/edge-cache.json: what the CDN's edges hold for the `www` service, as the
// `cdnctl cache list` stand-in (bin/cdnctl) prints it. They agree except where the README says:
// pages and images changed at the origin since the edges cached them, a large download
// republished, a built asset whose hashed name was reused, objects deleted at the origin but still
// cached, objects not cached yet, and weak ETags for compressed responses (not drift).
import { writeFileSync } from 'node:fs';

let seed = 20261201;
const random = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
const hex = (n) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
const pick = (list) => list[Math.floor(random() * list.length)];
const iso = (ms) => new Date(ms).toISOString().replace('.000Z', '+00:00');

const deployed = Date.UTC(2026, 10, 26, 9, 40, 0);
const objects = [];
const add = (key, size, ageDays) => objects.push({ Key: key, LastModified: iso(deployed - ageDays * 86_400_000 - int(0, 86_399) * 1000), ETag: `"${hex(32)}"`, Size: size, StorageClass: 'STANDARD' });

add('index.html', 48_213, 0);
for (const page of ['about', 'careers', 'contact', 'shipping', 'returns', 'privacy', 'terms', 'stores', 'gift-cards', 'sustainability']) add(`${page}/index.html`, int(9_000, 40_000), int(1, 200));
const categories = ['women', 'men', 'kids', 'shoes', 'bags', 'outdoor', 'sale', 'new-in'];
for (const category of categories) add(`c/${category}/index.html`, int(60_000, 140_000), int(0, 3));
const adjectives = ['classic', 'organic', 'merino', 'recycled', 'waterproof', 'lightweight', 'relaxed', 'slim', 'cropped', 'quilted'];
const nouns = ['tee', 'hoodie', 'parka', 'chino', 'sneaker', 'backpack', 'beanie', 'cardigan', 'jeans', 'shirt', 'boot', 'scarf'];
const products = [];
for (let i = 0; i < 420; i++) products.push(`${pick(adjectives)}-${pick(nouns)}-${10_000 + i * 13}`);
for (const p of products) {
  add(`p/${p}/index.html`, int(30_000, 70_000), int(0, 60));
  for (let n = 1; n <= int(1, 3); n++) add(`img/p/${p}-${n}.webp`, int(40_000, 380_000), int(2, 300));
}
const assets = [];
for (const name of ['app', 'vendor', 'checkout', 'search', 'account']) {
  assets.push(`assets/${name}.${hex(8)}.js`);
  if (name !== 'vendor') assets.push(`assets/${name}.${hex(8)}.css`);
}
for (const a of assets) add(a, int(20_000, 900_000), 0);
for (const font of ['inter-regular', 'inter-semibold', 'inter-bold']) add(`fonts/${font}.woff2`, int(60_000, 110_000), 400);
add('downloads/lookbook-winter-2026.pdf', 48_922_117, 1);
add('downloads/shop-app-4.2.0.dmg', 184_220_544, 0);
add('downloads/shop-app-4.2.0.msi', 171_003_392, 0);
add('robots.txt', 412, 90);
add('sitemap.xml', 188_301, 0);
objects.sort((a, b) => (a.Key < b.Key ? -1 : 1));

const compressible = (key) => /\.(html|css|js|xml|txt)$/.test(key);
const cachedAt = Date.UTC(2026, 10, 26, 11, 20, 0);
const edge = [];
for (const o of objects) {
  edge.push({
    path: `/${o.Key}`,
    etag: compressible(o.Key) && random() < 0.6 ? `W/${o.ETag}` : o.ETag,
    content_length: compressible(o.Key) ? Math.round(o.Size * 0.28) : o.Size,
    cached_at: new Date(cachedAt - int(0, 6 * 3600) * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
    max_age: o.Key.endsWith('.html') ? 300 : o.Key.startsWith('assets/') || o.Key.startsWith('fonts/') ? 31_536_000 : 86_400,
    pops: int(3, 41),
    hits: int(1, 90_000),
  });
}
const at = (path) => edge.find((e) => e.path === path);
const used = new Set();
const take = (filter) => {
  for (;;) {
    const o = pick(objects);
    if (!used.has(o.Key) && filter(o.Key)) {
      used.add(o.Key);
      return o;
    }
  }
};
// Republished at the origin after the edges cached it: stale (purged and fetched again).
const republish = (o) => {
  const old = o.ETag;
  o.ETag = `"${hex(32)}"`;
  o.LastModified = iso(deployed + int(60, 3000) * 1000);
  const e = at(`/${o.Key}`);
  e.etag = e.etag.startsWith('W/') ? `W/${old}` : old;
};
for (let i = 0; i < 9; i++) republish(take((k) => k.startsWith('p/')));
for (const k of ['c/sale/index.html', 'c/new-in/index.html', 'index.html']) { used.add(k); republish(objects.find((o) => o.Key === k)); }
for (let i = 0; i < 5; i++) republish(take((k) => k.startsWith('img/')));
// A large download republished under the same name: purging it refetches it everywhere.
republish(objects.find((o) => o.Key === 'downloads/shop-app-4.2.0.dmg'));
// A build reused a hashed asset name with new content: a build bug, not a cache problem.
republish(objects.find((o) => o.Key === assets[2]));
// Not cached yet at any edge: fetched from the origin on the first request.
for (let i = 0; i < 14; i++) {
  const o = take((k) => k.startsWith('img/'));
  edge.splice(edge.indexOf(at(`/${o.Key}`)), 1);
}
// Deleted at the origin (products taken off the shop, an old build) but still cached.
for (let i = 0; i < 6; i++) {
  const o = take((k) => k.startsWith('p/') || k.startsWith('img/'));
  objects.splice(objects.indexOf(o), 1);
}
edge.push({ path: `/assets/app.${hex(8)}.js`, etag: `"${hex(32)}"`, content_length: 201_554, cached_at: '2026-11-25T16:02:11Z', max_age: 31_536_000, pops: 38, hits: 2_113 });
edge.sort((a, b) => (a.path < b.path ? -1 : 1));

writeFileSync(new URL('./data/origin-objects.json', import.meta.url), JSON.stringify({ Contents: objects, RequestCharged: null, Prefix: '' }, null, 4) + '\n');
writeFileSync(new URL('./data/edge-cache.json', import.meta.url), JSON.stringify({ service: 'www', objects: edge }, null, 2) + '\n');
console.log(`origin: ${objects.length} objects, edge cache: ${edge.length} objects`);
