// Runs the emulated cluster (controllers and node agents) against the API's storage, as
// kube-controller-manager and the kubelets run against kube-apiserver: the Cluster's own
// in-process store follows the watch cache, and whatever the controllers change in it is
// written back to storage with compare-and-swap. A write that loses the race is dropped; the
// newer object arrives through the watch and the controllers reconcile again.
import { Cluster } from '../cluster/cluster.js';
import { InputError } from '../api/errors.js';
import { KINDS, type AnyObject, type Kind } from '../api/types.js';
import { log } from '../log.js';
import type { CacheEvent, WatchCache } from './cache.js';
import { resourceOfKind, RESOURCES, storageKey } from './resources.js';
import type { Storage } from './storage.js';
import { topologyFromObjects } from './topology-store.js';

function withoutRV<T extends { metadata: object }>(o: T): T {
  const metadata = { ...o.metadata } as Record<string, unknown>;
  delete metadata.resourceVersion;
  return { ...o, metadata } as T;
}

export function encode(o: { metadata: object }): string {
  return JSON.stringify(withoutRV(o));
}

/** The same object whatever the creation time: the Cluster stamps its own on its copies. */
function sameObject(a: { metadata: object }, b: { metadata: object }): boolean {
  const strip = (o: { metadata: object }) => JSON.stringify({ ...withoutRV(o), metadata: { ...withoutRV(o).metadata, creationTimestamp: undefined } });
  return strip(a) === strip(b);
}

export class ClusterBridge {
  readonly cluster: Cluster;
  private applying = false;
  private readonly dirty = new Map<string, { kind: Kind; namespace?: string; name: string }>();
  private readonly stops: (() => void)[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly storage: Storage,
    private readonly cache: WatchCache,
    private readonly stamp: () => string,
  ) {
    const objects = this.cache.all().filter((x) => x.resource.storeKind).map((x) => x.object as unknown as AnyObject);
    this.cluster = new Cluster(topologyFromObjects(objects, 'the API server'));
    for (const kind of Object.keys(KINDS) as Kind[]) {
      this.stops.push(
        this.cluster.store.watch(kind, this.cluster.store.resourceVersion, (ev) => {
          if (this.applying) return;
          const m = ev.object.metadata;
          this.dirty.set(`${kind}/${m.namespace ?? ''}/${m.name}`, { kind, ...(m.namespace ? { namespace: m.namespace } : {}), name: m.name });
        }),
      );
    }
    // What the Cluster made while starting (Nodes, namespaces, controller output) goes to storage.
    for (const kind of Object.keys(KINDS) as Kind[]) {
      for (const o of this.cluster.store.list(kind)) this.dirty.set(`${kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, { kind, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}), name: o.metadata.name });
    }
    for (const r of RESOURCES) {
      if (!r.storeKind) continue;
      this.stops.push(this.cache.watch(r, this.cache.rv, (ev) => this.onEvent(ev)));
    }
    this.stops.push(this.cache.onBatch(() => this.reconcile()));
    this.reconcile();
  }

  stop(): Promise<void> {
    this.stopped = true;
    for (const s of this.stops) s();
    return this.flushing;
  }

  private onEvent(ev: CacheEvent): void {
    const kind = ev.resource.storeKind!;
    const store = this.cluster.store;
    const m = ev.object.metadata;
    const local = store.get(kind, m.namespace, m.name);
    this.applying = true;
    try {
      if (ev.type === 'DELETED') {
        if (local) store.delete(kind, m.namespace, m.name);
        return;
      }
      const next = withoutRV(ev.object) as unknown as AnyObject;
      if (local && sameObject(local, next)) return;
      if (local) store.update(next);
      else store.create(next);
    } finally {
      this.applying = false;
    }
  }

  /** Lets the controllers react, then writes what they changed. */
  private reconcile(): void {
    if (this.stopped) return;
    try {
      this.cluster.settle();
    } catch (e) {
      // A controller refusing an object (no address left…) must not take the server down.
      if (!(e instanceof InputError)) throw e;
      log().warn({ err: e.message }, 'controllers stopped on an object');
    }
    if (this.dirty.size === 0) return;
    const batch = [...this.dirty.values()];
    this.dirty.clear();
    this.flushing = this.flushing.then(() => this.write(batch));
  }

  /** Resolves when every controller write so far is in storage and back through the cache. */
  async idle(): Promise<void> {
    for (;;) {
      const f = this.flushing;
      await f;
      if (f === this.flushing) return;
    }
  }

  private async write(batch: { kind: Kind; namespace?: string; name: string }[]): Promise<void> {
    let last = 0;
    for (const d of batch) {
      if (this.stopped) return;
      const r = resourceOfKind(d.kind)!;
      const key = storageKey(r, d.namespace, d.name);
      const local = this.cluster.store.get(d.kind, d.namespace, d.name);
      const cached = this.cache.get(r, key);
      try {
        if (!local) {
          if (cached) {
            const res = await this.storage.delete(key, { modRevision: cached.modRevision });
            if (res.ok) last = res.revision;
          }
          continue;
        }
        // Identity stays the API's: its uid, and its creation time (the server clock's for new objects).
        const created = (cached?.object.metadata.creationTimestamp as string | undefined) ?? this.stamp();
        const value = encode({ ...local, metadata: { ...local.metadata, creationTimestamp: created } });
        if (cached && encode(cached.object) === value) continue;
        const res = await this.storage.put(key, value, { modRevision: cached?.modRevision ?? 0 });
        if (res.ok) last = res.revision;
        else log().debug({ key }, 'controller write lost a race; the watch brings the newer object');
      } catch (e) {
        log().warn({ key, err: (e as Error).message }, 'controller write failed');
      }
    }
    await this.cache.waitFor(last);
  }
}
