// kube-proxy iptables mode at scale: one node's ruleset for 1k, 5k and 10k ClusterIP Services
// with 10 endpoints each — generation time (the full syncProxyRules: Service/endpoint view,
// rules, kernel model), restore text size, rule count, peak RSS; where root is available, the
// real iptables-restore loading the same text into a network namespace; and a partial sync
// after one EndpointSlice change at 10k Services.
import { execFileSync, spawnSync } from 'node:child_process';
import { KubeProxyIptables } from '../src/agents/kube-proxy/iptables/agent.js';
import { Store } from '../src/api/store.js';
import type { EndpointSlice, Service } from '../src/api/types.js';
import { formatRestore } from '../src/kernel/netfilter/restore.js';
import { intToIpv4, ipv4ToInt } from '../src/net/ip.js';
import { defaultKernel, defaultKubeProxyConfig, type ClusterNode } from '../src/topology/config.js';
import { line, ms, peakRssMB } from './report.js';

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

function kernelLoadMs(text: string): number | undefined {
  if (process.env.BENCH_KERNEL === '0' || process.getuid?.() !== 0 || spawnSync('sh', ['-c', 'command -v iptables-restore']).status !== 0) return undefined;
  const ns = `knet-bench-${process.pid}`;
  if (spawnSync('ip', ['netns', 'add', ns]).status !== 0) return undefined;
  try {
    const t0 = performance.now();
    execFileSync('ip', ['netns', 'exec', ns, 'iptables-restore', '-w', '--noflush', '--counters'], { input: text, maxBuffer: 1 << 30 });
    return ms(t0);
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

const fmt = (x: number): string => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

for (const n of (process.env.BENCH_SIZES ?? "1000,5000,10000").split(",").map(Number)) {
  const store = cluster(n);
  const agent = new KubeProxyIptables(store, node, config, 4);
  const t0 = performance.now();
  const r = agent.sync();
  const gen = ms(t0);
  const t1 = performance.now();
  const text = formatRestore(r.input);
  const textMs = ms(t1);
  const rules = r.input.ruleCount();
  line(`${n} Services x ${ENDPOINTS} endpoints: full sync`, fmt(gen), n === 10000 ? { ok: gen < 500, text: '< 500 ms' } : undefined);
  line('  restore text (normal form)', `${fmt(textMs)}, ${(text.length / 1e6).toFixed(1)} MB, ${rules} rules`);
  const kernel = kernelLoadMs(text);
  if (kernel === undefined) line('  real iptables-restore', 'skipped (needs root, ip netns and iptables)');
  else line('  real iptables-restore into a netns', `${fmt(kernel)} = ${(kernel / (gen + textMs)).toFixed(1)}x knet`, { ok: kernel >= 5 * (gen + textMs), text: '>= 5x' });
  if (n === 10000) {
    const times: number[] = [];
    let size = 0;
    for (let k = 0; k < 5; k++) {
      const old = store.get('EndpointSlice', 'bench', `svc${k}-1`)!;
      store.update({ ...slice(k, 1), metadata: { ...slice(k, 1).metadata, resourceVersion: old.metadata.resourceVersion } });
      const t2 = performance.now();
      const p = agent.sync();
      const out = formatRestore(p.input);
      times.push(ms(t2));
      size = out.length;
    }
    const med = [...times].sort((a, b) => a - b)[2]!;
    line('  partial sync after one EndpointSlice change', `${fmt(med)} (median of 5), ${(size / 1e6).toFixed(2)} MB`, { ok: med < 5, text: '< 5 ms' });
  }
}
line('peak RSS', `${peakRssMB().toFixed(0)} MB`);
