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
  private readonly entries: Neighbour[] = [];

  /** In insertion order per device, the order the kernel's hash walk gives for small tables. */
  list(dev?: string): Neighbour[] {
    return dev === undefined ? [...this.entries] : this.entries.filter((n) => n.dev === dev);
  }

  get(ip: string, dev: string): Neighbour | undefined {
    return this.entries.find((n) => n.ip === ip && n.dev === dev);
  }

  /** `ip neigh replace`: create or overwrite. */
  replace(n: Neighbour): void {
    const i = this.entries.findIndex((x) => x.ip === n.ip && x.dev === n.dev);
    if (i >= 0) this.entries[i] = n;
    else this.entries.push(n);
  }

  delete(ip: string, dev: string): boolean {
    const i = this.entries.findIndex((x) => x.ip === ip && x.dev === dev);
    if (i < 0) return false;
    this.entries.splice(i, 1);
    return true;
  }

  /** Entries of a device that is going away. */
  flushDev(dev: string): void {
    for (let i = this.entries.length - 1; i >= 0; i--) if (this.entries[i]!.dev === dev) this.entries.splice(i, 1);
  }
}
