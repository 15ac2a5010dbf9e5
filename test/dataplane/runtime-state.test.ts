// The packet path's state (conntrack, affinity sets and lists, IPVS connections and cursors):
// every --all-paths branch starts from the state the flow found and leaves it as it was; a new
// trace starts fresh, as a new `knet trace` process would.
import test from 'ava';
import { join } from 'node:path';
import { loadCluster } from '../../src/cluster/cluster.js';
import { Dataplane } from '../../src/dataplane/dataplane.js';
import { runSteps } from '../../src/dataplane/steps.js';
import { trace, traceConnections } from '../../src/dataplane/trace.js';
import { readSteps } from '../../src/topology/steps.js';

const fixture = (name: string): string => join(import.meta.dirname, '..', 'fixtures', 'steps', name);
const ends = (paths: { endpoint: string; probability: number }[]) => paths.map((p) => `${p.endpoint} p=${p.probability.toFixed(4)}`);

test('nftables affinity: each --all-paths branch meets an empty affinity set, and the sets stay empty after', (t) => {
  const cluster = loadCluster(['topologies/kubeadm-3node-nftables.yaml']);
  runSteps(cluster, readSteps(fixture('nginx-client-ip-affinity.yaml')));
  const first = trace(cluster, 'pod-a', 'svc/nginx', { allPaths: true });
  t.deepEqual(ends(first.paths), ['10.244.1.3:80 p=0.3333', '10.244.1.4:80 p=0.3333', '10.244.2.3:80 p=0.3333']);
  const kernel = Dataplane.of(cluster).node('k8s-node1')!;
  const table = kernel.nft.table('ip', 'kube-proxy')!;
  const affinity = [...table.sets.values()].filter((s) => s.name.startsWith('affinity-'));
  t.is(affinity.length, 3);
  t.deepEqual(affinity.map((s) => s.elements.size), [0, 0, 0]);
  // Drawn connections one after another do fill the set, and keep the client on one endpoint.
  const conns = traceConnections(cluster, 'pod-a', 'svc/nginx', 3, 1000);
  t.is(new Set(conns.map((c) => c.paths[0]!.endpoint)).size, 1);
  t.is(affinity.reduce((n, s) => n + s.elements.size, 0), 1);
  // A new trace starts fresh: the learned element is gone, every endpoint is reachable again.
  t.deepEqual(ends(trace(cluster, 'pod-a', 'svc/nginx', { allPaths: true }).paths), ends(first.paths));
});

test('IPVS: --all-paths leaves no connection, template or counter behind; a new trace starts fresh', (t) => {
  const cluster = loadCluster(['topologies/ipvs-sh-affinity.yaml']);
  const first = trace(cluster, 'pod-a', 'svc/echoc/nginx-service', { allPaths: true });
  const ipvs = Dataplane.of(cluster).node('k8s-node1')!.ipvs;
  t.deepEqual(ipvs.conns.list(cluster.clock.now()), []);
  t.true(ipvs.services().every((s) => s.stats.conns === 0 && s.dests.every((d) => d.activeConns === 0 && d.persistConns === 0)));
  const conns = traceConnections(cluster, 'pod-a', 'svc/echoc/nginx-service', 3, 1000);
  t.true(ipvs.conns.list(cluster.clock.now()).some((c) => c.template));
  t.is(new Set(conns.map((c) => c.paths[0]!.endpoint)).size, 1);
  const again = trace(cluster, 'pod-a', 'svc/echoc/nginx-service', { allPaths: true });
  t.deepEqual(ends(again.paths), ends(first.paths));
  t.deepEqual(again.paths.map((p) => p.hops), first.paths.map((p) => p.hops));
});
