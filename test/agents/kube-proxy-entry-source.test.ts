// kube-proxy's entry chains held as rule sources (src/agents/kube-proxy/iptables/entry-source.ts,
// entry-shape.ts) must behave as the eager chains they stand for: the same rules in the same
// places, a skip in a walk only over rules that fail on -d, and traces and dumps that do not
// depend on what was read first — after full syncs, partial syncs and --steps changes.
import test from 'ava';
import { join } from 'node:path';
import { KubeProxyIptables } from '../../src/agents/kube-proxy/iptables/agent.js';
import { Store } from '../../src/api/store.js';
import type { EndpointSlice, Service } from '../../src/api/types.js';
import { Cluster } from '../../src/cluster/cluster.js';
import { Dataplane } from '../../src/dataplane/dataplane.js';
import { runSteps } from '../../src/dataplane/steps.js';
import { trace } from '../../src/dataplane/trace.js';
import type { Chain, Ruleset } from '../../src/kernel/netfilter/ruleset.js';
import { formatSave } from '../../src/kernel/netfilter/save.js';
import { readSteps } from '../../src/topology/steps.js';
import { readTopology } from '../../src/topology/load.js';
import { defaultKernel, defaultKubeProxyConfig, type ClusterNode } from '../../src/topology/config.js';

const node: ClusterNode = { name: 'node1', ip: '192.168.0.2', roles: [], interfaces: { lo: ['127.0.0.1/8'], eth0: ['192.168.0.2/24'] }, kernel: defaultKernel(), labels: {} };

/** Services of every kind the entry chains hold rules for, by `i`. */
function service(i: number, kind: number): Service {
  const type = (['ClusterIP', 'NodePort', 'LoadBalancer', 'ClusterIP'] as const)[kind % 4]!;
  const ports = [{ name: 'http', port: 80, protocol: 'TCP' as const, ...(type !== 'ClusterIP' ? { nodePort: 30000 + i } : {}) }];
  if (kind % 5 === 1) ports.push({ name: 'dns', port: 53, protocol: 'UDP' as never, ...(type !== 'ClusterIP' ? { nodePort: 31000 + i } : {}) });
  const local = kind % 3 === 0 && type !== 'ClusterIP';
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `s${i}`, namespace: 'ns' },
    spec: {
      type,
      clusterIP: `172.30.${i >> 8}.${(i & 255) + 1}`,
      ports,
      ...(kind % 4 === 3 ? { externalIPs: [`192.0.2.${i % 200}`, '192.0.2.250'] } : {}),
      ...(local ? { externalTrafficPolicy: 'Local' as const, healthCheckNodePort: 32000 + i } : {}),
      ...(kind % 7 === 2 ? { internalTrafficPolicy: 'Local' as const } : {}),
      ...(type === 'LoadBalancer' && kind % 2 === 0 ? { loadBalancerSourceRanges: ['192.168.0.0/16', '203.0.113.0/24'] } : {}),
    },
    ...(type === 'LoadBalancer' ? { status: { loadBalancer: { ingress: [{ ip: `198.51.100.${i % 250}` }] } } } : {}),
  } as Service;
}

function slice(i: number, endpoints: number, seed: number): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `s${i}-1`, namespace: 'ns', labels: { 'kubernetes.io/service-name': `s${i}` } },
    addressType: 'IPv4',
    endpoints: Array.from({ length: endpoints }, (_, j) => ({
      addresses: [`10.1.${i}.${j + 1}`],
      ...((seed + j) % 3 === 0 ? { nodeName: 'node1' } : {}),
      conditions: (seed + j) % 5 === 4 ? { ready: false, serving: true, terminating: true } : { ready: true },
    })),
    ports: [
      { name: 'http', port: 8080, protocol: 'TCP' },
      { name: 'dns', port: 5353, protocol: 'UDP' },
    ],
  };
}

/** The host a rule requires as destination (-d ADDR/32, not negated), if it does. */
function hostDst(c: Chain, i: number): string | undefined {
  const d = c.ruleAt(i)!.spec.destination;
  if (!d || d.negate || !d.value.endsWith('/32')) return undefined;
  return d.value.slice(0, -3);
}

const ENTRY = [['filter', 'KUBE-SERVICES'], ['filter', 'KUBE-EXTERNAL-SERVICES'], ['filter', 'KUBE-NODEPORTS'], ['filter', 'KUBE-PROXY-FIREWALL'], ['nat', 'KUBE-SERVICES'], ['nat', 'KUBE-NODEPORTS']] as const;

function checkSources(t: import('ava').ExecutionContext, rs: Ruleset, what: string): number {
  let checked = 0;
  for (const [table, name] of ENTRY) {
    const c = rs.table(table).chain(name)!;
    const src = c.ruleSource;
    if (!src) continue;
    const all = src.all();
    t.is(src.count, all.length, `${what} ${table} ${name}: count`);
    const dsts = new Set<string>(['10.9.9.9']);
    for (let i = 0; i < all.length; i++) {
      t.is(src.at(i), all[i], `${what} ${table} ${name}: rule ${i}`);
      const h = hostDst(c, i);
      if (h) dsts.add(h);
    }
    // a skip passes only rules that require another host as destination
    for (const dst of dsts) {
      for (let from = 0; from < all.length; from++) {
        const to = src.next(from, dst);
        t.true(to >= from && to <= all.length);
        for (let k = from; k < to; k++) {
          const h = hostDst(c, k);
          if (h === undefined || h === dst) t.fail(`${what} ${table} ${name}: ${dst} from ${from} skips rule ${k}`);
        }
        if (to < all.length && from === to) checked++;
      }
    }
  }
  return checked;
}

test('entry chain sources hold the eager chains\' rules and skip only rules that fail on -d, through full and partial syncs', (t) => {
  for (const localhostNodePorts of [false, true]) {
    const store = new Store();
    for (let i = 0; i < 70; i++) {
      store.create(service(i, i));
      if (i % 6 !== 5) store.create(slice(i, i % 5, i));
    }
    const config = { ...defaultKubeProxyConfig('10.0.0.0/8'), ...(localhostNodePorts ? {} : { nodePortAddresses: ['192.168.0.0/24'] }) };
    const agent = new KubeProxyIptables(store, node, config, 4);
    agent.sync();
    let seed = 7;
    const next = (n: number): number => (seed = (seed * 48271) % 2147483647) % n;
    let checked = checkSources(t, agent.kernel, 'full');
    for (let step = 0; step < 12; step++) {
      for (let k = 0; k <= next(3); k++) {
        const i = next(75);
        const svc = store.get('Service', 'ns', `s${i}`);
        const sl = store.get('EndpointSlice', 'ns', `s${i}-1`);
        if (!svc) store.create(service(i, next(20)));
        else if (next(5) === 0) store.delete('Service', 'ns', `s${i}`);
        else if (sl) store.update({ ...slice(i, next(5), next(9)), metadata: { ...sl.metadata } });
        else store.create(slice(i, 1 + next(3), next(9)));
      }
      agent.sync();
      checked += checkSources(t, agent.kernel, `step ${step}`);
      // made from the last sync's runs and lists: the same as a first sync makes them from nothing
      const fresh = new KubeProxyIptables(store, node, config, 4);
      fresh.sync();
      for (const [table, name] of ENTRY) {
        const texts = (rs: Ruleset): string[] => rs.table(table).chain(name)!.rules.map((r) => r.text);
        t.deepEqual(texts(agent.kernel), texts(fresh.kernel), `step ${step} ${table} ${name}: as a first sync`);
      }
      fresh.stop();
    }
    t.true(checked > 100);
    agent.stop();
  }
});

const FILES = ['topologies/kubeadm-3node.yaml'];
const STEPS = join(import.meta.dirname, '..', 'fixtures', 'steps');

/** Every node's tables read whole (every group, every source): what a dump does. */
function readAll(cluster: Cluster): string {
  const dp = Dataplane.of(cluster);
  return cluster.topology.header.nodes.map((n) => formatSave(dp.ruleset(n.name))).join('');
}

/** Every node's entry chains made plain rule lists (walked rule by rule, or through xt-index). */
function eagerize(cluster: Cluster): void {
  const dp = Dataplane.of(cluster);
  for (const n of cluster.topology.header.nodes) {
    for (const tb of dp.ruleset(n.name).tables.values()) for (const c of tb.chains.values()) if (c.ruleSource) c.setRules([...c.rules]);
  }
}

test('traces and dumps are the same whether the entry chains were read whole first or not, before and after --steps changes', (t) => {
  const lazy = new Cluster(readTopology(FILES));
  const eager = new Cluster(readTopology(FILES));
  const traces = (c: Cluster, read: boolean): string => {
    const out: string[] = [];
    for (const [src, dst] of [['pod-a', 'svc/nginx'], ['pod-a', 'svc/kube-system/kube-dns'], ['ext/laptop', 'node/k8s-node1:30000'], ['pod-a', 'node/k8s-node2:30000'], ['pod-a', 'svc/empty']]) {
      if (read) eagerize(c);
      try {
        out.push(JSON.stringify(trace(c, src!, dst!, { allPaths: true })));
      } catch (e) {
        out.push(String(e));
      }
    }
    return out.join('\n');
  };
  for (const steps of [undefined, 'scale-and-label', 'add-service-without-endpoints', 'delete-nginx']) {
    if (steps) for (const c of [lazy, eager]) runSteps(c, readSteps(join(STEPS, `${steps}.yaml`)));
    const a = traces(lazy, false);
    t.is(a, traces(eager, true), `after ${steps ?? 'load'}`);
    t.true(a.split('"rulesEvaluated"').length > 3, a.slice(0, 300));
    t.is(readAll(lazy), readAll(eager), `dump after ${steps ?? 'load'}`);
  }
});
