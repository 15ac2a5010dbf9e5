// Moves one packet through the emulated machines, device by device, reading only the state the
// dump commands print: pod and node routes, neighbours, bridge FDBs, netfilter rules run by the
// evaluator, conntrack, flannel's VXLAN device. Every decision becomes a typed step.
import { formatEntry, invert, type ConntrackEntry, type L4Proto, type Tuple } from '../kernel/conntrack.js';
import { formatRoute, formatFdbEntry } from '../kernel/iproute2.js';
import type { Link, VxlanLink } from '../kernel/link.js';
import type { PodSandbox } from '../kernel/node.js';
import type { RouteMatch } from '../kernel/route.js';
import type { TableName } from '../kernel/netfilter/ruleset.js';
import type { Rule } from '../kernel/netfilter/rule.js';
import type { Pod } from '../api/types.js';
import type { Dataplane, NodeState } from './dataplane.js';
import { runHook, type AddrType, type CtState, type HookResult, type NfEnv, type NfPacket } from './netfilter.js';
import type { Disposition, Hop, Step } from './types.js';

export interface Packet {
  src: string;
  dst: string;
  proto: L4Proto;
  sport: number;
  dport: number;
  ttl: number;
}

/** Where a walk ended. */
export interface Arrival {
  verdict: Disposition;
  reason: string;
  /** `pod NS/NAME`, `node NAME`, `ext NAME`, when delivered (or refused) at a socket. */
  receiver?: string;
  /** The packet as it arrived (after every rewrite). */
  packet: Packet;
  /** Where to send a reply from. */
  at?: Location;
  /** The netfilter rule that dropped or rejected it (iptables-save text). */
  rule?: string;
}

export type Location =
  | { kind: 'pod'; node: string; sandbox: PodSandbox }
  | { kind: 'host'; node: string }
  | { kind: 'ext'; name: string; ip: string }
  /** A source address injected on a node's eth0 (`IP@NODE`): replies leave by eth0 towards it. */
  | { kind: 'wire'; node: string; ip: string };

/** How statistic rules decide: a coin per rule the walk meets. */
export type Chooser = (rule: Rule, probability: number) => boolean;

const MAX_HOPS = 32;

interface NodeCtx {
  st: NodeState;
  /** The conntrack entry this packet belongs to on this node, and its direction. */
  ct?: { entry: ConntrackEntry; dir: 'original' | 'reply' };
  /** The tuple as it entered this node's netfilter (for a new entry's original tuple). */
  origTuple?: Tuple;
  mark: number;
  /** Bridge port the packet came in by, for hairpin decisions. */
  inPort?: string;
}

/** What a tracked packet looks like after its connection's NAT: the inverse of the other direction's tuple. */
function natTarget(nc: NodeCtx): Tuple {
  const { entry, dir } = nc.ct!;
  return invert(dir === 'original' ? entry.reply : entry.orig);
}

function tuple(p: Packet): Tuple {
  return { proto: p.proto, src: p.src, dst: p.dst, sport: p.sport, dport: p.dport };
}

export function addrText(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export class Walker {
  readonly hops: Hop[] = [];
  private cur!: Hop;
  /** Set when kube-proxy marked the packet for masquerade or a SNAT/MASQUERADE rewrote it. */
  masqueraded = false;
  /** The destination after the first DNAT (the Service endpoint). */
  endpoint?: string;
  /** Netfilter rules compared against the packet on the way (what the kernel would evaluate). */
  rulesEvaluated = 0;

  constructor(
    private readonly dp: Dataplane,
    private readonly choose: Chooser,
    private readonly now: () => number,
  ) {}

  private hop(node: string, netns: string): void {
    if (this.hops.length >= MAX_HOPS) throw new LoopError(`the packet visited ${MAX_HOPS} hops`);
    this.cur = { node, netns, steps: [] };
    this.hops.push(this.cur);
  }

  private step(s: Step): void {
    this.cur.steps.push(s);
  }

  private end(verdict: Disposition, reason: string, packet: Packet, receiver?: string, at?: Location): Arrival {
    return { verdict, reason, packet, ...(receiver ? { receiver } : {}), ...(at ? { at } : {}) };
  }

  // ---- entry points ----

  send(from: Location, p: Packet): Arrival {
    try {
      switch (from.kind) {
        case 'pod':
          return this.fromPod(from.node, from.sandbox, p);
        case 'host':
          return this.localOut(from.node, p);
        case 'ext':
          return this.fromExternal(from.name, p);
        case 'wire':
          this.hop(from.node, 'root');
          this.step({ kind: 'enter-interface', dev: 'eth0', note: `from ${from.ip} on the underlay` });
          return this.ipInput(from.node, 'eth0', p, {});
      }
    } catch (e) {
      if (e instanceof LoopError) return this.end('LOOP', e.message, p);
      throw e;
    }
  }

  // ---- pods ----

  private podLabel(sb: PodSandbox): string {
    return `pod ${sb.pod}`;
  }

  private fromPod(node: string, sb: PodSandbox, p: Packet): Arrival {
    this.hop(node, this.podLabel(sb));
    const ns = sb.netns;
    if (ns.isLocal(p.dst)) return this.socket({ kind: 'pod', node, sandbox: sb }, p);
    const rm = ns.lookup(p.dst);
    if (!rm) {
      this.step({ kind: 'no-route', dst: p.dst });
      return this.end('NO_ROUTE', `pod ${sb.pod} has no route to ${p.dst}`, p);
    }
    this.step({ kind: 'route', table: 'main', route: formatRoute(rm.route), dst: p.dst });
    const dev = ns.link(rm.dev ?? 'eth0');
    if (!dev || dev.kind !== 'veth') return this.end('DROPPED', `pod ${sb.pod}: route leaves by ${rm.dev}, which is not its veth`, p);
    // The pod ARPs for the next hop on its segment: the bridge (gateway) or a pod on the same bridge.
    const st = this.dp.node(node)!;
    const mac = this.arpOnBridge(st, rm.nexthop);
    if (!mac) return this.end('DROPPED', `no answer to ARP for ${rm.nexthop} on pod ${sb.pod}'s segment`, p);
    this.step({ kind: 'neighbour', ip: rm.nexthop, lladdr: mac.mac, dev: 'eth0', state: 'REACHABLE' });
    this.step({ kind: 'exit-interface', dev: 'eth0' });
    const peer = ns.peerOf(dev)!;
    this.hop(node, 'root');
    this.step({ kind: 'veth', from: `${sb.pod} eth0`, to: peer.link.name, peerNetns: 'root' });
    return this.bridgeIngress(st, peer.link, mac.mac, p);
  }

  /** Who answers ARP for `ip` on the node's pod bridge: the bridge itself or a pod behind a port. */
  private arpOnBridge(st: NodeState, ip: string): { mac: string; owner: string } | undefined {
    const root = st.kernel.root;
    const br = root.links().find((l) => l.kind === 'bridge' && root.addresses.some((a) => a.dev === l.name && a.address === ip));
    if (br) return { mac: br.mac, owner: br.name };
    const sb = st.kernel.podByIP(ip);
    if (sb) return { mac: sb.netns.mustLink('eth0').mac, owner: `pod ${sb.pod}` };
    return undefined;
  }

  private podIngress(st: NodeState, sb: PodSandbox, p: Packet): Arrival {
    this.hop(st.name, this.podLabel(sb));
    this.step({ kind: 'enter-interface', dev: 'eth0' });
    if (!sb.netns.isLocal(p.dst)) return this.end('DROPPED', `pod ${sb.pod} is not ${p.dst} and does not forward`, p);
    return this.socket({ kind: 'pod', node: st.name, sandbox: sb }, p);
  }

  // ---- the bridge ----

  private bridgeIngress(st: NodeState, port: Link, dstMac: string, p: Packet): Arrival {
    const root = st.kernel.root;
    const bridge = port.master ? root.link(port.master) : undefined;
    if (!bridge) return this.end('DROPPED', `${port.name} is not a bridge port`, p);
    this.step({ kind: 'enter-interface', dev: port.name, note: `port of ${bridge.name}` });
    if (dstMac === bridge.mac) return this.ipInput(st.name, bridge.name, p, { inPort: port.name });
    const fdb = root.fdb.lookup(dstMac, { master: bridge.name });
    if (!fdb) return this.end('DROPPED', `${bridge.name} has no FDB entry for ${dstMac}`, p);
    const out = root.link(fdb.dev)!;
    if (out.name === port.name && !out.hairpin) return this.end('DROPPED', `${bridge.name} will not send a frame back out ${port.name}: hairpin mode is off`, p);
    this.step({ kind: 'bridge', bridge: bridge.name, in: port.name, out: out.name, mac: dstMac, hairpin: out.name === port.name });
    const nc: NodeCtx = { st, mark: 0, inPort: port.name };
    // br_netfilter: with bridge-nf-call-iptables=1 a bridged IPv4 packet still meets iptables and conntrack.
    if (root.sysctl.num('net.bridge.bridge-nf-call-iptables') === 1) {
      const pre = this.prerouting(nc, p, bridge.name, { physIn: port.name });
      if (pre) return pre;
      const fwd = this.filter(nc, 'FORWARD', p, bridge.name, bridge.name, { physIn: port.name, physOut: out.name });
      if (fwd) return fwd;
      const post = this.postrouting(nc, p, bridge.name, { physIn: port.name, physOut: out.name });
      if (post) return post;
    } else {
      this.step({ kind: 'note', text: `net.bridge.bridge-nf-call-iptables=0: the bridged frame skips iptables and conntrack` });
    }
    return this.toPort(st, out, p);
  }

  private toPort(st: NodeState, out: Link, p: Packet): Arrival {
    this.step({ kind: 'exit-interface', dev: out.name });
    if (out.kind !== 'veth') return this.end('DROPPED', `${out.name} is not a pod's veth`, p);
    const peer = st.kernel.root.peerOf(out);
    const sb = st.kernel.pods().find((s) => s.netns === peer?.netns);
    if (!sb) return this.end('DROPPED', `${out.name} leads to no pod`, p);
    return this.podIngress(st, sb, p);
  }

  // ---- the node's IP stack ----

  private env(nc: NodeCtx): NfEnv {
    const root = nc.st.kernel.root;
    return {
      addrType: (ip: string): AddrType => (root.isLocal(ip) ? 'LOCAL' : ip === '255.255.255.255' ? 'BROADCAST' : /^2(2[4-9]|3\d)\./.test(ip) ? 'MULTICAST' : 'UNICAST'),
      chance: this.choose,
      recent: nc.st.recent,
      now: this.now,
    };
  }

  private nfPacket(nc: NodeCtx, p: Packet, inIface?: string, outIface?: string, phys: { physIn?: string; physOut?: string } = {}): NfPacket {
    const state: CtState = nc.ct ? 'ESTABLISHED' : 'NEW';
    return {
      src: p.src,
      dst: p.dst,
      proto: p.proto,
      sport: p.sport,
      dport: p.dport,
      ...(inIface ? { inIface } : {}),
      ...(outIface ? { outIface } : {}),
      ...phys,
      mark: nc.mark,
      ctstate: state,
      ctDnat: !!nc.ct?.entry.dnat,
      ctSnat: !!nc.ct?.entry.snat,
    };
  }

  /** Runs one table at one hook; records the rules that matched. Returns an arrival when it drops. */
  private run(nc: NodeCtx, table: TableName, hook: string, p: Packet, inIface?: string, outIface?: string, phys = {}): HookResult | Arrival {
    const rs = this.dp.ruleset(nc.st.name);
    const res = runHook(rs, table, hook, this.nfPacket(nc, p, inIface, outIface, phys), this.env(nc));
    this.rulesEvaluated += res.evaluated;
    for (const h of res.hits) {
      this.step({ kind: 'netfilter', table: h.table, chain: h.chain, position: h.position, rule: h.text, ...(h.probability !== undefined ? { probability: h.probability, taken: h.taken! } : {}) });
    }
    if ((res.mark & 0x4000) !== 0 && (nc.mark & 0x4000) === 0) this.masqueraded = true;
    nc.mark = res.mark;
    if (res.verdict === 'ACCEPT') return res;
    const t = rs.tables.get(table)?.chain(hook);
    if (!res.decidedBy) this.step({ kind: 'policy', table, chain: hook, verdict: t?.policy ?? res.verdict });
    const by = res.decidedBy ? `${table} ${res.decidedBy.chain} rule ${res.decidedBy.position}: ${res.decidedBy.text}` : `the ${table} ${hook} policy`;
    const comment = res.decidedBy?.text.match(/--comment "?([^"]*)"?/)?.[1];
    const a = this.end(res.verdict === 'DROP' ? 'DROPPED' : 'REJECTED', `${comment ? `${comment} — ` : ''}${by}`, p);
    return res.decidedBy ? { ...a, rule: res.decidedBy.text } : a;
  }

  private isArrival(x: HookResult | Arrival): x is Arrival {
    return 'packet' in x;
  }

  /** PREROUTING: conntrack lookup, then raw, mangle and (new connections only) nat. May rewrite p.dst. */
  private prerouting(nc: NodeCtx, p: Packet, inIface: string, phys = {}): Arrival | undefined {
    this.ctLookup(nc, p);
    for (const table of ['raw', 'mangle'] as const) {
      const r = this.run(nc, table, 'PREROUTING', p, inIface, undefined, phys);
      if (this.isArrival(r)) return r;
    }
    if (nc.ct) {
      // NAT of a known connection comes from its entry: replies get the SNAT undone here.
      this.ctRewriteDst(nc, p);
      return undefined;
    }
    const r = this.run(nc, 'nat', 'PREROUTING', p, inIface, undefined, phys);
    if (this.isArrival(r)) return r;
    this.applyDnat(r, p);
    return undefined;
  }

  /** The connection the packet belongs to on this node, or the tuple a new entry will start from. */
  private ctLookup(nc: NodeCtx, p: Packet): void {
    const found = nc.st.conntrack.lookup(tuple(p));
    if (found) {
      nc.ct = found;
      this.step({ kind: 'conntrack', action: found.dir === 'reply' ? 'reply' : 'established', entry: formatEntry(found.entry).trim() });
    } else nc.origTuple = tuple(p);
  }

  private applyDnat(r: HookResult, p: Packet): void {
    if (r.nat?.kind !== 'DNAT' || !r.nat.addr) return;
    const before = addrText(p.dst, p.dport);
    p.dst = r.nat.addr;
    if (r.nat.port !== undefined) p.dport = r.nat.port;
    this.endpoint ??= addrText(p.dst, p.dport);
    this.step({ kind: 'nat', nat: 'DNAT', field: 'dst', before, after: addrText(p.dst, p.dport) });
  }

  private filter(nc: NodeCtx, hook: 'INPUT' | 'FORWARD' | 'OUTPUT', p: Packet, inIface?: string, outIface?: string, phys = {}): Arrival | undefined {
    for (const table of ['mangle', 'filter'] as const) {
      const r = this.run(nc, table, hook, p, inIface, outIface, phys);
      if (this.isArrival(r)) return r;
    }
    return undefined;
  }

  /** POSTROUTING: mangle, nat for new connections (SNAT/MASQUERADE), reply un-DNAT, conntrack confirm. */
  private postrouting(nc: NodeCtx, p: Packet, outIface: string, phys = {}): Arrival | undefined {
    const m = this.run(nc, 'mangle', 'POSTROUTING', p, undefined, outIface, phys);
    if (this.isArrival(m)) return m;
    if (nc.ct) {
      this.ctRewriteSrc(nc, p);
      return undefined;
    }
    const r = this.run(nc, 'nat', 'POSTROUTING', p, undefined, outIface, phys);
    if (this.isArrival(r)) return r;
    if (r.nat && (r.nat.kind === 'MASQUERADE' || r.nat.kind === 'SNAT')) {
      const addr = r.nat.kind === 'SNAT' ? r.nat.addr : nc.st.kernel.root.sourceFor(outIface, p.dst);
      if (addr) {
        const before = addrText(p.src, p.sport);
        p.src = addr;
        this.masqueraded = true;
        this.step({ kind: 'nat', nat: r.nat.kind, field: 'src', before, after: addrText(p.src, p.sport) });
        if (r.nat.randomFully) this.step({ kind: 'note', text: '--random-fully: the kernel would also pick a random source port; knet keeps the port so the flow stays readable' });
      }
    }
    this.confirm(nc, p);
    return undefined;
  }

  private confirm(nc: NodeCtx, p: Packet): void {
    if (nc.ct || !nc.origTuple) return;
    const entry = nc.st.conntrack.confirm(nc.origTuple, invert(tuple(p)), nc.mark);
    nc.ct = { entry, dir: 'original' };
    this.step({ kind: 'conntrack', action: 'new', entry: formatEntry(entry).trim() });
  }

  /** A packet that arrived on one of the node's interfaces (or was handed up by the bridge). */
  private ipInput(node: string, inDev: string, p: Packet, opts: { inPort?: string }): Arrival {
    const st = this.dp.node(node)!;
    const nc: NodeCtx = { st, mark: 0, ...(opts.inPort ? { inPort: opts.inPort } : {}) };
    const pre = this.prerouting(nc, p, inDev);
    if (pre) return pre;
    return this.routeAndForward(nc, p, inDev);
  }

  private routeAndForward(nc: NodeCtx, p: Packet, inDev: string): Arrival {
    const root = nc.st.kernel.root;
    const rm = root.lookup(p.dst);
    if (!rm) {
      this.step({ kind: 'no-route', dst: p.dst });
      return this.end('NO_ROUTE', `${nc.st.name} has no route to ${p.dst}`, p);
    }
    this.step({ kind: 'route', table: rm.route.table === 255 ? 'local' : 'main', route: formatRoute(rm.route), dst: p.dst });
    if (rm.route.type === 'local') {
      const f = this.filter(nc, 'INPUT', p, inDev);
      if (f) return f;
      const n = this.run(nc, 'nat', 'INPUT', p, inDev);
      if (this.isArrival(n)) return n;
      this.finishLocalIn(nc, p);
      return this.socket({ kind: 'host', node: nc.st.name }, p);
    }
    if (root.sysctl.num('net.ipv4.ip_forward') !== 1) return this.end('DROPPED', `${nc.st.name} has net.ipv4.ip_forward=0`, p);
    if (p.ttl <= 1) return this.end('TTL_EXCEEDED', `TTL ran out at ${nc.st.name}`, p);
    this.step({ kind: 'ttl', before: p.ttl, after: p.ttl - 1 });
    p.ttl -= 1;
    const out = rm.dev ?? '';
    const f = this.filter(nc, 'FORWARD', p, inDev, out);
    if (f) return f;
    const post = this.postrouting(nc, p, out);
    if (post) return post;
    return this.egress(nc, rm, p);
  }

  /** INPUT's end: un-DNAT of a reply (src), conntrack confirm. */
  private finishLocalIn(nc: NodeCtx, p: Packet): void {
    if (nc.ct) this.ctRewriteSrc(nc, p);
    else this.confirm(nc, p);
  }

  /** A tracked packet's destination as its entry says: the DNAT again, or a reply's SNAT undone. */
  private ctRewriteDst(nc: NodeCtx, p: Packet): void {
    const { dir } = nc.ct!;
    const to = natTarget(nc);
    if (to.dst === p.dst && to.dport === p.dport) return;
    const before = addrText(p.dst, p.dport);
    p.dst = to.dst;
    p.dport = to.dport;
    this.step({ kind: 'nat', nat: dir === 'original' ? 'DNAT' : 'un-SNAT', field: 'dst', before, after: addrText(p.dst, p.dport) });
  }

  /** A tracked packet's source as its entry says: the SNAT again, or a reply's DNAT undone. */
  private ctRewriteSrc(nc: NodeCtx, p: Packet): void {
    const { entry: e, dir } = nc.ct!;
    const to = natTarget(nc);
    if (to.src !== p.src || to.sport !== p.sport) {
      const before = addrText(p.src, p.sport);
      p.src = to.src;
      p.sport = to.sport;
      this.step({ kind: 'nat', nat: dir === 'original' ? 'SNAT' : 'un-DNAT', field: 'src', before, after: addrText(p.src, p.sport) });
    }
    if (dir === 'reply' && !e.seenReply) nc.st.conntrack.sawReply(e);
  }

  /** A packet the node itself sends (a host process, or a hostNetwork pod). */
  private localOut(node: string, p: Packet): Arrival {
    const st = this.dp.node(node);
    if (!st) return this.end('DROPPED', `no node ${node}`, p);
    this.hop(node, 'root');
    const root = st.kernel.root;
    let rm = root.lookup(p.dst);
    if (!rm) {
      this.step({ kind: 'no-route', dst: p.dst });
      return this.end('NO_ROUTE', `${node} has no route to ${p.dst}`, p);
    }
    this.step({ kind: 'route', table: rm.route.table === 255 ? 'local' : 'main', route: formatRoute(rm.route), dst: p.dst });
    const nc: NodeCtx = { st, mark: 0 };
    this.ctLookup(nc, p);
    for (const table of ['raw', 'mangle'] as const) {
      const r = this.run(nc, table, 'OUTPUT', p, undefined, rm.dev);
      if (this.isArrival(r)) return r;
    }
    if (!nc.ct) {
      const r = this.run(nc, 'nat', 'OUTPUT', p, undefined, rm.dev);
      if (this.isArrival(r)) return r;
      const before = p.dst;
      this.applyDnat(r, p);
      if (p.dst !== before) {
        // The kernel routes again after a DNAT in OUTPUT.
        rm = root.lookup(p.dst);
        if (!rm) return this.end('NO_ROUTE', `${node} has no route to ${p.dst}`, p);
        this.step({ kind: 'route', table: rm.route.table === 255 ? 'local' : 'main', route: formatRoute(rm.route), dst: p.dst });
      }
    } else {
      const before = p.dst;
      this.ctRewriteDst(nc, p);
      if (p.dst !== before) rm = root.lookup(p.dst) ?? rm;
    }
    const f = this.run(nc, 'filter', 'OUTPUT', p, undefined, rm.dev);
    if (this.isArrival(f)) return f;
    if (rm.route.type === 'local') {
      const post = this.postrouting(nc, p, 'lo');
      if (post) return post;
      const fin = this.filter(nc, 'INPUT', p, 'lo');
      if (fin) return fin;
      return this.socket({ kind: 'host', node }, p);
    }
    const post = this.postrouting(nc, p, rm.dev ?? '');
    if (post) return post;
    return this.egress(nc, rm, p);
  }

  // ---- leaving a node ----

  private egress(nc: NodeCtx, rm: RouteMatch, p: Packet): Arrival {
    const root = nc.st.kernel.root;
    const dev = root.link(rm.dev ?? '');
    if (!dev) return this.end('NO_ROUTE', `route names device ${rm.dev}, which ${nc.st.name} does not have`, p);
    switch (dev.kind) {
      case 'bridge':
        return this.egressBridge(nc, dev, rm.nexthop, p);
      case 'vxlan':
        return this.egressVxlan(nc, dev, rm.nexthop, p);
      case 'ether':
        return this.egressUnderlay(nc, dev, rm.nexthop, p);
      default:
        return this.end('DROPPED', `knet does not model sending by ${dev.kind} device ${dev.name}`, p);
    }
  }

  private egressBridge(nc: NodeCtx, br: Link, nexthop: string, p: Packet): Arrival {
    const root = nc.st.kernel.root;
    const target = this.arpOnBridge(nc.st, nexthop);
    if (!target || target.owner === br.name) return this.end('DROPPED', `no answer to ARP for ${nexthop} on ${nc.st.name} ${br.name}: no pod holds that address`, p);
    this.step({ kind: 'neighbour', ip: nexthop, lladdr: target.mac, dev: br.name, state: 'REACHABLE' });
    const fdb = root.fdb.lookup(target.mac, { master: br.name });
    if (!fdb) return this.end('DROPPED', `${br.name} has no FDB entry for ${target.mac}`, p);
    const out = root.link(fdb.dev)!;
    if (nc.inPort === out.name && !out.hairpin) {
      return this.end('DROPPED', `${br.name} will not send the packet back out ${out.name} (the port it came in by): hairpin mode is off`, p);
    }
    this.step({ kind: 'bridge', bridge: br.name, in: br.name, out: out.name, mac: target.mac, hairpin: nc.inPort === out.name });
    return this.toPort(nc.st, out, p);
  }

  private egressVxlan(nc: NodeCtx, vx: VxlanLink, nexthop: string, p: Packet): Arrival {
    const root = nc.st.kernel.root;
    const n = root.neigh.get(nexthop, vx.name);
    if (!n?.lladdr) return this.end('DROPPED', `no neighbour entry for ${nexthop} on ${vx.name} (flannel has not learned that node)`, p);
    this.step({ kind: 'neighbour', ip: nexthop, lladdr: n.lladdr, dev: vx.name, state: n.state });
    const fdb = root.fdb.lookup(n.lladdr, { dev: vx.name });
    if (!fdb?.dst) return this.end('DROPPED', `no FDB entry on ${vx.name} for ${n.lladdr}`, p);
    const srcPort = 32768 + (hash(`${p.src}|${p.dst}|${p.sport}|${p.dport}|${p.proto}`) % (60999 - 32768));
    const outer = { src: vx.local, dst: fdb.dst };
    this.step({
      kind: 'vxlan-encap',
      dev: vx.name,
      vni: vx.vni,
      srcPort,
      dstPort: vx.port,
      outerSrc: outer.src,
      outerDst: outer.dst,
      innerSrcMac: vx.mac,
      innerDstMac: n.lladdr,
      fdb: formatFdbEntry(fdb),
      mtu: vx.mtu,
    });
    const orm = root.lookup(outer.dst);
    if (!orm) return this.end('NO_ROUTE', `${nc.st.name} has no route to VTEP ${outer.dst}`, p);
    this.step({ kind: 'route', table: 'main', route: formatRoute(orm.route), dst: outer.dst });
    this.step({ kind: 'exit-interface', dev: orm.dev ?? vx.dev });
    const remote = this.dp.nodeOwning(outer.dst);
    if (!remote) return this.end('DROPPED', `no node owns VTEP address ${outer.dst}`, p);
    this.step({ kind: 'underlay', from: outer.src, to: outer.dst, dev: orm.dev ?? vx.dev });
    const rst = this.dp.node(remote)!;
    this.hop(remote, 'root');
    this.step({ kind: 'enter-interface', dev: 'eth0', note: `UDP ${outer.src}:${srcPort} -> ${outer.dst}:${vx.port}` });
    const rvx = rst.kernel.root.links().find((l): l is VxlanLink => l.kind === 'vxlan' && l.port === vx.port && l.vni === vx.vni);
    if (!rvx) return this.end('DROPPED', `${remote} has no VXLAN device for VNI ${vx.vni} port ${vx.port}`, p);
    this.step({ kind: 'vxlan-decap', dev: rvx.name, vni: rvx.vni, outerSrc: outer.src, outerDst: outer.dst });
    if (n.lladdr !== rvx.mac) return this.end('DROPPED', `inner frame is for ${n.lladdr}, but ${remote}'s ${rvx.name} is ${rvx.mac}`, p);
    this.step({ kind: 'enter-interface', dev: rvx.name });
    return this.ipInput(remote, rvx.name, p, {});
  }

  private egressUnderlay(nc: NodeCtx, eth: Link, nexthop: string, p: Packet): Arrival {
    this.step({ kind: 'exit-interface', dev: eth.name });
    const node = this.dp.nodeOwning(nexthop);
    if (node) {
      this.step({ kind: 'underlay', from: p.src, to: nexthop, dev: eth.name });
      this.hop(node, 'root');
      this.step({ kind: 'enter-interface', dev: 'eth0' });
      return this.ipInput(node, 'eth0', p, {});
    }
    const ext = this.dp.externalByIP(nexthop);
    if (ext) {
      this.step({ kind: 'underlay', from: p.src, to: nexthop, dev: eth.name });
      this.hop(ext, 'root');
      this.step({ kind: 'enter-interface', dev: 'eth0' });
      if (p.dst !== nexthop) return this.end('DROPPED', `external client ${ext} does not route`, p);
      return this.socket({ kind: 'ext', name: ext, ip: nexthop }, p);
    }
    if (this.replyTo?.at.kind === 'wire' && this.replyTo.at.ip === p.dst) {
      this.step({ kind: 'underlay', from: p.src, to: p.dst, dev: eth.name });
      return this.socket(this.replyTo.at, p);
    }
    return this.end('DROPPED', `next hop ${nexthop} is outside the emulated network`, p);
  }

  private fromExternal(name: string, p: Packet): Arrival {
    this.hop(name, 'root');
    const node = this.dp.nodeOwning(p.dst);
    if (!node) {
      this.step({ kind: 'no-route', dst: p.dst });
      return this.end('NO_ROUTE', `external client ${name} reaches only node addresses on the underlay, not ${p.dst}`, p);
    }
    this.step({ kind: 'exit-interface', dev: 'eth0' });
    this.step({ kind: 'underlay', from: p.src, to: p.dst, dev: 'eth0' });
    this.hop(node, 'root');
    this.step({ kind: 'enter-interface', dev: 'eth0' });
    return this.ipInput(node, 'eth0', p, {});
  }

  // ---- sockets ----

  private socket(at: Location, p: Packet): Arrival {
    const cluster = this.dp.cluster;
    const proto = p.proto.toUpperCase();
    const r = this.replyTo;
    if (r && p.dport === r.port && sameLocation(r.at, at)) {
      this.step({ kind: 'deliver', socket: `${addrText(p.dst, p.dport)}/${proto}`, owner: 'the client socket that sent the request' });
      return this.end('DELIVERED', 'the reply reached the client', p, describeLocation(at), at);
    }
    const declares = (pod: Pod) => pod.spec.containers.some((c) => (c.ports ?? []).some((cp) => cp.containerPort === p.dport && (cp.protocol ?? 'TCP') === proto));
    if (at.kind === 'pod') {
      const [ns, name] = at.sandbox.pod.split('/') as [string, string];
      const pod = cluster.store.get('Pod', ns, name);
      const who = `pod ${at.sandbox.pod}`;
      if (pod && declares(pod)) {
        this.step({ kind: 'deliver', socket: `${addrText(p.dst, p.dport)}/${proto}`, owner: who });
        return this.end('DELIVERED', `${who} listens on ${p.dport}/${proto} (containerPort)`, p, who, at);
      }
      return this.end('NO_LISTENER', `${who} declares no containerPort ${p.dport}/${proto}`, p, who, at);
    }
    if (at.kind === 'host') {
      const who = `node ${at.node}`;
      const hostPods = cluster.store.list('Pod').filter((x) => x.spec.hostNetwork && x.spec.nodeName === at.node && declares(x));
      const cp = cluster.topology.header.nodes.find((n) => n.name === at.node)?.roles.some((r) => r === 'control-plane' || r === 'master');
      if (hostPods.length) {
        const owner = `pod ${hostPods[0]!.metadata.namespace}/${hostPods[0]!.metadata.name} (hostNetwork)`;
        this.step({ kind: 'deliver', socket: `${addrText(p.dst, p.dport)}/${proto}`, owner });
        return this.end('DELIVERED', `${owner} listens on ${p.dport}/${proto}`, p, who, at);
      }
      if (cp && p.dport === 6443 && p.proto === 'tcp') {
        this.step({ kind: 'deliver', socket: `${addrText(p.dst, p.dport)}/${proto}`, owner: 'kube-apiserver' });
        return this.end('DELIVERED', `kube-apiserver listens on 6443/TCP on control-plane node ${at.node}`, p, who, at);
      }
      return this.end('NO_LISTENER', `nothing on ${who} listens on ${p.dport}/${proto}`, p, who, at);
    }
    if (at.kind === 'ext') return this.end('DELIVERED', `reached external client ${at.name}`, p, `ext ${at.name}`, at);
    return this.end('DELIVERED', `reached ${p.dst}`, p, `client ${p.dst}`, at);
  }

  /** Set while walking a reply: the client socket waiting for it. */
  replyTo?: { at: Location; port: number };
}

export function describeLocation(at: Location): string {
  switch (at.kind) {
    case 'pod':
      return `pod ${at.sandbox.pod}`;
    case 'host':
      return `node ${at.node}`;
    case 'ext':
      return `ext ${at.name}`;
    case 'wire':
      return `client ${at.ip}`;
  }
}

function sameLocation(a: Location, b: Location): boolean {
  return describeLocation(a) === describeLocation(b);
}

export class LoopError extends Error {}

function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

