// Regenerates this sample's data deterministically: `node generate-data.mjs`.
// manifests/deployments.yaml: the deployments of six namespaces as Git declares them (hydrated:
// the fields the API server defaults are written out). recorded/kubectl-get-deployments.json:
// what `kubectl get deployments --all-namespaces --output json` printed for the cluster, which
// agrees with Git except where the README says (replicas scaled by hand, an image hotfix, a
// sidecar and a memory limit added by hand, a relabelled team, a deployment missing, two
// created by hand, the autoscaled replica count, and the cluster's own kube-system deployments).
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

let seed = 20261129;
const random = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
const hex = (n) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
const uid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${hex(4)}-${hex(12)}`;

const namespaces = {
  shop: ['storefront', 'api', 'cart', 'checkout', 'catalog', 'recommendations', 'image-resizer', 'email-worker'],
  payments: ['ledger-api', 'fraud-scorer', 'payouts', 'gateway-adapter', 'reconciler', 'webhooks'],
  search: ['query-api', 'indexer', 'suggest', 'crawler', 'ranking'],
  identity: ['token-service', 'login-ui', 'directory-sync', 'mfa', 'session-store-proxy'],
  data: ['etl-runner', 'scheduler', 'lineage-api', 'metrics-exporter', 'warehouse-loader'],
  observability: ['otel-collector', 'alert-router', 'status-page', 'log-indexer'],
};
const versions = ['1.4.2', '2.0.1', '2.3.0', '3.1.0', '0.9.8', '1.12.4', '4.0.0', '1.7.3'];

function container(namespace, name, version, port) {
  const cpu = [100, 250, 500, 750][int(0, 3)];
  const memory = [128, 256, 512, 1024][int(0, 3)];
  return {
    name,
    image: `registry.example.com/${namespace}/${name}:${version}`,
    imagePullPolicy: 'IfNotPresent',
    ports: [{ containerPort: port, name: 'http', protocol: 'TCP' }],
    resources: { limits: { memory: `${memory * 2}Mi` }, requests: { cpu: `${cpu}m`, memory: `${memory}Mi` } },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  };
}
const logShipper = () => ({
  name: 'log-shipper',
  image: 'registry.example.com/platform/fluent-bit:3.1.9',
  imagePullPolicy: 'IfNotPresent',
  resources: { limits: { memory: '128Mi' }, requests: { cpu: '50m', memory: '64Mi' } },
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
});

const manifests = [];
for (const [namespace, names] of Object.entries(namespaces)) {
  for (const name of names) {
    const labels = { app: name, team: namespace === 'observability' ? 'platform' : namespace, tier: name.includes('ui') || name === 'storefront' ? 'frontend' : 'backend' };
    if (name === 'cart' || name === 'query-api') labels.autoscaling = 'hpa';
    const containers = [container(namespace, name, versions[int(0, versions.length - 1)], 8080)];
    if (namespace === 'payments') containers.push(logShipper());
    manifests.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace, labels },
      spec: {
        replicas: namespace === 'observability' ? 1 : int(2, 6),
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name, team: labels.team } }, spec: { containers } },
      },
    });
  }
}

const clone = (v) => JSON.parse(JSON.stringify(v));
const find = (list, namespace, name) => list.find((d) => d.metadata.namespace === namespace && d.metadata.name === name);
const created = Date.UTC(2026, 5, 1, 9, 0, 0);
function live(manifest) {
  const d = clone(manifest);
  const generation = int(1, 40);
  const replicas = d.spec.replicas;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      annotations: { 'deployment.kubernetes.io/revision': String(generation) },
      creationTimestamp: new Date(created + int(0, 150) * 86_400_000).toISOString().replace('.000Z', 'Z'),
      generation,
      labels: d.metadata.labels,
      name: d.metadata.name,
      namespace: d.metadata.namespace,
      resourceVersion: String(int(1_000_000, 9_999_999)),
      uid: uid(),
    },
    spec: {
      progressDeadlineSeconds: 600,
      replicas,
      revisionHistoryLimit: 10,
      selector: d.spec.selector,
      strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
      template: {
        metadata: { creationTimestamp: null, labels: d.spec.template.metadata.labels },
        spec: {
          containers: d.spec.template.spec.containers,
          dnsPolicy: 'ClusterFirst',
          restartPolicy: 'Always',
          schedulerName: 'default-scheduler',
          securityContext: {},
          terminationGracePeriodSeconds: 30,
        },
      },
    },
    status: {
      availableReplicas: replicas,
      conditions: [
        { lastTransitionTime: '2026-11-20T08:12:44Z', lastUpdateTime: '2026-11-20T08:12:44Z', message: 'Deployment has minimum availability.', reason: 'MinimumReplicasAvailable', status: 'True', type: 'Available' },
        { lastTransitionTime: '2026-06-01T09:00:00Z', lastUpdateTime: '2026-11-20T08:12:31Z', message: `ReplicaSet "${d.metadata.name}-${hex(10)}" has successfully progressed.`, reason: 'NewReplicaSetAvailable', status: 'True', type: 'Progressing' },
      ],
      observedGeneration: generation,
      readyReplicas: replicas,
      replicas,
      updatedReplicas: replicas,
    },
  };
}

const cluster = manifests.map(live);
const setReplicas = (d, n) => {
  d.spec.replicas = n;
  Object.assign(d.status, { availableReplicas: n, readyReplicas: n, replicas: n, updatedReplicas: n });
};
// Scaled by hand: restored from Git.
setReplicas(find(cluster, 'shop', 'api'), 1);
setReplicas(find(cluster, 'search', 'indexer'), 8);
// Scaled by the HorizontalPodAutoscaler: its business.
setReplicas(find(cluster, 'shop', 'cart'), 9);
// An image hotfixed by hand, and a memory limit raised by hand: tickets (releases go through CI).
const ledger = find(cluster, 'payments', 'ledger-api').spec.template.spec.containers[0];
ledger.image = ledger.image.replace(/:(\d+)\.(\d+)\.(\d+)$/, (_, major, minor, patch) => `:${major}.${minor}.${Number(patch) + 1}-hotfix1`);
find(cluster, 'payments', 'fraud-scorer').spec.template.spec.containers[0].resources.limits.memory = '4Gi';
// A debugging sidecar added by hand.
find(cluster, 'data', 'etl-runner').spec.template.spec.containers.push({
  name: 'debug-tools',
  image: 'docker.io/nicolaka/netshoot:v0.13',
  imagePullPolicy: 'IfNotPresent',
  command: ['sleep', 'infinity'],
  resources: {},
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
});
// A label changed by hand: restored from Git.
find(cluster, 'identity', 'directory-sync').metadata.labels.team = 'it-ops';
// In Git, never deployed.
cluster.splice(cluster.indexOf(find(cluster, 'observability', 'status-page')), 1);
// Created by hand: a debug shell (deleted with approval) and an experiment (tolerated for now).
for (const [namespace, name, image, extraLabels] of [
  ['shop', 'debug-shell', 'docker.io/library/busybox:1.36', {}],
  ['search', 'ranking-experiment-b', 'registry.example.com/search/ranking:4.1.0-rc2', { lifecycle: 'experiment' }],
]) {
  const d = live({
    metadata: { name, namespace, labels: { app: name, ...extraLabels } },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ ...container(namespace, name.replace(/-b$/, ''), '0', 8080), image }] } } },
  });
  cluster.push(d);
}
// The cluster's own deployments: not managed from Git (out of scope).
for (const [name, image] of [['coredns', 'registry.k8s.io/coredns/coredns:v1.11.3'], ['metrics-server', 'registry.k8s.io/metrics-server/metrics-server:v0.7.2']]) {
  cluster.push(live({
    metadata: { name, namespace: 'kube-system', labels: { 'k8s-app': name } },
    spec: { replicas: 2, selector: { matchLabels: { 'k8s-app': name } }, template: { metadata: { labels: { 'k8s-app': name } }, spec: { containers: [{ ...container('kube-system', name, '0', 8080), image }] } } },
  }));
}
cluster.sort((a, b) => (a.metadata.namespace + '/' + a.metadata.name < b.metadata.namespace + '/' + b.metadata.name ? -1 : 1));

const header = [
  '# The deployments of the production cluster, as Git declares them. CI renders them from the',
  '# teams\' Helm charts (hydrated: the fields the API server defaults are written out, so the',
  '# manifests compare field by field with what `kubectl get` prints). Do not edit by hand.',
  '',
].join('\n');
writeFileSync(new URL('./manifests/deployments.yaml', import.meta.url), header + stringify({ apiVersion: 'v1', kind: 'List', items: manifests }, { lineWidth: 0 }));
writeFileSync(new URL('./recorded/kubectl-get-deployments.json', import.meta.url), JSON.stringify({ apiVersion: 'v1', items: cluster, kind: 'List', metadata: { resourceVersion: '' } }, null, 4) + '\n');
console.log(`manifests: ${manifests.length} deployments, cluster: ${cluster.length} deployments`);
