// One factory picks kube-proxy's mode for a node and hands back what the node agents need: a
// catch-up that runs kube-proxy's pending sync into the node kernel before anything reads it.
import type { NodeKernel } from '../../kernel/node.js';
import { kubeProxyIptables } from './iptables/node.js';
import { kubeProxyNftables, nodeNftables, proxiedFamilies, type NftClusterView } from './nftables/node.js';

export interface KubeProxyOnNode {
  /** The mode kube-proxy really runs in on this node. */
  mode: string;
  /** Runs a sync if the store changed since the last one. */
  sync(): void;
}

export function startKubeProxy(cluster: NftClusterView, node: string, kernel: NodeKernel): KubeProxyOnNode {
  const mode = cluster.topology.kubeProxy.mode;
  if (mode === 'iptables') {
    const agent = kubeProxyIptables(cluster, node, 4);
    agent.attach(kernel.xtables(4));
    return { mode, sync: () => void kubeProxyIptables(cluster, node, 4) };
  }
  if (mode === 'nftables') {
    // one nftables state per node: both families' proxiers program the kernel's
    nodeNftables(cluster, node, kernel.nft);
    const sync = (): void => proxiedFamilies(cluster).forEach((f) => void kubeProxyNftables(cluster, node, f));
    return { mode, sync };
  }
  // Modes whose proxier knet does not have yet write nothing; the trace and dumps refuse them.
  return { mode, sync: () => undefined };
}
