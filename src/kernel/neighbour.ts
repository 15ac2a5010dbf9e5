// The neighbour (ARP) table: IP → link-layer address per device, with the NUD state `ip neigh` shows.

export type NudState = 'PERMANENT' | 'NOARP' | 'REACHABLE' | 'STALE' | 'DELAY' | 'PROBE' | 'FAILED' | 'INCOMPLETE';

export interface Neighbour {
  ip: string;
  dev: string;
  /** Absent while resolution is INCOMPLETE or FAILED. */
  lladdr?: string;
  state: NudState;
  /** NTF_ROUTER and friends, printed between lladdr and the state. */
  flags?: ('router' | 'proxy' | 'extern_learn')[];
}

export class NeighbourTable {
  /** By device and address, in insertion order (a replace keeps an entry's place): a node's flannel.1 holds one per other node. */
  private readonly entries = new Map<string, Neighbour>();

  /** In insertion order per device, the order the kernel's hash walk gives for small tables. */
  list(dev?: string): Neighbour[] {
    const all = [...this.entries.values()];
    return dev === undefined ? all : all.filter((n) => n.dev === dev);
  }

  get(ip: string, dev: string): Neighbour | undefined {
    return this.entries.get(key(ip, dev));
  }

  /** `ip neigh replace`: create or overwrite. */
  replace(n: Neighbour): void {
    this.entries.set(key(n.ip, n.dev), n);
  }

  delete(ip: string, dev: string): boolean {
    return this.entries.delete(key(ip, dev));
  }

  /** Entries of a device that is going away. */
  flushDev(dev: string): void {
    for (const [k, n] of this.entries) if (n.dev === dev) this.entries.delete(k);
  }
}

function key(ip: string, dev: string): string {
  return `${dev} ${ip}`;
}
