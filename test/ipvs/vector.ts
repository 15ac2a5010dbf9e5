// Turns a kube-proxy IPVS vector (test/vectors/ipvs/NN-*/input.yaml) into a knet topology: the
// proxier's node with its addresses, a ClusterConfiguration whose service subnet and node port
// range hold the vector's addresses and ports, the KubeProxyConfiguration the proxier block maps
// to, and the objects of every step (the vectors sync once, after their last step).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { covering } from '../helpers/iptables-vector.js';

export const IPVS_VECTORS = join(import.meta.dirname, '..', 'vectors', 'ipvs');

export interface IpvsVectorInput {
  proxier: {
    ipFamily: 'IPv4' | 'IPv6';
    nodeName: string;
    nodeIPs: string[];
    interfaces?: { name: string; addrs: string[] }[];
    nodePortAddresses: string[];
    scheduler: string;
    masqueradeAll: boolean;
    excludeCIDRs: string[];
  };
  steps: { step: number; apply?: Record<string, unknown>[]; delete?: { kind: string; namespace: string; name: string }[]; sync: boolean }[];
}

export interface IpvsVector {
  name: string;
  input: IpvsVectorInput;
  /** expected.txt split at its `# ==` headers: header text → the section's lines (annotations dropped). */
  sections: { header: string; lines: string[] }[];
}

export function loadIpvsVectors(): IpvsVector[] {
  return readdirSync(IPVS_VECTORS)
    .filter((d) => /^ipvs-\d\d-/.test(d))
    .sort()
    .map((name) => {
      const dir = join(IPVS_VECTORS, name);
      const sections: IpvsVector['sections'] = [];
      for (const l of readFileSync(join(dir, 'expected.txt'), 'utf8').split('\n')) {
        if (l.startsWith('# ==')) sections.push({ header: l, lines: [] });
        else if (l.startsWith('# virtual-server-count:')) sections.at(-1)!.lines.push(l);
        else if (!l.startsWith('#') && l !== '') sections.at(-1)!.lines.push(l);
      }
      return { name, input: YAML.parse(readFileSync(join(dir, 'input.yaml'), 'utf8')) as IpvsVectorInput, sections };
    });
}

/** The objects left after every step (create-or-replace by kind/namespace/name, then deletes). */
export function finalObjects(input: IpvsVectorInput): Record<string, unknown>[] {
  const objs = new Map<string, Record<string, unknown>>();
  const key = (o: { kind: string; metadata?: { namespace?: string; name?: string }; namespace?: string; name?: string }): string =>
    `${o.kind}/${o.metadata?.namespace ?? o.namespace}/${o.metadata?.name ?? o.name}`;
  for (const s of input.steps) {
    for (const o of s.apply ?? []) objs.set(key(o as never), o);
    for (const d of s.delete ?? []) objs.delete(key(d as never));
  }
  return [...objs.values()];
}

export function ipvsVectorTopology(input: IpvsVectorInput, objects = finalObjects(input)): string {
  const p = input.proxier;
  // the unit test's fake has no API server: ipvs-13 gives three Services nodePort 80, which
  // kube-apiserver refuses; later ones get the next free port (its one asserted chain, nat
  // KUBE-SERVICES, does not depend on the value)
  const taken = new Set<number>();
  objects = objects.map((o) => {
    if (o.kind !== 'Service') return o;
    const svc = structuredClone(o) as { spec: { ports?: { nodePort?: number }[] } };
    for (const port of svc.spec.ports ?? []) {
      if (!port.nodePort) continue;
      while (taken.has(port.nodePort)) port.nodePort++;
      taken.add(port.nodePort);
    }
    return svc as unknown as Record<string, unknown>;
  });
  const services = objects.filter((o) => o.kind === 'Service') as { spec: { clusterIP?: string; ports?: { nodePort?: number }[] } }[];
  const ips = services.map((s) => s.spec.clusterIP!).filter(Boolean);
  const serviceSubnet = [covering(ips, false), covering(ips, true)].filter(Boolean).join(',') || '10.96.0.0/12';
  const ports = services.flatMap((s) => (s.spec.ports ?? []).map((x) => x.nodePort ?? 0)).filter((n) => n > 0);
  const range = `${Math.min(30000, ...ports)}-${Math.max(32767, ...ports)}`;
  const interfaces: Record<string, string[]> = { lo: ['127.0.0.1/8'] };
  if (p.interfaces) for (const i of p.interfaces) interfaces[i.name] = i.addrs;
  else if (p.nodeIPs.length) interfaces.eth0 = p.nodeIPs.map((ip) => (ip.includes(':') ? `${ip}/64` : `${ip}/24`));
  const held = Object.values(interfaces).flat().map((a) => a.split('/')[0]!);
  let ip = held.find((a) => !a.includes(':') && !a.startsWith('127.'));
  let nodePortAddresses = p.nodePortAddresses;
  if (!ip) {
    // a knet node always holds its IP; the fake proxier has none: a documentation address, and
    // --nodeport-addresses matching nothing, so no NodePort virtual server lands on it either
    ip = '192.0.2.10';
    interfaces.eth0 = [`${ip}/24`];
    if (nodePortAddresses.length === 0) nodePortAddresses = ['203.0.113.0/24'];
  }
  const header = { apiVersion: 'knet.dev/v1alpha1', kind: 'Cluster', metadata: { name: 'kube-proxy-ipvs-vector' }, spec: { nodes: [{ name: p.nodeName, ip, interfaces }] } };
  const kubeadm = { apiVersion: 'kubeadm.k8s.io/v1beta4', kind: 'ClusterConfiguration', networking: { serviceSubnet }, apiServer: { extraArgs: [{ name: 'service-node-port-range', value: range }] } };
  const proxy = {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: 'ipvs',
    // the test fake's no-op local detector: ClusterCIDR mode without a cluster CIDR
    detectLocalMode: 'ClusterCIDR',
    clusterCIDR: '',
    masqueradeAll: p.masqueradeAll,
    nodePortAddresses,
    ipvs: { scheduler: p.scheduler, excludeCIDRs: p.excludeCIDRs },
  };
  // kube-proxy's fake node has only the vector's addresses: a host-gw pod network adds none (no flannel.1), and no pod gives cni0 one
  const flannel = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'kube-flannel-cfg', namespace: 'kube-flannel' },
    data: { 'net-conf.json': JSON.stringify({ Network: '10.244.0.0/16', Backend: { Type: 'host-gw' } }) },
  };
  return [header, kubeadm, proxy, flannel, ...objects].map((d) => YAML.stringify(d)).join('---\n');
}
