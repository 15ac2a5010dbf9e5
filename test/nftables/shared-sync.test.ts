// Every node's kube-proxy shares what it can (its Services' rules, a full sync's Service part as
// another node wrote it: full-image.ts, and what that part did to a table: batch-image.ts). Side
// by side with agents that share nothing (`shared: false`), each node's transactions, listing,
// dump, use counts and rules must be the same after every sync: first syncs, partial syncs,
// deletes, full resyncs of tables that exist, nodes with different local endpoints, a failing
// transaction and the one after it, groups read by a trace in between, and the steps files.
import test, { type ExecutionContext } from 'ava';
import { KubeProxyNftables } from '../../src/agents/kube-proxy/nftables/agent.js';
import { kubeProxyNftables, nodeNftables } from '../../src/agents/kube-proxy/nftables/node.js';
import { Store } from '../../src/api/store.js';
import type { EndpointSlice, Service } from '../../src/api/types.js';
import { loadCluster } from '../../src/cluster/cluster.js';
import { dumpRuleset } from '../../src/kernel/nftables/dump.js';
import { formatRuleset } from '../../src/kernel/nftables/print.js';
import { NftRuleset } from '../../src/kernel/nftables/ruleset.js';
import { applyNft } from '../../src/kernel/nftables/transaction.js';
import { readSteps } from '../../src/topology/steps.js';
import { defaultKernel, defaultKubeProxyConfig, type ClusterNode } from '../../src/topology/config.js';

const json = (x: unknown): string => JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

function clusterNode(i: number): ClusterNode {
  const ip = `192.168.0.${10 + i}`;
  return { name: `n${i}`, ip, roles: [], interfaces: { lo: ['127.0.0.1/8'], eth0: [`${ip}/24`] }, kernel: defaultKernel(), labels: {} };
}

function service(name: string, spec: Partial<Service['spec']>, status?: Service['status']): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'ns' }, spec: { type: 'ClusterIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ...spec }, ...(status ? { status } : {}) };
}

/** A slice of the Service's endpoints, each on the node given (ready unless the node is negative). */
function slice(name: string, nodes: number[], base: number): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${name}-1`, namespace: 'ns', labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    endpoints: nodes.map((n, i) => ({ addresses: [`10.${base}.0.${i + 1}`], conditions: { ready: n >= 0 }, nodeName: `n${Math.abs(n)}` })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

/** What a node's table holds, read without reading its unread groups. */
function seen(rs: NftRuleset): string {
  const t = rs.table('ip', 'kube-proxy');
  const names = t?.chainNames() ?? [];
  const sets = t ? [...t.sets.values()].map((s) => [s.name, s.size, s.kernelSize, [...s.elements]]) : [];
  return json([formatRuleset(rs, 0), dumpRuleset(rs), names, names.map((c) => t!.references(c)), sets, [...(t?.setUse ?? [])], rs.peekHandle(), rs.generation]);
}

/** Everything, groups read: every rule's reading and handle, the use counts. */
function read(rs: NftRuleset): string {
  const t = rs.table('ip', 'kube-proxy');
  if (!t) return '';
  const chains = [...t.chains.values()].map((c) => [c.name, c.handle, c.rules.map((r) => [r.text, r.comment, r.stmts, r.refs, r.handle])]);
  return json([chains, [...t.chainUse], [...t.setUse], formatRuleset(rs, 0)]);
}

interface Pair {
  shared: KubeProxyNftables;
  eager: KubeProxyNftables;
}

const agents = (p: Pair): KubeProxyNftables[] => [p.shared, p.eager];

function sameAfter(t: ExecutionContext, p: Pair, what: string, sync: (a: KubeProxyNftables) => void): string {
  const out = [p.shared, p.eager].map((a) => {
    try {
      sync(a);
      return a.lastSync ? json([a.lastSync.full, a.lastSync.transaction, a.lastSync.operations, a.lastSync.cleanup, a.lastSync.changed]) : '';
    } catch (e) {
      return `threw ${(e as Error).message}`;
    }
  });
  t.is(out[0], out[1], `${what}: sync`);
  t.is(seen(p.shared.nft), seen(p.eager.nft), `${what}: table`);
  return out[0]!;
}

function syncBoth(t: ExecutionContext, p: Pair, what: string): void {
  sameAfter(t, p, what, (a) => {
    if (a.pending) a.sync();
  });
}

test('shared full syncs and the syncs after them write and leave what unshared agents do, node by node', (t) => {
  let now = 0;
  const store = new Store();
  const config = { ...defaultKubeProxyConfig('10.0.0.0/8'), mode: 'nftables' as const };
  const pairs = new Map<number, Pair>();
  const join = (i: number): Pair => {
    const make = (shared: boolean) => new KubeProxyNftables(store, clusterNode(i), config, 4, { now: () => now, serviceCIDRs: ['172.30.0.0/16'], shared });
    const p = { shared: make(true), eager: make(false) };
    pairs.set(i, p);
    syncBoth(t, p, `n${i} joins`);
    return p;
  };
  const all = (what: string): void => {
    for (const [i, p] of pairs) syncBoth(t, p, `${what} on n${i}`);
  };
  // Services whose rules no node's endpoints change: every node's first sync is the first one's
  for (let k = 0; k < 12; k++) {
    // s10 and s11 share s0's and s1's ClusterIP (on another port): the cluster-ips element has two owners
    const port = { name: 'http', port: 80 + Math.floor(k / 10), protocol: 'TCP' as const };
    store.create(service(`s${k}`, { clusterIP: `172.30.0.${(k % 10) + 1}`, ports: [port], ...(k % 4 === 1 ? { type: 'NodePort', ports: [{ ...port, nodePort: 30000 + k }] } : {}) }));
    if (k % 5 !== 4) store.create(slice(`s${k}`, [1, 2, 3, -2].slice(0, 1 + (k % 4)), k));
  }
  for (const i of [1, 2, 3]) join(i);
  t.is(read(pairs.get(2)!.shared.nft), read(pairs.get(2)!.eager.nft));
  // one owner of a shared element goes, then the other
  store.delete('Service', 'ns', 's10');
  all('s10 deleted');
  store.delete('Service', 'ns', 's0');
  all('s0 deleted');
  store.create(service('s0', { clusterIP: '172.30.0.1' }));

  // a node-local policy: nodes with their own endpoints write their own rules
  store.create(service('local', { type: 'NodePort', clusterIP: '172.30.1.1', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30100 }] }));
  store.create(slice('local', [1, 2], 100));
  store.create(service('internal', { clusterIP: '172.30.1.2', internalTrafficPolicy: 'Local' }));
  store.create(slice('internal', [2, 3], 101));
  all('local Services added');
  const sticky = (timeoutSeconds: number) => service('sticky', { clusterIP: '172.30.1.3', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds } } });
  store.create(sticky(60));
  store.create(slice('sticky', [1, 3], 102));
  all('sticky Service added');
  store.update({ ...sticky(61), metadata: store.get('Service', 'ns', 'sticky')!.metadata });
  all('affinity timeout changed');
  for (const i of [4, 5]) join(i);
  // a trace reads one Service's chains on some nodes
  for (const i of [3, 5]) {
    for (const a of agents(pairs.get(i)!)) {
      const table = a.nft.table('ip', 'kube-proxy')!;
      table.chain(table.chainNames().find((c) => c.startsWith('service-'))!);
    }
  }

  let seed = 11;
  const rnd = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  for (let round = 0; round < 40; round++) {
    const k = rnd(14);
    const name = `s${k}`;
    const r = rnd(20) / 2;
    if (r < 4) {
      const nodes = Array.from({ length: rnd(4) }, () => (rnd(5) + 1) * (rnd(4) === 0 ? -1 : 1));
      if (store.get('EndpointSlice', 'ns', `${name}-1`)) store.delete('EndpointSlice', 'ns', `${name}-1`);
      if (nodes.length) store.create(slice(name, nodes, k));
    } else if (r < 6) {
      if (store.get('Service', 'ns', name)) store.delete('Service', 'ns', name);
      else store.create(service(name, { clusterIP: `172.30.0.${(k % 10) + 1}`, ports: [{ name: 'http', port: 80 + Math.floor(k / 10), protocol: 'TCP' }] }));
    } else if (r < 7.5 && store.get('Service', 'ns', name)) {
      const s = store.get('Service', 'ns', name) as Service;
      const sticky = s.spec.sessionAffinity === 'ClientIP';
      // sticky again with another timeout: the same chains, another affinity set
      const timeoutSeconds = 100 + rnd(3);
      store.update({ ...s, spec: { ...s.spec, sessionAffinity: sticky && rnd(2) ? 'None' : 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds } } } });
    } else if (r < 8) for (const p of pairs.values()) for (const a of agents(p)) a.forceFullSync();
    else if (r < 9 && pairs.size < 8) join(pairs.size + 1);
    now += rnd(3) * 700;
    all(`round ${round}`);
  }
  for (const [i, p] of pairs) t.is(read(p.shared.nft), read(p.eager.nft), `n${i} read`);
  for (const p of pairs.values()) for (const a of agents(p)) a.stop();
});

test('a full sync that fails (an affinity set still used) fails alike and the one after it writes alike', (t) => {
  let now = 0;
  const store = new Store();
  const config = { ...defaultKubeProxyConfig('10.0.0.0/8'), mode: 'nftables' as const };
  store.create(service('a', { clusterIP: '172.30.0.1' }));
  store.create(slice('a', [1, 2], 1));
  store.create(service('sticky', { clusterIP: '172.30.0.2', sessionAffinity: 'ClientIP' }));
  store.create(slice('sticky', [2], 2));
  const pairs = [1, 2, 3].map((i) => {
    const make = (shared: boolean) => new KubeProxyNftables(store, clusterNode(i), config, 4, { now: () => now, serviceCIDRs: ['172.30.0.0/16'], shared });
    const p: Pair = { shared: make(true), eager: make(false) };
    syncBoth(t, p, `n${i} first`);
    return p;
  });
  const p = pairs[1]!;
  const set = p.shared.nft.table('ip', 'kube-proxy')!.sets;
  const affinity = [...set.keys()].find((n) => n.startsWith('affinity-'))!;
  for (const a of agents(p)) applyNft(a.nft, `add chain ip kube-proxy admin\nadd rule ip kube-proxy admin ip saddr @${affinity} drop\n`, { file: 'admin', now });
  const s = store.get('Service', 'ns', 'sticky') as Service;
  store.update({ ...s, spec: { ...s.spec, sessionAffinity: 'None' } });
  for (const a of agents(p)) a.forceFullSync();
  t.regex(sameAfter(t, p, 'the failing full sync', (a) => a.sync()), /^threw .*Device or resource busy/);
  t.regex(sameAfter(t, p, 'the full sync after it', (a) => a.sync()), /^threw /);
  store.create(service('b', { clusterIP: '172.30.0.3' }));
  for (const q of pairs) syncBoth(t, q, 'the others sync');
  for (const a of agents(p)) applyNft(a.nft, 'delete chain ip kube-proxy admin\n', { file: 'admin', now });
  now += 2000;
  syncBoth(t, p, 'the full sync once the set is free');
  t.true(p.shared.lastSync!.full);
  for (const q of pairs) t.is(read(q.shared.nft), read(q.eager.nft));
});

const T = 'topologies/kubeadm-3node-nftables.yaml';
for (const steps of ['add-service-without-endpoints', 'delete-nginx', 'scale-and-label', 'nginx-client-ip-affinity', 'conntrack-expiry']) {
  test(`steps ${steps}: each node's nftables as unshared agents leave them after every step`, (t) => {
    const cluster = loadCluster([T]);
    const nodes = cluster.topology.header.nodes;
    const eager = nodes.map((n) => new KubeProxyNftables(cluster.store, n, cluster.topology.kubeProxy, 4, { now: () => cluster.clock.now(), serviceCIDRs: cluster.topology.networking.serviceSubnets, shared: false }));
    const check = (what: string): void => {
      nodes.forEach((n, i) => {
        const agent = kubeProxyNftables(cluster, n.name, 4);
        if (eager[i]!.pending) eager[i]!.sync();
        t.is(agent.lastSync?.transaction, eager[i]!.lastSync?.transaction, `${what} ${n.name}: sync`);
        t.is(seen(nodeNftables(cluster, n.name)), seen(eager[i]!.nft), `${what} ${n.name}: table`);
      });
    };
    check('loaded');
    for (const s of readSteps(`test/fixtures/steps/${steps}.yaml`)) {
      cluster.applyChanges(s);
      cluster.clock.advance(s.waitMs);
      check(s.where);
    }
    nodes.forEach((n, i) => t.is(read(nodeNftables(cluster, n.name)), read(eager[i]!.nft)));
  });
}
