// One network namespace: its links, addresses, routing tables, neighbours, FDB and sysctls, changed
// through operations shaped like the netlink calls `ip`/`bridge` make, so the kernel's own side
// effects (local and connected routes, bridge port entries, link-local addresses, cleanup when a
// device goes) happen here once, for every agent.
import { cidrContains, intToIpv4, parseCIDR } from '../net/ip.js';
import { eui64LinkLocal } from '../net/mac.js';
import type { InterfaceAddress } from './address.js';
import { Fdb } from './fdb.js';
import type { Link, LinkSpec, LinkStatus, VethLink } from './link.js';
import { NeighbourTable } from './neighbour.js';
import { HeldAddresses, networkOf, subnetKey, type HostAddressBlock } from './host-addresses.js';
import { RT_TABLE_DEFAULT, RT_TABLE_LOCAL, RT_TABLE_MAIN, RoutingTable, type LookupOptions, type Route, type RouteMatch } from './route.js';
import { SocketTable } from './sockets.js';
import { Sysctls } from './sysctl.js';

/** What an `ip route add` call carries; the table defaults to main. */
export type RouteSpec = Omit<Route, 'table' | 'proto' | 'scope'> & Partial<Pick<Route, 'table' | 'proto' | 'scope'>>;

export class NetNamespace {
  private readonly byIndex = new Map<number, Link>();
  private readonly byName = new Map<string, Link>();
  private nextIndex = 1;
  /** Every address in the order it was added (`ip addr` lists each link's in this order). */
  readonly addresses: InterfaceAddress[] = [];
  /** The same addresses per link, and per address text. */
  private readonly byDev = new Map<string, InterfaceAddress[]>();
  private readonly byAddress = new Map<string, InterfaceAddress[]>();
  /** How many IPv4 addresses each link holds per subnet (`dev network/prefix`): a second one is secondary. */
  private readonly subnets = new Map<string, number>();
  /** Host address blocks in the lists above but not yet in byAddress and subnets (shared with other namespaces). */
  private readonly held = new HeldAddresses();
  /** How many times addresses were added or removed, per family: in all, and per link. */
  private readonly changes = { 4: { all: 0, dev: new Map<string, number>() }, 6: { all: 0, dev: new Map<string, number>() } };
  readonly tables = new Map<number, RoutingTable>([
    [RT_TABLE_LOCAL, new RoutingTable(RT_TABLE_LOCAL)],
    [RT_TABLE_MAIN, new RoutingTable(RT_TABLE_MAIN)],
    [RT_TABLE_DEFAULT, new RoutingTable(RT_TABLE_DEFAULT)],
  ]);
  readonly neigh = new NeighbourTable();
  readonly fdb = new Fdb();
  readonly sysctl = new Sysctls();
  readonly sockets = new SocketTable();

  /**
   * @param name the name under /var/run/netns (`cni-…` for a pod), or null for a node's initial
   *   namespace, which has none (other namespaces then see it as netnsid 0).
   */
  constructor(readonly name: string | null) {
    this.addLink({ kind: 'loopback', name: 'lo', mac: '00:00:00:00:00:00', mtu: 65536, up: false });
    this.setUp('lo', true);
    this.addAddress({ family: 4, dev: 'lo', address: '127.0.0.1', prefix: 8, scope: 'host' });
  }

  // ---- links ----

  /** Links in ifindex order, as `ip link` lists them. */
  links(): Link[] {
    return [...this.byIndex.values()];
  }

  link(name: string): Link | undefined {
    return this.byName.get(name);
  }

  linkByIndex(ifindex: number): Link | undefined {
    return this.byIndex.get(ifindex);
  }

  mustLink(name: string): Link {
    const l = this.byName.get(name);
    if (!l) throw new Error(`Cannot find device "${name}"`);
    return l;
  }

  addLink<S extends LinkSpec>(spec: S): Link {
    if (this.byName.has(spec.name)) throw new Error(`RTNETLINK answers: File exists (${spec.name})`);
    // the new fields ahead of the spread: a spread followed by more properties is V8's slow path
    const link = { ifindex: this.nextIndex++, qlen: 1000, ...spec } as Link;
    if (spec.qlen === undefined) link.qlen = 1000;
    this.byIndex.set(link.ifindex, link);
    this.byName.set(link.name, link);
    this.sysctl.addDevice(link.name);
    if (link.kind === 'bridge') this.fdb.replace({ mac: link.mac, dev: link.name, master: link.name, state: 'permanent' });
    if (link.up) this.linkLocal(link);
    return link;
  }

  setUp(name: string, up: boolean): void {
    const l = this.mustLink(name);
    if (l.up === up) return;
    l.up = up;
    if (up) this.linkLocal(l);
  }

  setMtu(name: string, mtu: number): void {
    this.mustLink(name).mtu = mtu;
  }

  /** `ip link set D master BR`: the bridge adds a permanent entry for the port's own MAC. */
  setMaster(name: string, bridge: string): void {
    const l = this.mustLink(name);
    const br = this.mustLink(bridge);
    if (br.kind !== 'bridge') throw new Error(`${bridge} is not a bridge`);
    l.master = bridge;
    this.fdb.replace({ mac: l.mac, dev: l.name, master: bridge, state: 'permanent' });
  }

  setHairpin(name: string, on: boolean): void {
    const l = this.mustLink(name);
    if (!l.master) throw new Error(`${name} is not a bridge port`);
    l.hairpin = on;
  }

  /** Removes a device and everything that hung on it; a veth takes its peer along. */
  deleteLink(name: string): void {
    const l = this.mustLink(name);
    this.forget(l);
    if (l.kind === 'veth') {
      const p = l.peer.netns.linkByIndex(l.peer.ifindex);
      if (p) l.peer.netns.forget(p);
    }
  }

  private forget(l: Link): void {
    this.byIndex.delete(l.ifindex);
    this.byName.delete(l.name);
    for (const a of [...(this.byDev.get(l.name) ?? [])]) this.forgetAddress(a);
    for (const t of this.tables.values()) t.delete({ dev: l.name });
    this.neigh.flushDev(l.name);
    this.fdb.flushDev(l.name);
    this.sysctl.removeDevice(l.name);
    for (const other of this.byIndex.values()) if (other.master === l.name) delete other.master;
  }

  /** The bridge's ports, in ifindex order. */
  bridgePorts(bridge: string): Link[] {
    return this.links().filter((l) => l.master === bridge);
  }

  /** The other end of a veth: its namespace and link. */
  peerOf(link: VethLink): { netns: NetNamespace; link: Link } | undefined {
    const l = link.peer.netns.linkByIndex(link.peer.ifindex);
    return l ? { netns: link.peer.netns, link: l } : undefined;
  }

  /** IFF flags and operational state, derived as the kernel derives carrier from the device kind. */
  status(l: Link): LinkStatus {
    const lowerUp = (s: LinkStatus['state'], flags: string[]): LinkStatus => ({ flags: [...flags, 'UP', 'LOWER_UP'], state: s, carrier: true });
    const bcast = ['BROADCAST', 'MULTICAST'];
    if (l.kind === 'loopback') return l.up ? lowerUp('UNKNOWN', ['LOOPBACK']) : { flags: ['LOOPBACK'], state: 'DOWN', carrier: false };
    if (l.kind === 'veth') {
      const peer = this.peerOf(l)?.link;
      const peerUp = !!peer?.up;
      if (!l.up) return { flags: [...bcast, ...(peerUp ? [] : ['M-DOWN'])], state: 'DOWN', carrier: false };
      return peerUp ? lowerUp('UP', bcast) : { flags: ['NO-CARRIER', ...bcast, 'UP', 'M-DOWN'], state: 'LOWERLAYERDOWN', carrier: false };
    }
    const flags = l.kind === 'dummy' ? ['BROADCAST', 'NOARP'] : bcast;
    if (!l.up) return { flags, state: 'DOWN', carrier: false };
    if (l.kind === 'bridge') {
      // A bridge has carrier while at least one port has.
      const carrier = this.bridgePorts(l.name).some((p) => p.up && this.status(p).carrier);
      return carrier ? lowerUp('UP', flags) : { flags: ['NO-CARRIER', ...flags, 'UP'], state: 'DOWN', carrier: false };
    }
    return lowerUp(l.kind === 'ether' ? 'UP' : 'UNKNOWN', flags);
  }

  // The kernel gives every link that comes up its IPv6 link-local address (::1 for lo).
  // Its routes come with it: fe80::/64 in main, the address and ff00::/8 multicast in local.
  private linkLocal(l: Link): void {
    if ((this.byDev.get(l.name) ?? []).some((a) => a.family === 6 && a.scope !== 'global')) return;
    if (l.kind === 'loopback') return this.addAddress({ family: 6, dev: l.name, address: '::1', prefix: 128, scope: 'host' });
    this.addAddress({ family: 6, dev: l.name, address: eui64LinkLocal(l.mac), prefix: 64, scope: 'link' });
    this.tables.get(RT_TABLE_LOCAL)!.add({ type: 'multicast', dst: 'ff00::', prefix: 8, scope: 'universe', proto: 'kernel', dev: l.name, metric: 256 });
  }

  // ---- addresses ----

  /** Addresses of one link (or all), IPv4 before IPv6 as `ip addr` prints them. */
  addressesOf(dev?: string, family?: 4 | 6): InterfaceAddress[] {
    const all = dev === undefined ? this.addresses : (this.byDev.get(dev) ?? []);
    if (family !== undefined) return all.filter((a) => a.family === family);
    return [...all.filter((a) => a.family === 4), ...all.filter((a) => a.family === 6)];
  }

  /** A number that moves whenever an address of the family is added or removed (on one link, or on any). */
  addressChanges(family: 4 | 6, dev?: string): number {
    const c = this.changes[family];
    return dev === undefined ? c.all : (c.dev.get(dev) ?? 0);
  }

  /** The links' entries for one address, in the order they were added. */
  holders(ip: string): readonly InterfaceAddress[] {
    const own = this.byAddress.get(ip) ?? [];
    // a held address came after every other holder (an add of it after the block takes the block in first)
    const a = this.held.holder(ip);
    return a ? [...own, a] : own;
  }

  /** The held blocks' addresses taken into this namespace's own indexes (before a change meets one of them). */
  private takeHeld(): void {
    this.held.takeInto(this.byAddress, this.subnets);
  }

  private changed(a: InterfaceAddress): void {
    const c = this.changes[a.family];
    c.all++;
    c.dev.set(a.dev, (c.dev.get(a.dev) ?? 0) + 1);
  }

  /** `subnet`: the address's subnetKey (IPv4). */
  private remember(a: InterfaceAddress, subnet?: string): void {
    this.changed(a);
    this.addresses.push(a);
    let list = this.byDev.get(a.dev);
    if (!list) this.byDev.set(a.dev, (list = []));
    list.push(a);
    const same = this.byAddress.get(a.address);
    if (same) same.push(a);
    else this.byAddress.set(a.address, [a]);
    if (a.family === 4) {
      const k = subnet ?? subnetKey(a);
      this.subnets.set(k, (this.subnets.get(k) ?? 0) + 1);
    }
  }

  private forgetAddress(a: InterfaceAddress): void {
    if (this.held.holder(a.address)) this.takeHeld();
    this.changed(a);
    this.addresses.splice(this.addresses.lastIndexOf(a), 1);
    const list = this.byDev.get(a.dev)!;
    list.splice(list.lastIndexOf(a), 1);
    if (list.length === 0) this.byDev.delete(a.dev);
    const same = this.byAddress.get(a.address)!;
    same.splice(same.indexOf(a), 1);
    if (same.length === 0) this.byAddress.delete(a.address);
    if (a.family === 4) {
      const k = subnetKey(a);
      const n = this.subnets.get(k)! - 1;
      if (n) this.subnets.set(k, n);
      else this.subnets.delete(k);
    }
  }

  /**
   * `ip addr add`: besides the address, the kernel adds the local route, the connected (prefix)
   * route for the first address of a subnet and the subnet's broadcast route, as fib_add_ifaddr does.
   */
  addAddress(a: InterfaceAddress): void {
    this.mustLink(a.dev);
    if (this.held.holder(a.address)) this.takeHeld();
    if (a.family !== 4) {
      this.remember(a);
      // IPv6: the address's own local route, and the connected prefix (metric 256, as the kernel adds it).
      this.tables.get(RT_TABLE_LOCAL)!.add({ type: 'local', dst: a.address, prefix: 128, scope: 'host', proto: 'kernel', dev: a.dev, metric: 0 });
      if (this.mustLink(a.dev).kind !== 'loopback') this.tables.get(RT_TABLE_MAIN)!.add({ type: 'unicast', dst: a.address, prefix: a.prefix, scope: 'universe', proto: 'kernel', dev: a.dev, metric: 256 });
      return;
    }
    const net = networkOf(a);
    const subnet = subnetKey(a);
    const secondary = this.subnets.has(subnet);
    this.remember(secondary ? { ...a, secondary: true } : a, subnet);
    const local = this.tables.get(RT_TABLE_LOCAL)!;
    const src = a.address;
    const dev = a.dev;
    local.add({ type: 'local', dst: a.address, prefix: 32, scope: 'host', proto: 'kernel', src, dev });
    if (secondary) return;
    if (a.prefix < 32) {
      if (this.mustLink(a.dev).kind === 'loopback') local.add({ type: 'local', dst: intToIpv4(net), prefix: a.prefix, scope: 'host', proto: 'kernel', src, dev });
      else this.tables.get(RT_TABLE_MAIN)!.add({ type: 'unicast', dst: intToIpv4(net), prefix: a.prefix, scope: 'link', proto: 'kernel', src, dev });
    }
    if (a.prefix < 31) {
      const bcast = intToIpv4((net | (0xffffffff >>> a.prefix)) >>> 0);
      local.add({ type: 'broadcast', dst: bcast, prefix: 32, scope: 'link', proto: 'kernel', src, dev });
    }
  }

  /**
   * Host addresses made once for many namespaces (kube-ipvs0's Service addresses on every node),
   * added as a loop of addAddress would add them to a link holding none of the family.
   */
  addHostAddresses(block: HostAddressBlock): void {
    const link = this.mustLink(block.dev);
    if ((this.byDev.get(block.dev) ?? []).some((a) => a.family === block.family)) throw new Error(`${block.dev} already holds IPv${block.family} addresses`);
    const c = this.changes[block.family];
    c.all += block.addresses.length;
    c.dev.set(block.dev, (c.dev.get(block.dev) ?? 0) + block.addresses.length);
    let list = this.byDev.get(block.dev);
    if (!list) this.byDev.set(block.dev, (list = []));
    for (const a of block.addresses) {
      this.addresses.push(a);
      list.push(a);
    }
    // a second block holding one of these addresses takes the first in (holders keeps add order)
    if (this.held.meets(block)) this.takeHeld();
    this.held.add(block);
    this.tables.get(RT_TABLE_LOCAL)!.addBatch(block.local);
    if (block.main && link.kind !== 'loopback') this.tables.get(RT_TABLE_MAIN)!.addBatch(block.main);
  }

  deleteAddress(dev: string, address: string): void {
    const a = this.byDev.get(dev)?.find((x) => x.address === address);
    if (!a) throw new Error(`RTNETLINK answers: Cannot assign requested address (${address} on ${dev})`);
    this.forgetAddress(a);
    for (const t of this.tables.values()) t.delete({ dev, proto: 'kernel', src: address });
  }

  // ---- routes ----

  table(id: number): RoutingTable {
    let t = this.tables.get(id);
    if (!t) {
      t = new RoutingTable(id);
      this.tables.set(id, t);
    }
    return t;
  }

  /** Routes of a table (main by default) and family in dump order. */
  routes(table = RT_TABLE_MAIN, family: 4 | 6 = 4): Route[] {
    return this.tables.get(table)?.routes(family) ?? [];
  }

  /** The spec with its defaults (the table keeps its own copy of the route, without the spec's table). */
  private full(r: RouteSpec): Omit<Route, 'table'> {
    if (r.dev) this.mustLink(r.dev);
    const proto = r.proto ?? 'boot';
    const scope = r.scope ?? (r.type === 'local' ? 'host' : r.via || !r.dev ? 'universe' : 'link');
    if (r.proto === proto && r.scope === scope) return r as Omit<Route, 'table'>;
    // field by field: a spread followed by more properties is V8's slow path
    const out: Omit<Route, 'table'> = { type: r.type, dst: r.dst, prefix: r.prefix, proto, scope };
    if (r.via !== undefined) out.via = r.via;
    if (r.dev !== undefined) out.dev = r.dev;
    if (r.onlink !== undefined) out.onlink = r.onlink;
    if (r.src !== undefined) out.src = r.src;
    if (r.metric !== undefined) out.metric = r.metric;
    return out;
  }

  /** `ip route add`; false when the route already exists. */
  addRoute(r: RouteSpec): boolean {
    return this.table(r.table ?? RT_TABLE_MAIN).add(this.full(r));
  }

  /** `ip route replace`. */
  replaceRoute(r: RouteSpec): void {
    this.table(r.table ?? RT_TABLE_MAIN).replace(this.full(r));
  }

  deleteRoute(match: Partial<Route>): number {
    return this.table(match.table ?? RT_TABLE_MAIN).delete(match);
  }

  /**
   * The FIB lookup for a destination: the default policy rules consult table local, then main,
   * then default; within a table the longest prefix wins.
   */
  lookup(dst: string, opts: LookupOptions = {}): RouteMatch | undefined {
    for (const id of [RT_TABLE_LOCAL, RT_TABLE_MAIN, RT_TABLE_DEFAULT]) {
      const r = this.tables.get(id)?.lookup(dst, opts);
      if (r) return { route: r, nexthop: r.via ?? dst, ...(r.dev ? { dev: r.dev } : {}) };
    }
    return undefined;
  }

  /**
   * The source address the kernel picks for a packet leaving by `dev` towards `dst` when the
   * route names none: a primary address of that device (one on dst's subnet first), else any
   * global address of the namespace.
   */
  sourceFor(dev: string, dst: string): string | undefined {
    const family = dst.includes(':') ? 6 : 4;
    const own = (this.byDev.get(dev) ?? []).filter((a) => a.family === family && !a.secondary && a.scope !== 'host' && a.scope !== 'link');
    const onSubnet = own.find((a) => cidrContains(parseCIDR(`${a.address}/${a.prefix}`)!, dst));
    return (onSubnet ?? own[0] ?? this.addresses.find((a) => a.family === family && a.scope === 'global'))?.address;
  }

  /** Whether an address is one of this namespace's own (a `local` route covers it). */
  isLocal(ip: string): boolean {
    return this.tables.get(RT_TABLE_LOCAL)!.lookup(ip)?.type === 'local';
  }
}

/**
 * `ip link add A type veth peer name B netns …`: a pair whose ends may sit in two namespaces.
 * Each end takes the next ifindex of its own namespace.
 */
export function addVethPair(
  a: { netns: NetNamespace; name: string; mac: string; mtu: number },
  b: { netns: NetNamespace; name: string; mac: string; mtu: number },
): [VethLink, VethLink] {
  const la = a.netns.addLink({ kind: 'veth', name: a.name, mac: a.mac, mtu: a.mtu, up: false, peer: { netns: b.netns, ifindex: 0 } }) as VethLink;
  const lb = b.netns.addLink({ kind: 'veth', name: b.name, mac: b.mac, mtu: b.mtu, up: false, peer: { netns: a.netns, ifindex: la.ifindex } }) as VethLink;
  la.peer.ifindex = lb.ifindex;
  return [la, lb];
}

