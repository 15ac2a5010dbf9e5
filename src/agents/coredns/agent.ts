// The CoreDNS agent: follows Services, EndpointSlices, Pods, Namespaces and the `coredns`
// ConfigMap through store watches and keeps the indexes the kubernetes plugin answers from
// (by name, by IP, by pod IP), plus the zone serial: the Unix time of the last change it saw.
import type { SimClock } from '../../api/clock.js';
import type { Store } from '../../api/store.js';
import type { ConfigMap } from '../../api/types.js';
import { toDnsEndpoints, toDnsPod, toDnsService, type DnsEndpoints, type DnsPod, type DnsService } from './objects.js';

export const COREDNS_CONFIGMAP = { namespace: 'kube-system', name: 'coredns', key: 'Corefile' };

class MultiIndex<V> {
  private readonly m = new Map<string, Set<V>>();
  add(k: string, v: V): void {
    let s = this.m.get(k);
    if (!s) this.m.set(k, (s = new Set()));
    s.add(v);
  }
  remove(k: string, v: V): void {
    const s = this.m.get(k);
    if (!s) return;
    s.delete(v);
    if (s.size === 0) this.m.delete(k);
  }
  get(k: string): Set<V> {
    return this.m.get(k) ?? new Set();
  }
}

export class CorednsAgent {
  private readonly services = new Map<string, DnsService>();
  private readonly servicesByIP = new MultiIndex<string>();
  private readonly slices = new Map<string, DnsEndpoints>();
  private readonly slicesByService = new MultiIndex<string>();
  private readonly slicesByIP = new MultiIndex<string>();
  private readonly pods = new Map<string, DnsPod>();
  private readonly podsByIP = new MultiIndex<string>();
  private readonly namespaces = new Set<string>();
  private corefileMap?: ConfigMap;
  private serial = 0;
  private readonly stops: (() => void)[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(
    store: Store,
    private readonly clock: SimClock,
  ) {
    this.stops.push(
      store.watch('Namespace', 0, (ev) => {
        if (ev.type === 'DELETED') this.namespaces.delete(ev.object.metadata.name);
        else this.namespaces.add(ev.object.metadata.name);
        this.changed();
      }),
      store.watch('Service', 0, (ev) => {
        const key = `${ev.object.metadata.namespace}/${ev.object.metadata.name}`;
        this.dropService(key);
        if (ev.type !== 'DELETED') this.putService(key, toDnsService(ev.object));
        this.changed();
      }),
      store.watch('EndpointSlice', 0, (ev) => {
        const key = `${ev.object.metadata.namespace}/${ev.object.metadata.name}`;
        this.dropSlice(key);
        const view = ev.type === 'DELETED' ? undefined : toDnsEndpoints(ev.object);
        if (view) this.putSlice(key, view);
        this.changed();
      }),
      store.watch('Pod', 0, (ev) => {
        const key = `${ev.object.metadata.namespace}/${ev.object.metadata.name}`;
        const old = this.pods.get(key);
        if (old) this.podsByIP.remove(old.ip, key);
        this.pods.delete(key);
        const view = ev.type === 'DELETED' ? undefined : toDnsPod(ev.object);
        if (view) {
          this.pods.set(key, view);
          this.podsByIP.add(view.ip, key);
        }
        if (old?.ip !== view?.ip) this.changed();
      }),
      store.watch('ConfigMap', 0, (ev) => {
        const m = ev.object.metadata;
        if (m.namespace !== COREDNS_CONFIGMAP.namespace || m.name !== COREDNS_CONFIGMAP.name) return;
        this.corefileMap = ev.type === 'DELETED' ? undefined : ev.object;
        this.changed();
      }),
    );
  }

  stop(): void {
    for (const s of this.stops) s();
  }

  /** Called after every change the agent applied (the server drops nothing it caches this way). */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    const now = Math.floor(this.clock.now() / 1000);
    this.serial = now > this.serial ? now : this.serial + 1;
    for (const l of this.listeners) l();
  }

  private putService(key: string, s: DnsService): void {
    this.services.set(key, s);
    for (const ip of [...s.clusterIPs, ...s.externalIPs]) this.servicesByIP.add(ip, key);
  }

  private dropService(key: string): void {
    const s = this.services.get(key);
    if (!s) return;
    for (const ip of [...s.clusterIPs, ...s.externalIPs]) this.servicesByIP.remove(ip, key);
    this.services.delete(key);
  }

  private putSlice(key: string, e: DnsEndpoints): void {
    this.slices.set(key, e);
    this.slicesByService.add(`${e.namespace}/${e.service}`, key);
    for (const a of e.addresses) this.slicesByIP.add(a.ip, key);
  }

  private dropSlice(key: string): void {
    const e = this.slices.get(key);
    if (!e) return;
    this.slicesByService.remove(`${e.namespace}/${e.service}`, key);
    for (const a of e.addresses) this.slicesByIP.remove(a.ip, key);
    this.slices.delete(key);
  }

  /** The zone serial: Unix time of the last change seen, strictly increasing. */
  get zoneSerial(): number {
    return this.serial;
  }

  get corefile(): ConfigMap | undefined {
    return this.corefileMap;
  }

  namespaceExists(ns: string): boolean {
    return this.namespaces.has(ns);
  }

  service(namespace: string, name: string): DnsService | undefined {
    return this.services.get(`${namespace}/${name}`);
  }

  allServices(): Iterable<DnsService> {
    return this.services.values();
  }

  /** Services whose ClusterIPs or externalIPs include `ip`. */
  servicesForIP(ip: string): DnsService[] {
    return [...this.servicesByIP.get(ip)].map((k) => this.services.get(k)!);
  }

  /** The service's slices, in the order they were first seen. */
  endpointsOf(namespace: string, service: string): DnsEndpoints[] {
    return [...this.slicesByService.get(`${namespace}/${service}`)].map((k) => this.slices.get(k)!);
  }

  /** Slices that hold `ip` as a ready address. */
  endpointsForIP(ip: string): DnsEndpoints[] {
    return [...this.slicesByIP.get(ip)].map((k) => this.slices.get(k)!);
  }

  allPods(): DnsPod[] {
    return [...this.pods.values()];
  }

  podsForIP(ip: string): DnsPod[] {
    return [...this.podsByIP.get(ip)].map((k) => this.pods.get(k)!);
  }

  get counts(): { services: number; slices: number; pods: number; namespaces: number } {
    return { services: this.services.size, slices: this.slices.size, pods: this.pods.size, namespaces: this.namespaces.size };
  }
}
