// One kernel per node, programmed by that node's agents (flanneld, kubelet + CNI). Nodes that
// join later get theirs when their Node object appears; a deleted Node takes its agents along.
import type { Store } from '../api/store.js';
import { NodeKernel } from '../kernel/node.js';
import type { Topology } from '../topology/load.js';
import { CniAgent } from './cni/agent.js';
import type { AgentContext } from './context.js';
import { FlannelAgent } from './flannel/agent.js';
import type { IptablesRestoreLines } from './flannel/rules.js';
import { setupHost } from './host.js';

export interface NodeAgents {
  kernel: NodeKernel;
  flannel: FlannelAgent;
  cni: CniAgent;
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

  /** flanneld's iptables rules on a node, as iptables-restore lines per table. */
  flannelRules(node: string): IptablesRestoreLines | undefined {
    const a = this.agentsByNode.get(node);
    if (!a) return undefined;
    const k = this.ctx.topology.header.nodes.find((n) => n.name === node)?.kernel;
    return a.flannel.iptablesRules(k?.iptablesRandomFully ?? true);
  }

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
      this.set(name, kernel);
      const stops = [flannel.start(), cni.start()];
      this.agentsByNode.set(name, { kernel, flannel, cni, stop: () => stops.forEach((s) => s()) });
    });
  }

  /** Stops every agent (the kernels keep their last state). */
  stop(): void {
    this.stopWatch?.();
    for (const a of this.agentsByNode.values()) a.stop();
  }
}

/** Builds every node's kernel and starts its agents on the cluster's store. */
export function startNodeAgents(cluster: { store: Store; topology: Topology }): NodeKernels {
  const nodes = new NodeKernels({ store: cluster.store, topology: cluster.topology });
  nodes.run();
  return nodes;
}
