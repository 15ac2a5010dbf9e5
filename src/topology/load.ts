// Reads topology files into checked configuration and objects (nothing is running yet).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../api/errors.js';
import { KINDS, isKind, type AnyObject, type Node as KNode, type Service, type UnmodelledObject } from '../api/types.js';
import { canonicalIP, cidrContains, cidrsOverlap, nthAddress, parseCIDR, type CIDR } from '../net/ip.js';
import {
  DEFAULT_NODE_PORT_RANGE,
  DEFAULT_POD_SUBNET,
  DEFAULT_SERVICE_SUBNET,
  defaultFlannelConfig,
  defaultKernel,
  defaultKubeProxyConfig,
  type ClusterHeader,
  type FlannelConfig,
  type KubeletDNS,
  type KubeProxyConfig,
  type Networking,
} from './config.js';
import { readClusterConfiguration, readClusterHeader, readFlannelNetConf, readKubeletConfiguration, readKubeProxyConfiguration } from './configs.js';
import { Fields } from './fields.js';
import { checkObject } from './objects.js';
import { Problems, pathText } from './problems.js';
import { SourceRef, expandPaths, parseFile, type SourceDoc } from './source.js';
import { UNMODELLED_KINDS, customKindOf, unmodelledNote, type CustomKind } from './unmodelled.js';
import YAML from 'yaml';

export interface SourcedObject {
  object: AnyObject;
  ref: SourceRef;
}

export interface Topology {
  name: string;
  files: string[];
  header: ClusterHeader;
  networking: Networking;
  kubeProxy: KubeProxyConfig;
  flannel: FlannelConfig;
  kubelet: KubeletDNS;
  /** Kubernetes objects in file order, each with where it was written. */
  objects: SourcedObject[];
  /** Objects of kinds knet does not model, kept for `knet get` (each has had its warning). */
  unmodelled: { object: UnmodelledObject; ref: SourceRef; namespaced: boolean }[];
  /** Kinds the topology's CustomResourceDefinitions define. */
  customKinds: Map<string, CustomKind>;
  problems: Problems;
}

const here = dirname(fileURLToPath(import.meta.url));
/** topologies/ beside src/ (or beside dist/ once compiled). */
export const TOPOLOGIES_DIR = join(here, '..', '..', 'topologies');
export const DEFAULT_TOPOLOGY = join(TOPOLOGIES_DIR, 'kubeadm-3node.yaml');

/** Known configuration kinds that knet reads nothing from: reported, never silently dropped. */
const UNMODELLED = new Set(['InitConfiguration', 'JoinConfiguration', 'ResetConfiguration', 'UpgradeConfiguration']);

export function objectName(kind: string, o: Record<string, unknown>, custom?: Map<string, CustomKind>): string {
  const meta = (o.metadata ?? {}) as { name?: unknown; namespace?: unknown };
  const name = typeof meta.name === 'string' ? meta.name : '<unnamed>';
  const namespaced = isKind(kind) ? KINDS[kind].namespaced : (custom?.get(kind) ?? UNMODELLED_KINDS[kind])?.namespaced === true;
  const ns = typeof meta.namespace === 'string' ? meta.namespace : namespaced ? 'default' : undefined;
  return ns ? `${kind} ${ns}/${name}` : `${kind} ${name}`;
}

/** Loads files (or the default topology) from disk. */
export function readTopology(paths: string[] = []): Topology {
  const files = expandPaths(paths.length ? paths : [DEFAULT_TOPOLOGY]);
  return readDocs(files, files.flatMap((f) => parseFile(f)));
}

/** Loads from in-memory YAML text (tests, generated clusters). */
export function readTopologyText(text: string, name = '<input>'): Topology {
  return readDocs([name], parseFile(name, text));
}

/** Loads already-parsed documents (generated clusters skip YAML entirely). */
export function readTopologyValues(values: Record<string, unknown>[], name = '<generated>'): Topology {
  return readDocs([name], values.map((value) => ({ value, ref: SourceRef.synthetic(name) })));
}

function readDocs(files: string[], docs: SourceDoc[]): Topology {
  const problems = new Problems();
  let header: ClusterHeader | undefined;
  let headerRef: SourceRef | undefined;
  const networking: Networking = {
    podSubnets: [],
    serviceSubnets: [DEFAULT_SERVICE_SUBNET],
    dnsDomain: 'cluster.local',
    nodePortRange: { ...DEFAULT_NODE_PORT_RANGE },
  };
  let sawClusterConfig = false;
  let proxyDoc: { f: Fields; o: Record<string, unknown>; ref: SourceRef } | undefined;
  let flannelDoc: { f: Fields; o: Record<string, unknown> } | undefined;
  let kubeletDoc: { f: Fields; o: Record<string, unknown>; ref: SourceRef } | undefined;
  const objects: SourcedObject[] = [];
  const unmodelled: Topology['unmodelled'] = [];
  // CustomResourceDefinitions first: they say whether their objects live in a namespace.
  const customKinds = new Map<string, CustomKind>();
  for (const { value: o, ref } of docs) {
    if (o.kind !== 'CustomResourceDefinition') continue;
    const ck = customKindOf(new Fields(problems, ref, objectName('CustomResourceDefinition', o)), o);
    if (ck) customKinds.set(ck[0], ck[1]);
  }

  for (const { value: o, ref, duplicates } of docs) {
    const desc = objectName(typeof o.kind === 'string' ? o.kind : 'object', o, customKinds);
    for (const d of duplicates ?? []) {
      problems.warnLine(`${ref.file}:${d.line}: ${desc}: ${pathText(d.path)}: duplicate key (first at line ${d.firstLine}); the last value wins, as kubectl does`);
    }
    const f = new Fields(problems, ref, desc);
    const apiVersion = typeof o.apiVersion === 'string' && o.apiVersion ? o.apiVersion : f.fail(['apiVersion'], 'Required value');
    const kind = typeof o.kind === 'string' && o.kind ? o.kind : f.fail(['kind'], 'Required value');
    if (kind === 'Cluster' && apiVersion.startsWith('knet.dev/')) {
      if (header) f.fail([], `a second Cluster header (the first is at ${headerRef!.where()})`);
      header = readClusterHeader(f, o);
      headerRef = ref;
    } else if (kind === 'ClusterConfiguration' && apiVersion.startsWith('kubeadm.k8s.io/')) {
      readClusterConfiguration(f, o, networking);
      sawClusterConfig = true;
    } else if (kind === 'KubeProxyConfiguration' && apiVersion.startsWith('kubeproxy.config.k8s.io/')) {
      // One kube-proxy reads one configuration: with layered files the later one is the one used.
      if (proxyDoc) f.warn([], `a second kube-proxy configuration (the first is at ${proxyDoc.ref.where()}); this one is used`);
      proxyDoc = { f, o, ref };
    } else if (kind === 'KubeletConfiguration' && apiVersion.startsWith('kubelet.config.k8s.io/')) {
      if (kubeletDoc) f.warn([], `a second KubeletConfiguration (the first is at ${kubeletDoc.ref.where()}); this one is used`);
      kubeletDoc = { f, o, ref };
    } else if (UNMODELLED.has(kind)) {
      f.warn([], 'not modelled by knet; ignored');
    } else if (isKind(kind)) {
      const obj = checkObject(f, o, kind);
      objects.push({ object: obj, ref });
      if (kind === 'ConfigMap') {
        const name = obj.metadata.name;
        const data = (obj as { data?: Record<string, string> }).data ?? {};
        if (name === 'kube-flannel-cfg') flannelDoc = { f, o };
        // kubeadm keeps kube-proxy's configuration in this ConfigMap; read it as the real daemon does.
        if (name === 'kube-proxy' && obj.metadata.namespace === 'kube-system' && data['config.conf']) {
          if (proxyDoc) f.warn(['data', 'config.conf'], `a second kube-proxy configuration (the first is at ${proxyDoc.ref.where()}); this one is used`);
          proxyDoc = { f: new Fields(problems, ref, `${desc} config.conf`), o: parseEmbedded(f, data['config.conf']), ref };
        }
      }
    } else {
      f.string(o, ['metadata', 'name'], true);
      const custom = customKinds.get(kind);
      f.warn([], unmodelledNote(kind, custom, apiVersion));
      const known = custom ?? UNMODELLED_KINDS[kind];
      // A kind nobody describes lives in a namespace when the object names one.
      const namespaced = known ? known.namespaced : typeof (o.metadata as { namespace?: unknown }).namespace === 'string';
      unmodelled.push({ object: o as unknown as UnmodelledObject, ref, namespaced });
    }
  }

  // Nodes may come from a `kubectl get nodes -o yaml` dump instead of the header.
  const fromDump = !header;
  if (!header) header = headerFromNodeObjects(objects, problems);
  if (!header || header.nodes.length === 0) {
    throw new InputError(`${files.join(', ')}: no nodes: add a "kind: Cluster" header (knet.dev/v1alpha1) listing spec.nodes, or Node objects`);
  }
  const flannelRaw = flannelDoc ? readFlannelNetConf(flannelDoc.f, flannelDoc.o, networking.podSubnets[0] ?? DEFAULT_POD_SUBNET) : undefined;
  if (networking.podSubnets.length === 0 && fromDump && !flannelRaw) {
    const inferred = podSubnetOfDump(header);
    if (inferred) {
      networking.podSubnets = [inferred];
      problems.warnLine(`${files.join(', ')}: no ClusterConfiguration or flannel ConfigMap: the cluster pod subnet is taken as ${inferred}, the smallest prefix (at most a /16) holding every Node's podCIDR`);
    }
  }
  if (networking.podSubnets.length === 0) networking.podSubnets = [flannelRaw?.network ?? DEFAULT_POD_SUBNET];
  if (!sawClusterConfig && flannelRaw) networking.podSubnets = [flannelRaw.network];
  const flannel = flannelRaw ?? defaultFlannelConfig(networking.podSubnets[0]!);
  const kubeProxy = proxyDoc
    ? readKubeProxyConfiguration(proxyDoc.f, proxyDoc.o, networking.podSubnets.join(','))
    : defaultKubeProxyConfig(networking.podSubnets.join(','));
  if (!header.underlay.cidr) header.underlay.cidr = commonPrefix(header.nodes.map((n) => n.ip));
  const kubeletDefaults: KubeletDNS = {
    clusterDNS: [nthAddress(parseCIDR(networking.serviceSubnets[0]!)!, 10)],
    clusterDomain: networking.dnsDomain,
    resolvConf: '/etc/resolv.conf',
  };
  const kubelet = kubeletDoc ? readKubeletConfiguration(kubeletDoc.f, kubeletDoc.o, kubeletDefaults) : kubeletDefaults;

  const topo: Topology = { name: header.name, files, header, networking, kubeProxy, flannel, kubelet, objects, unmodelled, customKinds, problems };
  crossCheck(topo, headerRef ?? SourceRef.synthetic(files[0]!));
  return topo;
}

function parseEmbedded(f: Fields, text: string): Record<string, unknown> {
  try {
    const v = YAML.parse(text) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch (e) {
    f.fail(['data', 'config.conf'], `invalid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  return f.fail(['data', 'config.conf'], 'must hold a KubeProxyConfiguration mapping');
}

/** The pod subnet a dump of Nodes implies: what holds their podCIDRs, as kube-controller-manager's --cluster-cidr must. */
function podSubnetOfDump(header: ClusterHeader): string | undefined {
  const cidrs = header.nodes.map((n) => n.podCIDR).filter((c): c is string => !!c).map((c) => parseCIDR(c, true)!);
  if (cidrs.length === 0 || cidrs.some((c) => c.family !== 4)) return undefined;
  const prefix = commonPrefix(cidrs.map((c) => c.network), 16);
  return prefix || undefined;
}

function headerFromNodeObjects(objects: SourcedObject[], problems: Problems): ClusterHeader | undefined {
  const nodes = objects.filter((s) => s.object.kind === 'Node');
  if (nodes.length === 0) return undefined;
  // Calico (its annotations name it) hands out pod addresses from its own IP pools, not podCIDR.
  const calico = nodes.find((s) => Object.keys(s.object.metadata.annotations ?? {}).some((a) => a.startsWith('projectcalico.org/')));
  if (calico) {
    problems.warn(calico.ref, `Node ${calico.object.metadata.name}`, ['metadata', 'annotations'], 'the cluster runs Calico (projectcalico.org/ annotations); knet models flannel VXLAN and host-local IPAM (pods take addresses from their node\'s podCIDR) in its place');
  }
  return {
    name: 'cluster',
    nodes: nodes.map(({ object, ref }) => {
      const n = object as KNode;
      const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
      if (!ip) problems.fail(ref, `Node ${n.metadata.name}`, ['status', 'addresses'], 'no InternalIP address');
      const labels = n.metadata.labels ?? {};
      const roles = Object.keys(labels)
        .filter((l) => l.startsWith('node-role.kubernetes.io/'))
        .map((l) => l.slice('node-role.kubernetes.io/'.length));
      return {
        name: n.metadata.name,
        ip,
        roles,
        ...(n.spec?.podCIDR ? { podCIDR: n.spec.podCIDR } : {}),
        interfaces: { lo: ['127.0.0.1/8'], eth0: [`${ip}/24`] },
        kernel: defaultKernel(),
        labels,
      };
    }),
    underlay: { cidr: '', mtu: 1500 },
    external: [],
  };
}

/** The smallest CIDR holding every address, and at least a /`longest` (the underlay's default: /24). */
function commonPrefix(ips: string[], longest = 24): string {
  const cs = ips.map((ip) => parseCIDR(`${canonicalIP(ip) ?? ip}/32`)).filter((c): c is CIDR => !!c && c.family === 4);
  if (cs.length === 0) return '';
  for (let p = longest; p >= 0; p--) {
    const first = parseCIDR(`${cs[0]!.network}/${p}`)!;
    if (cs.every((c) => cidrContains(first, c.network))) return `${first.network}/${p}`;
  }
  return '0.0.0.0/0';
}

/** Checks that need more than one object: address ranges, duplicates, references. */
function crossCheck(t: Topology, headerRef: SourceRef): void {
  const p = t.problems;
  const podNets = t.networking.podSubnets.map((c) => parseCIDR(c)!);
  const svcNets = t.networking.serviceSubnets.map((c) => parseCIDR(c)!);
  const nodeIPs = new Map<string, string>();
  const nodeNames = new Set<string>();
  const cidrs: { cidr: CIDR; node: string }[] = [];
  t.header.nodes.forEach((n, i) => {
    const path = ['spec', 'nodes', i];
    if (nodeNames.has(n.name)) p.fail(headerRef, `Cluster ${t.header.name}`, [...path, 'name'], `duplicate node name "${n.name}"`);
    nodeNames.add(n.name);
    const ip = canonicalIP(n.ip)!;
    const other = nodeIPs.get(ip);
    if (other) p.fail(headerRef, `Cluster ${t.header.name}`, [...path, 'ip'], `${n.ip} is already the IP of node ${other}`);
    nodeIPs.set(ip, n.name);
    if (n.podCIDR) {
      const c = parseCIDR(n.podCIDR, true)!;
      if (!podNets.some((net) => net.family === c.family && net.prefix <= c.prefix && cidrContains(net, c.network))) {
        p.fail(headerRef, `Cluster ${t.header.name}`, [...path, 'podCIDR'], `${n.podCIDR} is outside the cluster pod subnet ${t.networking.podSubnets.join(',')}`);
      }
      const clash = cidrs.find((x) => cidrsOverlap(x.cidr, c));
      if (clash) p.fail(headerRef, `Cluster ${t.header.name}`, [...path, 'podCIDR'], `${n.podCIDR} overlaps the podCIDR of node ${clash.node}`);
      cidrs.push({ cidr: c, node: n.name });
    }
  });
  t.header.external.forEach((e, i) => {
    const owner = nodeIPs.get(canonicalIP(e.ip)!);
    if (owner) p.fail(headerRef, `Cluster ${t.header.name}`, ['spec', 'external', i, 'ip'], `${e.ip} is already the IP of node ${owner}`);
  });

  const clusterIPs = new Map<string, string>();
  const nodePorts = new Map<number, string>();
  const podIPs = new Map<string, string>();
  const { min, max } = t.networking.nodePortRange;
  for (const { object, ref } of t.objects) {
    const desc = objectName(object.kind, object as unknown as Record<string, unknown>);
    if (object.kind === 'Service') {
      const s = object as Service;
      const ips = s.spec.clusterIPs?.length ? s.spec.clusterIPs : s.spec.clusterIP ? [s.spec.clusterIP] : [];
      ips.forEach((raw, i) => {
        if (raw === 'None' || raw === '') return;
        const path = s.spec.clusterIPs?.length ? ['spec', 'clusterIPs', i] : ['spec', 'clusterIP'];
        const ip = canonicalIP(raw)!;
        if (!svcNets.some((n) => cidrContains(n, ip))) {
          p.fail(ref, desc, path, `${raw} is outside the service subnet ${t.networking.serviceSubnets.join(',')}`);
        }
        const other = clusterIPs.get(ip);
        if (other && other !== desc) p.fail(ref, desc, path, `${raw} is already allocated to ${other}`);
        clusterIPs.set(ip, desc);
      });
      const own = new Set<number>();
      (s.spec.ports ?? []).forEach((port, i) => {
        if (!port.nodePort) return;
        const path = ['spec', 'ports', i, 'nodePort'];
        if (port.nodePort < min || port.nodePort > max) {
          p.fail(ref, desc, path, `${port.nodePort} is outside the node port range ${min}-${max}`);
        }
        const other = nodePorts.get(port.nodePort);
        if (other && !own.has(port.nodePort)) p.fail(ref, desc, path, `${port.nodePort} is already allocated to ${other}`);
        nodePorts.set(port.nodePort, desc);
        own.add(port.nodePort);
      });
    } else if (object.kind === 'Pod') {
      const ip = object.status?.podIP;
      if (object.spec.nodeName && !nodeNames.has(object.spec.nodeName)) {
        p.fail(ref, desc, ['spec', 'nodeName'], `node "${object.spec.nodeName}" is not in the cluster`);
      }
      if (!ip || object.spec.hostNetwork) continue;
      const c = canonicalIP(ip)!;
      if (!podNets.some((n) => cidrContains(n, c))) p.fail(ref, desc, ['status', 'podIP'], `${ip} is outside the cluster pod subnet ${t.networking.podSubnets.join(',')}`);
      const other = podIPs.get(c);
      if (other) p.fail(ref, desc, ['status', 'podIP'], `${ip} is already the IP of ${other}`);
      podIPs.set(c, desc);
    }
  }
}

