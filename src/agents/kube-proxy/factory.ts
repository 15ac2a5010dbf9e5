// One factory picks kube-proxy's mode for a node and hands back what the node agents need: a
// catch-up that runs kube-proxy's pending sync into the node kernel before anything reads it.
// For IPVS mode the node's kernel and kube-proxy's version decide too: without ip_vs
// (`spec.nodes[].kernel.ipvs: false`) kube-proxy before v1.26 logged it and ran iptables mode on
// that node; from v1.26 (kubernetes#111806) it exits, leaving the node with no Service rules;
// from v1.35 IPVS mode also logs its deprecation. The version is the kube-proxy DaemonSet's image tag.
import { InputError } from '../../api/errors.js';
import type { Store } from '../../api/store.js';
import { ipvsPrograms } from '../../kernel/ipvs/hook.js';
import type { NodeKernel } from '../../kernel/node.js';
import type { Family } from '../../net/ip.js';
import type { ClusterNode } from '../../topology/config.js';
import type { KubeProxyIptables } from './iptables/agent.js';
import { kubeProxyIptables, kubeProxyIptablesAgent, type ClusterView } from './iptables/node.js';
import { applyConntrackSettings } from './conntrack.js';
import { KubeProxyIpvs } from './ipvs/agent.js';
import { kubeProxyNftables, nodeNftables, proxiedFamilies, type NftClusterView } from './nftables/node.js';

export interface KubeProxyOnNode {
  /** The mode kube-proxy really runs in on this node (`none`: it exited). */
  mode: string;
  /** Runs a sync if the store changed since the last one. */
  sync(): void;
  /** What kube-proxy logged at start-up (a fallback, an exit, a deprecation). */
  logs: string[];
}

/** kube-proxy in IPVS mode as configured, after the start-up checks: IPVS, the iptables fallback, or no kube-proxy. */
export type IpvsNodeProxy =
  | { mode: 'ipvs'; agent: KubeProxyIpvs; logs: string[] }
  | { mode: 'iptables'; agent: KubeProxyIptables; logs: string[] }
  | { mode: 'none'; reason: string; logs: string[] };

export interface Version {
  major: number;
  minor: number;
}

/** kube-proxy's version from its DaemonSet's image tag (`registry.k8s.io/kube-proxy:v1.35.0`); undefined without one. */
export function kubeProxyVersion(store: Store): Version | undefined {
  const ds = store.get('DaemonSet', 'kube-system', 'kube-proxy');
  const containers = ds?.spec.template.spec.containers ?? [];
  const image = (containers.find((c) => c.name === 'kube-proxy') ?? containers[0])?.image;
  const m = image?.match(/:v(\d+)\.(\d+)/);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/** Without a version knet assumes a current kube-proxy. */
const atLeast = (v: Version | undefined, minor: number): boolean => !v || v.major > 1 || (v.major === 1 && v.minor >= minor);

const MISSING_MODULES = "Can't use the IPVS proxier: IPVS proxier will not be used because the following required kernel modules are not loaded: [ip_vs ip_vs_rr ip_vs_wrr ip_vs_sh]";
const DEPRECATED = "The ipvs proxier is now deprecated and may be removed in a future release. Please use 'nftables' instead.";

const proxies = new WeakMap<ClusterView, Map<string, IpvsNodeProxy>>();

function nodeOf(cluster: ClusterView, nodeName: string): ClusterNode {
  const node = cluster.topology.header.nodes.find((n) => n.name === nodeName);
  if (!node) {
    const known = cluster.topology.header.nodes.map((n) => n.name).join(', ');
    throw new InputError(`node "${nodeName}" is not in the cluster (nodes: ${known})`);
  }
  return node;
}

/** The node's kube-proxy (configured for IPVS) for the family, created on first use and synced whenever the store changed since. */
export function kubeProxyIpvsFor(cluster: ClusterView, nodeName: string, kernel: NodeKernel, family: Family = 4): IpvsNodeProxy {
  const node = nodeOf(cluster, nodeName);
  let perCluster = proxies.get(cluster);
  if (!perCluster) proxies.set(cluster, (perCluster = new Map()));
  const key = `${nodeName}/${family}`;
  let p = perCluster.get(key);
  if (!p || (p.mode === 'ipvs' && p.agent.node !== kernel)) {
    p = createIpvs(cluster, node, kernel, family);
    perCluster.set(key, p);
  }
  if (p.mode === 'ipvs' && p.agent.pending) p.agent.sync();
  if (p.mode === 'iptables') kubeProxyIptables(cluster, nodeName, family);
  return p;
}

function createIpvs(cluster: ClusterView, node: ClusterNode, kernel: NodeKernel, family: Family): IpvsNodeProxy {
  const version = kubeProxyVersion(cluster.store);
  if (!node.kernel.ipvs) {
    if (!atLeast(version, 26)) return { mode: 'iptables', agent: kubeProxyIptables(cluster, node.name, family), logs: [MISSING_MODULES, 'Using iptables Proxier'] };
    const why = "can't use the IPVS proxier: the kernel has no ip_vs module (spec.nodes[].kernel.ipvs: false)";
    return { mode: 'none', reason: `kube-proxy exited: ${why}`, logs: [`"Error running ProxyServer" err="${why}"`] };
  }
  return { mode: 'ipvs', agent: new KubeProxyIpvs(cluster.store, node, cluster.topology.kubeProxy, family, kernel), logs: atLeast(version, 35) ? [DEPRECATED] : [] };
}

export function startKubeProxy(cluster: NftClusterView, node: string, kernel: NodeKernel): KubeProxyOnNode {
  const proxy = startProxier(cluster, node, kernel);
  // a kube-proxy that exited at start-up (IPVS without ip_vs) never got to its conntrack settings
  if (proxy.mode !== 'none') applyConntrackSettings(kernel.root.sysctl, cluster.topology.kubeProxy);
  return proxy;
}

function startProxier(cluster: NftClusterView, node: string, kernel: NodeKernel): KubeProxyOnNode {
  const mode = cluster.topology.kubeProxy.mode;
  if (mode === 'iptables') {
    // One proxier per family the cluster's Services have (dual-stack: iptables and ip6tables).
    const families = proxiedFamilies(cluster);
    // attached before its first sync, which then programs the node's kernel too (one full sync, not two)
    for (const f of families) kubeProxyIptablesAgent(cluster, node, f).attach(kernel.xtables(f));
    return { mode, logs: [], sync: () => families.forEach((f) => void kubeProxyIptables(cluster, node, f)) };
  }
  if (mode === 'nftables') {
    // one nftables state per node: both families' proxiers program the kernel's
    nodeNftables(cluster, node, kernel.nft);
    const sync = (): void => proxiedFamilies(cluster).forEach((f) => void kubeProxyNftables(cluster, node, f));
    return { mode, logs: [], sync };
  }
  // IPVS: its rules go into the kernel's xtables, the IPVS table registers at the hooks
  const p = kubeProxyIpvsFor(cluster, node, kernel, 4);
  if (p.mode !== 'none') p.agent.attach(kernel.xtables(4));
  if (p.mode === 'ipvs') kernel.registerPrograms(() => ipvsPrograms(kernel.ipvs, 4));
  return { mode: p.mode, logs: p.logs, sync: () => void kubeProxyIpvsFor(cluster, node, kernel, 4) };
}
