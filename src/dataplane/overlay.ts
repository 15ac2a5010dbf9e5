// flannel's VXLAN overlay: the PERMANENT neighbour and FDB entry flanneld wrote for the remote
// node's VTEP, the encapsulation (outer UDP to the VTEP address over the underlay), and the
// remote node's decapsulation into its own VXLAN device.
import { formatFdbEntry } from '../kernel/iproute2.js';
import type { VxlanLink } from '../kernel/link.js';
import { ipInput, routeStep } from './ip.js';
import type { NodeCtx } from './nat.js';
import { type Arrival, type Packet, type Walk } from './walk.js';
import { hostPort } from '../net/ip.js';

/** The kernel picks the outer source port from a hash of the inner flow, in the ephemeral range. */
function flowHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export function egressVxlan(w: Walk, nc: NodeCtx, vx: VxlanLink, nexthop: string, p: Packet): Arrival {
  const root = nc.kernel.root;
  const n = root.neigh.get(nexthop, vx.name);
  if (!n?.lladdr) return w.end('DROPPED', `no neighbour entry for ${nexthop} on ${vx.name} (flannel has not learned that node)`, p);
  w.step({ kind: 'neighbour', ip: nexthop, lladdr: n.lladdr, dev: vx.name, state: n.state });
  const fdb = root.fdb.lookup(n.lladdr, { dev: vx.name });
  if (!fdb?.dst) return w.end('DROPPED', `no FDB entry on ${vx.name} for ${n.lladdr}`, p);
  const srcPort = 32768 + (flowHash(`${p.src}|${p.dst}|${p.sport}|${p.dport}|${p.proto}`) % (60999 - 32768));
  const outer = { src: vx.local, dst: fdb.dst };
  w.step({
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
  if (!orm) return w.end('NO_ROUTE', `${nc.node} has no route to VTEP ${outer.dst}`, p);
  w.step(routeStep(orm, outer.dst));
  w.step({ kind: 'exit-interface', dev: orm.dev ?? vx.dev });
  const remote = w.dp.nodeOwning(outer.dst);
  if (!remote) return w.end('DROPPED', `no node owns VTEP address ${outer.dst}`, p);
  w.step({ kind: 'underlay', from: outer.src, to: outer.dst, dev: orm.dev ?? vx.dev });
  const rk = w.dp.node(remote)!;
  w.hop(remote, 'root');
  w.step({ kind: 'enter-interface', dev: 'eth0', note: `UDP ${hostPort(outer.src, srcPort)} -> ${hostPort(outer.dst, vx.port)}` });
  // The outer header's family picks the socket: flannel.1 listens on IPv4, flannel-v6.1 on IPv6.
  const rvx = rk.root.links().find((l): l is VxlanLink => l.kind === 'vxlan' && l.port === vx.port && l.vni === vx.vni && l.local.includes(':') === outer.dst.includes(':'));
  if (!rvx) return w.end('DROPPED', `${remote} has no VXLAN device for VNI ${vx.vni} port ${vx.port}`, p);
  w.step({ kind: 'vxlan-decap', dev: rvx.name, vni: rvx.vni, outerSrc: outer.src, outerDst: outer.dst });
  if (n.lladdr !== rvx.mac) return w.end('DROPPED', `inner frame is for ${n.lladdr}, but ${remote}'s ${rvx.name} is ${rvx.mac}`, p);
  w.step({ kind: 'enter-interface', dev: rvx.name });
  return ipInput(w, remote, rvx.name, p, {});
}
