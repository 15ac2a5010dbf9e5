// Node agents start lazily: what a node's kernel holds must not depend on when it was first read.
import test from 'ava';
import { startNodeAgents } from '../../src/agents/node-agents.js';
import { loadCluster } from '../../src/cluster/cluster.js';
import type { Pod } from '../../src/api/types.js';
import type { NodeKernel } from '../../src/kernel/node.js';
import { showAddresses, showFdb, showLinks, showNeighbours, showRoutes } from '../../src/kernel/iproute2.js';

function dump(k: NodeKernel): string {
  const namespaces = [k.root, ...k.pods().map((p) => p.netns)];
  const ip = namespaces.map((ns) => [showLinks(ns), showAddresses(ns), showRoutes(ns), showNeighbours(ns), showFdb(ns)].join('\n'));
  const files = [...k.files].sort(([a], [b]) => (a < b ? -1 : 1)).map(([p, v]) => `${p}: ${v}`);
  return [...ip, ...k.pods().map((p) => `${p.pod} ${p.netnsName} ${p.containerID} ${p.hostVeth}`), ...files].join('\n');
}

const late: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'late', namespace: 'default' }, spec: { nodeName: 'k8s-node2', containers: [{ name: 'c' }] } };

test("every node's lease is announced from the start; its kernel work waits until the node is read", (t) => {
  const cluster = loadCluster();
  const nodes = startNodeAgents(cluster);
  for (const n of cluster.store.list('Node')) t.is(n.metadata.annotations?.['flannel.alpha.coreos.com/public-ip'], n.status?.addresses?.[0]?.address, n.metadata.name);
  const unread = Map.prototype.get.call(nodes, 'k8s-node1') as NodeKernel;
  t.is(unread.root.link('flannel.1'), undefined);
  t.deepEqual(unread.pods(), []);
  t.is(nodes.get('k8s-node1'), unread);
  t.truthy(unread.root.link('flannel.1'));
  t.true(unread.pods().length > 0);
  t.deepEqual([...nodes.keys()], ['k8s-master', 'k8s-node1', 'k8s-node2']);
});

test('a node read late holds what it would have held had it been read at once', (t) => {
  const eager = loadCluster();
  const eagerNodes = startNodeAgents(eager);
  const atOnce = new Map([...eagerNodes].map(([name, k]) => [name, k]));
  eager.store.create(late);
  eager.settle();

  const lazy = loadCluster();
  const lazyNodes = startNodeAgents(lazy);
  lazy.store.create(late);
  lazy.settle();
  for (const name of [...lazyNodes.keys()].reverse()) t.is(dump(lazyNodes.get(name)!), dump(atOnce.get(name)!), name);
});

test("a pod's namespace is built when first read, holding what it would have held had it been built at the ADD", (t) => {
  const withSockets = (k: NodeKernel): string => `${dump(k)}\n${k.pods().map((p) => JSON.stringify(p.netns.sockets.all())).join('\n')}`;
  const eager = loadCluster();
  const eagerNode = startNodeAgents(eager).get('k8s-node1')!;
  for (const p of eagerNode.pods()) t.truthy(p.netns.link('eth0'));
  eagerNode.settle();

  const lazy = loadCluster();
  const lazyNode = startNodeAgents(lazy).get('k8s-node1')!.settle();
  const pods = lazyNode.pods();
  t.true(pods.length > 1);
  t.true(pods.every((p) => !p.built));
  // found by its address without building it or any other
  const last = pods[pods.length - 1]!;
  const ip = eagerNode.pod(last.pod)!.netns.addressesOf('eth0', 4)[0]!.address;
  t.is(lazyNode.podByIP(ip), last);
  t.true(pods.every((p) => !p.built));
  t.is(withSockets(lazyNode), withSockets(eagerNode));
  t.true(pods.every((p) => p.built));
});
