// kube-proxy's change tracking, shared by every proxy mode: which Services' own rules must be
// rewritten since the last successful sync. Follows the store's Services and EndpointSlices
// (source.ts), keeps each Service's view (ports and endpoints) and the rules the mode derives
// from it, and marks a Service changed only when its view really changed.
import type { Store } from '../../api/store.js';
import { endpointCount, type ServiceState } from './objects.js';
import { serviceView } from './views.js';
import type { ProxierSettings } from './settings.js';
import { serviceSource, type ServiceSource } from './source.js';

/** How a proxy mode turns one Service's view into its rules (`largeCluster`: kube-proxy's > 1000 endpoints mode). */
export type RulesOf<R> = (s: ProxierSettings, st: ServiceState, largeCluster: boolean) => R;

interface Entry<ServiceRules> {
  state: ServiceState;
  /** The view serialised (computed when first compared): equal text = nothing kube-proxy would notice changed. */
  fingerprint?: string;
  endpoints: number;
  rules?: ServiceRules;
  rulesLarge?: boolean;
}

export class ChangeTracker<ServiceRules> {
  private readonly source: ServiceSource;
  private readonly entries = new Map<string, Entry<ServiceRules>>();
  private sortedKeys: string[] = [];
  private readonly dirty = new Set<string>();
  /** Services changed since the last successful sync. */
  readonly changed = new Set<string>();
  private totalEndpoints = 0;
  /** serviceRules()'s last answer, kept in step with sortedKeys; `stale` entries are recomputed on the next call. */
  private list?: { large: boolean; services: { key: string; rules: ServiceRules }[]; stale: Set<string> };
  private readonly unsubscribe: () => void;

  constructor(
    store: Store,
    private readonly settings: ProxierSettings,
    private readonly rulesOfState: RulesOf<ServiceRules>,
  ) {
    this.source = serviceSource(store);
    this.unsubscribe = this.source.subscribe((key) => this.dirty.add(key));
  }

  stop(): void {
    this.unsubscribe();
  }

  /** Folds pending watch events into the Service views; returns the keys whose view changed. */
  update(): void {
    const s = this.settings;
    const added: string[] = [];
    for (const key of this.dirty) {
      const old = this.entries.get(key);
      const state = serviceView(this.source, key, s.family, s.nodeName);
      if (!state) {
        if (old) {
          this.entries.delete(key);
          this.totalEndpoints -= old.endpoints;
          const at = search(this.sortedKeys, key);
          this.sortedKeys.splice(at, 1);
          this.list?.services.splice(at, 1);
          this.list?.stale.delete(key);
          this.changed.add(key);
        }
        continue;
      }
      if (old?.state === state) continue;
      let fingerprint: string | undefined;
      if (old) {
        old.fingerprint ??= fingerprintOf(old.state);
        fingerprint = fingerprintOf(state);
        if (old.fingerprint === fingerprint) continue;
      }
      const n = endpointCount(state);
      this.totalEndpoints += n - (old?.endpoints ?? 0);
      if (!old) added.push(key);
      // field by field: a spread followed by more properties is V8's slow path
      const e: Entry<ServiceRules> = { state, endpoints: n };
      if (fingerprint) e.fingerprint = fingerprint;
      this.entries.set(key, e);
      this.list?.stale.add(key);
      this.changed.add(key);
    }
    this.dirty.clear();
    if (added.length > 32 && this.sortedKeys.length === 0) {
      // the initial list: every key with a view, in the source's order (sorted once for every node)
      this.sortedKeys = this.source.sortedKeys().filter((k) => this.entries.has(k));
      this.list = undefined;
    } else if (added.length > 32) {
      // many at once: one merge instead of an insertion each
      this.sortedKeys = merge(this.sortedKeys, added.sort());
      this.list = undefined;
    } else {
      for (const key of added) {
        const at = search(this.sortedKeys, key);
        this.sortedKeys.splice(at, 0, key);
        this.list?.services.splice(at, 0, { key, rules: undefined as unknown as ServiceRules });
      }
    }
  }

  /** kube-proxy drops per-endpoint comments once all Services together have more than 1000 endpoints. */
  largeClusterMode(threshold: number): boolean {
    return this.totalEndpoints > threshold;
  }

  /** Every Service (in key order) with its rules for the given comment mode. */
  serviceRules(largeCluster: boolean): { key: string; rules: ServiceRules }[] {
    const l = this.list;
    if (l?.large === largeCluster) {
      for (const key of l.stale) l.services[search(this.sortedKeys, key)] = { key, rules: this.rulesFor(key, largeCluster)! };
      l.stale.clear();
      return l.services;
    }
    const services = this.sortedKeys.map((key) => ({ key, rules: this.rulesFor(key, largeCluster)! }));
    this.list = { large: largeCluster, services, stale: new Set() };
    return services;
  }

  /** One Service's rules as last computed by serviceRules(). */
  rulesOf(key: string): ServiceRules | undefined {
    return this.entries.get(key)?.rules;
  }

  /** One Service's rules for the comment mode, computed if need be (undefined: it has none any more). */
  rulesFor(key: string, largeCluster: boolean): ServiceRules | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (!e.rules || e.rulesLarge !== largeCluster) {
      e.rules = this.rulesOfState(this.settings, e.state, largeCluster);
      e.rulesLarge = largeCluster;
    }
    return e.rules;
  }

  /** After a successful restore: nothing is pending any more. */
  synced(): void {
    this.changed.clear();
  }
}

function fingerprintOf(st: ServiceState): string {
  return JSON.stringify([st.ports, [...st.endpoints]]);
}

/** Two sorted lists as one. */
function merge(a: string[], b: string[]): string[] {
  if (a.length === 0) return b;
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(a[i]! < b[j]! ? a[i++]! : b[j++]!);
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

/** Index of `key` in the sorted list, or where it would be inserted. */
function search(list: string[], key: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
