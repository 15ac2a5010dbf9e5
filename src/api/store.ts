import { createHash } from 'node:crypto';
import { ApiError } from './errors.js';
import { selectorMatches } from './selector.js';
import { KINDS, keyOf, objectKey, type Kind, type KindMap, type LabelSelector } from './types.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent<K extends Kind = Kind> {
  type: WatchEventType;
  kind: K;
  object: KindMap[K];
  /** The object as it was before a MODIFIED event. */
  oldObject?: KindMap[K];
  resourceVersion: number;
}

export type WatchHandler<K extends Kind> = (ev: WatchEvent<K>) => void;

export interface ListOptions {
  namespace?: string;
  selector?: LabelSelector;
}

/** Every object carries this creation time: knet runs on a fixed clock so output is reproducible. */
export const FIXED_CLOCK = '2026-01-01T00:00:00Z';

/**
 * The cluster's single source of truth, shaped like kube-apiserver over etcd: one global
 * resourceVersion counter, optimistic concurrency on update, and ordered watch streams that
 * can start from any past resourceVersion. Objects handed in or out are treated as immutable;
 * an update always stores a new object.
 */
export class Store {
  private rv = 0;
  private readonly objects = new Map<Kind, Map<string, KindMap[Kind]>>();
  private readonly history: WatchEvent[] = [];
  private readonly watchers = new Map<Kind, Set<WatchHandler<Kind>>>();
  private readonly pending: { ev: WatchEvent; handlers: WatchHandler<Kind>[] }[] = [];
  private dispatching = false;
  private readonly lastChange = new Map<Kind, number>();

  get resourceVersion(): number {
    return this.rv;
  }

  private bucket<K extends Kind>(kind: K): Map<string, KindMap[K]> {
    let b = this.objects.get(kind);
    if (!b) {
      b = new Map();
      this.objects.set(kind, b);
    }
    return b as Map<string, KindMap[K]>;
  }

  get<K extends Kind>(kind: K, namespace: string | undefined, name: string): KindMap[K] | undefined {
    return this.bucket(kind).get(objectKey(KINDS[kind].namespaced ? namespace : undefined, name));
  }

  mustGet<K extends Kind>(kind: K, namespace: string | undefined, name: string): KindMap[K] {
    const o = this.get(kind, namespace, name);
    if (!o) throw new ApiError('NotFound', `${KINDS[kind].plural} "${name}" not found`);
    return o;
  }

  /** Objects in creation order (the order kubectl would show after sorting is the caller's). */
  list<K extends Kind>(kind: K, opts: ListOptions = {}): KindMap[K][] {
    const out: KindMap[K][] = [];
    for (const o of this.bucket(kind).values()) {
      if (opts.namespace !== undefined && o.metadata.namespace !== opts.namespace) continue;
      if (opts.selector && !selectorMatches(opts.selector, o.metadata.labels)) continue;
      out.push(o);
    }
    return out;
  }

  /** The resourceVersion of the last change to any object of `kind` (0 if none): a cache key. */
  kindVersion(kind: Kind): number {
    return this.lastChange.get(kind) ?? 0;
  }

  count(kind: Kind): number {
    return this.bucket(kind).size;
  }

  create<K extends Kind>(obj: KindMap[K]): KindMap[K] {
    const kind = obj.kind as K;
    const meta = obj.metadata;
    if (!meta?.name) throw new ApiError('Invalid', `${kind}: metadata.name: Required value`);
    const namespaced = KINDS[kind].namespaced;
    const namespace = namespaced ? (meta.namespace ?? 'default') : undefined;
    const key = objectKey(namespace, meta.name);
    const b = this.bucket(kind);
    if (b.has(key)) throw new ApiError('AlreadyExists', `${KINDS[kind].plural} "${meta.name}" already exists`);
    const rv = ++this.rv;
    const stored = {
      ...obj,
      metadata: {
        ...meta,
        ...(namespaced ? { namespace } : {}),
        uid: meta.uid ?? stableUid(kind, `${key}/${rv}`),
        resourceVersion: String(rv),
        creationTimestamp: meta.creationTimestamp ?? FIXED_CLOCK,
      },
    } as KindMap[K];
    if (!namespaced) delete stored.metadata.namespace;
    b.set(key, stored);
    this.emit({ type: 'ADDED', kind, object: stored, resourceVersion: rv });
    return stored;
  }

  /** Replaces an object. A resourceVersion that is not the stored one is a Conflict, as in the API. */
  update<K extends Kind>(obj: KindMap[K]): KindMap[K] {
    const kind = obj.kind as K;
    const b = this.bucket(kind);
    const key = keyOf(obj);
    const old = b.get(key);
    if (!old) throw new ApiError('NotFound', `${KINDS[kind].plural} "${obj.metadata.name}" not found`);
    const given = obj.metadata.resourceVersion;
    if (given !== undefined && given !== old.metadata.resourceVersion) {
      throw new ApiError(
        'Conflict',
        `Operation cannot be fulfilled on ${KINDS[kind].plural} "${obj.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    const rv = ++this.rv;
    const stored = {
      ...obj,
      metadata: { ...obj.metadata, uid: old.metadata.uid, creationTimestamp: old.metadata.creationTimestamp, resourceVersion: String(rv) },
    } as KindMap[K];
    b.set(key, stored);
    this.emit({ type: 'MODIFIED', kind, object: stored, oldObject: old, resourceVersion: rv });
    return stored;
  }

  delete<K extends Kind>(kind: K, namespace: string | undefined, name: string): KindMap[K] {
    const b = this.bucket(kind);
    const key = objectKey(KINDS[kind].namespaced ? namespace : undefined, name);
    const old = b.get(key);
    if (!old) throw new ApiError('NotFound', `${KINDS[kind].plural} "${name}" not found`);
    b.delete(key);
    const rv = ++this.rv;
    this.emit({ type: 'DELETED', kind, object: old, resourceVersion: rv });
    return old;
  }

  /**
   * Streams events for one kind. Events after `fromResourceVersion` that already happened are
   * replayed first (pass 0 for a full history, or the current resourceVersion for new events
   * only); then every new event arrives in resourceVersion order. Returns an unsubscribe function.
   */
  watch<K extends Kind>(kind: K, fromResourceVersion: number, handler: WatchHandler<K>): () => void {
    const h = handler as WatchHandler<Kind>;
    const replay = this.history.filter((e) => e.kind === kind && e.resourceVersion > fromResourceVersion);
    let set = this.watchers.get(kind);
    if (!set) {
      set = new Set();
      this.watchers.set(kind, set);
    }
    set.add(h);
    for (const ev of replay) this.pending.push({ ev, handlers: [h] });
    this.drain();
    return () => set!.delete(h);
  }

  private emit(ev: WatchEvent): void {
    this.lastChange.set(ev.kind, ev.resourceVersion);
    this.history.push(ev);
    const hs = this.watchers.get(ev.kind);
    if (hs && hs.size > 0) this.pending.push({ ev, handlers: [...hs] });
    this.drain();
  }

  // Handlers that write to the store see their own events after they return, never re-entrantly.
  private drain(): void {
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let i = 0; i < this.pending.length; i++) {
        const item = this.pending[i]!;
        for (const h of item.handlers) h(item.ev);
      }
    } finally {
      this.pending.length = 0;
      this.dispatching = false;
    }
  }
}

/** A uid that is the same on every run for the same object: a name-based UUID. */
export function stableUid(kind: string, key: string): string {
  const h = createHash('sha1').update(`${kind}/${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
