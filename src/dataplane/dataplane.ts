// The emulated machines a packet can visit: every node's kernel (programmed by its agents, which
// catch up whenever a kernel is read), plus the external clients of the Cluster header, all
// found by address.
import { startNodeAgents, type NodeKernels } from '../agents/node-agents.js';
import type { Cluster } from '../cluster/cluster.js';
import { applyRestore } from '../kernel/ipset/format.js';
import { IpsetTable } from '../kernel/ipset/table.js';
import type { Ruleset } from '../kernel/netfilter/ruleset.js';
import type { NftRuleset } from '../kernel/nftables/ruleset.js';
import type { NodeKernel } from '../kernel/node.js';
import { canonicalIP } from '../net/ip.js';

const planes = new WeakMap<Cluster, Dataplane>();

export class Dataplane {
  readonly kernels: NodeKernels;

  private constructor(readonly cluster: Cluster) {
    this.kernels = startNodeAgents(cluster);
  }

  /** The cluster's dataplane, started on first use. */
  static of(cluster: Cluster): Dataplane {
    let dp = planes.get(cluster);
    if (!dp) planes.set(cluster, (dp = new Dataplane(cluster)));
    return dp;
  }

  /** A node's kernel, brought up to date by its agents. */
  node(name: string): NodeKernel | undefined {
    return this.kernels.get(name)?.settle();
  }

  nodeNames(): string[] {
    return [...this.kernels.keys()];
  }

  /** Replaces a node's netfilter state with a parsed dump (`--iptables-save NODE=FILE`); the daemons stop writing it. */
  useRuleset(node: string, rs: Ruleset): void {
    const k = this.kernels.get(node);
    if (!k) return;
    k.settle();
    this.kernels.freezeNetfilter(node);
    k.loadXtables(rs);
  }

  /** Replaces a node's nftables state with a parsed `nft list ruleset` (`--nft-ruleset NODE=FILE`); the daemons stop writing it. */
  useNftRuleset(node: string, rs: NftRuleset): void {
    const k = this.kernels.get(node);
    if (!k) return;
    k.settle();
    this.kernels.freezeNetfilter(node);
    k.nft.replaceWith(rs);
  }

  /** Replaces a node's ipsets with a real `ipset save` (`--ipset-save NODE=FILE`); the daemons stop writing them. */
  useIpsets(node: string, text: string, file: string): void {
    const k = this.kernels.get(node);
    if (!k) return;
    k.settle();
    const loaded = new IpsetTable();
    applyRestore(loaded, text, file);
    this.kernels.freezeNetfilter(node);
    k.ipsets.destroy();
    applyRestore(k.ipsets, text, file);
  }

  /** What the node's kernel holds for a family: kube-proxy's rules, flannel's after them (or the dump given). */
  ruleset(node: string, family: 4 | 6 = 4): Ruleset {
    return this.node(node)!.xtables(family);
  }

  /** The node whose own (non-loopback) address this is (without starting the agents of every node). */
  nodeOwning(ip: string): string | undefined {
    return this.kernels.ownerOf(ip);
  }

  externalByIP(ip: string): string | undefined {
    return this.cluster.topology.header.external.find((e) => canonicalIP(e.ip) === ip)?.name;
  }

  /** Forgets connections and affinity state (a fresh start for the next trace). */
  resetState(): void {
    // Only started nodes can hold any: starting the others would cost their agents' work.
    for (const [, k] of this.kernels.startedKernels()) k.resetConnections();
  }

  /** Every node's packet-path state; the function returned puts it back. */
  saveState(): () => void {
    const saved = new Map([...this.kernels.startedKernels()].map(([name, k]) => [name, k.saveRuntime()]));
    // A node first started after the snapshot was fresh then.
    return () => {
      for (const [name, k] of this.kernels.startedKernels()) (saved.get(name) ?? (() => k.resetConnections()))();
    };
  }
}
