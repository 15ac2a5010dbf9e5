// flanneld and the CNI agents reacting to the store: nodes joining and leaving, pods coming and
// going; subnet.env rendering (test/vectors/flannel/config-and-subnet-env) and the rules.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { renderSubnetEnv, parseSubnetEnv } from '../../src/agents/flannel/subnet-env.js';
import { flannelIptablesRules } from '../../src/agents/flannel/rules.js';
import { startNodeAgents } from '../../src/agents/node-agents.js';
import { loadCluster } from '../../src/cluster/cluster.js';
import { showFdb, showNeighbours, showRoutes } from '../../src/kernel/iproute2.js';
import { VECTORS_DIR } from '../helpers/flannel-vectors.js';
import type { Node } from '../../src/api/types.js';

const envDir = join(VECTORS_DIR, 'config-and-subnet-env');
const envInput = YAML.parse(readFileSync(join(envDir, 'input.yaml'), 'utf8')) as {
  subnetEnvCases: { id: string; Network: string; lease: string; IPv6Network?: string; ipv6Lease?: string; mtu: number; ipMasq: boolean }[];
};
const envExpected = new Map(
  readFileSync(join(envDir, 'expected.txt'), 'utf8')
    .split(/^== /m)
    .slice(1)
    .map((b) => {
      const [head, ...rest] = b.split('\n');
      return [head!.split(/\s/)[0]!, rest.filter((l) => l && !l.startsWith('#')).join('\n') + '\n'] as [string, string];
    }),
);

for (const c of envInput.subnetEnvCases) {
  test(`subnet.env ${c.id}`, (t) => {
    const text = renderSubnetEnv({
      network: c.Network,
      subnet: c.lease,
      ...(c.IPv6Network ? { ipv6Network: c.IPv6Network, ipv6Subnet: c.ipv6Lease! } : {}),
      mtu: c.mtu,
      ipMasq: c.ipMasq,
    });
    t.is(text, envExpected.get(c.id)!);
    // The CNI plugin reads the lease back as a network.
    t.is(parseSubnetEnv(text).subnet, c.lease);
  });
}

test('subnet.env missing a key is refused by the CNI plugin', (t) => {
  t.throws(() => parseSubnetEnv('FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n'), { message: /missing FLANNEL_SUBNET/ });
});

test('flannel rules: no masquerade chain without --ip-masq, no --random-fully without support, no forward rules when disabled', (t) => {
  const base = { network: '10.244.0.0/16', lease: '10.244.3.0/24', ipMasq: false, forwardRules: true, randomFully: true };
  t.deepEqual(flannelIptablesRules(base).nat, []);
  t.is(flannelIptablesRules(base).filter.length, 4);
  const masq = flannelIptablesRules({ ...base, ipMasq: true, randomFully: false }).nat;
  t.is(masq.at(-1), '-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j MASQUERADE');
  t.deepEqual(flannelIptablesRules({ ...base, forwardRules: false }).filter, []);
});

function joiningNode(name: string, ip: string): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: {},
    status: { addresses: [{ type: 'InternalIP', address: ip }], conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

test('a node joining gets a kernel and a lease, and every other node a route, neighbour and FDB entry to it', (t) => {
  const cluster = loadCluster();
  const nodes = startNodeAgents(cluster);
  const before = showRoutes(nodes.get('k8s-node1')!.root);
  cluster.store.create(joiningNode('k8s-node3', '192.168.2.103'));
  cluster.settle(); // the node IPAM controller hands out its podCIDR
  const podCIDR = cluster.store.get('Node', undefined, 'k8s-node3')!.spec.podCIDR!;
  t.is(podCIDR, '10.244.3.0/24');
  const n3 = nodes.get('k8s-node3')!;
  t.is(n3.files.get('/run/flannel/subnet.env'), 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.3.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n');
  const mac3 = n3.root.mustLink('flannel.1').mac;
  for (const other of ['k8s-master', 'k8s-node1', 'k8s-node2']) {
    const ns = nodes.get(other)!.root;
    t.true(showRoutes(ns).includes('10.244.3.0/24 via 10.244.3.0 dev flannel.1 onlink \n'), other);
    t.true(showNeighbours(ns, 'flannel.1').includes(`10.244.3.0 lladdr ${mac3} PERMANENT \n`), other);
    t.true(showFdb(ns, 'flannel.1').includes(`${mac3} dst 192.168.2.103 self permanent\n`), other);
    t.is(ns.lookup('10.244.3.9')!.route.dev, 'flannel.1');
  }
  // And the newcomer reaches all of them.
  t.deepEqual(
    n3.root.routes().filter((r) => r.dev === 'flannel.1').map((r) => `${r.dst}/${r.prefix}`),
    ['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24'],
  );

  cluster.store.delete('Node', undefined, 'k8s-node3');
  t.false(nodes.has('k8s-node3'));
  t.is(showRoutes(nodes.get('k8s-node1')!.root), before);
  t.false(showNeighbours(nodes.get('k8s-node1')!.root).includes('10.244.3.0'));
  t.false(showFdb(nodes.get('k8s-node1')!.root).includes(mac3));
});

test('a pod deleted takes its veth, its address file and its namespace; the last one leaves cni0 without carrier', (t) => {
  const cluster = loadCluster();
  const nodes = startNodeAgents(cluster);
  const master = nodes.get('k8s-master')!; // only CoreDNS runs there (one replica)
  const pods = master.pods();
  t.is(pods.length, 1);
  const s = pods[0]!;
  const ip = s.netns.addressesOf('eth0', 4)[0]!.address;
  t.truthy(master.root.link(s.hostVeth));
  t.truthy(master.files.get(`/var/lib/cni/networks/cbr0/${ip}`));
  const [ns, name] = s.pod.split('/') as [string, string];
  cluster.store.delete('Pod', ns, name);
  t.is(master.root.link(s.hostVeth), undefined);
  t.is(master.pod(s.pod), undefined);
  t.is(master.files.get(`/var/lib/cni/networks/cbr0/${ip}`), undefined);
  t.false(showFdb(master.root).includes(s.hostVeth));
  t.is(showRoutes(master.root, { dev: 'cni0' }), '10.244.0.0/24 proto kernel scope link src 10.244.0.1 linkdown \n');
});

test('a pod created later is plumbed once kubelet-cni gives it an address', (t) => {
  const cluster = loadCluster();
  const nodes = startNodeAgents(cluster);
  cluster.store.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'late', namespace: 'default' }, spec: { nodeName: 'k8s-node2', containers: [{ name: 'c' }] } });
  cluster.settle();
  const ip = cluster.store.get('Pod', 'default', 'late')!.status!.podIP!;
  const s = nodes.get('k8s-node2')!.pod('default/late')!;
  t.is(s.netns.addressesOf('eth0', 4)[0]!.address, ip);
  t.is(nodes.get('k8s-node2')!.podByIP(ip), s);
  const veth = nodes.get('k8s-node2')!.root.mustLink(s.hostVeth);
  t.is(veth.master, 'cni0');
  t.true(veth.hairpin);
  t.regex(veth.name, /^veth[0-9a-f]{8}$/);
});

test('a lease outside the flannel network is refused the way flanneld refuses it', (t) => {
  const cluster = loadCluster();
  startNodeAgents(cluster);
  const n = joiningNode('odd', '192.168.2.120');
  n.spec.podCIDR = '10.99.0.0/24';
  t.throws(() => cluster.store.create(n), {
    message: 'flanneld on node odd: subnet "10.244.0.0/16" specified in the flannel net config doesn\'t contain "10.99.0.0/24" PodCIDR of the "odd" node',
  });
});
