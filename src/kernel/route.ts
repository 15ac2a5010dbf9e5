// IPv4 routing tables: routes with the attributes `ip route` shows, kept in the kernel's dump
// order, and the longest-prefix-match lookup the FIB does.
import { bigIntToIP, intToIpv4, ipToBigInt, ipv4ToInt } from '../net/ip.js';

export const RT_TABLE_MAIN = 254;
export const RT_TABLE_LOCAL = 255;
export const RT_TABLE_DEFAULT = 253;

export type RouteType = 'unicast' | 'local' | 'broadcast' | 'multicast' | 'blackhole' | 'unreachable' | 'prohibit';
export type RouteScope = 'universe' | 'site' | 'link' | 'host' | 'nowhere';
/** rtm_protocol names from /etc/iproute2/rt_protos; `boot` is what a route added without one gets. */
export type RouteProto = 'kernel' | 'boot' | 'static' | 'dhcp' | 'ra';

export interface Route {
  table: number;
  type: RouteType;
  /** Destination network address; 0.0.0.0 with prefix 0 is `default`. */
  dst: string;
  prefix: number;
  /** Gateway (`via`). */
  via?: string;
  dev?: string;
  /** The gateway is reachable on `dev` even though no connected route covers it. */
  onlink?: boolean;
  proto: RouteProto;
  scope: RouteScope;
  /** Preferred source address (`src`). */
  src?: string;
  /** Priority (`metric`); absent = 0. */
  metric?: number;
}

/** What a lookup found: the route, and the next hop and device the packet leaves by. */
export interface RouteMatch {
  route: Route;
  /** The gateway, or the destination itself for a connected (or local) route. */
  nexthop: string;
  dev?: string;
}

export interface LookupOptions {
  /** Only routes through this output device (SO_BINDTODEVICE, `ip route get … oif D`). */
  oif?: string;
  /** The source address the packet already carries; returned routes must not contradict a bound source. */
  src?: string;
}

interface Entry {
  route: Route;
  v6: boolean;
  /** IPv4 as 32-bit numbers (the hot path); IPv6 as BigInt. */
  net: number;
  mask: number;
  net6: bigint;
  mask6: bigint;
}

const ALL6 = (1n << 128n) - 1n;

function mask6Of(prefix: number): bigint {
  return prefix === 0 ? 0n : (ALL6 >> BigInt(128 - prefix)) << BigInt(128 - prefix);
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

const TYPE_ORDER: Record<RouteType, number> = { unicast: 0, local: 1, broadcast: 2, multicast: 3, blackhole: 4, unreachable: 5, prohibit: 6 };

/**
 * Kernel dump order. IPv4: ascending destination, longer prefix first on the same key. IPv6: the
 * fib6 tree walked children first, so a prefix comes after every route inside it (default last).
 * Then metric.
 */
function compare(a: Entry, b: Entry): number {
  if (a.v6 !== b.v6) return a.v6 ? 1 : -1;
  let byNet: number;
  if (a.v6) {
    const m = mask6Of(Math.min(a.route.prefix, b.route.prefix));
    const x = a.net6 & m;
    const y = b.net6 & m;
    byNet = x < y ? -1 : x > y ? 1 : 0;
  } else byNet = a.net - b.net;
  return byNet || b.route.prefix - a.route.prefix || (a.route.metric ?? 0) - (b.route.metric ?? 0) || TYPE_ORDER[a.route.type] - TYPE_ORDER[b.route.type];
}

function sameKey(a: Route, b: Route): boolean {
  return a.dst === b.dst && a.prefix === b.prefix && (a.metric ?? 0) === (b.metric ?? 0) && a.type === b.type;
}

export class RoutingTable {
  private entries: Entry[] = [];

  constructor(readonly id: number) {}

  /** Routes of one family in the order `ip [-6] route show table <id>` lists them. */
  routes(family: 4 | 6 = 4): Route[] {
    return this.entries.filter((e) => e.v6 === (family === 6)).map((e) => e.route);
  }

  /** `ip route add`: fails (returns false) when a route with the same key exists. */
  add(route: Omit<Route, 'table'>): boolean {
    const r = normalise({ ...route, table: this.id });
    // Local and broadcast routes, and IPv6 routes (fe80::/64 on every link), are per device.
    const perDev = r.type === 'local' || r.type === 'broadcast' || r.dst.includes(':');
    if (this.entries.some((e) => sameKey(e.route, r) && (!perDev || e.route.dev === r.dev))) return false;
    this.insert(r);
    return true;
  }

  /** `ip route replace`: the route with the same key is swapped for this one. */
  replace(route: Omit<Route, 'table'>): void {
    const r = normalise({ ...route, table: this.id });
    this.entries = this.entries.filter((e) => !sameKey(e.route, r));
    this.insert(r);
  }

  /** Deletes routes matching every given field; returns how many went. */
  delete(match: Partial<Route>): number {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => !Object.entries(match).every(([k, v]) => e.route[k as keyof Route] === v));
    return before - this.entries.length;
  }

  private insert(r: Route): void {
    const v6 = r.dst.includes(':');
    const e: Entry = v6
      ? { route: r, v6, net: 0, mask: 0, net6: ipToBigInt(r.dst), mask6: mask6Of(r.prefix) }
      : { route: r, v6, net: ipv4ToInt(r.dst), mask: maskOf(r.prefix), net6: 0n, mask6: 0n };
    // An IPv6 route joins its fib6 node ahead of routes of equal key (the newest is listed first).
    const i = this.entries.findIndex((x) => (v6 ? compare(e, x) <= 0 : compare(e, x) < 0));
    if (i < 0) this.entries.push(e);
    else this.entries.splice(i, 0, e);
  }

  /** The longest prefix covering `dst` (lowest metric among equals), or undefined. */
  lookup(dst: string, opts: LookupOptions = {}): Route | undefined {
    const v6 = dst.includes(':');
    const d = v6 ? 0 : ipv4ToInt(dst);
    const d6 = v6 ? ipToBigInt(dst) : 0n;
    let best: Entry | undefined;
    for (const e of this.entries) {
      if (e.v6 !== v6 || e.route.type === 'multicast') continue;
      if (v6 ? (d6 & e.mask6) !== e.net6 : ((d & e.mask) >>> 0) !== e.net) continue;
      if (opts.oif && e.route.dev !== undefined && e.route.dev !== opts.oif) continue;
      if (!best || e.route.prefix > best.route.prefix || (e.route.prefix === best.route.prefix && (e.route.metric ?? 0) < (best.route.metric ?? 0))) best = e;
    }
    return best?.route;
  }
}

function normalise(r: Route): Route {
  // IPv6 routes always carry a metric: 256 for the kernel's prefix routes, 0 for local ones, 1024 (IP6_RT_PRIO_USER) for the rest.
  if (r.dst.includes(':')) return { ...r, metric: r.metric ?? (r.type === 'local' ? 0 : r.proto === 'kernel' ? 256 : 1024), dst: bigIntToIP(ipToBigInt(r.dst) & mask6Of(r.prefix), 6) };
  const net = (ipv4ToInt(r.dst) & maskOf(r.prefix)) >>> 0;
  return { ...r, dst: intToIpv4(net) };
}
