// The first-packet trace's cost at 1,000, 5,000 and 10,000 Services in each kube-proxy mode of
// BENCH_TRACE_MODES (default iptables,ipvs,nftables): CPU time per trace (median of 100, and the
// wall median), beside the rules and lookups the kernel would have evaluated for that packet
// (an ipset or IPVS lookup is one hash lookup, as in the kernel), and --all-paths on a
// 100-endpoint Service. The first trace pays for the lazy start of the nodes it meets; ten more
// (other seeds, so other endpoints' nodes) come before the measured ones. Sizes: BENCH_TRACE_NODES (default 200) nodes, 2 pods per Service
// (BENCH_TRACE_PODS); BENCH_SIZES the Service counts (default 1000,5000,10000, the ratio taken
// between the first and the last). Node agents start lazily (a node's kernel work on its first read); a
// trace that looks an address up starts only the nodes whose podCIDR holds it, but still asks
// every node's root namespace in turn, which is why the default is smaller than 1,000 nodes.
import { Cluster } from '../src/cluster/cluster.js';
import { Dataplane } from '../src/dataplane/dataplane.js';
import { trace } from '../src/dataplane/trace.js';
import { readTopologyValues } from '../src/topology/load.js';
import { generateCluster } from './generate.js';
import { cpuMs, line, machine, median, ms, peakRssMB } from './report.js';

type Mode = 'iptables' | 'ipvs' | 'nftables';

/** CPU ms per trace (median of the runs). */
function measure(services: number, nodes: number, proxyMode: Mode): number {
  const docs = generateCluster({ nodes, services, podsPerService: PODS, proxyMode });
  // One Service with 100 endpoints for --all-paths, on one node (so one more node's kube-proxy state is built).
  docs.push(
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'wide', namespace: 'default' }, spec: { replicas: 100, selector: { matchLabels: { app: 'wide' } }, template: { metadata: { labels: { app: 'wide' } }, spec: { nodeSelector: { 'kubernetes.io/hostname': 'node-0001' }, containers: [{ name: 'web', image: 'nginx', ports: [{ name: 'http', containerPort: 8080 }] }] } } } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'wide', namespace: 'default' }, spec: { selector: { app: 'wide' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } },
  );
  global.gc?.();
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
  let c0 = process.cpuUsage();
  const cold = trace(cluster, src, dst, { reply: false });
  const firstCpu = cpuMs(c0);
  const first = ms(t0);
  for (let i = 0; i < 10; i++) trace(cluster, src, dst, { reply: false, seed: 1000 + i });
  const times: number[] = [];
  const cpus: number[] = [];
  global.gc?.();
  for (let i = 0; i < RUNS; i++) {
    const s = performance.now();
    const c = process.cpuUsage();
    trace(cluster, src, dst, { reply: false, seed: i + 1 });
    cpus.push(cpuMs(c));
    times.push(ms(s));
  }
  const cpu = median(cpus);
  trace(cluster, src, 'svc/wide', { reply: false, allPaths: true });
  t0 = performance.now();
  const all = trace(cluster, src, 'svc/wide', { reply: false, allPaths: true });
  const allMs = ms(t0);
  const tag = `${proxyMode}, ${services} Services`;
  const path = cold.paths[0]!;
  line(`[${tag}] cluster load / node agents`, `${(load / 1000).toFixed(2)} s / ${(agents / 1000).toFixed(2)} s`);
  line(`[${tag}] first trace after load`, `${first.toFixed(1)} ms (cpu ${firstCpu.toFixed(1)} ms)`, { ok: first < 100, text: '< 100 ms' });
  line(`[${tag}] trace cpu, median of ${RUNS}`, `${cpu.toFixed(2)} ms (wall ${median(times).toFixed(2)} ms), ${path.rulesEvaluated} rules/lookups evaluated, ${path.verdict}`, { ok: cpu < 5, text: '< 5 ms' });
  line(`[${tag}] --all-paths, 100 endpoints (warm)`, `${allMs.toFixed(1)} ms, ${all.paths.length} paths, ${all.paths.reduce((n, p) => n + p.rulesEvaluated, 0)} rules evaluated in all`, { ok: allMs < 50, text: '< 50 ms' });
  return cpu;
}

const NODES = Number(process.env.BENCH_TRACE_NODES ?? 200);
const PODS = Number(process.env.BENCH_TRACE_PODS ?? 2);
const RUNS = 100;
const SIZES = (process.env.BENCH_SIZES ?? '1000,5000,10000').split(',').map(Number);
machine();
for (const mode of (process.env.BENCH_TRACE_MODES ?? 'iptables,ipvs,nftables').split(',') as Mode[]) {
  // 5k between the two the goal compares shows the growth
  const cpu = SIZES.map((services) => measure(services, NODES, mode));
  const small = cpu[0]!;
  const large = cpu[cpu.length - 1]!;
  line(`[${mode}] trace cpu at ${SIZES.at(-1)} / at ${SIZES[0]} Services`, `${(large / small).toFixed(2)}x`, { ok: large <= 2 * small, text: 'within 2x' });
}
line('peak RSS', `${peakRssMB().toFixed(0)} MB`);
