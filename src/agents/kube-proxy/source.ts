// What kube-proxy's informers hold, kept once per store for every node's kube-proxy: the
// Services and each Service's EndpointSlices by Service key, with the keys each watch event
// touched handed to every subscribed change tracker (a node's tracker then reads these maps
// instead of replaying and storing every Service and slice itself).
import type { Store } from '../../api/store.js';
import { SERVICE_NAME_LABEL, type EndpointSlice, type Service } from '../../api/types.js';
import type { Derived } from './views.js';

export class ServiceSource {
  readonly services = new Map<string, Service>();
  /** Service key → its slices by name. */
  readonly slices = new Map<string, Map<string, EndpointSlice>>();
  private readonly subscribers = new Set<(key: string) => void>();
  /** Per key, what views.ts derived from its objects; dropped when they change. */
  private readonly derivedOf = new Map<string, Derived>();

  constructor(store: Store) {
    // An informer's list, then its watch from the list's resourceVersion (no replay of history).
    const rv = store.resourceVersion;
    for (const svc of store.list('Service')) this.services.set(keyOf(svc), svc);
    // in the order a replay of the history leaves them: by their last write
    const slices = store.list('EndpointSlice').sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion));
    for (const slice of slices) this.slice(slice, false);
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

  derived(key: string): Derived {
    let d = this.derivedOf.get(key);
    if (!d) this.derivedOf.set(key, (d = { state: [undefined, undefined] }));
    return d;
  }

  private touched(key: string): void {
    this.derivedOf.delete(key);
    for (const fn of this.subscribers) fn(key);
  }
}

const sources = new WeakMap<Store, ServiceSource>();

export function serviceSource(store: Store): ServiceSource {
  let s = sources.get(store);
  if (!s) sources.set(store, (s = new ServiceSource(store)));
  return s;
}

function keyOf(o: { metadata: { namespace?: string; name: string } }): string {
  return `${o.metadata.namespace}/${o.metadata.name}`;
}
