// The emulated machines a packet can visit: every node's kernel (programmed by its agents), its
// full netfilter ruleset, its conntrack table and `recent` lists, plus the external clients of
// the Cluster header, all found by address.
import { startNodeAgents, type NodeKernels } from '../agents/node-agents.js';
import { kubeProxyIptables } from '../agents/kube-proxy/iptables/node.js';
import type { Cluster } from '../cluster/cluster.js';
import { ConntrackTable } from '../kernel/conntrack.js';
import type { Ruleset } from '../kernel/netfilter/ruleset.js';
import type { NodeKernel, PodSandbox } from '../kernel/node.js';
import { canonicalIP } from '../net/ip.js';
import { RecentLists } from './netfilter.js';
import { mergeRulesets } from './node-ruleset.js';

export interface NodeState {
  name: string;
  kernel: NodeKernel;
  conntrack: ConntrackTable;
  recent: RecentLists;
}

const planes = new WeakMap<Cluster, Dataplane>();

export class Dataplane {
  readonly kernels: NodeKernels;
  private readonly states = new Map<string, NodeState>();
  /** Rulesets given with --iptables-save, by node. */
  private readonly overrides = new Map<string, Ruleset>();
  private readonly merged = new Map<string, { key: unknown; rs: Ruleset }>();

  private constructor(readonly cluster: Cluster) {
    this.kernels = startNodeAgents(cluster);
  }

  /** The cluster's dataplane, started on first use. */
  static of(cluster: Cluster): Dataplane {
    let dp = planes.get(cluster);
    if (!dp) planes.set(cluster, (dp = new Dataplane(cluster)));
    return dp;
  }

  node(name: string): NodeState | undefined {
    let s = this.states.get(name);
    const kernel = this.kernels.get(name);
    if (!kernel) return undefined;
    if (!s || s.kernel !== kernel) {
      s = { name, kernel, conntrack: new ConntrackTable(), recent: new RecentLists() };
      this.states.set(name, s);
    }
    return s;
  }

  nodeNames(): string[] {
    return [...this.kernels.keys()];
  }

  /** Replaces a node's netfilter state with a parsed dump (`--iptables-save NODE=FILE`). */
  useRuleset(node: string, rs: Ruleset): void {
    this.overrides.set(node, rs);
  }

  /** What the node's kernel holds: kube-proxy's rules, flannel's after them (or the dump given). */
  ruleset(node: string): Ruleset {
    const o = this.overrides.get(node);
    if (o) return o;
    const kp = kubeProxyIptables(this.cluster, node);
    const flannel = this.kernels.flannelRules(node);
    const key = kp.lastSync ?? kp.kernel;
    const m = this.merged.get(node);
    if (m && m.key === key) return m.rs;
    const rs = mergeRulesets(kp.kernel, flannel);
    this.merged.set(node, { key, rs });
    return rs;
  }

  /** The node whose own (non-loopback) address this is. */
  nodeOwning(ip: string): string | undefined {
    for (const [name, k] of this.kernels) {
      if (k.root.addresses.some((a) => a.address === ip && a.dev !== 'lo')) return name;
    }
    return undefined;
  }

  /** The pod sandbox holding this address, on whichever node. */
  podByIP(ip: string): { node: string; sandbox: PodSandbox } | undefined {
    for (const [name, k] of this.kernels) {
      const sb = k.podByIP(ip);
      if (sb) return { node: name, sandbox: sb };
    }
    return undefined;
  }

  externalByIP(ip: string): string | undefined {
    return this.cluster.topology.header.external.find((e) => canonicalIP(e.ip) === ip)?.name;
  }

  /** Forgets connections and affinity state (a fresh start for the next trace). */
  resetState(): void {
    for (const s of this.states.values()) {
      s.conntrack.clear();
      s.recent = new RecentLists();
    }
  }
}
