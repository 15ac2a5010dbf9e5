// What the cluster's configuration documents say, after defaults: the knet Cluster header,
// kubeadm's ClusterConfiguration, kube-proxy's KubeProxyConfiguration and flannel's net-conf.json.

export interface NodeKernel {
  ipvs: boolean;
  bridgeNfCallIptables: 0 | 1;
  iptablesRandomFully: boolean;
  nfacct: string[];
}

export interface ClusterNode {
  name: string;
  ip: string;
  roles: string[];
  podCIDR?: string;
  /** Interface name → addresses in CIDR form, as `ip addr` would list them. */
  interfaces: Record<string, string[]>;
  kernel: NodeKernel;
  labels: Record<string, string>;
  /** Text of the file the kubelet's resolvConf names on this node (absent: no such file). */
  resolvConf?: string;
}

const byName = new WeakMap<readonly ClusterNode[], Map<string, ClusterNode>>();

/**
 * The header's node of that name: each node's agents ask for their own, so a list scan per
 * question would cost 1,000 nodes a million comparisons. The header is read once and never changed.
 */
export function headerNode(header: ClusterHeader, name: string): ClusterNode | undefined {
  let m = byName.get(header.nodes);
  if (!m) {
    m = new Map();
    // the first of a name, as find() would answer
    for (const n of header.nodes) if (!m.has(n.name)) m.set(n.name, n);
    byName.set(header.nodes, m);
  }
  return m.get(name);
}

export interface ExternalClient {
  name: string;
  ip: string;
}

export interface ClusterHeader {
  name: string;
  nodes: ClusterNode[];
  underlay: { cidr: string; mtu: number };
  external: ExternalClient[];
}

export interface Networking {
  podSubnets: string[];
  serviceSubnets: string[];
  dnsDomain: string;
  nodePortRange: { min: number; max: number };
}

/** The kubelet settings that shape a pod's /etc/resolv.conf (KubeletConfiguration). */
export interface KubeletDNS {
  clusterDNS: string[];
  clusterDomain: string;
  /** Path of the host resolver file; '' means none (the kubelet then uses 127.0.0.1). */
  resolvConf: string;
}

export type ProxyMode = 'iptables' | 'ipvs' | 'nftables';

export interface KubeProxyConfig {
  mode: ProxyMode;
  clusterCIDR: string;
  detectLocalMode: 'ClusterCIDR' | 'NodeCIDR' | 'BridgeInterface' | 'InterfaceNamePrefix' | '';
  detectLocal: { bridgeInterface: string; interfaceNamePrefix: string };
  nodePortAddresses: string[];
  masqueradeAll: boolean;
  iptables: { masqueradeBit: number; localhostNodePorts: boolean; syncPeriod: string; minSyncPeriod: string };
  ipvs: { scheduler: string; strictARP: boolean; excludeCIDRs: string[]; tcpTimeout: string; tcpFinTimeout: string; udpTimeout: string };
  conntrack: { tcpBeLiberal: boolean; maxPerCore: number; min: number; tcpEstablishedTimeout: string; tcpCloseWaitTimeout: string; udpTimeout: string; udpStreamTimeout: string };
}

export interface FlannelConfig {
  network: string;
  subnetLen: number;
  /** EnableIPv4 (default true) and EnableIPv6 with its IPv6Network (dual-stack pods). */
  enableIPv4: boolean;
  enableIPv6: boolean;
  ipv6Network?: string;
  backend: { type: 'vxlan' | 'host-gw'; vni: number; port: number; directRouting: boolean; mtu?: number };
  /** The net-conf.json text as given (absent = flannel's defaults rendered). */
  raw?: string;
}

export const DEFAULT_POD_SUBNET = '10.244.0.0/16';
export const DEFAULT_SERVICE_SUBNET = '10.96.0.0/12';
export const DEFAULT_NODE_PORT_RANGE = { min: 30000, max: 32767 };

export function defaultKubeProxyConfig(clusterCIDR: string): KubeProxyConfig {
  return {
    mode: 'iptables',
    clusterCIDR,
    detectLocalMode: 'ClusterCIDR',
    detectLocal: { bridgeInterface: '', interfaceNamePrefix: '' },
    nodePortAddresses: [],
    masqueradeAll: false,
    iptables: { masqueradeBit: 14, localhostNodePorts: true, syncPeriod: '30s', minSyncPeriod: '1s' },
    ipvs: { scheduler: '', strictARP: false, excludeCIDRs: [], tcpTimeout: '0s', tcpFinTimeout: '0s', udpTimeout: '0s' },
    conntrack: {
      tcpBeLiberal: false,
      maxPerCore: 32768,
      min: 131072,
      tcpEstablishedTimeout: '24h0m0s',
      tcpCloseWaitTimeout: '1h0m0s',
      udpTimeout: '0s',
      udpStreamTimeout: '0s',
    },
  };
}

export function defaultFlannelConfig(network: string): FlannelConfig {
  return { network, subnetLen: 24, enableIPv4: true, enableIPv6: false, backend: { type: 'vxlan', vni: 1, port: 8472, directRouting: false } };
}

export function defaultKernel(): NodeKernel {
  return { ipvs: true, bridgeNfCallIptables: 1, iptablesRandomFully: true, nfacct: [] };
}
