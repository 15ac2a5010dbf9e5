// One kernel per node, programmed by that node's agents (flanneld, kubelet + CNI). Nodes that
// join later get theirs when their Node object appears; a deleted Node takes its agents along.
import type { Store } from '../api/store.js';
import { NodeKernel } from '../kernel/node.js';
import type { Topology } from '../topology/load.js';
import { CniAgent } from './cni/agent.js';
import type { AgentContext } from './context.js';
import { FlannelAgent } from './flannel/agent.js';
import { ensureRules } from './flannel/ensure.js';
import type { IptablesRestoreLines } from './flannel/rules.js';
import { setupHost } from './host.js';
import { startKubeProxy, type KubeProxyOnNode } from './kube-proxy/factory.js';
import { KubeletSockets } from './kubelet.js';

export interface NodeAgents {
  kernel: NodeKernel;
  flannel: FlannelAgent;
  cni: CniAgent;
  /** Started on the first read of the node's kernel. */
  kubeProxy?: KubeProxyOnNode;
}

/** Node name → kernel, kept current as Nodes come and go; the agents stay reachable per node. */
export class NodeKernels extends Map<string, NodeKernel> {
  private readonly agentsByNode = new Map<string, NodeAgents & { stop: () => void }>();
  private stopWatch?: () => void;

  constructor(private readonly ctx: AgentContext) {
    super();
  }

  /** The agents running on a node. */
  agents(node: string): NodeAgents | undefined {
    return this.agentsByNode.get(node);
  }

  /** flanneld's iptables rules on a node, as iptables-restore lines per table (what it keeps ensuring). */
  flannelRules(node: string): IptablesRestoreLines | undefined {
    const a = this.agentsByNode.get(node);
    if (!a) return undefined;
    return a.flannel.iptablesRules(this.randomFully(node));
  }

  private randomFully(node: string): boolean {
    return this.ctx.topology.header.nodes.find((n) => n.name === node)?.kernel?.iptablesRandomFully ?? true;
  }

  /**
   * Stops the daemons writing the node's netfilter state (a real node's dump was loaded in its
   * place, and is traced as it is).
   */
  freezeNetfilter(node: string): void {
    this.frozen.add(node);
  }

  private readonly frozen = new Set<string>();

  /** @internal called once by startNodeAgents. */
  run(): void {
    this.stopWatch = this.ctx.store.watch('Node', 0, (ev) => {
      const name = ev.object.metadata.name;
      if (ev.type === 'DELETED') {
        this.agentsByNode.get(name)?.stop();
        this.agentsByNode.delete(name);
        this.delete(name);
        return;
      }
      if (this.has(name)) return;
      const kernel = new NodeKernel(name);
      const ext = setupHost(kernel, this.ctx.topology, ev.object);
      const flannel = new FlannelAgent(this.ctx, kernel, ext);
      const cni = new CniAgent(this.ctx, kernel);
      const kubelet = new KubeletSockets(this.ctx, kernel);
      this.set(name, kernel);
      const stops = [flannel.start(), cni.start()];
      const agents: NodeAgents & { stop: () => void } = { kernel, flannel, cni, stop: () => stops.forEach((s) => s()) };
      this.agentsByNode.set(name, agents);
      const randomFully = this.randomFully(name);
      // What the daemons would have done by the time anyone looks: kube-proxy's sync (its jumps
      // inserted first), then flanneld's rule check, then the kubelet's containers listening.
      kernel.onRead(() => {
        if (!this.frozen.has(name)) {
          agents.kubeProxy ??= startKubeProxy(this.ctx, name, kernel);
          agents.kubeProxy.sync();
          ensureRules(kernel.xtables(4), flannel.iptablesRules(randomFully));
        }
        kubelet.refresh();
      });
    });
  }

  /** Stops every agent (the kernels keep their last state). */
  stop(): void {
    this.stopWatch?.();
    for (const a of this.agentsByNode.values()) a.stop();
  }
}

/** Builds every node's kernel and starts its agents on the cluster's store. */
export function startNodeAgents(cluster: AgentContext): NodeKernels {
  const nodes = new NodeKernels({ store: cluster.store, topology: cluster.topology, clock: cluster.clock });
  nodes.run();
  return nodes;
}
