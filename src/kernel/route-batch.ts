// Routes made once for many namespaces' tables (kube-ipvs0's local routes on every node): a
// batch of any routes, indexed once, and a batch of IPv4 host routes made only when read.
import { intToIpv4 } from '../net/ip.js';
import { compare, entryOf, type Entry, type Route } from './route.js';

/** What a routing table reads of a batch it holds whole or merges in. */
export interface HeldRoutes {
  readonly table: number;
  /** In the order they were given (the order add() would see them). */
  readonly entries: readonly Entry[];
  /** The same in dump order. */
  readonly sorted: readonly Entry[];
  /** Whether no two routes share a key (prefix and network). */
  readonly keyed: boolean;
  /** How many routes (entries.length, without making them). */
  readonly size: number;
  /** Per family, the prefix lengths present. */
  readonly prefixes: readonly [readonly number[], readonly number[]];
  /** The batch's bucket for an entry's key, if any. */
  bucket(e: Entry): Entry[] | undefined;
  bucketAt(fam: 0 | 1, prefix: number, key: number | bigint): Entry[] | undefined;
  /** Whether a delete's match may take some of these routes (false only when its device or source is none of theirs). */
  mayMatch(match: Partial<Route>): boolean;
}

/** What both batches do alike: the dump order sorted when first needed, a key's bucket found by its parts. */
abstract class Batch implements HeldRoutes {
  abstract readonly table: number;
  abstract readonly entries: readonly Entry[];
  abstract readonly keyed: boolean;
  abstract readonly size: number;
  abstract readonly prefixes: readonly [readonly number[], readonly number[]];
  abstract bucketAt(fam: 0 | 1, prefix: number, key: number | bigint): Entry[] | undefined;
  abstract mayMatch(match: Partial<Route>): boolean;
  /** The dump order, sorted when first needed (a dump, a merge; lookups go by the buckets). */
  private dumpOrder?: readonly Entry[];

  get sorted(): readonly Entry[] {
    return (this.dumpOrder ??= [...this.entries].sort(compare));
  }

  bucket(e: Entry): Entry[] | undefined {
    return this.bucketAt(e.v6 ? 1 : 0, e.route.prefix, e.v6 ? e.net6 : e.net);
  }
}

/**
 * Routes for one table id, made once (sorted in dump order) to be added to many namespaces'
 * tables; with distinct keys, indexed once too, for the tables that hold it whole.
 */
export class RouteBatch extends Batch {
  /** In the order they were given (the order add() would see them). */
  readonly entries: readonly Entry[];
  get size(): number { return this.entries.length; }
  /** Whether no two routes share a key (prefix and network). */
  readonly keyed: boolean;
  /** Per family, per prefix, per network, the route as a one-entry bucket (never changed). */
  private readonly buckets: [Map<number, Map<number | bigint, Entry[]>>, Map<number, Map<number | bigint, Entry[]>>] = [new Map(), new Map()];
  /** Per family, the prefix lengths present. */
  readonly prefixes: [number[], number[]] = [[], []];
  private readonly devs = new Set<string | undefined>();
  private readonly srcs = new Set<string | undefined>();

  constructor(readonly table: number, routes: readonly Omit<Route, 'table'>[]) {
    super();
    this.entries = routes.map((r) => entryOf(r, table));
    let keyed = true;
    for (const e of this.entries) {
      const fam = e.v6 ? 1 : 0;
      let nets = this.buckets[fam].get(e.route.prefix);
      if (!nets) {
        this.buckets[fam].set(e.route.prefix, (nets = new Map()));
        this.prefixes[fam].push(e.route.prefix);
      }
      const key = e.v6 ? e.net6 : e.net;
      if (nets.has(key)) keyed = false;
      else nets.set(key, [e]);
      this.devs.add(e.route.dev);
      this.srcs.add(e.route.src);
    }
    this.keyed = keyed;
  }

  bucketAt(fam: 0 | 1, prefix: number, key: number | bigint): Entry[] | undefined {
    return this.buckets[fam].get(prefix)?.get(key);
  }

  /** Whether a delete's match may take some of these routes (false only when its device or source is none of theirs). */
  mayMatch(match: Partial<Route>): boolean {
    return !('dev' in match && !this.devs.has(match.dev)) && !('src' in match && !this.srcs.has(match.src));
  }
}

/**
 * The local routes (`local IP dev DEV proto kernel scope host src IP`) of distinct canonical
 * IPv4 host addresses, as a RouteBatch of them would hold them, each route made when a lookup
 * meets its address and all of them when something lists or merges the batch: a node's first
 * trace looks up one Service address of 10,000.
 */
export class HostRouteBatch extends Batch {
  readonly keyed = true;
  readonly prefixes: readonly [readonly number[], readonly number[]];
  /** The buckets made so far, by address (the one entry each, reused when all are made). */
  private readonly made = new Map<string, Entry[]>();
  private all?: readonly Entry[];

  constructor(
    readonly table: number,
    readonly dev: string,
    /** Distinct, each as intToIpv4 prints it (its lookups go by that text). */
    private readonly ips: readonly string[],
    private readonly has: (ip: string) => boolean,
  ) {
    super();
    this.prefixes = [ips.length ? [32] : [], []];
  }

  get size(): number {
    return this.ips.length;
  }

  get entries(): readonly Entry[] {
    return (this.all ??= this.ips.map((ip) => this.entryAt(ip)[0]!));
  }

  bucketAt(fam: 0 | 1, prefix: number, key: number | bigint): Entry[] | undefined {
    if (fam !== 0 || prefix !== 32) return undefined;
    const ip = intToIpv4(key as number);
    return this.has(ip) ? this.entryAt(ip) : undefined;
  }

  mayMatch(match: Partial<Route>): boolean {
    return !('dev' in match && match.dev !== this.dev) && !('src' in match && !(typeof match.src === 'string' && this.has(match.src)));
  }

  private entryAt(ip: string): Entry[] {
    let b = this.made.get(ip);
    if (!b) this.made.set(ip, (b = [entryOf({ type: 'local', dst: ip, prefix: 32, scope: 'host', proto: 'kernel', src: ip, dev: this.dev }, this.table)]));
    return b;
  }
}
