// Which nodes' podCIDRs hold an address: per family and prefix length, the nodes by network, so
// a lookup costs a mask and a map read per prefix length in use (one, usually), not a test per node.
import type { Node } from '../api/types.js';
import { ipToBigInt, ipv4ToInt, parseCIDR } from '../net/ip.js';

const ALL6 = (1n << 128n) - 1n;

export class PodCIDRIndex {
  private readonly v4 = new Map<number, Map<number, string[]>>();
  private readonly v6 = new Map<number, Map<bigint, string[]>>();

  /** @param nodes in node order (undefined: a node the store no longer holds) */
  constructor(
    readonly version: number,
    nodes: (Node | undefined)[],
  ) {
    for (const n of nodes) {
      if (!n) continue;
      for (const text of n.spec.podCIDRs ?? (n.spec.podCIDR ? [n.spec.podCIDR] : [])) {
        const c = parseCIDR(text, true);
        if (!c) continue;
        if (c.family === 4) add(this.v4, c.prefix, ipv4ToInt(c.network), n.metadata.name);
        else add(this.v6, c.prefix, ipToBigInt(c.network), n.metadata.name);
      }
    }
  }

  /** The nodes whose podCIDR holds the address. */
  holders(ip: string): string[] {
    const out: string[] = [];
    if (ip.indexOf(':') < 0) {
      const v = ipv4ToInt(ip);
      for (const [prefix, nets] of this.v4) out.push(...(nets.get((v & (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0)) >>> 0) ?? []));
    } else {
      const v = ipToBigInt(ip);
      for (const [prefix, nets] of this.v6) out.push(...(nets.get(v & ((ALL6 >> BigInt(128 - prefix)) << BigInt(128 - prefix))) ?? []));
    }
    return out;
  }
}

function add<K>(index: Map<number, Map<K, string[]>>, prefix: number, net: K, node: string): void {
  let nets = index.get(prefix);
  if (!nets) index.set(prefix, (nets = new Map()));
  const names = nets.get(net);
  if (names) {
    if (!names.includes(node)) names.push(node);
  } else nets.set(net, [node]);
}
