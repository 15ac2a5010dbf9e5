// IPv4 routing tables: routes with the attributes `ip route` shows, in the kernel's dump order, and the FIB's longest-prefix match.
import { bigIntToIP, intToIpv4, ipToBigInt, ipv4ToInt } from '../net/ip.js';
import type { HeldRoutes } from './route-batch.js';

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

export interface Entry {
  route: Route;
  v6: boolean;
  /** IPv4 as 32-bit numbers (the hot path); IPv6 as BigInt. */
  net: number;
  net6: bigint;
  key: string | undefined; // addKey's text, made on first use
}

const ALL6 = (1n << 128n) - 1n;
/** The IPv6 netmask of every prefix length, made once (a mask per comparison was a BigInt shift pair). */
const MASKS6: readonly bigint[] = Array.from({ length: 129 }, (_, p) => (p === 0 ? 0n : (ALL6 >> BigInt(128 - p)) << BigInt(128 - p)));

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

const TYPE_ORDER: Record<RouteType, number> = { unicast: 0, local: 1, broadcast: 2, multicast: 3, blackhole: 4, unreachable: 5, prohibit: 6 };

/**
 * Kernel dump order. IPv4: ascending destination, longer prefix first on the same key. IPv6: the
 * fib6 tree walked children first, so a prefix comes after every route inside it (default last).
 * Then metric.
 */
export function compare(a: Entry, b: Entry): number {
  if (a.v6 !== b.v6) return a.v6 ? 1 : -1;
  let byNet: number;
  if (a.v6) {
    // each net6 is masked by its own prefix already: only the longer one needs the shorter's mask
    const pa = a.route.prefix;
    const pb = b.route.prefix;
    const x = pa <= pb ? a.net6 : a.net6 & MASKS6[pb]!;
    const y = pb <= pa ? b.net6 : b.net6 & MASKS6[pa]!;
    byNet = x < y ? -1 : x > y ? 1 : 0;
  } else byNet = a.net - b.net;
  return byNet || b.route.prefix - a.route.prefix || (a.route.metric ?? 0) - (b.route.metric ?? 0) || TYPE_ORDER[a.route.type] - TYPE_ORDER[b.route.type];
}

function sameKey(a: Route, b: Route): boolean {
  return a.dst === b.dst && a.prefix === b.prefix && (a.metric ?? 0) === (b.metric ?? 0) && a.type === b.type;
}

export class RoutingTable {
  /** Every route in dump order. */
  private entries: Entry[] = [];
  /** The FIB's view: per family, per prefix length, per network, the routes in dump order. */
  private readonly byPrefix: [Map<number, Map<number | bigint, Entry[]>>, Map<number, Map<number | bigint, Entry[]>>] = [new Map(), new Map()];
  /** Per family, the prefix lengths present, longest first (the order a lookup tries them). */
  private readonly prefixes: [number[], number[]] = [[], []];
  /** Routes by preferred source (an address going takes its routes along). */
  private readonly bySrc = new Map<string, Entry[]>();
  /** Routes by the key `add` refuses a second of (a bridge's veths each bring a fe80::/64 and ff00::/8). */
  private readonly byKey = new Map<string, Entry>();
  /** Batches held whole, shared with other tables (in none of this table's own indexes): merged in when a change meets one. */
  private readonly held: HeldRoutes[] = [];

  constructor(readonly id: number) {}

  /** Routes of one family in the order `ip [-6] route show table <id>` lists them. */
  routes(family: 4 | 6 = 4): Route[] {
    let all = this.entries;
    for (const b of this.held) all = mergeSorted(all, b.sorted);
    return all.filter((e) => e.v6 === (family === 6)).map((e) => e.route);
  }

  /** `ip route add`: fails (returns false) when a route with the same key exists. */
  add(route: Omit<Route, 'table'>): boolean {
    const e = entryOf(route, this.id);
    this.meet(e);
    if (this.byKey.has(addKey(e))) return false;
    this.insert(e);
    return true;
  }

  /**
   * Routes made once for many tables (a RouteBatch), added as a loop of add() in their order
   * would add them: held whole when no key of it is here, else one merge into the dump order
   * instead of an insertion each.
   */
  addBatch(batch: HeldRoutes): void {
    if (batch.table !== this.id) throw new Error(`route batch for table ${batch.table} added to table ${this.id}`);
    if (this.canHold(batch)) this.held.push(batch);
    else this.merge(batch);
  }

  /** Whether a batch's keys are distinct and none is this table's or another held batch's. */
  private canHold(batch: HeldRoutes): boolean {
    if (!batch.keyed) return false;
    for (const e of this.entries) if (batch.bucket(e)) return false;
    for (const h of this.held) {
      const [small, big] = h.size < batch.size ? [h, batch] : [batch, h];
      for (const e of small.entries) if (big.bucket(e)) return false;
    }
    return true;
  }

  /** A change to a key a held batch has: the held batches become this table's own first. */
  private meet(e: Entry): void {
    if (this.held.length && this.held.some((b) => b.bucket(e))) this.mergeHeld();
  }

  private mergeHeld(): void {
    for (const b of this.held.splice(0)) this.merge(b);
  }

  private merge(batch: HeldRoutes): void {
    const later: Entry[] = [];
    for (const e of batch.entries) {
      // one sharing a network with a route here (or earlier in the batch) takes add()'s way after the merge
      if (this.byPrefix[e.v6 ? 1 : 0].get(e.route.prefix)?.has(e.v6 ? e.net6 : e.net)) later.push(e);
      else this.index(e, [e]);
    }
    // fresh entries share no key with the table's, so merging keeps the order insertions would make
    const skip = new Set(later);
    this.entries = mergeSorted(this.entries, skip.size === 0 ? batch.sorted : batch.sorted.filter((e) => !skip.has(e)));
    for (const e of later) this.add(e.route);
  }

  /** `ip route replace`: the route with the same key is swapped for this one. */
  replace(route: Omit<Route, 'table'>): void {
    const e = entryOf(route, this.id);
    this.meet(e);
    this.remove(this.bucketOf(e).filter((x) => sameKey(x.route, e.route)));
    this.insert(e);
  }

  /** Deletes routes matching every given field; returns how many went. */
  delete(match: Partial<Route>): number {
    if (this.held.some((b) => b.mayMatch(match))) this.mergeHeld();
    const fields = Object.entries(match) as [keyof Route, unknown][];
    const candidates = typeof match.src === 'string' ? [...(this.bySrc.get(match.src) ?? [])] : this.entries;
    const gone = candidates.filter((e) => fields.every(([k, v]) => e.route[k] === v));
    this.remove(gone);
    return gone.length;
  }

  private bucketOf(e: Entry): Entry[] {
    return this.byPrefix[e.v6 ? 1 : 0].get(e.route.prefix)?.get(e.v6 ? e.net6 : e.net) ?? [];
  }

  private insert(e: Entry): void {
    const v6 = e.v6;
    // An IPv6 route joins its fib6 node ahead of routes of equal key (the newest is listed first).
    this.entries.splice(this.firstAfter(e, v6), 0, e);
    const nets = this.byPrefix[v6 ? 1 : 0].get(e.route.prefix);
    const bucket = nets?.get(v6 ? e.net6 : e.net);
    if (!bucket) return this.index(e, [e]);
    // the bucket keeps dump order, by the same rule as the table
    const at = bucket.findIndex((x) => (v6 ? compare(e, x) <= 0 : compare(e, x) < 0));
    if (at < 0) bucket.push(e);
    else bucket.splice(at, 0, e);
    this.indexKeys(e);
  }

  /** A route's place in the FIB's view under a new bucket, and by its source. */
  private index(e: Entry, bucket: Entry[]): void {
    const { route: r, v6 } = e;
    const fam = v6 ? 1 : 0;
    let nets = this.byPrefix[fam].get(r.prefix);
    if (!nets) {
      this.byPrefix[fam].set(r.prefix, (nets = new Map()));
      const ps = this.prefixes[fam];
      ps.push(r.prefix);
      ps.sort((a, b) => b - a);
    }
    nets.set(v6 ? e.net6 : e.net, bucket);
    this.indexKeys(e);
  }

  /** A route's place by its source and by its add key. */
  private indexKeys(e: Entry): void {
    const r = e.route;
    // add refuses a second route of a key and replace takes out every one: each key is held once
    this.byKey.set(addKey(e), e);
    if (r.src !== undefined) {
      const same = this.bySrc.get(r.src);
      if (same) same.push(e);
      else this.bySrc.set(r.src, [e]);
    }
  }

  /** Where e goes in dump order: the first entry sorting after it (IPv4), or not before it (IPv6). */
  private firstAfter(e: Entry, v6: boolean): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = compare(e, this.entries[mid]!);
      if (v6 ? c <= 0 : c < 0) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private remove(gone: Entry[]): void {
    if (gone.length === 0) return;
    const set = new Set(gone);
    if (gone.length > 8) this.entries = this.entries.filter((e) => !set.has(e));
    for (const e of gone) {
      if (gone.length <= 8) {
        // equal keys sit together from the first entry not sorting before e
        let i = this.firstAfter(e, true);
        while (this.entries[i] !== e) i++;
        this.entries.splice(i, 1);
      }
      const fam = e.v6 ? 1 : 0;
      const nets = this.byPrefix[fam].get(e.route.prefix)!;
      const key = e.v6 ? e.net6 : e.net;
      const bucket = nets.get(key)!;
      bucket.splice(bucket.indexOf(e), 1);
      if (bucket.length === 0) nets.delete(key);
      if (nets.size === 0) {
        this.byPrefix[fam].delete(e.route.prefix);
        const ps = this.prefixes[fam];
        ps.splice(ps.indexOf(e.route.prefix), 1);
      }
      this.byKey.delete(addKey(e));
      if (e.route.src !== undefined) {
        const same = this.bySrc.get(e.route.src)!;
        same.splice(same.indexOf(e), 1);
        if (same.length === 0) this.bySrc.delete(e.route.src);
      }
    }
  }

  /** The prefix lengths a lookup tries, longest first: this table's own and its held batches'. */
  private lookupPrefixes(fam: 0 | 1): readonly number[] {
    if (this.held.length === 0) return this.prefixes[fam];
    const all = new Set(this.prefixes[fam]);
    for (const b of this.held) for (const p of b.prefixes[fam]) all.add(p);
    return [...all].sort((a, b) => b - a);
  }

  /** The longest prefix covering `dst` (lowest metric among equals), or undefined. */
  lookup(dst: string, opts: LookupOptions = {}): Route | undefined {
    const v6 = dst.includes(':');
    const d = v6 ? 0 : ipv4ToInt(dst);
    const d6 = v6 ? ipToBigInt(dst) : 0n;
    const fam = v6 ? 1 : 0;
    for (const prefix of this.lookupPrefixes(fam)) {
      const key = v6 ? d6 & MASKS6[prefix]! : (d & maskOf(prefix)) >>> 0;
      let bucket = this.byPrefix[fam].get(prefix)?.get(key);
      for (let i = 0; !bucket && i < this.held.length; i++) bucket = this.held[i]!.bucketAt(fam, prefix, key);
      if (!bucket) continue;
      let best: Entry | undefined;
      for (const e of bucket) {
        if (e.route.type === 'multicast') continue;
        if (opts.oif && e.route.dev !== undefined && e.route.dev !== opts.oif) continue;
        if (!best || (e.route.metric ?? 0) < (best.route.metric ?? 0)) best = e;
      }
      if (best) return best.route;
    }
    return undefined;
  }
}

/**
 * What makes two routes the same for `ip route add`: destination, prefix, metric and type, and
 * the device for local and broadcast routes and for IPv6 (fe80::/64 is on every link).
 */
function addKey(e: Entry): string {
  if (e.key !== undefined) return e.key;
  const r = e.route;
  const perDev = r.type === 'local' || r.type === 'broadcast' || e.v6;
  return (e.key = `${r.dst}/${r.prefix} ${r.metric ?? 0} ${r.type}${perDev ? ` ${r.dev}` : ''}`);
}

/** The route as the table keeps it: the destination's host bits cleared (and an IPv6 route's metric filled in). */
export function entryOf(route: Omit<Route, 'table'>, table: number): Entry {
  if (route.dst.includes(':')) {
    const net6 = ipToBigInt(route.dst) & MASKS6[route.prefix]!;
    // IPv6 routes always carry a metric: 256 for the kernel's prefix routes, 0 for local ones, 1024 (IP6_RT_PRIO_USER) for the rest.
    const metric = route.metric ?? (route.type === 'local' ? 0 : route.proto === 'kernel' ? 256 : 1024);
    return { route: kept(route, table, bigIntToIP(net6, 6), metric), v6: true, net: 0, net6, key: undefined };
  }
  const net = (ipv4ToInt(route.dst) & maskOf(route.prefix)) >>> 0;
  return { route: kept(route, table, intToIpv4(net), route.metric), v6: false, net, net6: 0n, key: undefined };
}

/** A copy of the route with its table, destination and metric, field by field (a spread followed by more properties is V8's slow path). */
function kept(r: Omit<Route, 'table'>, table: number, dst: string, metric: number | undefined): Route {
  const out: Route = { table, type: r.type, dst, prefix: r.prefix, proto: r.proto, scope: r.scope };
  if (r.via !== undefined) out.via = r.via;
  if (r.dev !== undefined) out.dev = r.dev;
  if (r.onlink !== undefined) out.onlink = r.onlink;
  if (r.src !== undefined) out.src = r.src;
  if (metric !== undefined) out.metric = metric;
  return out;
}

/** Two lists in dump order as one. */
function mergeSorted(a: readonly Entry[], b: readonly Entry[]): Entry[] {
  const out: Entry[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(compare(b[j]!, a[i]!) < 0 ? b[j++]! : a[i++]!);
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}
