// Reads the DNS oracle vectors (test/vectors/dns) and turns one into a knet topology: a
// Cluster header with nodes whose podCIDRs hold the vector's pod IPs, a ClusterConfiguration
// with the zone and service subnets that hold its ClusterIPs, a KubeletConfiguration and node
// resolv.conf from the `kubelet` header, the `coredns` ConfigMap with a Corefile equivalent to
// the plugin settings in the header, and the vector's objects.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { canonicalIP, ipToBigInt, bigIntToIP } from '../../src/net/ip.js';

const here = dirname(fileURLToPath(import.meta.url));
export const VECTORS_DIR = join(here, '..', 'vectors', 'dns');

export interface CorednsHeader {
  zones: string[];
  ttl: number;
  pods: string;
  namespaces: string[] | 'ALL';
  endpointPodNames: boolean;
  ignoreEmptyService: boolean;
  fallthrough: string[];
  localIPs: string[];
  synced: boolean;
}

export interface VectorHeader {
  zone: string;
  coredns?: CorednsHeader;
  upstream?: string[];
  transfer?: unknown;
  kubelet?: { clusterDNS?: string[]; clusterDomain?: string; resolvConf?: string; resolvConfContent?: string };
  client?: unknown;
  [k: string]: unknown;
}

export interface ExpectedBlock {
  query: string;
  comments: string[];
  answer: string[];
  additional: string[];
  authority: string[];
  status?: string;
  /** RESOLVE: candidate lines; RESOLVCONF: file lines. */
  tries: string[];
  result?: string;
  lines: string[];
  ordered: boolean;
}

export interface Vector {
  name: string;
  dir: string;
  header: VectorHeader;
  objects: Record<string, unknown>[];
  queries: string[];
  expected: Map<string, ExpectedBlock>;
}

export function vectorNames(): string[] {
  if (!existsSync(VECTORS_DIR)) return [];
  return readdirSync(VECTORS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(VECTORS_DIR, d.name, 'input.yaml')))
    .map((d) => d.name)
    .sort();
}

/** Collapses whitespace so tab- and space-separated records compare equal. */
export const norm = (s: string): string => s.trim().replace(/\s+/g, ' ');

function parseExpected(text: string): Map<string, ExpectedBlock> {
  const out = new Map<string, ExpectedBlock>();
  for (const chunk of text.split(/\n(?=== )/)) {
    const lines = chunk.split('\n').filter((l) => l.trim() !== '');
    if (!lines[0]?.startsWith('== ')) continue;
    const b: ExpectedBlock = { query: lines[0].slice(3).trim(), comments: [], answer: [], additional: [], authority: [], tries: [], lines: [], ordered: false };
    for (const l of lines.slice(1)) {
      if (l.startsWith('#')) b.comments.push(l);
      else if (l === 'ORDERED') b.ordered = true;
      else if (l.startsWith('ADDITIONAL ')) b.additional.push(norm(l.slice(11)));
      else if (l.startsWith('AUTHORITY ')) b.authority.push(norm(l.slice(10)));
      else if (l.startsWith('TRY ')) b.tries.push(norm(l));
      else if (l.startsWith('RESULT ')) b.result = norm(l.slice(7));
      else if (/^(NXDOMAIN|NODATA|SERVFAIL|REFUSED|FORWARDED|NOTAUTH)$/.test(l.trim())) b.status = l.trim();
      else {
        b.lines.push(l);
        b.answer.push(norm(l.replace(/\s+#.*$/, '')));
      }
    }
    out.set(norm(b.query), b);
  }
  return out;
}

export function readVector(name: string): Vector {
  const dir = join(VECTORS_DIR, name);
  const docs = YAML.parseAllDocuments(readFileSync(join(dir, 'input.yaml'), 'utf8')).map((d) => d.toJS() as Record<string, unknown>).filter(Boolean);
  const [header, ...objects] = docs as [VectorHeader, ...Record<string, unknown>[]];
  const queries = readFileSync(join(dir, 'queries.txt'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  return { name, dir, header, objects, queries, expected: parseExpected(readFileSync(join(dir, 'expected.txt'), 'utf8')) };
}

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** The smallest CIDR holding every address (one family). */
function covering(ips: string[], family: 4 | 6, minPrefixLen: number): string {
  const bits = family === 4 ? 32 : 128;
  const vals = ips.map((ip) => ipToBigInt(canonicalIP(ip)!));
  let prefix = Math.min(minPrefixLen, bits);
  const mask = (p: number): bigint => ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - p)) - 1n);
  while (prefix > 0 && !vals.every((v) => (v & mask(prefix)) === (vals[0]! & mask(prefix)))) prefix--;
  return `${bigIntToIP(vals[0]! & mask(prefix), family)}/${prefix}`;
}

const isV6 = (ip: string): boolean => ip.includes(':');

/** The Corefile a real cluster would hold for the header's kubernetes-plugin settings. */
export function corefileFor(h: VectorHeader): string {
  const c = h.coredns!;
  const opts = [`pods ${c.pods}`];
  if (c.namespaces !== 'ALL') opts.push(`namespaces ${c.namespaces.join(' ')}`);
  if (c.endpointPodNames) opts.push('endpoint_pod_names');
  if (c.ignoreEmptyService) opts.push('ignore empty_service');
  if (c.fallthrough.length) opts.push(`fallthrough ${c.fallthrough.join(' ')}`);
  opts.push(`ttl ${c.ttl}`);
  const lines = ['.:53 {', '    errors', `    kubernetes ${c.zones.join(' ')} {`, ...opts.map((o) => `       ${o}`), '    }'];
  if (h.transfer) lines.push('    transfer {', '       to *', '    }');
  lines.push('    forward . /etc/resolv.conf', '    loadbalance', '}');
  return `${lines.join('\n')}\n`;
}

export interface Converted {
  /** Topology text for `knet -f`. */
  topology: string;
  /** Objects a kube-apiserver would refuse (a ClusterIP already taken): written to the store directly. */
  late: Record<string, unknown>[];
  /** CLI flags naming the answering instance (`--local-ip` per header localIP). */
  instanceArgs: string[];
  /** `--from` for RESOLVE queries: the header's client pod (added when the vector lists none). */
  client?: string;
  notes: string[];
}

export function convert(v: Vector): Converted {
  const notes: string[] = [];
  const objs = v.objects as unknown as Obj[];
  const pods = objs.filter((o) => o.kind === 'Pod');
  const services = objs.filter((o) => o.kind === 'Service');
  // Selector Services whose pods the vector lists: their slices are the EndpointSlice
  // controller's output, so the controller writes them and the given copies are left out.
  const selects = (svc: Obj, pod: Obj): boolean => {
    const sel = svc.spec?.selector as Record<string, string> | undefined;
    if (!sel || Object.keys(sel).length === 0 || (svc.metadata.namespace ?? 'default') !== (pod.metadata.namespace ?? 'default')) return false;
    return Object.entries(sel).every(([k, val]) => pod.metadata.labels?.[k] === val);
  };
  const controllerOwned = new Set(services.filter((s) => pods.some((p) => selects(s, p))).map((s) => `${s.metadata.namespace ?? 'default'}/${s.metadata.name}`));
  const kept: Obj[] = [];
  const late: Obj[] = [];
  const takenIPs = new Set<string>();
  for (const o of objs) {
    if (o.kind === 'EndpointSlice') {
      const svc = o.metadata.labels?.['kubernetes.io/service-name'];
      if (svc && controllerOwned.has(`${o.metadata.namespace ?? 'default'}/${svc}`)) {
        notes.push(`EndpointSlice ${o.metadata.namespace}/${o.metadata.name}: written by the EndpointSlice controller from the vector's pods`);
        continue;
      }
    }
    if (o.kind === 'Service') {
      const ips = ((o.spec?.clusterIPs as string[] | undefined) ?? [o.spec?.clusterIP as string]).filter((ip) => ip && ip !== 'None');
      if (ips.some((ip) => takenIPs.has(canonicalIP(ip)!))) {
        notes.push(`Service ${o.metadata.namespace}/${o.metadata.name}: ClusterIP ${ips.join(',')} is already taken; written to the store directly`);
        late.push(o);
        continue;
      }
      for (const ip of ips) takenIPs.add(canonicalIP(ip)!);
    }
    kept.push(o);
  }

  // Nodes: one per /24 (or /64) of the pod IPs, named after the pods' nodeName where given;
  // hostNetwork pods sit on a node whose IP is theirs.
  const nodes = new Map<string, { name: string; ip: string; podCIDR?: string }>();
  const cidrOf = (ip: string): string => (isV6(ip) ? covering([ip], 6, 64) : covering([ip], 4, 24));
  let n = 0;
  const nodeForCIDR = (cidr: string, wanted?: string): string => {
    for (const node of nodes.values()) if (node.podCIDR === cidr) return node.name;
    let name = wanted ?? `node-${String.fromCharCode(97 + n)}`;
    if (wanted && nodes.get(wanted)?.podCIDR) name = `node-${String.fromCharCode(97 + n)}`;
    const existing = nodes.get(name);
    if (existing) existing.podCIDR = cidr;
    else nodes.set(name, { name, ip: `192.0.2.${++n}`, podCIDR: cidr });
    return name;
  };
  for (const p of pods) {
    const ip = p.status?.podIP as string | undefined;
    const spec = p.spec as { nodeName?: string; hostNetwork?: boolean };
    if (!ip) continue;
    if (spec.hostNetwork) {
      let node = [...nodes.values()].find((x) => x.ip === ip);
      if (!node) {
        node = { name: spec.nodeName ?? `host-${ip.replace(/[.:]/g, '-')}`, ip };
        nodes.set(node.name, node);
      }
      spec.nodeName = node.name;
      continue;
    }
    spec.nodeName = nodeForCIDR(cidrOf(ip), spec.nodeName);
  }
  if (nodes.size === 0) nodes.set('node-a', { name: 'node-a', ip: '192.0.2.1' });

  const podIPs = pods.filter((p) => !(p.spec as { hostNetwork?: boolean }).hostNetwork).map((p) => p.status?.podIP as string).filter(Boolean);
  const v4pods = podIPs.filter((ip) => !isV6(ip));
  const v6pods = podIPs.filter(isV6);
  const podSubnet = [v4pods.length ? covering(v4pods, 4, 16) : '10.244.0.0/16', ...(v6pods.length ? [covering(v6pods, 6, 56)] : [])].join(',');
  const clusterIPs = [...kept, ...late].filter((o) => o.kind === 'Service').flatMap((o) => ((o.spec?.clusterIPs as string[] | undefined) ?? [o.spec?.clusterIP as string]).filter((ip) => ip && ip !== 'None'));
  const v4 = clusterIPs.filter((ip) => !isV6(ip));
  const v6 = clusterIPs.filter(isV6);
  const svcSubnets = [v4.length ? covering(v4, 4, 16) : '10.96.0.0/12', ...(v6.length ? [covering(v6, 6, 112)] : [])];

  const kubelet = v.header.kubelet;
  const header = {
    apiVersion: 'knet.dev/v1alpha1',
    kind: 'Cluster',
    metadata: { name: v.name },
    spec: {
      nodes: [...nodes.values()].map((x) => ({
        name: x.name,
        ip: x.ip,
        ...(x.podCIDR ? { podCIDR: x.podCIDR } : {}),
        ...(kubelet?.resolvConfContent !== undefined ? { resolvConf: kubelet.resolvConfContent } : {}),
      })),
    },
  };
  const clusterConfig = {
    apiVersion: 'kubeadm.k8s.io/v1beta4',
    kind: 'ClusterConfiguration',
    networking: { dnsDomain: v.header.zone, podSubnet, serviceSubnet: svcSubnets.join(',') },
  };
  const docs: unknown[] = [header, clusterConfig];
  if (kubelet) {
    docs.push({
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      ...(kubelet.clusterDNS ? { clusterDNS: kubelet.clusterDNS } : {}),
      ...(kubelet.clusterDomain ? { clusterDomain: kubelet.clusterDomain } : {}),
      ...(kubelet.resolvConf !== undefined ? { resolvConf: kubelet.resolvConf } : {}),
    });
  }
  if (v.header.coredns) {
    docs.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'kube-system' }, data: { Corefile: corefileFor(v.header) } });
  }
  const client = clientPod(v, kept, kubelet?.clusterDNS);
  if (client?.pod) kept.push(client.pod);
  docs.push(...kept);
  const topology = docs.map((d) => YAML.stringify(d, { lineWidth: 0 })).join('---\n');
  const instanceArgs = (v.header.coredns?.localIPs ?? []).flatMap((ip) => ['--local-ip', ip]);
  return { topology, late: late as unknown as Record<string, unknown>[], instanceArgs, notes, ...(client ? { client: client.ref } : {}) };
}

/**
 * The resolver client of RESOLVE queries: a pod the vector lists (`ns/name`, or an object with
 * `pod`/`name` and `namespace`), else a pod made for it in the client's namespace. A client that
 * spells out its own search list, nameservers or ndots gets them through dnsPolicy None.
 */
function clientPod(v: Vector, objs: Obj[], clusterDNS: string[] | undefined): { ref: string; pod?: Obj } | undefined {
  const c = v.header.client;
  if (c === undefined || c === null) return undefined;
  if (typeof c === 'string') return { ref: c.includes('/') ? c : `default/${c}` };
  const o = c as Record<string, unknown>;
  const ns = typeof o.namespace === 'string' ? o.namespace : 'default';
  const name = typeof o.pod === 'string' ? o.pod : typeof o.name === 'string' ? o.name : undefined;
  if (name && objs.some((x) => x.kind === 'Pod' && x.metadata.name === name && (x.metadata.namespace ?? 'default') === ns)) return { ref: `${ns}/${name}` };
  const list = (k: string): string[] | undefined => {
    const x = o[k];
    return Array.isArray(x) ? x.map(String) : typeof x === 'string' ? x.split(/\s+/).filter(Boolean) : undefined;
  };
  const searches = list('searches') ?? list('search');
  const nameservers = list('nameservers') ?? list('nameserver');
  const ndots = o.ndots;
  const own = searches || nameservers || ndots !== undefined;
  const podName = name ?? 'client';
  const pod: Obj = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: podName, namespace: ns },
    spec: {
      containers: [{ name: 'c', image: 'busybox' }],
      ...(own
        ? {
            dnsPolicy: 'None',
            dnsConfig: {
              nameservers: nameservers ?? clusterDNS ?? ['10.96.0.10'],
              ...(searches ? { searches } : {}),
              options: [{ name: 'ndots', value: String(ndots ?? 5) }],
            },
          }
        : {}),
    },
  };
  return { ref: `${ns}/${podName}`, pod };
}
