// A partial sync rewrites the entry chains whole, from the Services' rules of this sync
// (src/agents/kube-proxy/iptables/entry-source.ts): after every change their lines must be
// exactly what a kube-proxy starting now writes in its full sync.
import test from 'ava';
import { KubeProxyIptables } from '../../src/agents/kube-proxy/iptables/agent.js';
import { Store } from '../../src/api/store.js';
import type { EndpointSlice, Service } from '../../src/api/types.js';
import { formatRestore } from '../../src/kernel/netfilter/restore.js';
import { defaultKernel, defaultKubeProxyConfig, type ClusterNode } from '../../src/topology/config.js';

const node: ClusterNode = { name: 'node1', ip: '192.168.0.2', roles: [], interfaces: { lo: ['127.0.0.1/8'], eth0: ['192.168.0.2/24'] }, kernel: defaultKernel(), labels: {} };
const config = defaultKubeProxyConfig('10.0.0.0/8');

function service(i: number, nodePort: boolean): Service {
  const port = { name: 'http', port: 80, protocol: 'TCP' as const, ...(nodePort ? { nodePort: 30000 + i } : {}) };
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: `s${i}`, namespace: 'ns' }, spec: { type: nodePort ? 'NodePort' : 'ClusterIP', clusterIP: `172.30.0.${i + 1}`, ports: [port] } };
}

function slice(i: number, endpoints: number): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `s${i}-1`, namespace: 'ns', labels: { 'kubernetes.io/service-name': `s${i}` } },
    addressType: 'IPv4',
    endpoints: Array.from({ length: endpoints }, (_, j) => ({ addresses: [`10.1.${i}.${j + 1}`], conditions: { ready: true } })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

/** The entry chains' lines of a restore text (both tables). */
function entryLines(text: string): string {
  return text
    .split('\n')
    .filter((l) => /^-A (KUBE-SERVICES|KUBE-EXTERNAL-SERVICES|KUBE-NODEPORTS|KUBE-PROXY-FIREWALL) /.test(l))
    .join('\n');
}

test('the entry chains of every partial sync are the ones a full sync writes', (t) => {
  const store = new Store();
  // more than 32 Services: the walk through them skips by destination
  for (let i = 0; i < 80; i += 2) {
    store.create(service(i, i % 3 === 0));
    store.create(slice(i, i % 4));
  }
  const agent = new KubeProxyIptables(store, node, config, 4);
  agent.sync();
  let seed = 1;
  const next = (n: number): number => (seed = (seed * 48271) % 2147483647) % n;
  let partials = 0;
  for (let step = 0; step < 60; step++) {
    for (let k = 0; k <= next(3); k++) {
      const i = next(90);
      const svc = store.get('Service', 'ns', `s${i}`);
      const sl = store.get('EndpointSlice', 'ns', `s${i}-1`);
      if (!svc) store.create(service(i, next(2) === 0));
      else if (next(4) === 0) store.delete('Service', 'ns', `s${i}`);
      else if (sl) store.update({ ...slice(i, next(4)), metadata: { ...slice(i, 0).metadata, resourceVersion: sl.metadata.resourceVersion } });
      else store.create(slice(i, 1 + next(3)));
    }
    const r = agent.sync();
    if (!r.full) partials++;
    const fresh = new KubeProxyIptables(store, node, config, 4);
    t.is(entryLines(formatRestore(r.input)), entryLines(formatRestore(fresh.sync().input)), `step ${step}`);
    fresh.stop();
  }
  t.true(partials > 50);
});
