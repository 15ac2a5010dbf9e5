// kube-proxy IPVS mode at scale, beside iptables mode in the same run: one node's full sync for
// 1k and 10k ClusterIP Services × 10 endpoints (the IPVS proxier writes ipsets, kube-ipvs0
// addresses, virtual and real servers and its few iptables rules; the iptables proxier its
// chains), the ipset entries and virtual servers it made, a partial sync after one EndpointSlice
// change; where root is available the real `ipset restore` loading the same sets into a network
// namespace (this kernel has no ip_vs, so no real ipvsadm anchor). Then the first-packet trace
// cost at 1k and 10k Services in both modes on a generated cluster (BENCH_TRACE_NODES nodes,
// default 200: 2 pods per Service fit the /24 podCIDRs). BENCH_SIZES / BENCH_TRACE_SIZES pick the sizes; BENCH_KERNEL=0 skips the real ipset.
import { execFileSync, spawnSync } from 'node:child_process';
import { KubeProxyIptables } from '../src/agents/kube-proxy/iptables/agent.js';
import { KubeProxyIpvs } from '../src/agents/kube-proxy/ipvs/agent.js';
import { Store } from '../src/api/store.js';
import type { EndpointSlice, Service } from '../src/api/types.js';
import { Cluster } from '../src/cluster/cluster.js';
import { Dataplane } from '../src/dataplane/dataplane.js';
import { trace } from '../src/dataplane/trace.js';
import { formatSave as ipsetSave } from '../src/kernel/ipset/format.js';
import { formatRestore } from '../src/kernel/netfilter/restore.js';
import { NodeKernel } from '../src/kernel/node.js';
import { intToIpv4, ipv4ToInt } from '../src/net/ip.js';
import { defaultKernel, defaultKubeProxyConfig, type ClusterNode } from '../src/topology/config.js';
import { readTopologyValues } from '../src/topology/load.js';
import { generateCluster } from './generate.js';
import { cpuMs, line, machine, median, ms, peakRssMB } from './report.js';

const node: ClusterNode = {
  name: 'node1',
  ip: '192.168.0.2',
  roles: [],
  interfaces: { lo: ['127.0.0.1/8'], eth0: ['192.168.0.2/24'] },
  kernel: defaultKernel(),
  labels: {},
};
const ENDPOINTS = 10;
const iptablesConfig = defaultKubeProxyConfig('10.0.0.0/8');
const ipvsConfig = { ...iptablesConfig, mode: 'ipvs' as const };

function slice(i: number, gen = 0): EndpointSlice {
  const base = ipv4ToInt('10.0.0.0') + i * 16 + gen;
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `svc${i}-1`, namespace: 'bench', labels: { 'kubernetes.io/service-name': `svc${i}` } },
    addressType: 'IPv4',
    endpoints: Array.from({ length: ENDPOINTS }, (_, j) => ({ addresses: [intToIpv4(base + j)], conditions: { ready: true } })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

function store(services: number): Store {
  const s = new Store();
  for (let i = 0; i < services; i++) {
    const svc: Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `svc${i}`, namespace: 'bench' },
      spec: { type: 'ClusterIP', clusterIP: intToIpv4(ipv4ToInt('172.30.0.1') + i), ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    };
    s.create(svc);
    s.create(slice(i));
  }
  return s;
}

const fmt = (x: number): string => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

/** The real `ipset restore` loading the sets into a throwaway netns (ipsets are per network namespace). */
function ipsetRestoreMs(text: string, services: number): number | string {
  if (process.env.BENCH_KERNEL === '0') return 'skipped (BENCH_KERNEL=0)';
  if (process.getuid?.() !== 0 || spawnSync('sh', ['-c', 'command -v ipset']).status !== 0) return 'skipped (needs root, ip netns and ipset)';
  const ns = `knet-bench-ipvs-${process.pid}-${services}`;
  if (spawnSync('ip', ['netns', 'add', ns]).status !== 0) return 'skipped (ip netns add failed)';
  try {
    const t0 = performance.now();
    execFileSync('ip', ['netns', 'exec', ns, 'ipset', 'restore'], { input: text, maxBuffer: 1 << 30, timeout: 300_000 });
    return ms(t0);
  } finally {
    spawnSync('ip', ['netns', 'exec', ns, 'ipset', 'destroy']);
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

function proxiers(n: number): void {
  const s = store(n);
  const big = n === 10000;
  global.gc?.();
  const kernel = new NodeKernel(node.name);
  const ipvs = new KubeProxyIpvs(s, node, ipvsConfig, 4, kernel);
  let c0 = process.cpuUsage();
  let t0 = performance.now();
  const r = ipvs.sync();
  const restore = r.restoreText;
  const ipvsMs = ms(t0);
  const ipvsCpu = cpuMs(c0);
  const entries = kernel.ipsets.list().reduce((k, set) => k + set.members.size, 0);
  const services = kernel.ipvs.services();
  const reals = services.reduce((k, v) => k + v.dests.length, 0);
  const vips = kernel.root.addresses.filter((a) => a.dev === 'kube-ipvs0').length;
  line(`${n} Services x ${ENDPOINTS}: IPVS full sync`, `${fmt(ipvsMs)} (cpu ${fmt(ipvsCpu)})`, big ? { ok: ipvsMs < 500, text: '< 500 ms' } : undefined);
  line('  ipset entries / ipsets', `${entries} / ${kernel.ipsets.list().length}`);
  line('  virtual servers / real servers', `${services.length} / ${reals}`);
  line('  kube-ipvs0 addresses / iptables rules', `${vips} / ${r.input.ruleCount()} (restore text ${restore.length} bytes)`);
  global.gc?.();
  const ipt = new KubeProxyIptables(s, node, iptablesConfig, 4);
  c0 = process.cpuUsage();
  t0 = performance.now();
  const ri = ipt.sync();
  const text = formatRestore(ri.input);
  const iptMs = ms(t0);
  line(`${n} Services x ${ENDPOINTS}: iptables full sync`, `${fmt(iptMs)} (cpu ${fmt(cpuMs(c0))}), ${ri.input.ruleCount()} rules, ${(text.length / 1e6).toFixed(1)} MB`, big ? { ok: iptMs < 500, text: '< 500 ms' } : undefined);
  ipt.stop();
  const save = ipsetSave(kernel.ipsets);
  const real = ipsetRestoreMs(save, n);
  if (typeof real === 'string') line('  real ipset restore of the same sets', real);
  else line('  real ipset restore of the same sets', `${fmt(real)} = ${(real / ipvsMs).toFixed(1)}x knet's whole IPVS sync`);
  line('  real ipvsadm', 'not measurable here (this kernel has no ip_vs module)');
  if (big) {
    const times: number[] = [];
    for (let k = 0; k < 5; k++) {
      const old = s.get('EndpointSlice', 'bench', `svc${k}-1`)!;
      s.update({ ...slice(k, 1), metadata: { ...slice(k, 1).metadata, resourceVersion: old.metadata.resourceVersion } });
      global.gc?.();
      const t2 = performance.now();
      ipvs.sync();
      times.push(ms(t2));
    }
    const med = median(times);
    line('  IPVS partial sync after one EndpointSlice change', `${fmt(med)} (median of 5)`, { ok: med < 5, text: '< 5 ms' });
  }
  ipvs.stop();
}

function traces(services: number, mode: 'iptables' | 'ipvs'): number {
  const docs = generateCluster({ nodes: NODES, services, podsPerService: 2 });
  docs.push({ apiVersion: 'kubeproxy.config.k8s.io/v1alpha1', kind: 'KubeProxyConfiguration', mode });
  const cluster = new Cluster(readTopologyValues(docs, 'generated'));
  Dataplane.of(cluster);
  const client = cluster.store.list('Pod').find((p) => p.metadata.name.startsWith('app-0-'))!;
  const src = `default/${client.metadata.name}`;
  const dst = `svc/app-${Math.floor(services / 2)}`;
  let t0 = performance.now();
  const cold = trace(cluster, src, dst, { reply: false });
  const first = ms(t0);
  const times: number[] = [];
  for (let i = 0; i < 100; i++) {
    t0 = performance.now();
    trace(cluster, src, dst, { reply: false, seed: i + 1 });
    times.push(ms(t0));
  }
  const med = median(times);
  const tag = `[${services} Services, ${mode}]`;
  line(`${tag} first trace after load`, fmt(first), { ok: first < 100, text: '< 100 ms' });
  line(`${tag} trace, median of 100`, `${fmt(med)}, ${cold.paths[0]!.rulesEvaluated} rules/lookups evaluated, ${cold.paths[0]!.verdict}`, { ok: med < 5, text: '< 5 ms' });
  return med;
}

const NODES = Number(process.env.BENCH_TRACE_NODES ?? 200);
machine();
for (const n of (process.env.BENCH_SIZES ?? '1000,10000').split(',').map(Number)) proxiers(n);
const [small, large] = (process.env.BENCH_TRACE_SIZES ?? '1000,10000').split(',').map(Number) as [number, number];
for (const mode of ['iptables', 'ipvs'] as const) {
  const a = traces(small, mode);
  const b = traces(large, mode);
  line(`[${mode}] trace at ${large} / at ${small} Services`, `${(b / a).toFixed(2)}x`, { ok: b <= 2 * a, text: 'within 2x' });
}
line('peak RSS', `${peakRssMB().toFixed(0)} MB`);
