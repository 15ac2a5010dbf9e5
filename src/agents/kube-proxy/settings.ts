// What one kube-proxy instance (one node, one IP family) runs with: its KubeProxyConfiguration
// after kube-proxy's own start-up adjustments, plus the node facts it detects.
import type { Node } from '../../api/types.js';
import { canonicalIP, cidrContains, ipFamily, parseCIDR, type Family } from '../../net/ip.js';
import type { ClusterNode, KubeProxyConfig } from '../../topology/config.js';

/** kube-proxy's "is this packet from a local pod?" test, as the words it adds to rules. */
export interface LocalDetector {
  ifLocal: string;
  ifNotLocal: string;
}

export interface ProxierSettings {
  family: Family;
  nodeName: string;
  /** The node's primary IP of this family (only used for loadBalancerSourceRanges). */
  nodeIP: string;
  /** Undefined when the mode has nothing to work with (kube-proxy's no-op detector). */
  localDetector?: LocalDetector;
  masqueradeAll: boolean;
  /** The mark as written into rules. */
  masqueradeMark: string;
  /** NodePorts on 127.0.0.0/8 (IPv4 only; already forced off where kube-proxy would). */
  localhostNodePorts: boolean;
  /** nodePortAddresses: all local addresses, or these node addresses. */
  nodePortAddresses: { matchAll: boolean; ips: string[] };
  conntrackTCPLiberal: boolean;
  /** nfacct counters that exist on the node. */
  nfacct: ReadonlySet<string>;
  randomFully: boolean;
  syncPeriodMs: number;
}

export const LARGE_CLUSTER_ENDPOINTS_THRESHOLD = 1000;

/** Go duration text (`30s`, `1m30s`, `500ms`) in milliseconds. */
export function durationMs(text: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) total += Number(m[1]) * units[m[2]!]!;
  return total;
}

function addressesOf(node: ClusterNode): string[] {
  return Object.values(node.interfaces).flatMap((list) => list.map((a) => canonicalIP(a.split('/')[0]!) ?? a));
}

function detector(cfg: KubeProxyConfig, family: Family, nodeObject: Node | undefined): LocalDetector | undefined {
  const ofFamily = (cidrs: string[]): string | undefined =>
    cidrs
      .map((c) => parseCIDR(c.trim(), true))
      .filter((c) => c && c.family === family)
      .map((c) => `${c!.network}/${c!.prefix}`)[0];
  switch (cfg.detectLocalMode || 'ClusterCIDR') {
    case 'ClusterCIDR': {
      const cidr = ofFamily(cfg.clusterCIDR.split(',').filter(Boolean));
      return cidr ? { ifLocal: `-s ${cidr}`, ifNotLocal: `! -s ${cidr}` } : undefined;
    }
    case 'NodeCIDR': {
      const spec = nodeObject?.spec;
      const cidr = ofFamily(spec?.podCIDRs ?? (spec?.podCIDR ? [spec.podCIDR] : []));
      return cidr ? { ifLocal: `-s ${cidr}`, ifNotLocal: `! -s ${cidr}` } : undefined;
    }
    case 'BridgeInterface': {
      const br = cfg.detectLocal.bridgeInterface;
      return br ? { ifLocal: `-i ${br}`, ifNotLocal: `! -i ${br}` } : undefined;
    }
    case 'InterfaceNamePrefix': {
      const p = cfg.detectLocal.interfaceNamePrefix;
      return p ? { ifLocal: `-i ${p}+`, ifNotLocal: `! -i ${p}+` } : undefined;
    }
  }
  return undefined;
}

export function proxierSettings(node: ClusterNode, cfg: KubeProxyConfig, family: Family, nodeObject?: Node): ProxierSettings {
  const addrs = addressesOf(node);
  const nodeIP =
    ipFamily(canonicalIP(node.ip) ?? '') === family
      ? canonicalIP(node.ip)!
      : (addrs.find((a) => ipFamily(a) === family && !a.startsWith('127.') && a !== '::1' && !a.startsWith('fe80:')) ?? node.ip);

  // nodePortAddresses: this family's CIDRs ("primary" = the node's IP); none means 0.0.0.0/0 or ::/0.
  const cidrs = cfg.nodePortAddresses
    .map((c) => (c === 'primary' ? `${nodeIP}/${family === 4 ? 32 : 128}` : c))
    .map((c) => parseCIDR(c, true))
    .filter((c) => c !== undefined && c.family === family);
  if (cidrs.length === 0) cidrs.push(parseCIDR(family === 4 ? '0.0.0.0/0' : '::/0')!);
  const matchAll = cidrs.some((c) => c!.prefix === 0);
  const containsIPv4Loopback = cidrs.some((c) => c!.family === 4 && (c!.address.startsWith('127.') || cidrContains(c!, '127.0.0.0')));
  const ips: string[] = [];
  if (!matchAll) for (const a of addrs) if (!ips.includes(a) && cidrs.some((c) => cidrContains(c!, a))) ips.push(a);

  const bit = cfg.iptables.masqueradeBit;
  return {
    family,
    nodeName: node.name,
    nodeIP,
    localDetector: detector(cfg, family, nodeObject),
    masqueradeAll: cfg.masqueradeAll,
    masqueradeMark: `0x${(2 ** bit).toString(16)}`,
    // kube-proxy turns localhost NodePorts off when nodePortAddresses leaves out 127.0.0.1.
    localhostNodePorts: family === 4 && cfg.iptables.localhostNodePorts && containsIPv4Loopback,
    nodePortAddresses: { matchAll, ips },
    conntrackTCPLiberal: cfg.conntrack.tcpBeLiberal,
    nfacct: new Set(node.kernel.nfacct),
    randomFully: node.kernel.iptablesRandomFully,
    syncPeriodMs: durationMs(cfg.iptables.syncPeriod),
  };
}
