// An entry chain (filter and nat KUBE-SERVICES, KUBE-EXTERNAL-SERVICES, KUBE-NODEPORTS,
// KUBE-PROXY-FIREWALL) as a rule source: every Service's rules of one part one after another in
// Service order, then the chain's fixed last rules. kube-proxy writes them whole on every sync;
// here a sync hands the kernel the Services' list, and a rule exists only once something reads
// it: a walk finds where each Service's rules start from their counts (entry-shape.ts) and reads
// only the Services whose destinations the packet has, a dump reads them all.
import type { Rule } from '../../../kernel/netfilter/rule.js';
import type { RuleSource } from '../../../kernel/netfilter/ruleset.js';
import { lowerBound } from '../../../kernel/netfilter/xt-index.js';
import { ENTRY_PARTS, type EntryPart, type ServiceRules } from './service-rules.js';

interface DstIndex {
  /** Host address → the Services (indexes, ascending) with a rule requiring it as destination. */
  byDst: Map<string, number[]>;
  /** Services with a rule that requires no single host, ascending. */
  rest: number[];
}

/** One sync's Services in key order (a snapshot: never changed) and where each one's rules start in every entry chain. */
export class EntryRuns {
  private starts?: Int32Array[];

  constructor(readonly services: readonly ServiceRules[]) {}

  /** Per part: where each Service's rules start (one more entry: where the tail starts); all parts in one pass. */
  of(part: number): Int32Array {
    if (!this.starts) {
      const n = this.services.length;
      const parts = ENTRY_PARTS.length;
      const starts = Array.from({ length: parts }, () => new Int32Array(n + 1));
      const at = new Array<number>(parts).fill(0);
      for (let i = 0; i < n; i++) {
        const counts = this.services[i]!.shape.counts;
        for (let k = 0; k < parts; k++) {
          starts[k]![i] = at[k]!;
          at[k]! += counts[k]!;
        }
      }
      for (let k = 0; k < parts; k++) starts[k]![n] = at[k]!;
      this.starts = starts;
    }
    return this.starts[part]!;
  }
}

export class EntrySource implements RuleSource {
  private readonly at0: number;
  private readonly services: readonly ServiceRules[];
  private ix?: DstIndex;
  private whole?: readonly Rule[];

  constructor(
    private readonly plan: EntryRuns,
    part: EntryPart,
    /** Rules after every Service's (nat KUBE-SERVICES' jump to KUBE-NODEPORTS). */
    private readonly tail: readonly Rule[],
  ) {
    this.at0 = ENTRY_PARTS.indexOf(part);
    this.services = plan.services;
  }

  private runs(): Int32Array {
    return this.plan.of(this.at0);
  }

  get count(): number {
    return this.runs()[this.services.length]! + this.tail.length;
  }

  at(i: number): Rule {
    const starts = this.runs();
    const n = this.services.length;
    if (i >= starts[n]!) return this.tail[i - starts[n]!]!;
    const s = serviceAt(starts, i);
    return this.services[s]!.part(ENTRY_PARTS[this.at0]!)[i - starts[s]!]!;
  }

  all(): readonly Rule[] {
    if (this.whole) return this.whole;
    const part = ENTRY_PARTS[this.at0]!;
    const out: Rule[] = [];
    for (const s of this.services) {
      if (s.shape.counts[this.at0] === 0) continue;
      const own = s.part(part);
      for (let k = 0; k < own.length; k++) out.push(own[k]!);
    }
    for (const r of this.tail) out.push(r);
    return (this.whole = out);
  }

  next(from: number, dst: string): number {
    const starts = this.runs();
    const n = this.services.length;
    // the tail's few rules are walked one by one
    if (from >= starts[n]!) return from;
    const ix = this.index();
    const s0 = serviceAt(starts, from);
    const own = ix.byDst.get(dst);
    const a = own ? own[lowerBound(own, s0)] : undefined;
    const b = ix.rest[lowerBound(ix.rest, s0)];
    const s = Math.min(a ?? n, b ?? n);
    return s === n ? starts[n]! : Math.max(starts[s]!, from);
  }

  private index(): DstIndex {
    if (this.ix) return this.ix;
    const byDst = new Map<string, number[]>();
    const rest: number[] = [];
    for (let i = 0; i < this.services.length; i++) {
      const { counts, dsts } = this.services[i]!.shape;
      if (counts[this.at0] === 0) continue;
      const d = dsts[this.at0];
      if (!d) {
        rest.push(i);
        continue;
      }
      for (const ip of d) {
        const list = byDst.get(ip);
        if (!list) byDst.set(ip, [i]);
        else if (list[list.length - 1] !== i) list.push(i);
      }
    }
    return (this.ix = { byDst, rest });
  }
}

/** The Service whose run holds rule `i` (the last one starting at or before it: runs can be empty). */
function serviceAt(starts: Int32Array, i: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= i) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
