// One first-packet trace (median of 100) and --all-paths on a 100-endpoint Service, beside the
// rules the kernel would have evaluated, at 1,000 and 10,000 Services to show how the cost grows,
// in each kube-proxy mode of BENCH_TRACE_MODES (default iptables,nftables).
// Sizes: BENCH_TRACE_NODES (default 200) nodes, 2 pods per Service (BENCH_TRACE_PODS). Node agents
// start lazily (a node's kernel work on its first read), but a trace that looks a pod up by IP
// still reads every node's kernel in turn, which is why the default is smaller than 1,000 nodes.
import { Cluster } from '../src/cluster/cluster.js';
import { Dataplane } from '../src/dataplane/dataplane.js';
import { trace } from '../src/dataplane/trace.js';
import { readTopologyValues } from '../src/topology/load.js';
import { generateCluster } from './generate.js';
import { line, machine, median, ms, peakRssMB } from './report.js';

function measure(services: number, nodes: number, proxyMode: 'iptables' | 'nftables'): number {
  const docs = generateCluster({ nodes, services, podsPerService: PODS, proxyMode });
  // One Service with 100 endpoints for --all-paths, on one node (so one more node's kube-proxy state is built).
  docs.push(
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'wide', namespace: 'default' }, spec: { replicas: 100, selector: { matchLabels: { app: 'wide' } }, template: { metadata: { labels: { app: 'wide' } }, spec: { nodeSelector: { 'kubernetes.io/hostname': 'node-0001' }, containers: [{ name: 'web', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }] } } } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'wide', namespace: 'default' }, spec: { selector: { app: 'wide' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
  );
  let t0 = performance.now();
  const cluster = new Cluster(readTopologyValues(docs, 'generated'));
  const load = ms(t0);
  t0 = performance.now();
  Dataplane.of(cluster);
  const agents = ms(t0);
  const client = cluster.store.list('Pod').find((p) => p.metadata.name.startsWith('app-0-'))!;
  const src = `default/${client.metadata.name}`;
  const dst = `svc/app-${Math.floor(services / 2)}`;
  t0 = performance.now();
  const cold = trace(cluster, src, dst, { reply: false });
  const first = ms(t0);
  const times: number[] = [];
  for (let i = 0; i < 100; i++) {
    const s = performance.now();
    trace(cluster, src, dst, { reply: false, seed: i + 1 });
    times.push(ms(s));
  }
  trace(cluster, src, 'svc/wide', { reply: false, allPaths: true });
  t0 = performance.now();
  const all = trace(cluster, src, 'svc/wide', { reply: false, allPaths: true });
  const allMs = ms(t0);
  const tag = `${proxyMode}, ${services} Services`;
  line(`[${tag}] cluster load / node agents`, `${(load / 1000).toFixed(2)} s / ${(agents / 1000).toFixed(2)} s`);
  line(`[${tag}] first trace (rules parsed lazily)`, `${first.toFixed(1)} ms`);
  const med = median(times);
  line(`[${tag}] trace, median of 100`, `${med.toFixed(2)} ms, ${cold.paths[0]!.rulesEvaluated} rules evaluated, ${cold.paths[0]!.verdict}`, { ok: med < 5, text: '< 5 ms' });
  line(`[${tag}] --all-paths, 100 endpoints (warm)`, `${allMs.toFixed(1)} ms, ${all.paths.length} paths, ${all.paths.reduce((n, p) => n + p.rulesEvaluated, 0)} rules evaluated in all`);
  return med;
}

const NODES = Number(process.env.BENCH_TRACE_NODES ?? 200);
const PODS = Number(process.env.BENCH_TRACE_PODS ?? 2);
machine();
for (const mode of (process.env.BENCH_TRACE_MODES ?? 'iptables,nftables').split(',') as ('iptables' | 'nftables')[]) {
  const small = measure(1000, NODES, mode);
  const large = measure(10_000, NODES, mode);
  line(`[${mode}] trace at 10k / at 1k Services`, `${(large / small).toFixed(2)}x`, { ok: large <= 2 * small, text: 'within 2x' });
}
line('peak RSS', `${peakRssMB().toFixed(0)} MB`);
