// A node's IP layer: input from an interface (PREROUTING → routing → INPUT or FORWARD →
// POSTROUTING), packets the node sends itself (OUTPUT → POSTROUTING), IPVS's forwarding of a
// virtual-server packet, and leaving by a device: the bridge, the VXLAN device, or the underlay
// — where a next hop no modelled machine owns means the packet leaves the modelled network.
import { formatRoute } from '../kernel/iproute2.js';
import type { RouteMatch } from '../kernel/route.js';
import { runHook, familyOf } from './hooks.js';
import { egressBridge } from './l2.js';
import { nodeCtx, type NodeCtx } from './nat.js';
import { egressVxlan } from './overlay.js';
import { socket } from './sockets.js';
import type { Step } from './types.js';
import { type Arrival, type Packet, type Walk } from './walk.js';
import { hostPort } from '../net/ip.js';

export function routeStep(rm: RouteMatch, dst: string): Step {
  const r = rm.route;
  return {
    kind: 'route',
    table: r.table === 255 ? 'local' : r.table === 254 ? 'main' : String(r.table),
    route: formatRoute(r),
    dst,
    type: r.type,
    prefix: `${r.dst}/${r.prefix}`,
    ...(r.via ? { via: r.via } : {}),
    ...(rm.dev ? { dev: rm.dev } : {}),
    ...(r.src ? { src: r.src } : {}),
  };
}

function lookup(w: Walk, nc: NodeCtx, p: Packet): RouteMatch | Arrival {
  const rm = nc.kernel.root.lookup(p.dst);
  if (!rm) {
    w.step({ kind: 'no-route', dst: p.dst });
    return w.end('NO_ROUTE', `${nc.node} has no route to ${p.dst}`, p);
  }
  w.step(routeStep(rm, p.dst));
  return rm;
}

function isArrival(x: RouteMatch | Arrival): x is Arrival {
  return 'verdict' in x;
}

/** A packet that arrived on one of the node's interfaces (or was handed up by the bridge). */
export function ipInput(w: Walk, node: string, inDev: string, p: Packet, opts: { inPort?: string }): Arrival {
  const kernel = w.dp.node(node)!;
  const nc = nodeCtx(kernel, opts.inPort);
  const pre = runHook(w, nc, 'prerouting', p, { in: inDev });
  if (pre.arrival) return pre.arrival;
  const rm = lookup(w, nc, p);
  if (isArrival(rm)) return rm;
  if (rm.route.type === 'local') {
    const r = runHook(w, nc, 'input', p, { in: inDev });
    if (r.arrival) return r.arrival;
    if (r.ipvs) return ipvsForward(w, nc, p, r.ipvs);
    return socket(w, { kind: 'host', node }, p);
  }
  const v6 = familyOf(p.dst) === 6;
  if (kernel.root.sysctl.num(v6 ? 'net.ipv6.conf.all.forwarding' : 'net.ipv4.ip_forward') !== 1) {
    return w.end('DROPPED', `${node} has ${v6 ? 'net.ipv6.conf.all.forwarding' : 'net.ipv4.ip_forward'}=0`, p);
  }
  if (p.ttl <= 1) return w.end('TTL_EXCEEDED', `${v6 ? 'the hop limit' : 'TTL'} ran out at ${node}`, p);
  w.step({ kind: 'ttl', before: p.ttl, after: p.ttl - 1, ...(v6 ? { hopLimit: true as const } : {}) });
  p.ttl -= 1;
  const out = rm.dev ?? '';
  const f = runHook(w, nc, 'forward', p, { in: inDev, out });
  if (f.arrival) return f.arrival;
  const post = runHook(w, nc, 'postrouting', p, { out });
  if (post.arrival) return post.arrival;
  return egress(w, nc, rm, p);
}

/**
 * IPVS took a packet for a virtual server and sends it to the real server (ip_vs_nat_xmit):
 * destination rewritten, routed again, then out through LOCAL_OUT and POSTROUTING.
 */
function ipvsForward(w: Walk, nc: NodeCtx, p: Packet, to: { dst: string; dport: number; priority: number }, fromOutput = false): Arrival {
  const before = hostPort(p.dst, p.dport);
  p.dst = to.dst;
  p.dport = to.dport;
  nc.natDone.dst = true;
  nc.ipvs = true;
  w.step({ kind: 'nat', nat: 'DNAT', field: 'dst', before, after: hostPort(p.dst, p.dport) });
  const rm = lookup(w, nc, p);
  if (isArrival(rm)) return rm;
  // the packet goes on with its conntrack entry attached (nf_conntrack_in leaves a tracked skb
  // alone): the entry keeps the client's tuple to the virtual address, and confirms with the real
  // server's reply tuple (ip_vs_update_conntrack), so the reply is un-DNATed
  const orig = nc.origTuple;
  const out = runHook(w, nc, 'output', p, { ...(rm.dev ? { out: rm.dev } : {}) }, fromOutput ? to.priority : Number.NEGATIVE_INFINITY);
  if (orig && !nc.ct) nc.origTuple = orig;
  if (out.arrival) return out.arrival;
  return afterOutput(w, nc, out.route ?? rm, p);
}

/** A packet the node itself sends (a host process, or a hostNetwork pod). */
export function localOut(w: Walk, node: string, p: Packet): Arrival {
  const kernel = w.dp.node(node);
  if (!kernel) return w.end('DROPPED', `no node ${node}`, p);
  w.hop(node, 'root');
  const nc = nodeCtx(kernel);
  const rm = lookup(w, nc, p);
  if (isArrival(rm)) return rm;
  const r = runHook(w, nc, 'output', p, { ...(rm.dev ? { out: rm.dev } : {}) });
  if (r.arrival) return r.arrival;
  if (r.ipvs) return ipvsForward(w, nc, p, r.ipvs, true);
  return afterOutput(w, nc, r.route ?? rm, p);
}

function afterOutput(w: Walk, nc: NodeCtx, rm: RouteMatch, p: Packet): Arrival {
  if (rm.route.type === 'local') {
    const post = runHook(w, nc, 'postrouting', p, { out: 'lo' });
    if (post.arrival) return post.arrival;
    const fin = runHook(w, nc, 'input', p, { in: 'lo' });
    if (fin.arrival) return fin.arrival;
    return socket(w, { kind: 'host', node: nc.node }, p);
  }
  const post = runHook(w, nc, 'postrouting', p, { out: rm.dev ?? '' });
  if (post.arrival) return post.arrival;
  return egress(w, nc, rm, p);
}

function egress(w: Walk, nc: NodeCtx, rm: RouteMatch, p: Packet): Arrival {
  const dev = nc.kernel.root.link(rm.dev ?? '');
  if (!dev) return w.end('NO_ROUTE', `route names device ${rm.dev}, which ${nc.node} does not have`, p);
  switch (dev.kind) {
    case 'bridge':
      return egressBridge(w, nc, dev, rm.nexthop, p);
    case 'vxlan':
      return egressVxlan(w, nc, dev, rm.nexthop, p);
    case 'ether':
      return egressUnderlay(w, nc, dev.name, rm.nexthop, p);
    default:
      return w.end('DROPPED', `knet does not model sending by ${dev.kind} device ${dev.name}`, p);
  }
}

/** Onto the underlay: to another node, an external client of the Cluster header, or out of the modelled network. */
function egressUnderlay(w: Walk, nc: NodeCtx, dev: string, nexthop: string, p: Packet): Arrival {
  w.step({ kind: 'exit-interface', dev });
  const node = w.dp.nodeOwning(nexthop);
  if (node) {
    w.step({ kind: 'underlay', from: p.src, to: nexthop, dev });
    w.hop(node, 'root');
    w.step({ kind: 'enter-interface', dev: 'eth0' });
    return ipInput(w, node, 'eth0', p, {});
  }
  const ext = w.dp.externalByIP(nexthop);
  if (ext) {
    w.step({ kind: 'underlay', from: p.src, to: nexthop, dev });
    w.hop(ext, 'root');
    w.step({ kind: 'enter-interface', dev: 'eth0' });
    if (p.dst !== nexthop) return w.end('DROPPED', `external client ${ext} does not route`, p);
    return socket(w, { kind: 'ext', name: ext, ip: nexthop }, p);
  }
  if (w.replyTo?.at.kind === 'wire' && w.replyTo.at.ip === p.dst) {
    w.step({ kind: 'underlay', from: p.src, to: p.dst, dev });
    return socket(w, w.replyTo.at, p);
  }
  const exit = { node: nc.node, dev, nexthop, src: p.src };
  w.step({ kind: 'exit-network', dev, nexthop, src: p.src });
  const via = nexthop === p.dst ? '' : ` via ${nexthop}`;
  return w.end('EXITS_NETWORK', `leaves ${nc.node} by ${dev}${via} towards ${p.dst} with source ${p.src}: outside the modelled machines`, p, { exit });
}

export function fromExternal(w: Walk, name: string, p: Packet): Arrival {
  w.hop(name, 'root');
  const node = w.dp.nodeOwning(p.dst);
  if (!node) {
    w.step({ kind: 'no-route', dst: p.dst });
    return w.end('NO_ROUTE', `external client ${name} reaches only node addresses on the underlay, not ${p.dst}`, p);
  }
  w.step({ kind: 'exit-interface', dev: 'eth0' });
  w.step({ kind: 'underlay', from: p.src, to: p.dst, dev: 'eth0' });
  w.hop(node, 'root');
  w.step({ kind: 'enter-interface', dev: 'eth0' });
  return ipInput(w, node, 'eth0', p, {});
}
