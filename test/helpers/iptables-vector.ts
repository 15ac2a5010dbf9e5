// Turns a kube-proxy iptables vector (test/vectors/iptables/NN-*/input.yaml) into a knet
// topology: a Cluster header for the proxier's node, a ClusterConfiguration whose service subnet
// and node port range hold the vector's addresses and ports, the KubeProxyConfiguration the
// proxier settings map to, and the Services and EndpointSlices as given.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { canonicalIP, cidrContains, parseCIDR } from '../../src/net/ip.js';

export const VECTORS = join(import.meta.dirname, '..', 'vectors', 'iptables');

export interface Vector {
  name: string;
  dir: string;
  input: VectorInput;
  source: string;
  assertion: string;
  expected?: string;
  kernelSave?: string;
  assert?: Record<string, unknown>;
}

export interface VectorInput {
  proxier: {
    ipFamily: 'IPv4' | 'IPv6';
    nodeName: string;
    nodeIP: string;
    hostAddresses: Record<string, string[]>;
    localDetector: { mode: 'ClusterCIDR' | 'None'; clusterCIDR?: string };
    masqueradeAll: boolean;
    masqueradeMark: string;
    localhostNodePorts: boolean;
    nodePortAddresses?: string[] | null;
    conntrackTCPLiberal: boolean;
    nfacct: Record<string, boolean>;
    iptablesHasRandomFully: boolean;
    syncPeriod?: string;
  };
  sync?: { mode: 'full' | 'partial'; changedServices?: string[]; natChainsBeforeSync?: string[] } | null;
  services?: Record<string, unknown>[] | null;
  endpointSlices?: Record<string, unknown>[] | null;
}

export function loadVectors(): Vector[] {
  return readdirSync(VECTORS)
    .filter((d) => /^\d\d-/.test(d))
    .sort()
    .map((name) => {
      const dir = join(VECTORS, name);
      const read = (f: string): string | undefined => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : undefined);
      const source = read('source.txt')!;
      const assertText = read('assert.yaml');
      const expected = read('expected.txt');
      const kernelSave = read('kernel-save.txt');
      return {
        name,
        dir,
        input: YAML.parse(read('input.yaml')!) as VectorInput,
        source,
        assertion: source.match(/^assertion: (.+)$/m)![1]!.trim(),
        ...(expected !== undefined ? { expected } : {}),
        ...(kernelSave !== undefined ? { kernelSave } : {}),
        ...(assertText ? { assert: YAML.parse(assertText) as Record<string, unknown> } : {}),
      };
    });
}

/** The smallest CIDR of the family holding every address. */
export function covering(ips: string[], v6: boolean): string | undefined {
  const list = ips.map((ip) => canonicalIP(ip)!).filter((ip) => ip.includes(':') === v6);
  if (list.length === 0) return undefined;
  const bits = v6 ? 128 : 32;
  for (let p = bits; p >= 0; p--) {
    const c = parseCIDR(`${list[0]}/${p}`)!;
    const net = parseCIDR(`${c.network}/${p}`)!;
    if (list.every((ip) => cidrContains(net, ip))) return `${net.network}/${p}`;
  }
  return undefined;
}

/** The topology YAML for a vector (its input, or another object set for a later step). */
export function vectorTopology(input: VectorInput, objects?: { services: unknown[]; endpointSlices: unknown[] }): string {
  const p = input.proxier;
  const services = (objects?.services ?? input.services ?? []) as { spec: { clusterIP?: string; clusterIPs?: string[]; ports?: { nodePort?: number }[] } }[];
  const slices = objects?.endpointSlices ?? input.endpointSlices ?? [];
  const ips = services.flatMap((s) => [...(s.spec.clusterIPs ?? []), ...(s.spec.clusterIP ? [s.spec.clusterIP] : [])]).filter((ip) => ip && ip !== 'None');
  const serviceSubnet = [covering(ips, false), covering(ips, true)].filter(Boolean).join(',') || '10.96.0.0/12';
  const ports = services.flatMap((s) => (s.spec.ports ?? []).map((x) => x.nodePort ?? 0)).filter((n) => n > 0);
  const range = `${Math.min(30000, ...ports)}-${Math.max(32767, ...ports)}`;
  const header = {
    apiVersion: 'knet.dev/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'kube-proxy-vector' },
    spec: {
      nodes: [
        {
          name: p.nodeName,
          ip: p.nodeIP,
          interfaces: p.hostAddresses,
          kernel: { nfacct: Object.keys(p.nfacct ?? {}).filter((k) => p.nfacct[k]), iptablesRandomFully: p.iptablesHasRandomFully },
        },
      ],
    },
  };
  const kubeadm = {
    apiVersion: 'kubeadm.k8s.io/v1beta4',
    kind: 'ClusterConfiguration',
    networking: { serviceSubnet },
    apiServer: { extraArgs: [{ name: 'service-node-port-range', value: range }] },
  };
  const proxy = {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: 'iptables',
    // kube-proxy's ClusterCIDR detector without a cluster CIDR is its no-op detector ("None" in the vectors).
    detectLocalMode: 'ClusterCIDR',
    clusterCIDR: p.localDetector.mode === 'ClusterCIDR' ? p.localDetector.clusterCIDR : '',
    masqueradeAll: p.masqueradeAll,
    nodePortAddresses: p.nodePortAddresses ?? [],
    iptables: { masqueradeBit: Math.log2(Number(p.masqueradeMark)), localhostNodePorts: p.localhostNodePorts, ...(p.syncPeriod ? { syncPeriod: p.syncPeriod } : {}) },
    conntrack: { tcpBeLiberal: p.conntrackTCPLiberal },
  };
  return [header, kubeadm, proxy, ...services, ...slices].map((d) => YAML.stringify(d)).join('---\n');
}

export function familyFlag(input: VectorInput): string[] {
  return input.proxier.ipFamily === 'IPv6' ? ['--family', 'ipv6'] : [];
}
