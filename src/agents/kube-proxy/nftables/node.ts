// Entry points for other layers: the kube-proxy (nftables mode) of a node of a loaded cluster —
// one per IP family the cluster's Services use, both programming the node's one nftables state.
import { InputError } from '../../../api/errors.js';
import type { Store } from '../../../api/store.js';
import type { Family } from '../../../net/ip.js';
import { NftRuleset } from '../../../kernel/nftables/ruleset.js';
import type { ClusterHeader, KubeProxyConfig, Networking } from '../../../topology/config.js';
import { KubeProxyNftables } from './agent.js';

export interface NftClusterView {
  store: Store;
  topology: { header: ClusterHeader; kubeProxy: KubeProxyConfig; networking: Networking };
  clock: { now(): number };
}

interface PerCluster {
  agents: Map<string, KubeProxyNftables>;
  nft: Map<string, NftRuleset>;
}

const clusters = new WeakMap<NftClusterView, PerCluster>();

function perCluster(cluster: NftClusterView): PerCluster {
  let c = clusters.get(cluster);
  if (!c) clusters.set(cluster, (c = { agents: new Map(), nft: new Map() }));
  return c;
}

/** The node's nftables state (what `nft list ruleset` shows on it); `initial` replaces it before kube-proxy first runs. */
export function nodeNftables(cluster: NftClusterView, nodeName: string, initial?: NftRuleset): NftRuleset {
  const c = perCluster(cluster);
  if (initial) c.nft.set(nodeName, initial);
  let rs = c.nft.get(nodeName);
  if (!rs) c.nft.set(nodeName, (rs = new NftRuleset()));
  return rs;
}

/** The families kube-proxy proxies on this cluster: those of its Service subnets. */
export function proxiedFamilies(cluster: NftClusterView): Family[] {
  const fams = new Set<Family>(cluster.topology.networking.serviceSubnets.map((c) => (c.includes(':') ? 6 : 4)));
  return ([4, 6] as const).filter((f) => fams.has(f));
}

/** The node's kube-proxy for the family, created (and synced) on first use, synced when the store changed since. */
export function kubeProxyNftables(cluster: NftClusterView, nodeName: string, family: Family = 4): KubeProxyNftables {
  const node = cluster.topology.header.nodes.find((n) => n.name === nodeName);
  if (!node) {
    const known = cluster.topology.header.nodes.map((n) => n.name).join(', ');
    throw new InputError(`node "${nodeName}" is not in the cluster (nodes: ${known})`);
  }
  const c = perCluster(cluster);
  const key = `${nodeName}/${family}`;
  let agent = c.agents.get(key);
  if (!agent) {
    agent = new KubeProxyNftables(cluster.store, node, cluster.topology.kubeProxy, family, {
      now: () => cluster.clock.now(),
      nft: nodeNftables(cluster, nodeName),
      serviceCIDRs: cluster.topology.networking.serviceSubnets,
    });
    c.agents.set(key, agent);
  }
  if (agent.pending) agent.sync();
  return agent;
}

/** Every proxied family's kube-proxy on the node, synced; returns the node's nftables state. */
export function syncedNodeNftables(cluster: NftClusterView, nodeName: string): NftRuleset {
  for (const f of proxiedFamilies(cluster)) kubeProxyNftables(cluster, nodeName, f);
  return nodeNftables(cluster, nodeName);
}
