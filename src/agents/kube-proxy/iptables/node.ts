// Entry points for other layers: the kube-proxy (iptables mode) of a node of a loaded cluster,
// and that node's current netfilter ruleset as kube-proxy programmed it.
import { InputError } from '../../../api/errors.js';
import type { Store } from '../../../api/store.js';
import type { Family } from '../../../net/ip.js';
import type { Ruleset } from '../../../kernel/netfilter/ruleset.js';
import type { ClusterHeader, KubeProxyConfig } from '../../../topology/config.js';
import { KubeProxyIptables } from './agent.js';

/** What the agent needs from a cluster (a `Cluster` fits). */
export interface ClusterView {
  store: Store;
  topology: { header: ClusterHeader; kubeProxy: KubeProxyConfig };
  clock: { now(): number };
}

const agents = new WeakMap<ClusterView, Map<string, KubeProxyIptables>>();

/** The node's kube-proxy for the family, created on first use (not synced: see kubeProxyIptables). */
export function kubeProxyIptablesAgent(cluster: ClusterView, nodeName: string, family: Family = 4): KubeProxyIptables {
  const node = cluster.topology.header.nodes.find((n) => n.name === nodeName);
  if (!node) {
    const known = cluster.topology.header.nodes.map((n) => n.name).join(', ');
    throw new InputError(`node "${nodeName}" is not in the cluster (nodes: ${known})`);
  }
  let perCluster = agents.get(cluster);
  if (!perCluster) agents.set(cluster, (perCluster = new Map()));
  const key = `${nodeName}/${family}`;
  let agent = perCluster.get(key);
  if (!agent) {
    agent = new KubeProxyIptables(cluster.store, node, cluster.topology.kubeProxy, family, { now: () => cluster.clock.now() });
    perCluster.set(key, agent);
  }
  return agent;
}

/** The node's kube-proxy for the family, created (and fully synced) on first use, synced when the store changed since. */
export function kubeProxyIptables(cluster: ClusterView, nodeName: string, family: Family = 4): KubeProxyIptables {
  const agent = kubeProxyIptablesAgent(cluster, nodeName, family);
  if (agent.pending) agent.sync();
  return agent;
}

/** The node's current kube-proxy ruleset (tables nat, filter, mangle with the canary; jump rules included). */
export function kubeProxyRuleset(cluster: ClusterView, nodeName: string, family: Family = 4): Ruleset {
  return kubeProxyIptables(cluster, nodeName, family).kernel;
}
