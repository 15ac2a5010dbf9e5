// What the IPVS proxier wants in the kernel, kept up to date Service by Service: each Service's
// plan, and over all of them how many Services want each set entry (kube-ipvs0's addresses are
// KUBE-IPVS-IPS's entries) and which want each virtual server. A Service's new plan gives the
// difference to write: what nobody wants any more and what was wanted by nobody before, in the
// order a sync of every Service would meet it, so a partial sync leaves the kernel as a full one would.
import type { RuleLine, ServicePlan, VirtualServerPlan } from './proxier.js';
import { KUBE_IPVS_IPS } from './sets.js';

/** What one or more Services' new plans change. */
export interface PlanDiff {
  /** [set base name, entry] no Service wants any more. */
  entriesGone: [string, string][];
  /** [set base name, entry] newly wanted, in the full sync's order. */
  entriesNew: [string, string][];
  bindGone: string[];
  bindNew: string[];
  /** Virtual servers of the changed Services, and those another Service stopped wanting, to bring to their plan. */
  services: VirtualServerPlan[];
  /** Virtual servers no Service wants any more. */
  servicesGone: VirtualServerPlan[];
}

/** A reference count per key that remembers, for one batch of changes, each key's count before it. */
class Counts {
  readonly count = new Map<string, number>();
  private before = new Map<string, number>();
  private added: string[] = [];

  /** One more wanter; `track` false when loading from nothing (no batch to report). */
  inc(k: string, track: boolean): void {
    const n = this.count.get(k) ?? 0;
    if (track) {
      if (!this.before.has(k)) this.before.set(k, n);
      if (n === 0) this.added.push(k);
    }
    this.count.set(k, n + 1);
  }

  dec(k: string): void {
    const n = this.count.get(k)!;
    if (!this.before.has(k)) this.before.set(k, n);
    if (n === 1) this.count.delete(k);
    else this.count.set(k, n - 1);
  }

  /** A copy with the same counts in the same order (between batches). */
  clone(): Counts {
    const c = new Counts();
    for (const [k, n] of this.count) c.count.set(k, n);
    return c;
  }

  /** The batch's outcome: keys wanted by nobody now, and keys wanted by nobody before (in the order first wanted). */
  take(): { gone: string[]; added: string[] } {
    // untouched (maybe another state's too, see clone): nothing to report or to reset
    if (this.before.size === 0 && this.added.length === 0) return { gone: [], added: [] };
    const gone: string[] = [];
    for (const [k, n] of this.before) if (n > 0 && !this.count.has(k)) gone.push(k);
    const added = this.added.filter((k) => this.before.get(k) === 0 && this.count.has(k));
    this.before = new Map();
    this.added = [];
    return { gone, added };
  }
}

const GONE = Symbol('gone');

/** A map over a shared one nothing changes any more (a clone's), holding this state's own writes. */
class Overlay<V> {
  private readonly own = new Map<string, V | typeof GONE>();
  constructor(private readonly base?: ReadonlyMap<string, V>) {}

  get(k: string): V | undefined {
    const v = this.own.get(k);
    if (v === undefined) return this.base?.get(k);
    return v === GONE ? undefined : v;
  }

  has(k: string): boolean {
    return this.get(k) !== undefined;
  }

  set(k: string, v: V): void {
    this.own.set(k, v);
  }

  delete(k: string): void {
    if (this.base?.has(k)) this.own.set(k, GONE);
    else this.own.delete(k);
  }

  /** The entries as one map: its own or the base's when the other is empty (then nothing may change either any more). */
  flat(): ReadonlyMap<string, V> {
    // with no base, deletes remove: no GONE in own
    if (!this.base) return this.own as ReadonlyMap<string, V>;
    if (this.own.size === 0) return this.base;
    const out = new Map(this.base);
    for (const [k, v] of this.own) {
      if (v === GONE) out.delete(k);
      else out.set(k, v);
    }
    return out;
  }
}

export class DesiredState {
  private plans = new Overlay<ServicePlan>();
  /** Per set base name. */
  private sets = new Map<string, Counts>();
  /** Per virtual server key, the plan of the Service that wants it, or the plans of the Services that do (two or more). */
  private owners = new Overlay<Owners>();
  /** Counts another state's too (clone): copied before this one changes them. */
  private readonly borrowed = new Set<Counts>();
  /** Virtual server keys more than one Service wants. */
  private readonly shared = new Set<string>();
  /** Services with OUT-FILTER drops. */
  private readonly filtered = new Set<string>();

  plan(key: string): ServicePlan | undefined {
    return this.plans.get(key);
  }

  /** Starts again from every Service's plan (keys and plans in key order). */
  reset(keys: readonly string[], plans: readonly ServicePlan[]): void {
    this.plans = new Overlay();
    this.sets = new Map();
    this.owners = new Overlay();
    this.borrowed.clear();
    this.shared.clear();
    this.filtered.clear();
    for (let i = 0; i < keys.length; i++) {
      this.plans.set(keys[i]!, plans[i]!);
      this.count(keys[i]!, plans[i]!, 1, false);
    }
  }

  /** A copy to change apart from this one, which nothing may change any more: its maps are shared, the copy writes over them. */
  clone(): DesiredState {
    const d = new DesiredState();
    d.plans = new Overlay(this.plans.flat());
    d.owners = new Overlay(this.owners.flat());
    for (const [set, c] of this.sets) {
      d.sets.set(set, c);
      d.borrowed.add(c);
    }
    for (const k of this.shared) d.shared.add(k);
    for (const k of this.filtered) d.filtered.add(k);
    return d;
  }

  /**
   * Moves a state reset() from `plans` to what reset() from `next` would leave, where the two
   * lists have the same keys and differ only at the indices `differ`: the sets whose entries
   * differ there are counted again over every plan, the rest kept. Returns the sets counted
   * again, or undefined (nothing changed) when a virtual server there is wanted by two Services,
   * whose order only a reset keeps. `withSet` gives the indices of `plans` with entries in a
   * set, in order: only those and the ones that differ are counted again.
   */
  rebase(keys: readonly string[], plans: readonly ServicePlan[], next: readonly ServicePlan[], differ: readonly number[], withSet: (set: string) => readonly number[]): Set<string> | undefined {
    const recount = new Set<string>();
    const gone = new Set<string>();
    for (const i of differ) for (const vs of plans[i]!.services) if (this.shared.has(vs.key)) return undefined;
    for (const i of differ) for (const vs of plans[i]!.services) gone.add(vs.key);
    const wanted = new Set<string>();
    for (const i of differ) {
      for (const vs of next[i]!.services) {
        if (wanted.has(vs.key) || (this.owners.has(vs.key) && !gone.has(vs.key))) return undefined;
        wanted.add(vs.key);
      }
      for (const set of differingSets(plans[i]!.entries, next[i]!.entries)) recount.add(set);
    }
    for (const i of differ) {
      const key = keys[i]!;
      const now = next[i]!;
      this.plans.set(key, now);
      for (const vs of plans[i]!.services) this.owners.delete(vs.key);
      for (const vs of now.services) this.owners.set(vs.key, vs);
      if (now.outFilter.length) this.filtered.add(key);
      else this.filtered.delete(key);
    }
    if (recount.size === 0) return recount;
    for (const set of recount) this.sets.set(set, new Counts());
    // a plan that does not differ and has no entries in these sets adds nothing to them
    const at = new Set(differ);
    for (const set of recount) for (const i of withSet(set)) at.add(i);
    for (const i of [...at].sort((a, b) => a - b)) {
      for (const [set, entry] of next[i]!.entries) if (recount.has(set)) this.sets.get(set)!.inc(entry, false);
    }
    for (const set of recount) if (this.sets.get(set)!.count.size === 0) this.sets.delete(set);
    return recount;
  }

  /** Replaces the plans of some Services (undefined: the Service is gone), given in key order. */
  change(changes: Iterable<[string, ServicePlan | undefined]>): PlanDiff {
    const list = [...changes];
    const was = new Map<string, VirtualServerPlan>();
    for (const [key] of list) {
      const old = this.plans.get(key);
      if (!old) continue;
      this.count(key, old, -1, true);
      for (const vs of old.services) was.set(vs.key, vs);
    }
    const services: VirtualServerPlan[] = [];
    for (const [key, plan] of list) {
      if (!plan) {
        this.plans.delete(key);
        continue;
      }
      this.plans.set(key, plan);
      this.count(key, plan, 1, true);
      services.push(...plan.services);
    }
    // a virtual server that lost one of two wanters is the other's again
    const planned = new Set(services.map((vs) => vs.key));
    for (const k of was.keys()) if (!planned.has(k) && this.owners.has(k)) services.push(firstOf(this.owners.get(k)!));
    const entriesGone: [string, string][] = [];
    const entriesNew: [string, string][] = [];
    let bind = { gone: [] as string[], added: [] as string[] };
    for (const [set, c] of this.sets) {
      const taken = c.take();
      for (const e of taken.gone) entriesGone.push([set, e]);
      for (const e of taken.added) entriesNew.push([set, e]);
      if (set === KUBE_IPVS_IPS) bind = taken;
    }
    const servicesGone: VirtualServerPlan[] = [];
    for (const [k, vs] of was) if (!this.owners.has(k)) servicesGone.push(vs);
    return { entriesGone, entriesNew, bindGone: bind.gone, bindNew: bind.added, services, servicesGone };
  }

  private count(key: string, plan: ServicePlan, by: 1 | -1, track: boolean): void {
    for (const [set, entry] of plan.entries) {
      let c = this.sets.get(set);
      if (!c) this.sets.set(set, (c = new Counts()));
      else if (this.borrowed.has(c)) {
        this.borrowed.delete(c);
        this.sets.set(set, (c = c.clone()));
      }
      if (by > 0) c.inc(entry, track);
      else c.dec(entry);
    }
    for (const vs of plan.services) {
      const k = vs.key;
      const owners = this.owners.get(k);
      if (by > 0) {
        if (!owners) this.owners.set(k, vs);
        else {
          // a new list: the old one may be another state's too (clone)
          this.owners.set(k, [...listOf(owners), vs]);
          this.shared.add(k);
        }
      } else if (owners) {
        const rest = listOf(owners).filter((x) => x !== vs);
        if (rest.length > 1) this.owners.set(k, rest);
        else if (rest.length) this.owners.set(k, rest[0]!);
        else this.owners.delete(k);
        if (rest.length < 2) this.shared.delete(k);
      }
    }
    if (plan.outFilter.length && by > 0) this.filtered.add(key);
    else if (this.filtered.size) this.filtered.delete(key);
  }

  /** Whether some virtual server is wanted by two Services (then every sync goes through all of them in order, as kube-proxy's does). */
  get hasShared(): boolean {
    return this.shared.size > 0;
  }

  /** Whether a set has entries. */
  has(set: string): boolean {
    return (this.sets.get(set)?.count.size ?? 0) > 0;
  }

  /** Whether some Service wants the entry in the set. */
  wants(set: string, entry: string): boolean {
    return this.sets.get(set)?.count.has(entry) ?? false;
  }

  /** A set's entries, in the order a full sync adds them (after reset()). */
  entriesOf(set: string): Iterable<string> {
    return this.sets.get(set)?.count.keys() ?? [];
  }

  /** A set's entries as the keys of a map, in the order a full sync adds them (after reset()); changed by this state's later changes, never by a clone's. */
  entryMap(set: string): ReadonlyMap<string, number> | undefined {
    return this.sets.get(set)?.count;
  }

  /** kube-ipvs0's addresses, in the order a full sync binds them (after reset()). */
  bound(): Iterable<string> {
    return this.entriesOf(KUBE_IPVS_IPS);
  }

  /** Every virtual server in the plans' key order. */
  services(keys: readonly string[]): VirtualServerPlan[] {
    // a loop: flatMap over 10k small arrays is several times slower
    const out: VirtualServerPlan[] = [];
    for (const k of keys) {
      const plan = this.plans.get(k);
      if (plan) for (const vs of plan.services) out.push(vs);
    }
    return out;
  }

  /** The OUT-FILTER drops in Service key order. */
  outFilter(): RuleLine[] {
    return [...this.filtered].sort().flatMap((k) => this.plans.get(k)!.outFilter);
  }
}

/** One Service's virtual server alone (no list per key: most have one wanter), or two or more. */
type Owners = VirtualServerPlan | readonly VirtualServerPlan[];

function listOf(o: Owners): readonly VirtualServerPlan[] {
  return Array.isArray(o) ? o : [o as VirtualServerPlan];
}

function firstOf(o: Owners): VirtualServerPlan {
  return Array.isArray(o) ? o[0]! : (o as VirtualServerPlan);
}

/** The sets whose entries (in order) two plans' lists differ in. */
function differingSets(a: readonly [string, string][], b: readonly [string, string][]): Set<string> {
  const bySet = (list: readonly [string, string][]): Map<string, string[]> => {
    const m = new Map<string, string[]>();
    for (const [set, e] of list) {
      const l = m.get(set);
      if (l) l.push(e);
      else m.set(set, [e]);
    }
    return m;
  };
  const x = bySet(a);
  const y = bySet(b);
  const out = new Set<string>();
  for (const [set, l] of x) {
    const m = y.get(set);
    if (!m || m.length !== l.length || m.some((e, i) => e !== l[i])) out.add(set);
  }
  for (const set of y.keys()) if (!x.has(set)) out.add(set);
  return out;
}
