// A node's kernel state as the `ip`/`bridge` commands that rebuild it in real network
// namespaces: the node's namespace, one per pod, and an underlay namespace at the far end of the
// node's NICs (which become veths, as a VM's NIC would be a tap on the hypervisor's side).
import type { NodeKernel } from './node.js';
import type { NetNamespace } from './netns.js';

export interface ReplayNames {
  /** Namespace standing in for the node's own. */
  node: string;
  /** Namespace holding the far ends of the node's NICs. */
  underlay: string;
  /** Namespace for a pod sandbox (by pod key). */
  pod(key: string): string;
}

/** argv lists, in order; every command is plain iproute2. */
export function replayCommands(kernel: NodeKernel, names: ReplayNames): string[][] {
  const cmds: string[][] = [];
  const nsOf = new Map<NetNamespace, string>([[kernel.root, names.node]]);
  for (const s of kernel.pods()) nsOf.set(s.netns, names.pod(s.pod));
  for (const n of [names.underlay, ...nsOf.values()]) cmds.push(['ip', 'netns', 'add', n], ['ip', '-n', n, 'link', 'set', 'lo', 'up']);
  const R = names.node;
  const root = kernel.root;
  for (const l of root.links()) {
    const common = ['address', l.mac, 'mtu', String(l.mtu)];
    switch (l.kind) {
      case 'loopback':
        break;
      case 'ether':
      case 'dummy':
        cmds.push(['ip', '-n', R, 'link', 'add', l.name, ...common, 'type', 'veth', 'peer', 'name', `u-${l.name}`, 'netns', names.underlay]);
        cmds.push(['ip', '-n', names.underlay, 'link', 'set', `u-${l.name}`, 'up']);
        break;
      case 'bridge':
        cmds.push(['ip', '-n', R, 'link', 'add', l.name, ...common, 'type', 'bridge']);
        break;
      case 'vxlan':
        cmds.push(['ip', '-n', R, 'link', 'add', l.name, ...common, 'type', 'vxlan', 'id', String(l.vni), 'local', l.local, 'dev', l.dev, 'dstport', String(l.port), l.learning ? 'learning' : 'nolearning', 'ageing', String(l.ageing)]);
        break;
      case 'veth': {
        const peer = root.peerOf(l);
        const peerNs = peer && nsOf.get(peer.netns);
        if (!peer || !peerNs) throw new Error(`veth ${l.name} has no peer knet can rebuild`);
        cmds.push(['ip', '-n', peerNs, 'link', 'add', peer.link.name, 'address', peer.link.mac, 'mtu', String(peer.link.mtu), 'type', 'veth', 'peer', 'name', l.name, ...common, 'netns', R]);
        break;
      }
    }
  }
  for (const [ns, n] of nsOf) {
    for (const l of ns.links()) {
      if (l.kind === 'loopback') continue;
      if (l.master) cmds.push(['ip', '-n', n, 'link', 'set', l.name, 'master', l.master]);
      if (l.up) cmds.push(['ip', '-n', n, 'link', 'set', l.name, 'up']);
      if (l.hairpin) cmds.push(['bridge', '-n', n, 'link', 'set', 'dev', l.name, 'hairpin', 'on']);
    }
    for (const a of ns.addressesOf(undefined, 4)) {
      if (a.dev === 'lo' && a.address === '127.0.0.1') continue;
      cmds.push(['ip', '-n', n, 'addr', 'add', `${a.address}/${a.prefix}`, ...(a.broadcast ? ['brd', a.broadcast] : []), 'scope', a.scope, 'dev', a.dev]);
    }
    // IPv6: the kernel makes ::1 and each link's fe80:: itself (from the same MAC); the rest is
    // added without duplicate address detection so it is usable at once, as it is in the model.
    for (const a of ns.addressesOf(undefined, 6)) {
      if (a.scope !== 'global') continue;
      cmds.push(['ip', '-n', n, '-6', 'addr', 'add', `${a.address}/${a.prefix}`, 'dev', a.dev, 'nodad']);
    }
    for (const family of [4, 6] as const) {
      for (const r of ns.routes(undefined, family)) {
        if (r.proto === 'kernel') continue;
        const dst = r.prefix === 0 ? 'default' : `${r.dst}/${r.prefix}`;
        const t = r.type === 'unicast' ? [] : [r.type];
        cmds.push(['ip', '-n', n, ...(family === 6 ? ['-6'] : []), 'route', 'add', ...t, dst, ...(r.via ? ['via', r.via] : []), ...(r.dev ? ['dev', r.dev] : []), ...(r.onlink ? ['onlink'] : []), ...(r.metric ? ['metric', String(r.metric)] : []), ...(r.proto !== 'boot' ? ['proto', r.proto] : [])]);
      }
    }
    for (const nb of ns.neigh.list()) {
      cmds.push(['ip', '-n', n, 'neigh', 'replace', nb.ip, ...(nb.lladdr ? ['lladdr', nb.lladdr] : []), 'dev', nb.dev, 'nud', nb.state.toLowerCase()]);
    }
    for (const e of ns.fdb.list()) {
      // Bridge entries (port MACs, learned MACs) come from the kernel itself; vxlan remotes are configured.
      if (e.master) continue;
      cmds.push(['bridge', '-n', n, 'fdb', 'append', e.mac, 'dev', e.dev, ...(e.dst ? ['dst', e.dst] : []), 'self', e.state]);
    }
  }
  return cmds;
}
