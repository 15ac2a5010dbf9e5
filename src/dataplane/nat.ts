// Connection tracking and NAT on one node, as nf_conntrack and nf_nat do it: the first packet of
// a connection is looked up (after raw), NATed by the nat programs, and confirmed when it leaves
// (POSTROUTING) or is delivered (INPUT); every later packet of the connection — the reply
// included — is rewritten from the entry instead of meeting the nat programs again.
import { formatEntry, invert, type ConntrackEntry, type Tuple } from '../kernel/conntrack.js';
import type { CtView } from '../kernel/hooks.js';
import type { NodeKernel } from '../kernel/node.js';
import { type Packet, type Walk } from './walk.js';
import { hostPort } from '../net/ip.js';

/** The walk's view of one node while the packet is in it. */
export interface NodeCtx {
  node: string;
  kernel: NodeKernel;
  /** The conntrack entry this packet belongs to on this node, and its direction. */
  ct?: { entry: ConntrackEntry; dir: 'original' | 'reply' };
  /** The tuple as it entered this node's conntrack (a new entry's original tuple). */
  origTuple?: Tuple;
  /** CT --notrack / NOTRACK hit: conntrack and NAT leave the packet alone. */
  notrack?: boolean;
  /** Whether a NAT binding of that kind was set up at this node for a new connection. */
  natDone: { dst: boolean; src: boolean };
  mark: number;
  /** The connection mark set by CONNMARK before the entry is confirmed. */
  ctMark?: number;
  /** Bridge port the packet came in by, for hairpin decisions. */
  inPort?: string;
  /** IPVS forwarded the packet on this node. */
  ipvs?: boolean;
}

export function nodeCtx(kernel: NodeKernel, inPort?: string): NodeCtx {
  return { node: kernel.nodeName, kernel, mark: 0, natDone: { dst: false, src: false }, ...(inPort ? { inPort } : {}) };
}

export function tuple(p: Packet): Tuple {
  return { proto: p.proto, src: p.src, dst: p.dst, sport: p.sport, dport: p.dport };
}

/** The conntrack facts the hook programs may test. */
export function ctView(nc: NodeCtx, p: Packet): CtView {
  if (nc.notrack) return { state: 'UNTRACKED', dnat: false, snat: false, direction: 'original', origDst: p.dst, origDport: p.dport, mark: 0 };
  if (!nc.ct) {
    const o = nc.origTuple ?? tuple(p);
    return { state: 'NEW', dnat: nc.natDone.dst, snat: nc.natDone.src, direction: 'original', origDst: o.dst, origDport: o.dport, mark: nc.ctMark ?? 0 };
  }
  const { entry: e, dir } = nc.ct;
  return { state: 'ESTABLISHED', dnat: e.dnat, snat: e.snat, direction: dir, origDst: e.orig.dst, origDport: e.orig.dport, mark: nc.ctMark ?? e.mark };
}

/** nf_conntrack_in: the entry the packet belongs to, or the tuple a new entry will start from. */
export function ctLookup(w: Walk, nc: NodeCtx, p: Packet): void {
  if (nc.notrack) {
    w.step({ kind: 'conntrack', action: 'untracked', entry: 'NOTRACK: the packet bypasses conntrack (and so NAT)' });
    return;
  }
  const found = nc.kernel.conntrack.lookup(tuple(p), w.now());
  if (found) {
    nc.ct = found;
    w.step({ kind: 'conntrack', action: found.dir === 'reply' ? 'reply' : 'established', entry: formatEntry(found.entry, w.now()).trim(), orig: found.entry.orig, reply: found.entry.reply });
  } else nc.origTuple = tuple(p);
}

/** What a tracked packet looks like after its connection's NAT: the inverse of the other direction's tuple. */
function natTarget(nc: NodeCtx): Tuple {
  const { entry, dir } = nc.ct!;
  return invert(dir === 'original' ? entry.reply : entry.orig);
}

/** A tracked packet's destination as its entry says: the DNAT again, or a reply's SNAT undone. */
export function ctRewriteDst(w: Walk, nc: NodeCtx, p: Packet): void {
  const to = natTarget(nc);
  if (to.dst === p.dst && to.dport === p.dport) return;
  const before = hostPort(p.dst, p.dport);
  p.dst = to.dst;
  p.dport = to.dport;
  w.step({ kind: 'nat', nat: nc.ct!.dir === 'original' ? 'DNAT' : 'un-SNAT', field: 'dst', before, after: hostPort(p.dst, p.dport) });
}

/** A tracked packet's source as its entry says: the SNAT again, or a reply's DNAT undone. */
export function ctRewriteSrc(w: Walk, nc: NodeCtx, p: Packet): void {
  const { entry: e, dir } = nc.ct!;
  const to = natTarget(nc);
  if (to.src !== p.src || to.sport !== p.sport) {
    const before = hostPort(p.src, p.sport);
    p.src = to.src;
    p.sport = to.sport;
    w.step({ kind: 'nat', nat: dir === 'original' ? 'SNAT' : 'un-DNAT', field: 'src', before, after: hostPort(p.src, p.sport) });
  }
  if (dir === 'reply' && !e.seenReply) nc.kernel.conntrack.sawReply(e, w.now());
}

/** __nf_conntrack_confirm: a new connection's entry, with the reply tuple its NAT decided. */
export function ctConfirm(w: Walk, nc: NodeCtx, p: Packet): void {
  if (nc.ct || !nc.origTuple || nc.notrack) return;
  const entry = nc.kernel.conntrack.confirm(nc.origTuple, invert(tuple(p)), nc.ctMark ?? 0, w.now());
  nc.ct = { entry, dir: 'original' };
  w.step({ kind: 'conntrack', action: 'new', entry: formatEntry(entry, w.now()).trim(), orig: entry.orig, reply: entry.reply });
}
