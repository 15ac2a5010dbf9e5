// kube-proxy IPVS mode at scale, beside iptables mode in the same run: one node's full sync for
// 1k and 10k ClusterIP Services × 10 endpoints (the IPVS proxier writes ipsets, kube-ipvs0
// addresses, virtual and real servers and its few iptables rules; the iptables proxier its
// chains), the ipset entries and virtual servers it made, a partial sync after one EndpointSlice
// change in each mode, and a second node's IPVS full sync (the plans that depend on nothing of the node
// are the first node's); where root is available the real `ipset restore` loading the same sets
// into a network namespace (this kernel has no ip_vs, so no real ipvsadm anchor). Times are CPU
// time (the machine is shared), wall time beside them. The trace cost in each mode is
// trace-scale's. BENCH_SIZES picks the sizes; BENCH_KERNEL=0 skips the real ipset.
import { execFileSync, spawnSync } from 'node:child_process';
import { KubeProxyIptables } from '../src/agents/kube-proxy/iptables/agent.js';
import { KubeProxyIpvs } from '../src/agents/kube-proxy/ipvs/agent.js';
import { Store } from '../src/api/store.js';
import type { EndpointSlice, Service } from '../src/api/types.js';
import { formatSave as ipsetSave } from '../src/kernel/ipset/format.js';
import { formatRestore } from '../src/kernel/netfilter/restore.js';
import { NodeKernel } from '../src/kernel/node.js';
import { intToIpv4, ipv4ToInt } from '../src/net/ip.js';
import { defaultKernel, defaultKubeProxyConfig, type ClusterNode } from '../src/topology/config.js';
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

/** One EndpointSlice changed (its endpoints move up `gen` addresses), then a sync: CPU ms, median of 5. */
function partialSyncs(s: Store, gen: number, sync: () => void): number {
  const times: number[] = [];
  for (let k = 0; k < 5; k++) {
    const old = s.get('EndpointSlice', 'bench', `svc${k}-1`)!;
    const next = slice(k, gen);
    s.update({ ...next, metadata: { ...next.metadata, resourceVersion: old.metadata.resourceVersion } });
    global.gc?.();
    const c0 = process.cpuUsage();
    sync();
    times.push(cpuMs(c0));
  }
  return median(times);
}

function proxiers(n: number): void {
  const s = store(n);
  const big = n === 10000;
  // IPVS's own full sync is judged on CPU time, the stricter measure (GC threads count too)
  const fullGoal = (cpu: number) => (big ? { ok: cpu < 500, text: 'cpu < 500 ms' } : undefined);
  global.gc?.();
  const kernel = new NodeKernel(node.name);
  const ipvs = new KubeProxyIpvs(s, node, ipvsConfig, 4, kernel);
  let c0 = process.cpuUsage();
  let t0 = performance.now();
  const r = ipvs.sync();
  const ipvsMs = ms(t0);
  const ipvsCpu = cpuMs(c0);
  const entries = kernel.ipsets.list().reduce((k, set) => k + set.members.size, 0);
  const services = kernel.ipvs.services();
  const reals = services.reduce((k, v) => k + v.dests.length, 0);
  const vips = kernel.root.addressesOf('kube-ipvs0').length;
  line(`${n} Services x ${ENDPOINTS}: IPVS full sync`, `cpu ${fmt(ipvsCpu)} (wall ${fmt(ipvsMs)})`, fullGoal(ipvsCpu));
  line('  ipset entries / ipsets', `${entries} / ${kernel.ipsets.list().length}`);
  line('  virtual servers / real servers', `${services.length} / ${reals}`);
  line('  kube-ipvs0 addresses / iptables rules', `${vips} / ${r.input.ruleCount()} (restore text ${r.restoreText.length} bytes)`);
  // a second node's kube-proxy on the same store: the Service views and the plans that depend on nothing of the node are the first's
  global.gc?.();
  const node2: ClusterNode = { ...node, name: 'node2', ip: '192.168.0.3', interfaces: { lo: ['127.0.0.1/8'], eth0: ['192.168.0.3/24'] } };
  const second = new KubeProxyIpvs(s, node2, ipvsConfig, 4, new NodeKernel(node2.name));
  c0 = process.cpuUsage();
  t0 = performance.now();
  second.sync();
  line('  IPVS full sync of a second node (plans shared)', `cpu ${fmt(cpuMs(c0))} (wall ${fmt(ms(t0))})`);
  second.stop();
  const ipvsPartial = partialSyncs(s, 1, () => ipvs.sync());
  line('  IPVS partial sync, one EndpointSlice changed', `cpu ${fmt(ipvsPartial)} (median of 5)`, { ok: ipvsPartial < 5, text: '< 5 ms' });
  const save = ipsetSave(kernel.ipsets);
  ipvs.stop();

  global.gc?.();
  const ipt = new KubeProxyIptables(s, node, iptablesConfig, 4);
  c0 = process.cpuUsage();
  t0 = performance.now();
  const ri = ipt.sync();
  const text = formatRestore(ri.input);
  const iptMs = ms(t0);
  const iptCpu = cpuMs(c0);
  // the anchor IPVS is compared with; the iptables goal itself is judged by iptables-scale (on wall time)
  line(`${n} Services x ${ENDPOINTS}: iptables full sync`, `cpu ${fmt(iptCpu)} (wall ${fmt(iptMs)}), ${ri.input.ruleCount()} rules, ${(text.length / 1e6).toFixed(1)} MB`);
  const iptPartial = partialSyncs(s, 2, () => void ipt.sync());
  line('  iptables partial sync, one EndpointSlice changed', `cpu ${fmt(iptPartial)} (median of 5)`, { ok: iptPartial < 5, text: '< 5 ms' });
  line('  IPVS / iptables full sync cpu', `${(ipvsCpu / iptCpu).toFixed(2)}x`);
  ipt.stop();

  const real = ipsetRestoreMs(save, n);
  if (typeof real === 'string') line('  real ipset restore of the same sets', real);
  else line('  real ipset restore of the same sets', `${fmt(real)} = ${(real / ipvsMs).toFixed(1)}x knet's whole IPVS sync`);
  line('  real ipvsadm', 'not measurable here (this kernel has no ip_vs module)');
}

machine();
for (const n of (process.env.BENCH_SIZES ?? '1000,10000').split(',').map(Number)) proxiers(n);
line('peak RSS', `${peakRssMB().toFixed(0)} MB`);
