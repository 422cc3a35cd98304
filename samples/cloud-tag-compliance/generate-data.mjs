// Regenerates this sample's data deterministically: `node generate-data.mjs`.
// One Azure subscription as `az resource list --output json` prints it: seven teams, three
// environments, about 600 resources. Most carry the three required tags; the rest break the
// rules in the ways the README describes (legacy keys, aliases, case, missing and invalid
// values, no tags at all, a legacy resource group, resources Azure creates itself).
import { writeFileSync } from 'node:fs';

let seed = 20261127;
const random = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const hex = (n) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
const iso = (ms) => new Date(ms).toISOString().replace('Z', '000+00:00');

const subscription = '6f1c2d9e-4a7b-4c1e-9d3f-2b8a5e7c0d14';
const teams = [
  { team: 'payments', short: 'pay', owner: 'payments@example.com', costCenter: 'CC-1040' },
  { team: 'search', short: 'srch', owner: 'search@example.com', costCenter: 'CC-1120' },
  { team: 'shop', short: 'shop', owner: 'shop@example.com', costCenter: 'CC-1210' },
  { team: 'data', short: 'data', owner: 'data-platform@example.com', costCenter: 'CC-1305' },
  { team: 'platform', short: 'plat', owner: 'platform@example.com', costCenter: 'CC-1400' },
  { team: 'identity', short: 'idn', owner: 'identity@example.com', costCenter: 'CC-1510' },
  { team: 'marketing', short: 'mkt', owner: 'marketing@example.com', costCenter: 'CC-1620' },
];
const environments = [
  { env: 'prod', location: 'westeurope', vms: 4 },
  { env: 'staging', location: 'westeurope', vms: 2 },
  { env: 'dev', location: 'northeurope', vms: 1 },
];

const resources = [];
// `Microsoft.Sql/servers/databases` named `server/db` lives at `Microsoft.Sql/servers/server/databases/db`.
function resourcePath(type, name) {
  const [namespace, ...kinds] = type.split('/');
  const names = name.split('/');
  return [namespace, ...kinds.flatMap((kind, i) => [kind, names[i]])].join('/');
}
const start = Date.UTC(2024, 2, 1);
function add(group, type, name, location, tags, extra = {}) {
  const created = start + Math.floor(random() * 600) * 86_400_000 + Math.floor(random() * 86_400_000);
  resources.push({
    changedTime: iso(created + Math.floor(random() * 90) * 86_400_000),
    createdTime: iso(created),
    extendedLocation: null,
    id: `/subscriptions/${subscription}/resourceGroups/${group}/providers/${resourcePath(type, name)}`,
    identity: null,
    kind: extra.kind ?? null,
    location,
    managedBy: extra.managedBy ?? null,
    name,
    plan: null,
    properties: null,
    provisioningState: 'Succeeded',
    resourceGroup: group,
    sku: extra.sku ?? null,
    tags,
    type,
  });
}

for (const t of teams) {
  for (const e of environments) {
    const group = `rg-${t.team}-${e.env}`;
    const tags = () => ({ owner: t.owner, 'cost-center': t.costCenter, environment: e.env, application: `${t.team}-core` });
    const base = `${t.short}-${e.env}`;
    add(group, 'Microsoft.Network/virtualNetworks', `vnet-${base}`, e.location, tags());
    add(group, 'Microsoft.Network/networkSecurityGroups', `nsg-${base}-app`, e.location, tags());
    add(group, 'Microsoft.KeyVault/vaults', `kv-${base}-${hex(4)}`, e.location, tags(), { sku: { family: 'A', name: 'standard' } });
    add(group, 'Microsoft.Storage/storageAccounts', `st${t.short}${e.env}${hex(6)}`, e.location, tags(), { kind: 'StorageV2', sku: { name: 'Standard_ZRS', tier: 'Standard' } });
    add(group, 'Microsoft.Insights/components', `appi-${base}`, e.location, tags(), { kind: 'web' });
    add(group, 'Microsoft.Web/serverFarms', `asp-${base}`, e.location, tags(), { kind: 'linux', sku: { name: 'P1v3', tier: 'PremiumV3' } });
    for (const app of ['api', 'web']) {
      add(group, 'Microsoft.Web/sites', `app-${base}-${app}`, e.location, tags(), { kind: 'app,linux' });
    }
    add(group, 'Microsoft.Sql/servers', `sql-${base}`, e.location, tags(), { kind: 'v12.0' });
    add(group, 'Microsoft.Sql/servers/databases', `sql-${base}/${t.team}db`, e.location, tags(), { sku: { name: e.env === 'prod' ? 'GP_Gen5_4' : 'GP_S_Gen5_1' } });
    for (let i = 1; i <= e.vms; i++) {
      const vm = `vm-${base}-${String(i).padStart(2, '0')}`;
      add(group, 'Microsoft.Compute/virtualMachines', vm, e.location, tags());
      add(group, 'Microsoft.Compute/disks', `${vm}_OsDisk_1_${hex(32)}`, e.location, tags(), { managedBy: `/subscriptions/${subscription}/resourceGroups/${group}/providers/Microsoft.Compute/virtualMachines/${vm}`, sku: { name: 'Premium_LRS', tier: 'Premium' } });
      add(group, 'Microsoft.Network/networkInterfaces', `nic-${vm}`, e.location, tags());
    }
    if (e.env === 'prod') {
      add(group, 'Microsoft.Network/publicIPAddresses', `pip-${base}-agw`, e.location, tags(), { sku: { name: 'Standard', tier: 'Regional' } });
      add(group, 'Microsoft.Network/applicationGateways', `agw-${base}`, e.location, tags());
      add(group, 'Microsoft.Cache/Redis', `redis-${base}`, e.location, tags());
    }
  }
}
// Resources Azure creates by itself: out of scope (the policy's `untaggable_types`).
for (const location of ['westeurope', 'northeurope']) {
  add('NetworkWatcherRG', 'Microsoft.Network/networkWatchers', `NetworkWatcher_${location}`, location, null);
}
// The legacy ERP resource group: never tagged, exempt until its migration (an `ignore ... until`).
for (const name of ['vm-erp-app-01', 'vm-erp-app-02', 'vm-erp-db-01', 'nic-vm-erp-app-01', 'nic-vm-erp-app-02', 'nic-vm-erp-db-01', 'vnet-erp', 'sterplegacy01']) {
  const type = name.startsWith('vm-') ? 'Microsoft.Compute/virtualMachines' : name.startsWith('nic-') ? 'Microsoft.Network/networkInterfaces' : name.startsWith('vnet') ? 'Microsoft.Network/virtualNetworks' : 'Microsoft.Storage/storageAccounts';
  add('rg-legacy-erp', type, name, 'westeurope', name.startsWith('st') ? { 'created-by': 'erp-migration' } : null);
}

// Drift, injected at fixed positions (the generator is deterministic, so are the positions).
const taggedIndexes = resources.map((r, i) => (r.tags && r.tags.owner ? i : -1)).filter((i) => i >= 0);
const used = new Set();
const take = (filter) => {
  for (;;) {
    const i = taggedIndexes[Math.floor(random() * taggedIndexes.length)];
    if (!used.has(i) && filter(resources[i])) {
      used.add(i);
      return resources[i];
    }
  }
};
const env = (r) => r.tags.environment;
const renameKey = (tags, from, to, value = tags[from]) => {
  const out = {};
  for (const [k, v] of Object.entries(tags)) {
    if (k === from) out[to] = value;
    else out[k] = v;
  }
  return out;
};
// Fixed mechanically: the value is known, only its key or spelling is wrong.
for (let i = 0; i < 6; i++) { const r = take((x) => env(x) === 'prod'); r.tags = renameKey(r.tags, 'environment', 'Environment', 'Production'); }
for (let i = 0; i < 5; i++) { const r = take((x) => env(x) === 'staging'); r.tags = renameKey(r.tags, 'environment', 'env', 'stg'); }
for (let i = 0; i < 4; i++) { const r = take((x) => env(x) !== 'prod'); r.tags = renameKey(r.tags, 'owner', 'Owner', r.tags.owner.replace(/^./, (c) => c.toUpperCase()).replace('example.com', 'Example.com')); }
for (let i = 0; i < 3; i++) { const r = take((x) => env(x) !== 'prod'); r.tags['cost-center'] = r.tags['cost-center'].toLowerCase(); }
for (let i = 0; i < 2; i++) { const r = take((x) => env(x) === 'dev'); r.tags.owner = ` ${r.tags.owner} `; }
// A person must decide: a value is missing or invalid.
for (let i = 0; i < 6; i++) { const r = take(() => true); delete r.tags['cost-center']; }
for (const value of ['marketing', '1040']) { const r = take(() => true); r.tags['cost-center'] = value; }
for (let i = 0; i < 2; i++) { const r = take((x) => env(x) !== 'prod'); r.tags.environment = 'temp'; }
// Nobody to ask: no owner at all.
for (let i = 0; i < 3; i++) { const r = take(() => true); delete r.tags.owner; }
for (let i = 0; i < 2; i++) { const r = take(() => true); r.tags = null; }

writeFileSync(new URL('./data/azure-resources.json', import.meta.url), JSON.stringify(resources, null, 2) + '\n');
console.log(`${resources.length} resources`);
