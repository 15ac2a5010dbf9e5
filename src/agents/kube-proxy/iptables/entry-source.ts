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

/**
 * One sync's Services in key order (a snapshot: never changed), where each one's rules start in
 * every entry chain, and each chain's whole list once a dump asks. A partial sync changes a few
 * Services: what lies before and after them (by identity) is taken from the last sync's runs
 * and lists where those were made, so it costs the changed stretch and a copy, not every
 * Service's rules again.
 */
export class EntryRuns {
  private starts?: Int32Array[];
  private readonly wholes: (readonly Rule[] | undefined)[] = [];
  /** The unchanged Services before and after the changed stretch, against `prev`. */
  private same?: { front: number; back: number };

  constructor(
    readonly services: readonly ServiceRules[],
    private prev?: EntryRuns,
  ) {
    // only the last sync's own results are used: a chain of syncs is never kept alive
    if (prev) prev.prev = undefined;
  }

  private window(): { front: number; back: number } {
    if (this.same) return this.same;
    const a = this.services;
    const b = this.prev!.services;
    const max = Math.min(a.length, b.length);
    let front = 0;
    while (front < max && a[front] === b[front]) front++;
    let back = 0;
    while (back < max - front && a[a.length - 1 - back] === b[b.length - 1 - back]) back++;
    return (this.same = { front, back });
  }

  /** Per part: where each Service's rules start (one more entry: where the tail starts); all parts in one pass. */
  of(part: number): Int32Array {
    if (!this.starts) {
      const n = this.services.length;
      const parts = ENTRY_PARTS.length;
      const starts = Array.from({ length: parts }, () => new Int32Array(n + 1));
      const old = this.prev?.starts;
      const { front, back } = old ? this.window() : { front: 0, back: 0 };
      const m = n - back;
      for (let k = 0; k < parts; k++) if (old) starts[k]!.set(old[k]!.subarray(0, front));
      const at = old ? old.map((o) => o[front]!) : new Array<number>(parts).fill(0);
      for (let i = front; i < m; i++) {
        const counts = this.services[i]!.shape.counts;
        for (let k = 0; k < parts; k++) {
          starts[k]![i] = at[k]!;
          at[k]! += counts[k]!;
        }
      }
      for (let k = 0; k < parts; k++) {
        const s = starts[k]!;
        if (!old) {
          s[n] = at[k]!;
          continue;
        }
        // the Services after the stretch (and the end), shifted by what the stretch grew
        const o = old[k]!;
        const from = o.length - 1 - back;
        const d = at[k]! - o[from]!;
        for (let i = 0; i <= back; i++) s[m + i] = o[from + i]! + d;
      }
      this.starts = starts;
    }
    return this.starts[part]!;
  }

  /** Every Service's rules of a part in order, then `tail`. */
  whole(part: number, tail: readonly Rule[]): readonly Rule[] {
    const have = this.wholes[part];
    if (have) return have;
    const name = ENTRY_PARTS[part]!;
    const old = this.prev?.wholes[part];
    const oldStarts = this.prev?.starts?.[part];
    const n = this.services.length;
    const { front, back } = old && oldStarts ? this.window() : { front: 0, back: 0 };
    const out: Rule[] = old && oldStarts ? old.slice(0, oldStarts[front]) : [];
    for (let i = front; i < n - back; i++) {
      const s = this.services[i]!;
      if (s.shape.counts[part] === 0) continue;
      const own = s.part(name);
      for (let k = 0; k < own.length; k++) out.push(own[k]!);
    }
    if (old && oldStarts) {
      const end = oldStarts[oldStarts.length - 1]!;
      for (let k = oldStarts[oldStarts.length - 1 - back]!; k < end; k++) out.push(old[k]!);
    }
    for (const r of tail) out.push(r);
    this.wholes[part] = out;
    return out;
  }
}

export class EntrySource implements RuleSource {
  private readonly at0: number;
  private readonly services: readonly ServiceRules[];
  private ix?: DstIndex;

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
    return this.plan.whole(this.at0, this.tail);
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
