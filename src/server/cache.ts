// kube-apiserver's watch cache: every object under /registry/ decoded in memory, kept in step
// with the storage's watch, with a window of recent events so watches can start from a past
// resourceVersion. resourceVersion is the storage revision of the object's last change.
import { parseStorageKey, type Resource } from './resources.js';
import type { KeyValue, Storage, StorageEvent } from './storage.js';
import { expired } from './status.js';

export type ApiObject = { apiVersion?: string; kind?: string; metadata: Record<string, unknown> & { name: string; namespace?: string; resourceVersion?: string; uid?: string; labels?: Record<string, string> } } & Record<string, unknown>;

export interface CacheEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resource: Resource;
  object: ApiObject;
  prevObject?: ApiObject;
  rv: number;
}

export type CacheWatcher = (ev: CacheEvent) => void;

export function decode(kv: KeyValue, rv = kv.modRevision): ApiObject {
  const o = JSON.parse(kv.value) as ApiObject;
  o.metadata = { ...o.metadata, resourceVersion: String(rv) };
  return o;
}

export class WatchCache {
  /** The storage revision every object here is current to. */
  rv = 0;
  private readonly objects = new Map<Resource, Map<string, { object: ApiObject; modRevision: number; createRevision: number }>>();
  private readonly history: CacheEvent[] = [];
  /** Events after this revision are in the window; older watches get 410 Gone. */
  private oldest = 0;
  private readonly watchers = new Set<{ resource: Resource; fn: CacheWatcher }>();
  private readonly waiters: { rv: number; resolve: () => void }[] = [];
  private readonly batchListeners = new Set<() => void>();
  private stopWatch?: () => void;
  private failed?: Error;

  constructor(
    private readonly storage: Storage,
    /** How many events the window holds (kube-apiserver sizes it per resource; one window here). */
    readonly windowSize = 100_000,
  ) {}

  async start(): Promise<void> {
    const { kvs, revision } = await this.storage.range('/registry/');
    for (const kv of kvs) {
      const at = parseStorageKey(kv.key);
      if (at) this.bucket(at.resource).set(kv.key, { object: decode(kv), modRevision: kv.modRevision, createRevision: kv.createRevision });
    }
    this.rv = revision;
    this.oldest = revision;
    this.stopWatch = await this.storage.watch('/registry/', revision, (evs, rev) => this.apply(evs, rev), (e) => (this.failed = e));
  }

  stop(): void {
    this.stopWatch?.();
  }

  /** The oldest resourceVersion a watch or continue token may start from. */
  get oldestRV(): number {
    return this.oldest;
  }

  get error(): Error | undefined {
    return this.failed;
  }

  private bucket(r: Resource): Map<string, { object: ApiObject; modRevision: number; createRevision: number }> {
    let b = this.objects.get(r);
    if (!b) this.objects.set(r, (b = new Map()));
    return b;
  }

  private apply(evs: StorageEvent[], revision: number): void {
    for (const e of evs) {
      const at = parseStorageKey(e.kv.key);
      const rv = e.kv.modRevision;
      if (at) {
        const b = this.bucket(at.resource);
        const prev = b.get(e.kv.key);
        let ev: CacheEvent;
        if (e.type === 'put') {
          const object = decode(e.kv);
          b.set(e.kv.key, { object, modRevision: rv, createRevision: prev?.createRevision ?? (e.kv.createRevision || rv) });
          ev = prev ? { type: 'MODIFIED', resource: at.resource, object, prevObject: prev.object, rv } : { type: 'ADDED', resource: at.resource, object, rv };
        } else {
          b.delete(e.kv.key);
          const gone = prev?.object ?? (e.prev ? decode(e.prev) : undefined);
          if (!gone) continue;
          ev = { type: 'DELETED', resource: at.resource, object: { ...gone, metadata: { ...gone.metadata, resourceVersion: String(rv) } }, rv };
        }
        this.history.push(ev);
        // Trimmed in batches so a busy window costs no copy per event.
        if (this.history.length > this.windowSize * 1.25) this.oldest = this.history.splice(0, this.history.length - this.windowSize).at(-1)!.rv;
        this.rv = rv;
        for (const w of [...this.watchers]) if (w.resource === at.resource) w.fn(ev);
      }
      this.rv = Math.max(this.rv, rv);
    }
    this.rv = Math.max(this.rv, revision);
    for (const fn of [...this.batchListeners]) fn();
    for (let i = 0; i < this.waiters.length; ) {
      if (this.waiters[i]!.rv <= this.rv) this.waiters.splice(i, 1)[0]!.resolve();
      else i++;
    }
  }

  /** Called after each batch of storage events has been applied. */
  onBatch(fn: () => void): () => void {
    this.batchListeners.add(fn);
    return () => this.batchListeners.delete(fn);
  }

  /** Resolves once the cache has seen the storage up to `rv` (a write's own revision). */
  waitFor(rv: number): Promise<void> {
    if (rv <= this.rv) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ rv, resolve }));
  }

  get(r: Resource, key: string): { object: ApiObject; modRevision: number } | undefined {
    return this.bucket(r).get(key);
  }

  /** Objects in storage key order (namespace, then name), as an etcd range returns them. */
  list(r: Resource, namespace?: string): ApiObject[] {
    const out: [string, ApiObject][] = [];
    for (const [k, v] of this.bucket(r)) if (namespace === undefined || v.object.metadata.namespace === namespace) out.push([k, v.object]);
    out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return out.map(([, o]) => o);
  }

  /** Every object, oldest first (by the revision that created it). */
  all(): { resource: Resource; object: ApiObject }[] {
    const out: { resource: Resource; object: ApiObject; created: number }[] = [];
    for (const [resource, b] of this.objects) for (const v of b.values()) out.push({ resource, object: v.object, created: v.createRevision });
    return out.sort((a, b) => a.created - b.created).map(({ resource, object }) => ({ resource, object }));
  }

  /** Forgets the event window up to now: watches from an older resourceVersion get 410 Gone. */
  compact(): void {
    this.history.length = 0;
    this.oldest = this.rv;
  }

  /**
   * Subscribes to one resource's events after `fromRV`: the window's events first, then new ones.
   * A resourceVersion older than the window is 410 Expired, as kube-apiserver answers.
   */
  watch(r: Resource, fromRV: number, fn: CacheWatcher): () => void {
    if (fromRV < this.oldest) throw expired(`too old resource version: ${fromRV} (${this.oldest})`);
    const w = { resource: r, fn };
    let start = this.history.length;
    while (start > 0 && this.history[start - 1]!.rv > fromRV) start--;
    for (let i = start; i < this.history.length; i++) if (this.history[i]!.resource === r) fn(this.history[i]!);
    this.watchers.add(w);
    return () => this.watchers.delete(w);
  }
}
