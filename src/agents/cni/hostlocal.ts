// host-local IPAM: address ranges with their canonical gateway/start/end, round-robin allocation
// that resumes after the last reserved address, and the per-network state directory.
import type { NodeFiles } from '../../kernel/files.js';
import { bigIntToIP, ipFamily, ipToBigInt, parseCIDR, type CIDR } from '../../net/ip.js';

export interface IpRange {
  subnet: CIDR;
  rangeStart: bigint;
  rangeEnd: bigint;
  gateway: bigint;
}

/**
 * A range for a subnet with nothing else given: gateway and rangeStart = network + 1, rangeEnd =
 * the last address (IPv6) or the one before broadcast (IPv4).
 */
export function canonicalRange(subnet: string): IpRange {
  const c = parseCIDR(subnet);
  if (!c) throw new Error(`invalid CIDR ${subnet}`);
  const bits = c.family === 4 ? 32 : 128;
  if (c.prefix > bits - 2) throw new Error(`Network ${subnet} too small to allocate from`);
  if (c.address !== c.network) throw new Error(`Network has host bits set. For a subnet mask of length ${c.prefix} the network address is ${c.network}`);
  const base = ipToBigInt(c.network);
  const last = base + (1n << BigInt(bits - c.prefix)) - 1n;
  return { subnet: c, rangeStart: base + 1n, rangeEnd: c.family === 4 ? last - 1n : last, gateway: base + 1n };
}

/** Where host-local keeps its state; one file per address plus last_reserved_ip.<rangeID>. */
export interface IpamDisk {
  read(file: string): string | undefined;
  write(file: string, content: string): void;
  remove(file: string): void;
  /** The files holding exactly `content`, in directory order (host-local's search for a container's addresses). */
  holding(content: string): string[];
}

/** host-local's directory `<dataDir>/<network>` inside a node's file map. */
export function nodeIpamDisk(files: NodeFiles, network: string, dataDir = '/var/lib/cni/networks'): IpamDisk {
  const dir = `${dataDir}/${network}/`;
  if (!files.has(`${dir}lock`)) files.set(`${dir}lock`, '');
  return {
    read: (f) => files.get(dir + f),
    write: (f, c) => void files.set(dir + f, c),
    remove: (f) => void files.delete(dir + f),
    holding: (content) => {
      const out: string[] = [];
      if (!files.holds(content)) return out;
      for (const [k, v] of files) if (v === content && k.startsWith(dir)) out.push(k.slice(dir.length));
      return out;
    },
  };
}

export interface Allocation {
  /** address/prefix */
  address: string;
  gateway: string;
}

export class HostLocalAllocator {
  constructor(
    private readonly ranges: IpRange[],
    private readonly disk: IpamDisk,
    private readonly rangeID = 0,
  ) {}

  private get family(): 4 | 6 {
    return this.ranges[0]!.subnet.family;
  }

  private text(v: bigint): string {
    return bigIntToIP(v, this.family);
  }

  private rangeOf(v: bigint): number {
    return this.ranges.findIndex((r) => v >= r.rangeStart && v <= r.rangeEnd);
  }

  private taken(v: bigint): boolean {
    return this.disk.read(this.text(v)) !== undefined;
  }

  private reserve(id: string, ifname: string, v: bigint): Allocation {
    const r = this.ranges[this.rangeOf(v)]!;
    this.disk.write(this.text(v), `${id}\r\n${ifname}`);
    this.disk.write(`last_reserved_ip.${this.rangeID}`, this.text(v));
    return { address: `${this.text(v)}/${r.subnet.prefix}`, gateway: this.text(r.gateway) };
  }

  /** Whether an address lies in one of this range set's ranges. */
  holds(ip: string): boolean {
    return ipFamily(ip) === this.family && this.rangeOf(ipToBigInt(ip)) >= 0;
  }

  /** `rangeStart-rangeEnd` per range, as host-local names a range set in its errors. */
  describe(): string {
    return this.ranges.map((r) => `${this.text(r.rangeStart)}-${this.text(r.rangeEnd)}`).join(',');
  }

  /** Allocates for (container, ifname): the requested address, or the next free one after the last reserved. */
  allocate(id: string, ifname: string, requested?: string): Allocation {
    for (const f of this.disk.holding(`${id}\r\n${ifname}`)) {
      if (ipFamily(f) === this.family && this.rangeOf(ipToBigInt(f)) >= 0) throw new Error(`${id} already has an IP ${f} in this range set`);
    }
    if (requested !== undefined) {
      const v = ipToBigInt(requested);
      const i = this.rangeOf(v);
      if (i < 0 || v === this.ranges[i]!.gateway) throw new Error(`requested IP address ${requested} is not available in range set ${this.describe()}`);
      if (this.taken(v)) throw new Error(`requested IP address ${requested} is not available in range set ${this.describe()}`);
      return this.reserve(id, ifname, v);
    }
    for (const v of this.walk()) if (!this.taken(v)) return this.reserve(id, ifname, v);
    throw new Error(`no IP addresses available in range set: ${this.describe()}`);
  }

  /** Candidates in host-local's order: after the last reserved address, across ranges, wrapping once. */
  private *walk(): Generator<bigint> {
    const lastText = this.disk.read(`last_reserved_ip.${this.rangeID}`);
    let ri = 0;
    let start = this.ranges[0]!.rangeStart;
    if (lastText && ipFamily(lastText) === this.family) {
      const last = ipToBigInt(lastText);
      const i = this.rangeOf(last);
      if (i >= 0) {
        ri = i;
        if (last === this.ranges[i]!.rangeEnd) {
          ri = (i + 1) % this.ranges.length;
          start = this.ranges[ri]!.rangeStart;
        } else start = last + 1n;
      }
    }
    let cur = start;
    for (;;) {
      if (cur !== this.ranges[ri]!.gateway) yield cur;
      if (cur === this.ranges[ri]!.rangeEnd) {
        ri = (ri + 1) % this.ranges.length;
        cur = this.ranges[ri]!.rangeStart;
      } else cur++;
      if (cur === start) return;
    }
  }

  /** Releases whatever (container, ifname) holds. */
  release(id: string, ifname: string): void {
    for (const f of this.disk.holding(`${id}\r\n${ifname}`)) if (ipFamily(f)) this.disk.remove(f);
  }
}
