// xt_recent's lists of one network namespace: name → address → times seen (ms on the simulated
// clock). kube-proxy's iptables mode keeps ClientIP session affinity in them.
type Lists = Map<string, Map<string, number[]>>;

const copyLists = (m: Lists): Lists => new Map([...m].map(([n, l]) => [n, new Map([...l].map(([a, ts]) => [a, [...ts]]))]));

export class RecentLists {
  private readonly lists = new Map<string, Map<string, number[]>>();

  list(name: string): Map<string, number[]> {
    let l = this.lists.get(name);
    if (!l) this.lists.set(name, (l = new Map()));
    return l;
  }

  /** Every list entry with its last sighting. */
  entries(): { name: string; addr: string; last: number }[] {
    const out: { name: string; addr: string; last: number }[] = [];
    for (const [name, l] of this.lists) for (const [addr, ts] of l) out.push({ name, addr, last: ts[ts.length - 1]! });
    return out;
  }

  clear(): void {
    this.lists.clear();
  }

  snapshot(): Lists {
    return copyLists(this.lists);
  }

  restore(saved: Lists): void {
    this.lists.clear();
    for (const [n, l] of copyLists(saved)) this.lists.set(n, l);
  }
}
