// Regenerates this sample's data deterministically: `node generate-data.mjs`.
// data/flag-service-export.json: what the flag service says each service should evaluate, one
// assignment per service and flag (about 60 flags over 14 services). data/service-reports.jsonl:
// what each service reported from its /internal/flags endpoint, collected a few minutes later.
// They agree except where the README says (a service serving a stale copy, a local override, a
// kill switch not honoured, an SDK that rounds a rollout, flags a service does not know yet or
// no longer should have, service-local flags, variant names in another case).
import { writeFileSync } from 'node:fs';

let seed = 20261130;
const random = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
const pick = (list) => list[Math.floor(random() * list.length)];
const hex = (n) => Array.from({ length: n }, () => Math.floor(random() * 36).toString(36)).join('');

const revision = 1842;
const services = ['accounts', 'cart', 'catalog', 'checkout', 'mobile-bff', 'notifications', 'payments', 'pricing', 'recommendations', 'reviews', 'search', 'shipping', 'support', 'web'];
const topics = {
  accounts: ['passkeys', 'social-login', 'profile-v2', 'gdpr-export', 'email-change-verify', 'session-timeout-v2', 'account-merge', 'login-rate-limit'],
  cart: ['save-for-later', 'cart-sharing', 'bundle-discounts', 'persistent-cart', 'mini-cart', 'cart-recovery-emails', 'gift-wrap'],
  catalog: ['rich-media', 'size-guide', 'availability-badges', 'new-taxonomy', 'variant-swatches', 'bulk-import-v2', 'product-videos', 'eco-labels'],
  checkout: ['one-click', 'address-autocomplete', 'split-payment', 'guest-checkout-v2', 'new-3ds-flow', 'order-notes', 'delivery-estimate', 'express-pay-buttons', 'invoice-address-v2'],
  notifications: ['digest-emails', 'push-v2', 'quiet-hours', 'sms-fallback', 'template-engine-v2'],
  payments: ['apple-pay', 'retry-declines', 'fx-quotes', 'google-pay', 'installments', 'refund-automation', 'sca-exemptions'],
  pricing: ['dynamic-shipping', 'member-prices', 'price-rounding-v2', 'tiered-discounts', 'vat-engine-v2', 'price-alerts'],
  recommendations: ['embeddings-v3', 'recently-viewed', 'cross-sell', 'trending-now', 'personal-ranking', 'cold-start-rules'],
  reviews: ['photo-upload', 'verified-badge', 'ai-summaries', 'review-reminders', 'helpful-votes'],
  search: ['semantic-ranking', 'typo-tolerance', 'facet-v2', 'query-suggestions', 'synonyms-v2', 'zero-results-fallback', 'visual-search', 'boost-new-arrivals'],
  shipping: ['carrier-v2', 'pickup-points', 'delivery-slots', 'return-labels', 'parcel-tracking-v2', 'carbon-neutral-option'],
  support: ['chatbot', 'callback-requests', 'ticket-triage-ai', 'satisfaction-survey'],
  web: ['new-header', 'dark-mode', 'lazy-images', 'cookie-banner-v3', 'mega-menu', 'sticky-add-to-cart', 'image-cdn-v2', 'pwa-install-prompt'],
};
const global = ['global.maintenance-banner', 'global.black-friday-mode', 'global.new-telemetry', 'global.strict-csp', 'global.read-only-mode', 'global.new-auth-tokens'];
// Who reads which flag: its own service's flags, a neighbour's for shared journeys, and the
// global flags everywhere but in the back-office services.
const consumers = new Map();
for (const [service, names] of Object.entries(topics)) {
  for (const name of names) consumers.set(`${service}.${name}`, new Set([service]));
}
consumers.get('checkout.new-3ds-flow').add('payments').add('mobile-bff');
for (const flag of ['checkout.one-click', 'checkout.guest-checkout-v2', 'checkout.express-pay-buttons', 'cart.save-for-later', 'cart.mini-cart', 'catalog.size-guide', 'catalog.variant-swatches', 'search.query-suggestions', 'search.visual-search', 'reviews.verified-badge', 'pricing.member-prices', 'recommendations.recently-viewed', 'recommendations.trending-now', 'accounts.passkeys', 'shipping.delivery-slots']) {
  consumers.get(flag).add('web').add('mobile-bff');
}
consumers.get('pricing.dynamic-shipping').add('shipping').add('checkout');
for (const flag of global) consumers.set(flag, new Set(services.filter((s) => s !== 'support' && s !== 'notifications')));

const flags = new Map();
for (const flag of [...consumers.keys()].sort()) {
  const enabled = random() < 0.7;
  const rollout = enabled ? pick([100, 100, 100, 50, 25, 10, 5]) : 0;
  const variant = !enabled ? 'off' : rollout < 100 ? pick(['treatment', 'variant-b', 'on']) : 'on';
  flags.set(flag, { enabled, variant, rollout, kill_switch: false, changed_in: int(1500, revision) });
}
// An incident switched this flag off for everyone: a kill switch.
Object.assign(flags.get('checkout.new-3ds-flow'), { enabled: false, variant: 'off', rollout: 0, kill_switch: true, changed_in: 1839 });
// Recent changes (after revision 1790) that a stale service has not seen.
for (const flag of ['notifications.digest-emails', 'notifications.quiet-hours', 'global.maintenance-banner']) {
  const f = flags.get(flag);
  Object.assign(f, f.enabled ? { enabled: false, variant: 'off', rollout: 0 } : { enabled: true, variant: 'on', rollout: 100 }, { changed_in: int(1800, 1840) });
}
flags.get('notifications.push-v2').changed_in = 1650;
Object.assign(flags.get('search.semantic-ranking'), { enabled: false, variant: 'off', rollout: 0, changed_in: 1700 });
Object.assign(flags.get('pricing.price-rounding-v2'), { enabled: true, variant: 'treatment', rollout: 25, changed_in: 1760 });
Object.assign(flags.get('shipping.carrier-v2'), { enabled: true, variant: 'treatment', rollout: 10, changed_in: 1841 });
Object.assign(flags.get('reviews.ai-summaries'), { enabled: false, variant: 'off', rollout: 0, changed_in: 1838 });

const assignments = [];
for (const [flag, readers] of consumers) {
  for (const service of [...readers].sort()) assignments.push({ service, flag, ...flags.get(flag) });
}
assignments.sort((a, b) => (a.service + a.flag < b.service + b.flag ? -1 : 1));

const reportedAt = Date.UTC(2026, 10, 26, 11, 58, 0);
const reports = [];
for (const a of assignments) {
  // New flags have not reached every service yet.
  if (a.service === 'shipping' && a.flag === 'shipping.carrier-v2') continue;
  if (a.service === 'reviews' && a.flag === 'reviews.ai-summaries') continue;
  const report = {
    service: a.service,
    instance: `${a.service}-${hex(9)}-${hex(5)}`,
    flag: a.flag,
    value: { enabled: a.enabled, variant: a.variant, rollout: a.rollout },
    revision,
    source: 'remote',
    reported_at: new Date(reportedAt + int(0, 120_000)).toISOString(),
  };
  reports.push(report);
}
const report = (service, flag) => reports.find((r) => r.service === service && r.flag === flag);
// notifications lost its flag stream at revision 1790: it serves its cached copy.
for (const r of reports.filter((x) => x.service === 'notifications')) {
  r.revision = 1790;
  r.source = 'cache';
}
const stale = { 'notifications.digest-emails': null, 'notifications.quiet-hours': null, 'global.maintenance-banner': null };
for (const flag of Object.keys(stale)) {
  const r = report('notifications', flag);
  if (!r) continue;
  const was = !r.value.enabled;
  r.value = was ? { enabled: true, variant: 'on', rollout: 100 } : { enabled: false, variant: 'off', rollout: 0 };
}
// search turned semantic ranking on locally (FLAG_OVERRIDES in its environment).
Object.assign(report('search', 'search.semantic-ranking'), { value: { enabled: true, variant: 'on', rollout: 100 }, source: 'override' });
// mobile-bff keeps evaluating the killed 3-D Secure flow from an old SDK cache.
Object.assign(report('mobile-bff', 'checkout.new-3ds-flow'), { value: { enabled: true, variant: 'treatment', rollout: 50 }, revision: 1812, source: 'cache' });
// pricing's old SDK rounds the rollout to its own buckets.
report('pricing', 'pricing.price-rounding-v2').value.rollout = 30;
// Variant names written in another case by one SDK: the same variant.
for (const r of reports.filter((x) => x.service === 'web' && x.value.variant !== 'off')) r.value.variant = r.value.variant.toUpperCase();
// Flags a service still reports, although the flag service no longer assigns them to it.
reports.push({ service: 'web', instance: `web-${hex(9)}-${hex(5)}`, flag: 'web.old-checkout-banner', value: { enabled: true, variant: 'on', rollout: 100 }, revision, source: 'remote', reported_at: '2026-11-26T11:59:02.117Z' });
reports.push({ service: 'cart', instance: `cart-${hex(9)}-${hex(5)}`, flag: 'cart.legacy-coupons', value: { enabled: false, variant: 'off', rollout: 0 }, revision, source: 'remote', reported_at: '2026-11-26T11:58:40.503Z' });
// Service-local flags, not managed by the flag service.
reports.push({ service: 'mobile-bff', instance: `mobile-bff-${hex(9)}-${hex(5)}`, flag: 'local.verbose-logging', value: { enabled: true, variant: 'on', rollout: 100 }, revision, source: 'local', reported_at: '2026-11-26T11:58:31.900Z' });
reports.push({ service: 'search', instance: `search-${hex(9)}-${hex(5)}`, flag: 'local.shadow-index', value: { enabled: false, variant: 'off', rollout: 0 }, revision, source: 'local', reported_at: '2026-11-26T11:59:12.004Z' });
reports.sort((a, b) => (a.service + a.flag < b.service + b.flag ? -1 : 1));

const exportDoc = { environment: 'production', revision, exported_at: '2026-11-26T11:55:00Z', assignments };
writeFileSync(new URL('./data/flag-service-export.json', import.meta.url), JSON.stringify(exportDoc, null, 2) + '\n');
writeFileSync(new URL('./data/service-reports.jsonl', import.meta.url), reports.map((r) => JSON.stringify(r)).join('\n') + '\n');
console.log(`flags: ${flags.size}, assignments: ${assignments.length}, reports: ${reports.length}`);
