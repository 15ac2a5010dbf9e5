// One machine's kernel as knet keeps it: the initial network namespace, one namespace per pod
// sandbox, the node's netfilter state (xtables rulesets per family, and the other programs that
// register at the hooks), conntrack, xt_recent lists, and the few files agents hand each other.
// Agents write into it only through the kernel's own interfaces; dumps, traces and the lab all
// read it here.
import type { Family } from '../net/ip.js';
import { ConntrackTable } from './conntrack.js';
import { NodeFiles } from './files.js';
import { programsFor, type HookName, type HookProgram, type IpsetLookup } from './hooks.js';
import { IpsetTable } from './ipset/table.js';
import { IpvsTable } from './ipvs/table.js';
import type { VethLink } from './link.js';
import { NetNamespace } from './netns.js';
import type { Rule } from './netfilter/rule.js';
import { Ruleset } from './netfilter/ruleset.js';
import { xtablesPrograms } from './netfilter/xt-programs.js';
import { nftPrograms } from './nftables/evaluate.js';
import { NftRuleset } from './nftables/ruleset.js';
import { RecentLists } from './recent.js';

/** One end of a veth pair: its name, MAC and MTU. */
export interface VethEnd {
  name: string;
  mac: string;
  mtu: number;
}

/**
 * A pod's sandbox. Its network namespace is built the first time something reads it, from the
 * changes agents made to it until then, in their order: a node's hundred pods cost only the ones
 * a trace visits or a dump prints. What the node's own namespace holds of a pod (the host end of
 * its veth, the bridge's FDB entries) is there from the ADD.
 */
export class PodSandbox {
  private ns?: NetNamespace;
  private queued: ((ns: NetNamespace) => void)[] = [];
  /** Where a change with a slot sits in the queue (a later one of the slot takes its place). */
  private slots?: Map<string, number>;
  /** The addresses the queued changes put on eth0. */
  private eth0: readonly string[] = [];

  /**
   * @param pod namespace/name of the pod
   * @param netnsName the netns name under /var/run/netns (containerd's `cni-<uuid>`)
   * @param hostVeth name of the host end of the pod's veth, in the node's namespace
   */
  constructor(
    readonly pod: string,
    readonly netnsName: string,
    readonly containerID: string,
    readonly hostVeth: string,
  ) {}

  get netns(): NetNamespace {
    if (!this.ns) {
      const ns = (this.ns = new NetNamespace(this.netnsName));
      const queued = this.queued;
      this.queued = [];
      this.slots = undefined;
      for (const change of queued) change(ns);
    }
    return this.ns;
  }

  /** Whether the namespace exists yet (reading `netns` builds it). */
  get built(): boolean {
    return this.ns !== undefined;
  }

  /**
   * Makes a change in the pod's namespace: now if it is built, else when it is. A change given a
   * slot replaces the one queued in that slot before (a whole state set again, as the kubelet
   * rebinds a pod's sockets).
   */
  change(fn: (ns: NetNamespace) => void, slot?: string): void {
    if (this.ns) return fn(this.ns);
    if (slot !== undefined) {
      this.slots ??= new Map();
      const at = this.slots.get(slot);
      if (at !== undefined) {
        this.queued[at] = fn;
        return;
      }
      this.slots.set(slot, this.queued.length);
    }
    this.queued.push(fn);
  }

  /** Records the addresses (link-local included) a queued change gives eth0, so the pod is found by address before its namespace is built. */
  plannedEth0(addresses: readonly string[]): void {
    this.eth0 = addresses;
  }

  /** Whether eth0 holds the address (or will, once the queued changes run). */
  holdsOnEth0(ip: string): boolean {
    return this.ns ? this.ns.holders(ip).some((a) => a.dev === 'eth0') : this.eth0.includes(ip);
  }
}

export class NodeKernel {
  /** The node's initial namespace: eth0, cni0, flannel.1, the host ends of the pods' veths. */
  readonly root = new NetNamespace(null);
  private readonly sandboxes = new Map<string, PodSandbox>();
  /** Files on the node's disk that agents read and write, by absolute path. */
  readonly files = new NodeFiles();
  readonly conntrack = new ConntrackTable(this.root.sysctl);
  readonly recent = new RecentLists();
  /** `statistic --mode nth` counters, per rule. */
  private readonly nth = new Map<Rule, number>();
  private readonly xt = new Map<Family, Ruleset>();
  /** The node's nftables state (kube-proxy's nftables mode programs it; its base chains run at the hooks). */
  readonly nft = new NftRuleset();
  readonly ipsets = new IpsetTable();
  readonly ipvs = new IpvsTable();
  /** The node's ipsets as `-m set` tests them (none until an agent or a dump creates some). */
  ipsetLookup: IpsetLookup = this.ipsets;
  /** Other hook programs (IPVS), asked again whenever the hooks' programs are gathered anew. */
  private readonly programSources: (() => HookProgram[])[] = [];
  /** Bumped when the set of program sources changes (an xtables family appears or is replaced, a source registers). */
  private sourcesVersion = 0;
  /**
   * The programs at each hook in the order they run, gathered once per nft transaction and
   * per change of the sources: a trace runs the hooks a dozen times per packet, --all-paths
   * for every path.
   */
  private atHooks?: { nft: number; sources: number; all: HookProgram[]; byHook: Map<string, HookProgram[]> };
  /** Agents that compute their part of the state when something reads it (lazy syncs). */
  private readonly readers: (() => void)[] = [];
  private settling = false;

  constructor(readonly nodeName: string) {}

  /** The iptables-nft state of one family (what `iptables-save` / `ip6tables-save` print). */
  xtables(family: Family): Ruleset {
    let rs = this.xt.get(family);
    if (!rs) {
      this.xt.set(family, (rs = new Ruleset(family, 'kernel')));
      this.sourcesVersion++;
    }
    return rs;
  }

  /** Replaces a family's whole xtables state (a real node's dump loaded with --iptables-save). */
  loadXtables(rs: Ruleset): void {
    this.xt.set(rs.family, rs);
    this.sourcesVersion++;
  }

  registerPrograms(source: () => HookProgram[]): void {
    this.programSources.push(source);
    this.sourcesVersion++;
  }

  /** The programs of a family at a hook, in the order they run (priority, then registration). */
  programsAt(family: Family, hook: HookName): readonly HookProgram[] {
    const g = this.gathered();
    const key = `${family} ${hook}`;
    let list = g.byHook.get(key);
    if (!list) g.byHook.set(key, (list = programsFor(g.all, family, hook)));
    return list;
  }

  private gathered(): { all: HookProgram[]; byHook: Map<string, HookProgram[]> } {
    const g = this.atHooks;
    if (g && g.nft === this.nft.generation && g.sources === this.sourcesVersion) return g;
    const state = { recent: this.recent, nth: this.nth };
    const all = [...[...this.xt.values()].flatMap((rs) => xtablesPrograms(rs, state)), ...nftPrograms(this.nft), ...this.programSources.flatMap((s) => s())];
    this.atHooks = { nft: this.nft.generation, sources: this.sourcesVersion, all, byHook: new Map() };
    return this.atHooks;
  }

  /** Registers an agent's catch-up, run before anything reads the kernel. */
  onRead(fn: () => void): void {
    this.readers.push(fn);
  }

  /** Brings every lazily computed part up to date (kube-proxy's pending sync, sockets). */
  settle(): this {
    if (this.settling) return this;
    this.settling = true;
    try {
      for (const r of this.readers) r();
    } finally {
      this.settling = false;
    }
    return this;
  }

  /** Forgets connections, affinity, counters and scheduler cursors (a fresh start for the next trace). */
  resetConnections(): void {
    this.conntrack.clear();
    this.recent.clear();
    this.nth.clear();
    this.ipvs.resetRuntime();
    this.nft.resetRuntime();
  }

  /** Everything the packet path changes; the function returned puts it back (a branch explored, then undone). */
  saveRuntime(): () => void {
    const ct = this.conntrack.snapshot();
    const recent = this.recent.snapshot();
    const nth = new Map(this.nth);
    const ipvs = this.ipvs.saveRuntime();
    const nft = this.nft.saveRuntime();
    return () => {
      this.conntrack.restore(ct);
      this.recent.restore(recent);
      this.nth.clear();
      for (const [r, n] of nth) this.nth.set(r, n);
      ipvs();
      nft();
    };
  }

  /** Pod sandboxes in creation order. */
  pods(): PodSandbox[] {
    return [...this.sandboxes.values()];
  }

  /** The sandbox of a pod (`namespace/name`). */
  pod(key: string): PodSandbox | undefined {
    return this.sandboxes.get(key);
  }

  /** The sandbox whose eth0 holds an address, e.g. to find where a packet to a pod IP ends up. */
  podByIP(ip: string): PodSandbox | undefined {
    for (const s of this.sandboxes.values()) if (s.holdsOnEth0(ip)) return s;
    return undefined;
  }

  /** The sandbox a namespace belongs to (the far end of a bridge port's veth). */
  podByNetns(ns: NetNamespace): PodSandbox | undefined {
    for (const s of this.sandboxes.values()) if (s.built && s.netns === ns) return s;
    return undefined;
  }

  /** A fresh namespace for a pod sandbox (what the runtime creates before calling CNI). */
  createSandbox(pod: string, netnsName: string, containerID: string, hostVeth: string): PodSandbox {
    const s = new PodSandbox(pod, netnsName, containerID, hostVeth);
    this.sandboxes.set(pod, s);
    return s;
  }

  /**
   * `ip link add HOST type veth peer name POD netns SANDBOX`: the node's end now, the pod's end
   * when the sandbox's namespace is built (its link, with the ifindex it gets then).
   */
  addSandboxVeth(s: PodSandbox, pod: VethEnd, host: VethEnd): void {
    let podEnd: VethLink | undefined;
    const far = {
      get netns(): NetNamespace {
        return s.netns;
      },
      get ifindex(): number {
        return s.netns && podEnd!.ifindex;
      },
    };
    const hostEnd = this.root.addLink({ kind: 'veth', name: host.name, mac: host.mac, mtu: host.mtu, up: false, peer: far }) as VethLink;
    s.change((ns) => {
      podEnd = ns.addLink({ kind: 'veth', name: pod.name, mac: pod.mac, mtu: pod.mtu, up: false, peer: { netns: this.root, ifindex: hostEnd.ifindex } }) as VethLink;
    });
  }

  /** The runtime tears the sandbox down after CNI DEL; the namespace and whatever was left in it go. */
  removeSandbox(pod: string): void {
    this.sandboxes.delete(pod);
  }

  /** Namespaces by their /var/run/netns name; null is the node's own. */
  netns(name: string | null): NetNamespace | undefined {
    return name === null ? this.root : this.pods().find((s) => s.netnsName === name)?.netns;
  }
}
