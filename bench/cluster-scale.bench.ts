// Load + controllers for 100/500/1,000 nodes, 1k/5k/10k Services and 10k/50k/100k pods; then every node's agents
// started (lazily: host setup and flannel's lease announcement now, kernel work on first read)
// and one trace from a pod to a Service whose chosen endpoint is on another node (the two nodes'
// kernel work — CNI sandboxes, flannel's routes to every other node, kube-proxy's rules — done
// by that trace).
import { Cluster } from '../src/cluster/cluster.js';
import { Dataplane } from '../src/dataplane/dataplane.js';
import { trace } from '../src/dataplane/trace.js';
import { readTopologyValues } from '../src/topology/load.js';
import { generateCluster } from './generate.js';
import { cpuMs, line, machine, ms, peakRssMB } from './report.js';

// Smaller sizes first (BENCH_SIZES, Services; a node per 10 Services, 10 pods each) show the growth.
const sizes = (process.env.BENCH_SIZES ?? '1000,5000,10000').split(',').map(Number);
machine();
let cluster!: Cluster;
let spec = { nodes: 0, services: 0, podsPerService: 10 };
let t0: number;
let c0: NodeJS.CpuUsage;
for (const services of sizes) {
  spec = { nodes: services / 10, services, podsPerService: 10 };
  const docs = generateCluster(spec);
  global.gc?.();
  t0 = performance.now();
  c0 = process.cpuUsage();
  cluster = new Cluster(readTopologyValues(docs, 'generated'));
  const elapsed = ms(t0);
  const cpu = cpuMs(c0);
  const pods = cluster.store.count('Pod');
  const running = cluster.store.list('Pod').filter((p) => p.status?.podIP).length;
  const big = services === 10_000;
  line(`[${spec.nodes} nodes] cluster`, `${spec.services} Services, ${pods} pods (${running} with IPs), ${cluster.store.count('EndpointSlice')} EndpointSlices`);
  line(`[${spec.nodes} nodes] load + controllers (wall / cpu)`, `${(elapsed / 1000).toFixed(2)} s / ${(cpu / 1000).toFixed(2)} s, ${((cpu * 1000) / pods).toFixed(0)} us cpu per pod`, big ? { ok: elapsed < 3000, text: '< 3 s' } : undefined);
}
line('store resourceVersion', String(cluster.store.resourceVersion));

t0 = performance.now();
c0 = process.cpuUsage();
Dataplane.of(cluster);
const started = ms(t0);
line("every node's agents ready (lazily)", `${started.toFixed(0)} ms (cpu ${cpuMs(c0).toFixed(0)} ms)`, { ok: started < 1000, text: '< 1 s' });
const client = cluster.store.list('Pod').find((p) => p.spec.nodeName === 'node-0001' && p.status?.podIP)!;
// the default seed's endpoint is on another node (the goal counts only a trace that visits two)
const dst = `svc/app-${spec.services / 2}`;
t0 = performance.now();
c0 = process.cpuUsage();
const first = trace(cluster, `default/${client.metadata.name}`, dst, { reply: false });
const traced = ms(t0);
const visited = [...new Set(first.paths[0]!.hops.map((h) => h.node))];
line(
  'then one trace across two nodes',
  `${traced.toFixed(0)} ms (cpu ${cpuMs(c0).toFixed(0)} ms), ${first.verdict} via ${visited.join(' -> ')}; ready + trace ${(started + traced).toFixed(0)} ms`,
  { ok: visited.length >= 2 && started + traced < 1000, text: 'ready + trace < 1 s' },
);
const rss = peakRssMB();
line('peak RSS', `${rss.toFixed(0)} MB`, { ok: rss < 1536, text: '< 1.5 GB' });
