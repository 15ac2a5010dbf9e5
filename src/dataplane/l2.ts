// Layer 2 on a node: a pod's eth0 and its veth pair, the cni0 bridge (FDB, hairpin mode,
// br_netfilter handing bridged IPv4 frames to the IP hooks), ARP on the bridge segment.
import type { Link } from '../kernel/link.js';
import type { NodeKernel, PodSandbox } from '../kernel/node.js';
import { ipInput, routeStep } from './ip.js';
import { runHook } from './hooks.js';
import { nodeCtx, type NodeCtx } from './nat.js';
import { socket } from './sockets.js';
import type { Arrival, Packet, Walk } from './walk.js';

export function fromPod(w: Walk, node: string, sb: PodSandbox, p: Packet): Arrival {
  w.hop(node, `pod ${sb.pod}`);
  const ns = sb.netns;
  if (ns.isLocal(p.dst)) return socket(w, { kind: 'pod', node, sandbox: sb }, p);
  const rm = ns.lookup(p.dst);
  if (!rm) {
    w.step({ kind: 'no-route', dst: p.dst });
    return w.end('NO_ROUTE', `pod ${sb.pod} has no route to ${p.dst}`, p);
  }
  w.step(routeStep(rm, p.dst));
  const dev = ns.link(rm.dev ?? 'eth0');
  if (!dev || dev.kind !== 'veth') return w.end('DROPPED', `pod ${sb.pod}: route leaves by ${rm.dev}, which is not its veth`, p);
  // The pod ARPs for the next hop on its segment: the bridge (gateway) or a pod on the same bridge.
  const kernel = w.dp.node(node)!;
  const mac = arpOnBridge(kernel, rm.nexthop);
  if (!mac) return w.end('DROPPED', `no answer to ARP for ${rm.nexthop} on pod ${sb.pod}'s segment`, p);
  w.step({ kind: 'neighbour', ip: rm.nexthop, lladdr: mac.mac, dev: 'eth0', state: 'REACHABLE', ...ndp(rm.nexthop) });
  w.step({ kind: 'exit-interface', dev: 'eth0' });
  const peer = ns.peerOf(dev)!;
  w.hop(node, 'root');
  w.step({ kind: 'veth', from: `${sb.pod} eth0`, to: peer.link.name, peerNetns: 'root' });
  return bridgeIngress(w, kernel, peer.link, mac.mac, p);
}

const ndp = (ip: string): { ndp?: true } => (ip.includes(':') ? { ndp: true } : {});

/** Who answers ARP (NDP for IPv6) for `ip` on the node's pod bridge: the bridge itself or a pod behind a port. */
export function arpOnBridge(kernel: NodeKernel, ip: string): { mac: string; owner: string } | undefined {
  const root = kernel.root;
  const br = root.links().find((l) => l.kind === 'bridge' && root.holders(ip).some((a) => a.dev === l.name));
  if (br) return { mac: br.mac, owner: br.name };
  const sb = kernel.podByIP(ip);
  if (sb) return { mac: sb.netns.mustLink('eth0').mac, owner: `pod ${sb.pod}` };
  return undefined;
}

function podIngress(w: Walk, kernel: NodeKernel, sb: PodSandbox, p: Packet): Arrival {
  w.hop(kernel.nodeName, `pod ${sb.pod}`);
  w.step({ kind: 'enter-interface', dev: 'eth0' });
  if (!sb.netns.isLocal(p.dst)) return w.end('DROPPED', `pod ${sb.pod} is not ${p.dst} and does not forward`, p);
  return socket(w, { kind: 'pod', node: kernel.nodeName, sandbox: sb }, p);
}

function bridgeIngress(w: Walk, kernel: NodeKernel, port: Link, dstMac: string, p: Packet): Arrival {
  const root = kernel.root;
  const bridge = port.master ? root.link(port.master) : undefined;
  if (!bridge) return w.end('DROPPED', `${port.name} is not a bridge port`, p);
  w.step({ kind: 'enter-interface', dev: port.name, note: `port of ${bridge.name}` });
  if (dstMac === bridge.mac) return ipInput(w, kernel.nodeName, bridge.name, p, { inPort: port.name });
  const fdb = root.fdb.lookup(dstMac, { master: bridge.name });
  if (!fdb) return w.end('DROPPED', `${bridge.name} has no FDB entry for ${dstMac}`, p);
  const out = root.link(fdb.dev)!;
  if (out.name === port.name && !out.hairpin) return w.end('DROPPED', `${bridge.name} will not send a frame back out ${port.name}: hairpin mode is off`, p);
  w.step({ kind: 'bridge', bridge: bridge.name, in: port.name, out: out.name, mac: dstMac, hairpin: out.name === port.name });
  const nc = nodeCtx(kernel, port.name);
  // br_netfilter: with bridge-nf-call-iptables=1 a bridged IPv4 packet still meets the IP hooks and conntrack.
  const sysctl = p.dst.includes(':') ? 'net.bridge.bridge-nf-call-ip6tables' : 'net.bridge.bridge-nf-call-iptables';
  if (Number(root.sysctl.get(sysctl) ?? root.sysctl.get('net.bridge.bridge-nf-call-iptables')) === 1) {
    const phys = { physIn: port.name };
    for (const [hook, io] of [
      ['prerouting', { in: bridge.name, ...phys }],
      ['forward', { in: bridge.name, out: bridge.name, ...phys, physOut: out.name }],
      ['postrouting', { out: bridge.name, ...phys, physOut: out.name }],
    ] as const) {
      const r = runHook(w, nc, hook, p, io);
      if (r.arrival) return r.arrival;
    }
  } else {
    w.step({ kind: 'note', text: `${sysctl}=0: the bridged frame skips iptables and conntrack` });
  }
  return toPort(w, kernel, out, p);
}

export function toPort(w: Walk, kernel: NodeKernel, out: Link, p: Packet): Arrival {
  w.step({ kind: 'exit-interface', dev: out.name });
  if (out.kind !== 'veth') return w.end('DROPPED', `${out.name} is not a pod's veth`, p);
  const peer = kernel.root.peerOf(out);
  const sb = peer && kernel.podByNetns(peer.netns);
  if (!sb) return w.end('DROPPED', `${out.name} leads to no pod`, p);
  return podIngress(w, kernel, sb, p);
}

/** Routed out of the node onto its pod bridge: ARP for the pod, the FDB port, hairpin. */
export function egressBridge(w: Walk, nc: NodeCtx, br: Link, nexthop: string, p: Packet): Arrival {
  const root = nc.kernel.root;
  const target = arpOnBridge(nc.kernel, nexthop);
  if (!target || target.owner === br.name) return w.end('DROPPED', `no answer to ARP for ${nexthop} on ${nc.node} ${br.name}: no pod holds that address`, p);
  w.step({ kind: 'neighbour', ip: nexthop, lladdr: target.mac, dev: br.name, state: 'REACHABLE', ...ndp(nexthop) });
  const fdb = root.fdb.lookup(target.mac, { master: br.name });
  if (!fdb) return w.end('DROPPED', `${br.name} has no FDB entry for ${target.mac}`, p);
  const out = root.link(fdb.dev)!;
  if (nc.inPort === out.name && !out.hairpin) {
    return w.end('DROPPED', `${br.name} will not send the packet back out ${out.name} (the port it came in by): hairpin mode is off`, p);
  }
  w.step({ kind: 'bridge', bridge: br.name, in: br.name, out: out.name, mac: target.mac, hairpin: nc.inPort === out.name });
  return toPort(w, nc.kernel, out, p);
}
