// Turns a kube-proxy IPVS vector (test/vectors/ipvs/NN-*/input.yaml) into a knet topology: the
// proxier's node with its addresses, a ClusterConfiguration whose service subnet and node port
// range hold the vector's addresses and ports, the KubeProxyConfiguration the proxier block maps
// to and the first step's objects; its later steps (and the second syncs the tests make after
// them) become a knet steps file.
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

type Obj = Record<string, unknown>;
const key = (o: { kind: string; metadata?: { namespace?: string; name?: string }; namespace?: string; name?: string }): string =>
  `${o.kind}/${o.metadata?.namespace ?? o.namespace}/${o.metadata?.name ?? o.name}`;

/** The objects left after every step (create-or-replace by kind/namespace/name, then deletes). */
export function finalObjects(input: IpvsVectorInput): Obj[] {
  const objs = new Map<string, Obj>();
  for (const s of input.steps) {
    for (const o of s.apply ?? []) objs.set(key(o as never), o);
    for (const d of s.delete ?? []) objs.delete(key(d as never));
  }
  return [...objs.values()];
}

/**
 * Every step's objects with the nodePorts kube-apiserver would accept. The unit test's fake has
 * no API server: ipvs-13 gives three Services nodePort 80, which kube-apiserver refuses; later
 * ones get the next free port (its one asserted chain, nat KUBE-SERVICES, does not depend on the
 * value). A Service written again in a later step keeps the ports it was given.
 */
function admitted(input: IpvsVectorInput): IpvsVectorInput['steps'] {
  const taken = new Set<number>();
  const given = new Map<string, number>();
  return input.steps.map((s) => ({
    ...s,
    apply: (s.apply ?? []).map((o) => {
      if (o.kind !== 'Service') return o;
      const svc = structuredClone(o) as { spec: { ports?: { nodePort?: number }[] } };
      (svc.spec.ports ?? []).forEach((port, i) => {
        if (!port.nodePort) return;
        const k = `${key(o as never)}/${i}/${port.nodePort}`;
        const had = given.get(k);
        if (had === undefined) {
          while (taken.has(port.nodePort)) port.nodePort++;
          taken.add(port.nodePort);
          given.set(k, port.nodePort);
        } else port.nodePort = had;
      });
      return svc as unknown as Obj;
    }),
  }));
}

/** The topology: the proxier's node and configuration, and the first step's objects (the first sync). */
export function ipvsVectorTopology(input: IpvsVectorInput): string {
  const p = input.proxier;
  const steps = admitted(input);
  const services = steps.flatMap((s) => s.apply ?? []).filter((o) => o.kind === 'Service') as { spec: { clusterIP?: string; ports?: { nodePort?: number }[] } }[];
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
  // a step's apply is create-or-replace: an object written twice in it is there once, as last written
  const first = new Map((steps[0]?.apply ?? []).map((o) => [key(o as never), o]));
  return [header, kubeadm, proxy, flannel, ...first.values()].map((d) => YAML.stringify(d)).join('---\n');
}

/**
 * The vector's later steps, then `more`, as a knet steps file (undefined when there are none):
 * each one's objects applied and deletions made, kube-proxy syncing after it.
 */
export function ipvsVectorSteps(input: IpvsVectorInput, more: { apply?: Obj[]; delete?: { kind: string; namespace: string; name: string }[] }[] = []): string | undefined {
  const later = [...admitted(input).slice(1), ...more].map((s) => ({
    ...(s.apply?.length ? { apply: s.apply } : {}),
    ...(s.delete?.length ? { delete: s.delete } : {}),
  }));
  if (!later.length) return undefined;
  return YAML.stringify({ apiVersion: 'knet.dev/v1alpha1', kind: 'Steps', steps: later });
}
