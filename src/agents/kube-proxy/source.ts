// What kube-proxy's informers hold, kept once per store for every node's kube-proxy: the
// Services and each Service's EndpointSlices by Service key, with the keys each watch event
// touched handed to every subscribed change tracker (a node's tracker then reads these maps
// instead of replaying and storing every Service and slice itself).
import type { Store } from '../../api/store.js';
import { SERVICE_NAME_LABEL, type EndpointSlice, type Service } from '../../api/types.js';
import type { ServiceState } from './objects.js';

export class ServiceSource {
  readonly services = new Map<string, Service>();
  /** Service key → its slices by name. */
  readonly slices = new Map<string, Map<string, EndpointSlice>>();
  private readonly subscribers = new Set<(key: string) => void>();
  /** Every key, sorted (made when first asked after a change: each node's tracker starts from it). */
  private sorted?: string[];
  /**
   * Per IP family (index 0: IPv4, 1: IPv6), the shared view views.ts derived from each key's
   * objects (null: none of that family); dropped when they change.
   */
  readonly views: [Map<string, ServiceState | null>, Map<string, ServiceState | null>] = [new Map(), new Map()];

  constructor(store: Store) {
    // An informer's list, then its watch from the list's resourceVersion (no replay of history).
    const rv = store.resourceVersion;
    for (const svc of store.list('Service')) this.services.set(keyOf(svc), svc);
    // in the order a replay of the history leaves them: by their last write
    for (const slice of byLastWrite(store.list('EndpointSlice'))) this.slice(slice, false);
    store.watch('Service', rv, (ev) => {
      const key = keyOf(ev.object);
      if (ev.type === 'DELETED') this.services.delete(key);
      else this.services.set(key, ev.object);
      this.touched(key);
    });
    store.watch('EndpointSlice', rv, (ev) => {
      if (ev.oldObject) this.slice(ev.oldObject, true);
      this.slice(ev.object, ev.type === 'DELETED');
    });
  }

  private slice(s: EndpointSlice, gone: boolean): void {
    const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!svc) return;
    const key = `${s.metadata.namespace}/${svc}`;
    let m = this.slices.get(key);
    if (!m) this.slices.set(key, (m = new Map()));
    if (gone) m.delete(s.metadata.name);
    else m.set(s.metadata.name, s);
    if (m.size === 0) this.slices.delete(key);
    this.touched(key);
  }

  /** Calls `fn` with every key known now, then with each key a later event touches; returns the unsubscribe. */
  subscribe(fn: (key: string) => void): () => void {
    for (const key of this.services.keys()) fn(key);
    for (const key of this.slices.keys()) if (!this.services.has(key)) fn(key);
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  /** Every key known now (a Service's or a slice's), in sort order; the same list until something changes. */
  sortedKeys(): readonly string[] {
    if (!this.sorted) {
      const keys = [...this.services.keys()];
      for (const key of this.slices.keys()) if (!this.services.has(key)) keys.push(key);
      this.sorted = keys.sort();
    }
    return this.sorted;
  }

  private touched(key: string): void {
    this.sorted = undefined;
    this.views[0].delete(key);
    this.views[1].delete(key);
    for (const fn of this.subscribers) fn(key);
  }
}

const sources = new WeakMap<Store, ServiceSource>();

export function serviceSource(store: Store): ServiceSource {
  let s = sources.get(store);
  if (!s) sources.set(store, (s = new ServiceSource(store)));
  return s;
}

/** Objects by resourceVersion, each read once (a list in creation order is mostly in that order already). */
function byLastWrite<T extends { metadata: { resourceVersion?: string } }>(objs: T[]): T[] {
  const rvs = objs.map((o) => Number(o.metadata.resourceVersion));
  let sorted = true;
  for (let i = 1; i < rvs.length && sorted; i++) sorted = rvs[i - 1]! <= rvs[i]!;
  if (sorted) return objs;
  const order = objs.map((_, i) => i).sort((a, b) => rvs[a]! - rvs[b]!);
  return order.map((i) => objs[i]!);
}

function keyOf(o: { metadata: { namespace?: string; name: string } }): string {
  return `${o.metadata.namespace}/${o.metadata.name}`;
}
