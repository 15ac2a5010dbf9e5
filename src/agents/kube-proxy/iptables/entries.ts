// The entry chains (filter KUBE-SERVICES, KUBE-EXTERNAL-SERVICES, KUBE-NODEPORTS,
// KUBE-PROXY-FIREWALL; nat KUBE-SERVICES, KUBE-NODEPORTS): every Service's entry rules one after
// another in Service order. kube-proxy writes them whole on every sync; one kube-proxy keeps the
// concatenation from sync to sync and replaces only the runs of the Services that changed, so a
// partial sync does not read every Service's rules again.
import type { Rule } from '../../../kernel/netfilter/rule.js';
import type { ServiceRules } from './service-rules.js';

export type EntryPart = 'filterServices' | 'filterExternal' | 'filterNodePorts' | 'filterFirewall' | 'natServices' | 'natNodePorts';
const PARTS: readonly EntryPart[] = ['filterServices', 'filterExternal', 'filterNodePorts', 'filterFirewall', 'natServices', 'natNodePorts'];

/** Above this many changed Services a patch costs more than building anew. */
const MAX_PATCH = 64;

type ServiceList = readonly { key: string; rules: ServiceRules }[];

export class EntryChains {
  /** The tracker's list these were built from (patched in place by it while the comment mode holds). */
  private from?: ServiceList;
  private keys: string[] = [];
  private rules = {} as Record<EntryPart, Rule[]>;
  /** Per part, where each Service's run starts (one more entry than keys: the end). */
  private starts = {} as Record<EntryPart, number[]>;

  /** Every Service's entry rules in order, for this sync: the changed Services' runs replaced, or all built. */
  update(list: ServiceList, changed: ReadonlySet<string> | undefined): Record<EntryPart, readonly Rule[]> {
    if (!changed || list !== this.from || changed.size > MAX_PATCH) this.build(list);
    else for (const key of [...changed].sort()) this.patch(list, key);
    return this.rules;
  }

  private build(list: ServiceList): void {
    this.from = list;
    this.keys = list.map((x) => x.key);
    for (const part of PARTS) {
      const rules: Rule[] = [];
      const starts: number[] = new Array(list.length + 1);
      for (let i = 0; i < list.length; i++) {
        starts[i] = rules.length;
        const own = list[i]!.rules[part];
        for (let k = 0; k < own.length; k++) rules.push(own[k]!);
      }
      starts[list.length] = rules.length;
      this.rules[part] = rules;
      this.starts[part] = starts;
    }
  }

  /** Keys before `key` are already patched, so its index is the same in both lists. */
  private patch(list: ServiceList, key: string): void {
    const at = search(this.keys, (i) => this.keys[i]!, key);
    const had = this.keys[at] === key;
    const i = search(list, (j) => list[j]!.key, key);
    const next = list[i]?.key === key ? list[i]!.rules : undefined;
    if (!had && !next) return;
    for (const part of PARTS) {
      const rules = this.rules[part];
      const starts = this.starts[part];
      const start = starts[at]!;
      const end = had ? starts[at + 1]! : start;
      const own = next ? next[part] : [];
      rules.splice(start, end - start, ...own);
      if (had && !next) starts.splice(at + 1, 1);
      else if (!had) starts.splice(at, 0, start);
      const d = own.length - (end - start);
      if (d !== 0) for (let k = at + 1; k < starts.length; k++) starts[k]! += d;
    }
    if (had && !next) this.keys.splice(at, 1);
    else if (!had) this.keys.splice(at, 0, key);
  }
}

/** First index whose key is ≥ `key` in a key-ordered list. */
function search(list: { length: number }, keyAt: (i: number) => string, key: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keyAt(mid) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
