// One kernel per node, programmed by that node's agents (flanneld, kubelet + CNI). Nodes that
// join later get theirs when their Node object appears; a deleted Node takes its agents along.
import { NodeKernel } from '../kernel/node.js';
import { CniAgent } from './cni/agent.js';
import { applyPortmapRules } from './cni/portmap.js';
import type { AgentContext } from './context.js';
import { FlannelAgent } from './flannel/agent.js';
import { ensureRules } from './flannel/ensure.js';
import type { IptablesRestoreLines } from './flannel/rules.js';
import { setupHost } from './host.js';
import { startKubeProxy, type KubeProxyOnNode } from './kube-proxy/factory.js';
import { KubeletSockets } from './kubelet.js';
import { PodCIDRIndex } from './pod-cidrs.js';
import { headerNode } from '../topology/config.js';

export interface NodeAgents {
  kernel: NodeKernel;
  flannel: FlannelAgent;
  cni: CniAgent;
  /** Started on the first read of the node's kernel. */
  kubeProxy?: KubeProxyOnNode;
}

interface Entry extends NodeAgents {
  /** Whether flanneld and the CNI agent program the kernel yet (from the node's first read). */
  started: boolean;
  stops: (() => void)[];
  /** The node's place in node order. */
  order: number;
}

/**
 * Node name → kernel, kept current as Nodes come and go; the agents stay reachable per node.
 * A node's host setup and flanneld's lease announcement (cluster state other nodes read) happen
 * when its Node appears; the agents' kernel work (flannel's path to every other node, a sandbox
 * per pod) starts the first time the node is read — get, iteration, agents(), flannelRules() —
 * from the store's current state, so a 1,000-node cluster costs only the nodes looked at.
 */
export class NodeKernels extends Map<string, NodeKernel> {
  private readonly byNode = new Map<string, Entry>();
  private readonly frozen = new Set<string>();
  private stopWatch?: () => void;
  private nextOrder = 0;
  /** The nodes whose agents run, and each address the host setup left on a device other than lo. */
  private readonly startedNames = new Set<string>();
  private readonly hostAddresses = new Map<string, string[]>();
  private cidrIndex?: PodCIDRIndex;

  constructor(private readonly ctx: AgentContext) {
    super();
  }

  override get(node: string): NodeKernel | undefined {
    return this.started(node)?.kernel;
  }

  override *entries(): MapIterator<[string, NodeKernel]> {
    for (const name of this.keys()) yield [name, this.get(name)!];
  }

  override *values(): MapIterator<NodeKernel> {
    for (const name of this.keys()) yield this.get(name)!;
  }

  override [Symbol.iterator](): MapIterator<[string, NodeKernel]> {
    return this.entries();
  }

  override forEach(fn: (kernel: NodeKernel, name: string, map: Map<string, NodeKernel>) => void, thisArg?: unknown): void {
    for (const [name, k] of this.entries()) fn.call(thisArg, k, name, this);
  }

  /** Kernels whose agents already run, without starting any other (e.g. to forget connections). */
  *startedKernels(): IterableIterator<[string, NodeKernel]> {
    for (const [name, e] of this.byNode) if (e.started) yield [name, e.kernel];
  }

  /**
   * The node whose root namespace holds `ip` on a device other than lo, first in node order.
   * Only nodes that could hold it are started: until its agents run, a node has its host
   * setup's addresses; what flanneld and the CNI bridge add lies in the node's podCIDR. So only
   * these are asked: the started nodes, the nodes whose host setup holds it, and the nodes whose
   * podCIDR does (started on the way, as far as the answer).
   */
  ownerOf(ip: string): string | undefined {
    const inPodCIDR = this.podCIDRs().holders(ip);
    const candidates = new Set([...this.startedNames, ...(this.hostAddresses.get(ip) ?? []), ...inPodCIDR]);
    const inOrder = [...candidates].sort((a, b) => this.byNode.get(a)!.order - this.byNode.get(b)!.order);
    for (const name of inOrder) {
      const e = this.byNode.get(name)!;
      if (!e.started && inPodCIDR.includes(name)) this.started(name);
      if (e.kernel.root.holders(ip).some((a) => a.dev !== 'lo')) return name;
    }
    return undefined;
  }

  /** The nodes' podCIDRs as the store holds them now (made again after any Node changed). */
  private podCIDRs(): PodCIDRIndex {
    const version = this.ctx.store.kindVersion('Node');
    if (this.cidrIndex?.version !== version) this.cidrIndex = new PodCIDRIndex(version, [...this.byNode.keys()].map((name) => this.ctx.store.get('Node', undefined, name)));
    return this.cidrIndex;
  }

  /** The agents running on a node. */
  agents(node: string): NodeAgents | undefined {
    return this.started(node);
  }

  /** flanneld's iptables rules on a node, as iptables-restore lines per table (what it keeps ensuring). */
  flannelRules(node: string, family: 4 | 6 = 4): IptablesRestoreLines | undefined {
    const a = this.started(node);
    if (!a) return undefined;
    return a.flannel.iptablesRules(this.randomFully(node), family);
  }

  private randomFully(node: string): boolean {
    return headerNode(this.ctx.topology.header, node)?.kernel?.iptablesRandomFully ?? true;
  }

  /**
   * Stops the daemons writing the node's netfilter state (a real node's dump was loaded in its
   * place, and is traced as it is).
   */
  freezeNetfilter(node: string): void {
    this.frozen.add(node);
  }

  /** The node's agents, their kernel work started (on first use) from the store's current state. */
  private started(node: string): Entry | undefined {
    const e = this.byNode.get(node);
    if (e && !e.started) {
      e.started = true;
      this.startedNames.add(node);
      e.stops.push(e.flannel.start(), e.cni.start());
    }
    return e;
  }

  /** @internal called once by startNodeAgents. */
  run(): void {
    this.stopWatch = this.ctx.store.watch('Node', 0, (ev) => {
      const name = ev.object.metadata.name;
      if (ev.type === 'DELETED') {
        const gone = this.byNode.get(name);
        for (const stop of gone?.stops ?? []) stop();
        for (const a of gone?.kernel.root.addresses ?? []) {
          const rest = this.hostAddresses.get(a.address)?.filter((n) => n !== name);
          if (rest?.length) this.hostAddresses.set(a.address, rest);
          else this.hostAddresses.delete(a.address);
        }
        this.byNode.delete(name);
        this.startedNames.delete(name);
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
      for (const a of kernel.root.addresses) if (a.dev !== 'lo') this.hostAddresses.set(a.address, [...(this.hostAddresses.get(a.address) ?? []), name]);
      const agents: Entry = { kernel, flannel, cni, started: false, stops: [flannel.announce()], order: this.nextOrder++ };
      this.byNode.set(name, agents);
      const randomFully = this.randomFully(name);
      // What the daemons would have done by the time anyone looks: kube-proxy's sync (its jumps
      // inserted first), then flanneld's rule check, then the kubelet's containers listening.
      kernel.onRead(() => {
        this.started(name);
        if (!this.frozen.has(name)) {
          agents.kubeProxy ??= startKubeProxy(this.ctx, name, kernel);
          agents.kubeProxy.sync();
          ensureRules(kernel.xtables(4), flannel.iptablesRules(randomFully));
          ensureRules(kernel.xtables(6), flannel.iptablesRules(randomFully, 6));
          applyPortmapRules(kernel.xtables(4), cni.portmapRules());
        }
        kubelet.refresh();
      });
    });
  }

  /** Stops every agent (the kernels keep their last state). */
  stop(): void {
    this.stopWatch?.();
    for (const e of this.byNode.values()) for (const stop of e.stops) stop();
  }
}

/** Builds every node's kernel and starts its agents on the cluster's store. */
export function startNodeAgents(cluster: AgentContext): NodeKernels {
  // The cluster itself is the context, so every caller of kubeProxyIptables(cluster, …) meets the same agents.
  const nodes = new NodeKernels(cluster);
  nodes.run();
  return nodes;
}
