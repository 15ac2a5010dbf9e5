// kube-proxy nftables mode at scale: one node's `table ip kube-proxy` for 10,000 ClusterIP
// Services with 10 endpoints each — the full sync's time (Service/endpoint view, the proxier,
// the transaction applied to knet's nft model), the transaction's size, the `nft list ruleset`
// text; where root is available the real `nft -f` loading the same transaction into a network
// namespace, as a ratio; a second node's full sync (what it shares with the first: chain names,
// parsed rules); and a partial sync after one EndpointSlice change.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeProxyNftables } from '../src/agents/kube-proxy/nftables/agent.js';
import { Store } from '../src/api/store.js';
import type { EndpointSlice, Service } from '../src/api/types.js';
import { formatRuleset } from '../src/kernel/nftables/print.js';
import { intToIpv4, ipv4ToInt } from '../src/net/ip.js';
import { defaultKernel, defaultKubeProxyConfig, type ClusterNode } from '../src/topology/config.js';
import { cpuMs, line, median, ms, peakRssMB } from './report.js';

const nodeNamed = (name: string, ip: string): ClusterNode => ({
  name,
  ip,
  roles: [],
  interfaces: { lo: ['127.0.0.1/8'], eth0: [`${ip}/24`] },
  kernel: defaultKernel(),
  labels: {},
});
const node = nodeNamed('node1', '192.168.0.2');
const config = { ...defaultKubeProxyConfig('10.0.0.0/8'), mode: 'nftables' as const };
const ENDPOINTS = 10;
const NFT = ['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft'].find((p) => existsSync(p));

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

/** The real nft loading the same transaction into a fresh netns (undefined when it cannot run here). */
function kernelLoadMs(text: string): number | undefined {
  if (process.env.BENCH_KERNEL === '0' || process.getuid?.() !== 0 || !NFT) return undefined;
  const ns = `knet-bench-nft-${process.pid}`;
  if (spawnSync('ip', ['netns', 'add', ns]).status !== 0) return undefined;
  const file = join(mkdtempSync(join(tmpdir(), 'knet-bench-nft-')), 'sync.nft');
  writeFileSync(file, text);
  try {
    const t0 = performance.now();
    execFileSync('ip', ['netns', 'exec', ns, NFT, '-f', file], { maxBuffer: 1 << 30 });
    return ms(t0);
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

const fmt = (x: number): string => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

for (const n of (process.env.BENCH_SIZES ?? '10000').split(',').map(Number)) {
  const store = cluster(n);
  const agent = new KubeProxyNftables(store, node, config, 4, { serviceCIDRs: ['172.30.0.0/16'] });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = agent.sync();
  const gen = ms(t0);
  line(`${n} Services x ${ENDPOINTS} endpoints: full sync`, `${fmt(gen)} (cpu ${fmt(cpuMs(c0))})`, n === 10000 ? { ok: gen < 500, text: '< 500 ms' } : undefined);
  line('  transaction (nft -f input)', `${(r.transaction.length / 1e6).toFixed(1)} MB, ${r.operations} operations`);
  const t1 = performance.now();
  const list = formatRuleset(agent.nft, 0);
  line('  nft list ruleset text', `${fmt(ms(t1))}, ${(list.length / 1e6).toFixed(1)} MB`);
  const second = new KubeProxyNftables(store, nodeNamed('node2', '192.168.0.3'), config, 4, { serviceCIDRs: ['172.30.0.0/16'] });
  (globalThis as { gc?: () => void }).gc?.();
  const c1 = process.cpuUsage();
  const t3 = performance.now();
  second.sync();
  line('  a second node\'s full sync', `${fmt(ms(t3))} (cpu ${fmt(cpuMs(c1))})`);
  second.stop();
  const kernel = kernelLoadMs(r.transaction);
  if (kernel === undefined) line('  real nft -f', 'skipped (needs root, ip netns and nft)');
  else line('  real nft -f into a netns', `${fmt(kernel)} = ${(kernel / gen).toFixed(1)}x knet's full sync`, { ok: kernel >= gen, text: 'knet faster than the real load' });
  const times: number[] = [];
  let ops = 0;
  for (let k = 0; k < 5; k++) {
    const old = store.get('EndpointSlice', 'bench', `svc${k}-1`)!;
    store.update({ ...slice(k, 1), metadata: { ...slice(k, 1).metadata, resourceVersion: old.metadata.resourceVersion } });
    // the full sync's garbage is collected first: the figure is one sync's own latency
    (globalThis as { gc?: () => void }).gc?.();
    const t2 = performance.now();
    ops = agent.sync().operations;
    times.push(ms(t2));
  }
  const med = median(times);
  line('  partial sync after one EndpointSlice change', `${fmt(med)} (median of 5), ${ops} operations`, { ok: med < 5, text: '< 5 ms' });
}
line('peak RSS', `${peakRssMB().toFixed(0)} MB`);
line('load average while measured', (await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' '));
