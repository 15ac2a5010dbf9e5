// Host address blocks: addresses of one link made once for many namespaces (kube-ipvs0's Service
// addresses on every node), with the routes each brings, and the blocks a namespace holds whole
// until a change meets one of their addresses.
import { ipFamily, ipv4ToInt } from '../net/ip.js';
import type { InterfaceAddress } from './address.js';
import { RT_TABLE_LOCAL, RT_TABLE_MAIN } from './route.js';
import { HostRouteBatch, RouteBatch, type HeldRoutes } from './route-batch.js';

/** Distinct host addresses (/32, /128) of one link, with the routes addAddress gives each, made once. */
export class HostAddressBlock {
  readonly addresses: readonly InterfaceAddress[];
  readonly byAddress: ReadonlyMap<string, InterfaceAddress>;
  readonly local: HeldRoutes;
  /** IPv6's connected /128 routes (none on a loopback link). */
  readonly main?: RouteBatch;

  constructor(
    readonly dev: string,
    readonly family: 4 | 6,
    ips: readonly string[],
  ) {
    const prefix = family === 4 ? 32 : 128;
    this.addresses = ips.map((address) => ({ family, dev, address, prefix, scope: 'global' }));
    this.byAddress = new Map(this.addresses.map((a) => [a.address, a]));
    if (this.byAddress.size !== ips.length) throw new Error('a host address block holds each address once');
    // canonical IPv4 (as kube-proxy's plans hold them): each route made when first met
    if (family === 4 && ips.every((ip) => ipFamily(ip) === 4)) this.local = new HostRouteBatch(RT_TABLE_LOCAL, dev, ips, (ip) => this.byAddress.has(ip));
    else if (family === 4) {
      this.local = new RouteBatch(RT_TABLE_LOCAL, ips.map((ip) => ({ type: 'local', dst: ip, prefix: 32, scope: 'host', proto: 'kernel', src: ip, dev })));
    } else {
      this.local = new RouteBatch(RT_TABLE_LOCAL, ips.map((ip) => ({ type: 'local', dst: ip, prefix: 128, scope: 'host', proto: 'kernel', dev, metric: 0 })));
      this.main = new RouteBatch(RT_TABLE_MAIN, ips.map((ip) => ({ type: 'unicast', dst: ip, prefix: 128, scope: 'universe', proto: 'kernel', dev, metric: 256 })));
    }
  }
}

/** An IPv4 address's network as a number. */
export function networkOf(a: InterfaceAddress): number {
  const mask = a.prefix === 0 ? 0 : (0xffffffff << (32 - a.prefix)) >>> 0;
  return (ipv4ToInt(a.address) & mask) >>> 0;
}

/** An IPv4 address's subnet on its link. */
export function subnetKey(a: InterfaceAddress): string {
  return `${a.dev} ${networkOf(a)}/${a.prefix}`;
}

/** The blocks a namespace holds whole: their addresses in its lists, not yet in its per-address indexes. */
export class HeldAddresses {
  private blocks: HostAddressBlock[] = [];

  add(block: HostAddressBlock): void {
    this.blocks.push(block);
  }

  /** The held address with this text, if any. */
  holder(ip: string): InterfaceAddress | undefined {
    for (const b of this.blocks) {
      const a = b.byAddress.get(ip);
      if (a) return a;
    }
    return undefined;
  }

  /** Whether a block shares an address with the held ones. */
  meets(block: HostAddressBlock): boolean {
    return this.blocks.length > 0 && block.addresses.some((a) => this.holder(a.address));
  }

  /** The held blocks' addresses put in a namespace's per-address indexes, as addAddress would have: no longer held. */
  takeInto(byAddress: Map<string, InterfaceAddress[]>, subnets: Map<string, number>): void {
    const blocks = this.blocks;
    this.blocks = [];
    for (const b of blocks) {
      for (const a of b.addresses) {
        const same = byAddress.get(a.address);
        if (same) same.push(a);
        else byAddress.set(a.address, [a]);
      }
      // IPv4 subnets, each its own (no address of a block is secondary), counted only now
      if (b.family !== 4) continue;
      for (const a of b.addresses) {
        const k = subnetKey(a);
        subnets.set(k, (subnets.get(k) ?? 0) + 1);
      }
    }
  }
}
