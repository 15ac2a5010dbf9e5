// What iproute2 6.1 prints for a namespace's state: `ip addr`, `ip link`, `ip route`, `ip neigh`,
// `bridge fdb`. Every token iproute2 prints with a trailing blank keeps it, so route and neighbour
// lines end in one space exactly as on a real machine.
import type { InterfaceAddress } from './address.js';
import type { FdbEntry } from './fdb.js';
import { multicastMacs, type Link } from './link.js';
import type { Neighbour } from './neighbour.js';
import type { NetNamespace } from './netns.js';
import { RT_TABLE_MAIN, type Route } from './route.js';

/** A route as `ip route` prints it, without the trailing blank (the form traces quote). */
export function formatRoute(r: Route, opts: { linkdown?: boolean; hideDev?: boolean } = {}): string {
  const t: string[] = [];
  const v6 = r.dst.includes(':');
  if (r.type !== 'unicast') t.push(r.type);
  t.push(r.prefix === 0 ? 'default' : r.prefix === (v6 ? 128 : 32) ? r.dst : `${r.dst}/${r.prefix}`);
  if (r.via) t.push('via', r.via);
  if (r.dev && !opts.hideDev) t.push('dev', r.dev);
  if (r.proto !== 'boot') t.push('proto', r.proto);
  // The kernel reports every IPv6 route with universe scope, and always its metric.
  if (r.scope !== 'universe' && !v6) t.push('scope', r.scope);
  if (r.src) t.push('src', r.src);
  if (r.metric || v6) t.push('metric', String(r.metric ?? 0));
  if (r.onlink) t.push('onlink');
  if (opts.linkdown) t.push('linkdown');
  // Every IPv6 route has a router preference; iproute2 prints it last.
  if (v6) t.push('pref', 'medium');
  return t.join(' ');
}

/** `ip route show [table T] [dev D]`. */
export function showRoutes(ns: NetNamespace, opts: { table?: number; dev?: string; family?: 4 | 6 } = {}): string {
  return ns
    .routes(opts.table ?? RT_TABLE_MAIN, opts.family ?? 4)
    .filter((r) => opts.dev === undefined || r.dev === opts.dev)
    .map((r) => {
      const dev = r.dev ? ns.link(r.dev) : undefined;
      const linkdown = !!dev && r.type !== 'local' && !ns.status(dev).carrier;
      return `${formatRoute(r, { linkdown, hideDev: opts.dev !== undefined })} \n`;
    })
    .join('');
}

/** A neighbour entry as `ip neigh` prints it, without the trailing blank. */
export function formatNeighbour(n: Neighbour, opts: { hideDev?: boolean } = {}): string {
  const t = [n.ip];
  if (!opts.hideDev) t.push('dev', n.dev);
  if (n.lladdr) t.push('lladdr', n.lladdr);
  t.push(...(n.flags ?? []), n.state);
  return t.join(' ');
}

/** `ip neigh show [dev D]`. */
export function showNeighbours(ns: NetNamespace, dev?: string, family?: 4 | 6): string {
  return ns.neigh
    .list(dev)
    .filter((n) => family === undefined || n.ip.includes(':') === (family === 6))
    .map((n) => `${formatNeighbour(n, { hideDev: dev !== undefined })} \n`)
    .join('');
}

/** An FDB entry as `bridge fdb` prints it (dynamic entries keep iproute2's trailing blank). */
export function formatFdbEntry(e: FdbEntry, opts: { hideDev?: boolean } = {}): string {
  const t = [e.mac];
  if (!opts.hideDev) t.push('dev', e.dev);
  if (e.vlan !== undefined) t.push('vlan', String(e.vlan));
  if (e.dst) t.push('dst', e.dst);
  if (e.master) t.push('master', e.master);
  else t.push('self');
  return `${t.join(' ')} ${e.state === 'dynamic' ? '' : e.state}`;
}

/**
 * The entries `bridge fdb show` lists for one device, in the kernel's order: a bridge port's
 * bridge entries (learned first), then the device's own multicast list; for the bridge itself
 * the multicast list comes first.
 */
export function fdbEntriesOf(ns: NetNamespace, link: Link): FdbEntry[] {
  const own = ns.fdb.list(link.name);
  const bridged = own.filter((e) => e.master !== undefined).sort((a, b) => Number(a.state !== 'dynamic') - Number(b.state !== 'dynamic'));
  const self = own.filter((e) => e.master === undefined);
  const mcast: FdbEntry[] = multicastMacs(link).map((mac) => ({ mac, dev: link.name, state: 'permanent' }));
  return link.kind === 'bridge' ? [...mcast, ...self, ...bridged] : [...bridged, ...self, ...mcast];
}

/** `bridge fdb show [dev D]`. */
export function showFdb(ns: NetNamespace, dev?: string): string {
  const links = dev === undefined ? ns.links() : [ns.mustLink(dev)];
  return links
    .flatMap((l) => fdbEntriesOf(ns, l))
    .map((e) => `${formatFdbEntry(e, { hideDev: dev !== undefined })}\n`)
    .join('');
}

/** How another namespace is named from this one: by name, or by netnsid for the unnamed initial one. */
function netnsRef(link: Link): string | undefined {
  if (link.kind !== 'veth') return undefined;
  const other = link.peer.netns;
  return other.name === null ? 'link-netnsid 0' : `link-netns ${other.name}`;
}

function linkHeader(ns: NetNamespace, l: Link, mode: boolean): string {
  const st = ns.status(l);
  let name = l.name;
  if (l.kind === 'veth') {
    const peer = ns.peerOf(l);
    if (peer) name += peer.netns === ns ? `@${peer.link.name}` : `@if${peer.link.ifindex}`;
  }
  const qdisc = !l.up ? 'noop' : l.kind === 'ether' ? l.qdisc : 'noqueue';
  const parts = [`${l.ifindex}: ${name}: <${st.flags.join(',')}> mtu ${l.mtu} qdisc ${qdisc}`];
  if (l.master) parts.push(`master ${l.master}`);
  parts.push(`state ${st.state}`);
  if (mode) parts.push('mode DEFAULT');
  parts.push(`group default qlen ${l.qlen}`);
  return parts.join(' ');
}

function linkLayer(l: Link): string {
  const ref = netnsRef(l);
  return l.kind === 'loopback'
    ? `    link/loopback ${l.mac} brd 00:00:00:00:00:00`
    : `    link/ether ${l.mac} brd ff:ff:ff:ff:ff:ff${ref ? ` ${ref}` : ''}`;
}

function addressLines(a: InterfaceAddress): string {
  const head =
    a.family === 4
      ? `    inet ${a.address}/${a.prefix}${a.broadcast ? ` brd ${a.broadcast}` : ''} scope ${a.scope}${a.secondary ? ' secondary' : ''} ${a.dev}`
      : `    inet6 ${a.address}/${a.prefix} scope ${a.scope} `;
  return `${head}\n       valid_lft forever preferred_lft forever\n`;
}

/** `ip [-4] addr show [dev D]`. */
export function showAddresses(ns: NetNamespace, opts: { dev?: string; family?: 4 | 6 } = {}): string {
  const links = opts.dev === undefined ? ns.links() : [ns.mustLink(opts.dev)];
  let out = '';
  for (const l of links) {
    const addrs = ns.addressesOf(l.name, opts.family);
    // With a family filter, iproute2 skips links without such addresses and drops the link/ line.
    if (opts.family !== undefined) {
      if (addrs.length === 0) continue;
      const ref = netnsRef(l);
      out += `${linkHeader(ns, l, false)}${ref ? ` ${ref}` : ''}\n`;
    } else out += `${linkHeader(ns, l, false)}\n${linkLayer(l)}\n`;
    out += addrs.map(addressLines).join('');
  }
  return out;
}

/** `ip [-d] link show [dev D]`; details are modelled for vxlan devices (what flannel.1 needs). */
export function showLinks(ns: NetNamespace, opts: { dev?: string; details?: boolean } = {}): string {
  const links = opts.dev === undefined ? ns.links() : [ns.mustLink(opts.dev)];
  let out = '';
  for (const l of links) {
    out += `${linkHeader(ns, l, true)}\n${linkLayer(l)}`;
    if (opts.details) {
      if (l.kind !== 'vxlan') throw new Error(`details of ${l.kind} links are not modelled`);
      out += ` promiscuity 0  allmulti 0 minmtu 68 maxmtu 65535 \n`;
      out +=
        `    vxlan id ${l.vni} local ${l.local} dev ${l.dev} srcport 0 0 dstport ${l.port} ${l.learning ? '' : 'no'}learning ` +
        `ttl ${l.ttl === 0 ? 'auto' : l.ttl} ageing ${l.ageing} udpcsum noudp6zerocsumtx noudp6zerocsumrx addrgenmode eui64 ` +
        `numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 tso_max_size 524280 tso_max_segs 65535 gro_max_size 65536 \n`;
    } else out += '\n';
  }
  return out;
}
