// Turns a kube-proxy nftables vector (test/vectors/nftables/NN-*/input.yaml) into a knet
// topology: one node with the proxier's addresses, a ClusterConfiguration whose service subnet
// is the vector's serviceCIDRs and whose node port range holds its ports, the
// KubeProxyConfiguration its settings map to, and the first step's objects.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';

export const NFT_VECTORS = join(import.meta.dirname, '..', 'vectors', 'nftables');

export interface NftStep {
  step: number;
  apply?: Record<string, unknown>[];
  delete?: { kind: string; namespace: string; name: string }[];
  ageStaleChains?: boolean;
  sync?: boolean;
}

export interface NftVectorInput {
  proxier: {
    ipFamily: 'IPv4' | 'IPv6';
    nodeName: string;
    nodeIP: string | null;
    nodeIPs: string[];
    nodePortAddresses: string[];
    masqueradeAll: boolean;
    masqueradeMark: string;
    localDetector: 'none' | { mode: 'ClusterCIDR'; clusterCIDR: string };
    serviceCIDRs?: string[];
  };
  initialNftState?: string;
  steps: NftStep[];
}

export interface NftVector {
  name: string;
  input: NftVectorInput;
  expected: string;
  source: string;
}

export function loadNftVectors(): NftVector[] {
  return readdirSync(NFT_VECTORS)
    .filter((d) => d.startsWith('nft-'))
    .sort()
    .map((name) => {
      const dir = join(NFT_VECTORS, name);
      const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
      return { name, input: YAML.parse(read('input.yaml')) as NftVectorInput, expected: existsSync(join(dir, 'expected.txt')) ? read('expected.txt') : '', source: read('source.txt') };
    });
}

function ports(objects: Record<string, unknown>[]): number[] {
  return objects.flatMap((o) => ((o as { spec?: { ports?: { nodePort?: number }[] } }).spec?.ports ?? []).map((p) => p.nodePort ?? 0)).filter((n) => n > 0);
}

export function nftVectorTopology(input: NftVectorInput): string {
  const p = input.proxier;
  const all = input.steps.flatMap((s) => s.apply ?? []);
  const nodePorts = ports(all);
  const range = `${Math.min(30000, ...nodePorts)}-${Math.max(32767, ...nodePorts)}`;
  const v4 = p.nodeIPs.filter((ip) => !ip.includes(':'));
  const v6 = p.nodeIPs.filter((ip) => ip.includes(':'));
  const header = {
    apiVersion: 'knet.dev/v1alpha1',
    kind: 'Cluster',
    metadata: { name: 'kube-proxy-nft-vector' },
    spec: {
      nodes: [{ name: p.nodeName, ip: p.nodeIP ?? v4[0], interfaces: { lo: ['127.0.0.1/8', '::1/128'], eth0: [...v4.map((a) => `${a}/24`), ...v6.map((a) => `${a}/64`)] } }],
    },
  };
  const kubeadm = {
    apiVersion: 'kubeadm.k8s.io/v1beta4',
    kind: 'ClusterConfiguration',
    networking: { serviceSubnet: (p.serviceCIDRs ?? []).join(',') || (p.ipFamily === 'IPv6' ? 'fd00:10:96::/112' : '10.96.0.0/12') },
    apiServer: { extraArgs: [{ name: 'service-node-port-range', value: range }] },
  };
  const proxy = {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: 'nftables',
    detectLocalMode: 'ClusterCIDR',
    clusterCIDR: p.localDetector === 'none' ? '' : p.localDetector.clusterCIDR,
    masqueradeAll: p.masqueradeAll,
    nodePortAddresses: p.nodePortAddresses,
    iptables: { masqueradeBit: Math.log2(Number(p.masqueradeMark)) },
  };
  return [header, kubeadm, proxy, ...(input.steps[0]?.apply ?? [])].map((d) => YAML.stringify(d)).join('---\n');
}

/**
 * The vector's later steps as a knet steps file (undefined for a one-step vector): each step's
 * objects applied and deletions made; ageStaleChains (the test makes waiting chains 2 s older)
 * is a `wait: 2s`, after which the next sync deletes them.
 */
export function nftVectorSteps(input: NftVectorInput): string | undefined {
  const later = input.steps.slice(1);
  if (!later.length) return undefined;
  const steps = later.map((s) => ({
    ...(s.apply?.length ? { apply: s.apply } : {}),
    ...(s.delete?.length ? { delete: s.delete } : {}),
    ...(s.ageStaleChains ? { wait: '2s' } : {}),
  }));
  return YAML.stringify({ apiVersion: 'knet.dev/v1alpha1', kind: 'Steps', steps });
}
