import { ApiError } from './errors.js';
import { selectorMatches } from './selector.js';
import { KINDS, keyOf, objectKey, type AnyObject, type Kind, type KindMap, type LabelSelector } from './types.js';

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
  /** Per kind, the events after the last compaction. */
  private readonly history = new Map<Kind, WatchEvent[]>();
  private historySize = 0;
  private compactedRV = 0;
  /** Past this many retained events the store compacts itself, as etcd's auto-compaction does. */
  autoCompactAfter = 20_000;
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

  create<T extends AnyObject>(obj: T): T {
    const kind = obj.kind;
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
    } as T;
    if (!namespaced) delete stored.metadata.namespace;
    b.set(key, stored);
    this.emit({ type: 'ADDED', kind, object: stored, resourceVersion: rv });
    return stored;
  }

  /** Replaces an object. A resourceVersion that is not the stored one is a Conflict, as in the API. */
  update<T extends AnyObject>(obj: T): T {
    const kind = obj.kind;
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
    } as T;
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
    let replay: WatchEvent[];
    if (fromResourceVersion >= this.compactedRV) {
      replay = (this.history.get(kind) ?? []).filter((e) => e.resourceVersion > fromResourceVersion);
    } else if (fromResourceVersion === 0) {
      // From the beginning after a compaction: every current object as ADDED, as list+watch gives.
      replay = [...this.bucket(kind).values()]
        .map((o): WatchEvent => ({ type: 'ADDED', kind, object: o, resourceVersion: Number(o.metadata.resourceVersion) }))
        .sort((a, b) => a.resourceVersion - b.resourceVersion);
    } else {
      throw new ApiError('Expired', `too old resource version: ${fromResourceVersion} (${this.compactedRV})`);
    }
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

  /** Forgets the event history up to now; watches from 0 still see every current object. */
  compact(): void {
    this.history.clear();
    this.historySize = 0;
    this.compactedRV = this.rv;
  }

  private emit(ev: WatchEvent): void {
    this.lastChange.set(ev.kind, ev.resourceVersion);
    let h = this.history.get(ev.kind);
    if (!h) this.history.set(ev.kind, (h = []));
    h.push(ev);
    if (++this.historySize > this.autoCompactAfter) this.compact();
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
  const text = `${kind}/${key}`;
  const h = [0x811c9dc5, 0x01000193, 0x9e3779b9, 0x85ebca6b].map((seed) => fnv(text, seed).toString(16).padStart(8, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function fnv(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
