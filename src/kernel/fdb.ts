// Forwarding databases: the Linux bridge's MAC → port table (`master`) and a VXLAN device's
// MAC → remote VTEP table (`self … dst`), both listed by `bridge fdb`.

export interface FdbEntry {
  mac: string;
  /** The port (bridge entries) or the device owning the entry (vxlan entries). */
  dev: string;
  /** The bridge holding a `master` entry; absent for `self` entries. */
  master?: string;
  /** Remote VTEP address of a vxlan entry. */
  dst?: string;
  vlan?: number;
  /** permanent = never ages (local addresses, flannel's entries); dynamic = learned from traffic. */
  state: 'permanent' | 'static' | 'dynamic';
}

export class Fdb {
  private readonly entries: FdbEntry[] = [];
  /** The entries of each MAC, in list order (a node's vxlan device holds one per other node). */
  private readonly byMac = new Map<string, FdbEntry[]>();

  list(dev?: string): FdbEntry[] {
    return dev === undefined ? [...this.entries] : this.entries.filter((e) => e.dev === dev);
  }

  /** A bridge's entry for `mac` (which port it lives behind), or a vxlan device's remote for it. */
  lookup(mac: string, where: { master: string } | { dev: string }): FdbEntry | undefined {
    const same = this.byMac.get(mac) ?? [];
    return 'master' in where ? same.find((e) => e.master === where.master) : same.find((e) => e.dev === where.dev && e.master === undefined);
  }

  /** `bridge fdb replace`/`append` for a self entry, or the bridge learning/adding a master entry. */
  replace(e: FdbEntry): void {
    const same = this.byMac.get(e.mac);
    const j = same ? same.findIndex((x) => x.dev === e.dev && x.master === e.master && x.dst === e.dst) : -1;
    if (j >= 0) {
      this.entries[this.entries.indexOf(same![j]!)] = e;
      same![j] = e;
      return;
    }
    this.entries.push(e);
    if (same) same.push(e);
    else this.byMac.set(e.mac, [e]);
  }

  delete(match: Pick<FdbEntry, 'mac' | 'dev'> & Partial<FdbEntry>): number {
    let n = 0;
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]!;
      if (Object.entries(match).every(([k, v]) => e[k as keyof FdbEntry] === v)) {
        this.removeAt(i);
        n++;
      }
    }
    return n;
  }

  flushDev(dev: string): void {
    for (let i = this.entries.length - 1; i >= 0; i--) if (this.entries[i]!.dev === dev) this.removeAt(i);
  }

  private removeAt(i: number): void {
    const [e] = this.entries.splice(i, 1);
    const same = this.byMac.get(e!.mac)!;
    same.splice(same.indexOf(e!), 1);
    if (same.length === 0) this.byMac.delete(e!.mac);
  }
}
