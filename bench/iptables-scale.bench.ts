// kube-proxy iptables mode at scale: one node's ruleset for 1k, 5k and 10k ClusterIP Services
// with 10 endpoints each — the full syncProxyRules (Service/endpoint view, rules, kernel model)
// plus its restore text, beside two anchors measured in the same run: the bytes-to-memory floor
// (copying the same text into a buffer) and, where root is available, the real iptables-restore
// loading it into a throwaway network namespace (BENCH_KERNEL=0 skips it). Up to
// BENCH_KERNEL_MAX Services (default 1000) it runs to the end; above, it is stopped once it has
// taken 30x knet's full sync (5,000 Services take it over a minute here), which is enough to
// tell whether the >= 30x goal is met: the figure is then a lower bound. Then a second node of the same cluster (shared work is cached) and a
// partial sync after one EndpointSlice change at 10k Services. BENCH_SIZES picks the sizes.
import { spawnSync } from 'node:child_process';
import { KubeProxyIptables } from '../src/agents/kube-proxy/iptables/agent.js';
import { Store } from '../src/api/store.js';
import type { EndpointSlice, Service } from '../src/api/types.js';
import { formatRestore } from '../src/kernel/netfilter/restore.js';
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
const config = defaultKubeProxyConfig('10.0.0.0/8');
const ENDPOINTS = 10;

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

function cluster(services: number): Store {
  const store = new Store();
  for (let i = 0; i < services; i++) {
    const svc: Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `svc${i}`, namespace: 'bench' },
      spec: { type: 'ClusterIP', clusterIP: intToIpv4(ipv4ToInt('172.30.0.1') + i), ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    };
    store.create(svc);
    store.create(slice(i));
  }
  return store;
}

/** The real iptables-restore loading the text into a throwaway netns: its time, `stopped` when it ran past `limitMs` (a lower bound then), or why it could not run here. */
function kernelLoad(text: string, services: number, limitMs: number | undefined): { ms: number; stopped: boolean } | string {
  if (process.env.BENCH_KERNEL === '0') return 'skipped (BENCH_KERNEL=0)';
  if (process.getuid?.() !== 0 || spawnSync('sh', ['-c', 'command -v iptables-restore']).status !== 0) return 'skipped (needs root, ip netns and iptables)';
  const ns = `knet-bench-${process.pid}-${services}`;
  if (spawnSync('ip', ['netns', 'add', ns]).status !== 0) return 'skipped (ip netns add failed)';
  try {
    const t0 = performance.now();
    const r = spawnSync('ip', ['netns', 'exec', ns, 'iptables-restore', '-w', '--noflush', '--counters'], { input: text, maxBuffer: 1 << 30, timeout: Math.ceil(limitMs ?? 300_000), killSignal: 'SIGKILL' });
    const took = ms(t0);
    if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') return limitMs === undefined ? 'stopped after 300 s' : { ms: took, stopped: true };
    if (r.status !== 0) return `failed: ${String(r.stderr).trim().split('\n')[0]}`;
    return { ms: took, stopped: false };
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

/** The bytes-to-memory floor: the same lines copied into one buffer, nothing computed (best of 3). */
function floorMs(text: string): number {
  const lines = text.split('\n');
  const buf = Buffer.allocUnsafe(text.length + lines.length);
  let best = Infinity;
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now();
    let off = 0;
    for (const l of lines) {
      off += buf.write(l, off, 'latin1');
      buf[off++] = 10;
    }
    best = Math.min(best, ms(t0));
  }
  return best;
}

const fmt = (x: number): string => `${x.toFixed(x < 10 ? 2 : 0)} ms`;
const KERNEL_MAX = Number(process.env.BENCH_KERNEL_MAX ?? 1000);
const other: ClusterNode = { ...node, name: 'node2', ip: '192.168.0.3', interfaces: { lo: ['127.0.0.1/8'], eth0: ['192.168.0.3/24'] } };

machine();
for (const n of (process.env.BENCH_SIZES ?? '1000,5000,10000').split(',').map(Number)) {
  const store = cluster(n);
  global.gc?.();
  const agent = new KubeProxyIptables(store, node, config, 4);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = agent.sync();
  const gen = ms(t0);
  const t1 = performance.now();
  const text = formatRestore(r.input);
  const textMs = ms(t1);
  const cpu = cpuMs(c0);
  const total = gen + textMs;
  const floor = floorMs(text);
  const rules = r.input.ruleCount();
  const big = n === 10000;
  line(`${n} Services x ${ENDPOINTS} endpoints: full sync`, `${fmt(total)} (rules ${fmt(gen)} + text ${fmt(textMs)}; cpu ${fmt(cpu)})`, big ? { ok: total < 500, text: '< 500 ms' } : undefined);
  line('  restore text', `${(text.length / 1e6).toFixed(1)} MB, ${rules} rules`);
  line('  bytes-to-memory floor (same text)', `${fmt(floor)} = full sync / ${(total / floor).toFixed(1)}`, big ? { ok: total <= 5 * floor, text: 'sync <= 5x floor' } : undefined);
  const kernel = kernelLoad(text, n, n > KERNEL_MAX ? 30 * total : undefined);
  if (typeof kernel === 'string') line('  real iptables-restore into a netns', kernel);
  else {
    const value = kernel.stopped ? `> ${fmt(kernel.ms)} (stopped at 30x knet) = > ${(kernel.ms / total).toFixed(1)}x knet` : `${fmt(kernel.ms)} = ${(kernel.ms / total).toFixed(1)}x knet`;
    line('  real iptables-restore into a netns', value, big ? { ok: kernel.ms >= 30 * total, text: '>= 30x knet' } : undefined);
  }
  global.gc?.();
  const second = new KubeProxyIptables(store, other, config, 4);
  const t3 = performance.now();
  formatRestore(second.sync().input);
  line('  a second node, same cluster: full sync', fmt(ms(t3)));
  second.stop();
  if (big) {
    const times: number[] = [];
    const cpus: number[] = [];
    let size = 0;
    for (let k = 0; k < 5; k++) {
      const old = store.get('EndpointSlice', 'bench', `svc${k}-1`)!;
      store.update({ ...slice(k, 1), metadata: { ...slice(k, 1).metadata, resourceVersion: old.metadata.resourceVersion } });
      // the full sync's garbage is collected first (and the collector's sweeping, which goes on
      // after gc() returns, given time to finish): the figure is one sync's own latency
      global.gc?.();
      await new Promise((r) => setTimeout(r, 200));
      const c2 = process.cpuUsage();
      const t2 = performance.now();
      const p = agent.sync();
      const out = formatRestore(p.input);
      times.push(ms(t2));
      cpus.push(cpuMs(c2));
      size = out.length;
    }
    const med = median(times);
    line('  partial sync after one EndpointSlice change', `${fmt(med)} (median of 5; cpu ${fmt(median(cpus))}), ${(size / 1e6).toFixed(2)} MB`, { ok: med < 5, text: '< 5 ms' });
  }
  agent.stop();
}
line('peak RSS', `${peakRssMB().toFixed(0)} MB`);
