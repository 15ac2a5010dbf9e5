import { copyOf } from './copy.js';
import { ApiError } from './errors.js';
import { FieldIndex, LabelIndex, fieldsMatch, filteredEvent, podNodeName, type FieldSelector } from './fields.js';
import { selectorMatches } from './selector.js';
import { KINDS, keyOf, objectKey, type AnyObject, type Kind, type KindMap, type UnmodelledObject } from './types.js';

import { stableUid } from './uid.js';
import { selective, type ListOptions, type Subscription, type WatchEvent, type WatchHandler, type Watchers, type WatchOptions } from './watch.js';

export type { ListOptions, WatchEvent, WatchEventType, WatchHandler, WatchOptions } from './watch.js';
export { stableUid };

/** Every object carries this creation time: knet runs on a fixed clock so output is reproducible. */
export const FIXED_CLOCK = '2026-01-01T00:00:00Z';

/** Where one object lives: an update replaces `obj` in place, so neither map is written. */
interface Slot {
  obj: AnyObject;
  /** Creation order within the kind (index results are put back in this order). */
  order: number;
  key: string;
}

/** One kind's objects: by key in creation order, by namespace then name, and its indexes. */
interface Bucket {
  all: Map<string, Slot>;
  /** Namespace ("" for cluster-scoped kinds) → name → slot: get() without building a key. */
  byNs: Map<string, Map<string, Slot>>;
  /**
   * spec.nodeName → keys of the pods bound to it; Pods only. Unbound pods are found by a scan:
   * a large workload's are many at once and each only until the scheduler binds it.
   */
  nodes?: FieldIndex;
  /** Built on the first list with a label selector, kept current from then on. */
  labels?: LabelIndex;
  nextOrder: number;
}

/**
 * The cluster's single source of truth, shaped like kube-apiserver over etcd: one global
 * resourceVersion counter, optimistic concurrency on update, and ordered watch streams that
 * can start from any past resourceVersion. Objects handed in or out are treated as immutable;
 * an update always stores a new object.
 */
export class Store {
  private rv = 0;
  private readonly objects = new Map<Kind, Bucket>();
  /** Per kind, the events after the last compaction. */
  private readonly history = new Map<Kind, WatchEvent[]>();
  private historySize = 0;
  private compactedRV = 0;
  /** Past this many retained events the store compacts itself, as etcd's auto-compaction does. */
  autoCompactAfter = 20_000;
  private readonly watchers = new Map<Kind, Watchers>();
  private nextSubscription = 0;
  /** Events waiting for dispatch, each with the handlers it goes to (two arrays: no pair per event). */
  private readonly pending: WatchEvent[] = [];
  private readonly pendingHandlers: (readonly WatchHandler<Kind>[])[] = [];
  private dispatching = false;
  private readonly lastChange = new Map<Kind, number>();
  /** Objects of kinds knet does not model, by kind: stored and listed, never watched. */
  private readonly unmodelled = new Map<string, Map<string, UnmodelledObject>>();

  get resourceVersion(): number {
    return this.rv;
  }

  private bucket(kind: Kind): Bucket {
    let b = this.objects.get(kind);
    if (!b) {
      b = { all: new Map(), byNs: new Map(), nextOrder: 0, ...(kind === 'Pod' ? { nodes: new FieldIndex() } : {}) };
      this.objects.set(kind, b);
    }
    return b;
  }

  get<K extends Kind>(kind: K, namespace: string | undefined, name: string): KindMap[K] | undefined {
    return this.bucket(kind).byNs.get(KINDS[kind].namespaced ? (namespace ?? '') : '')?.get(name)?.obj as KindMap[K] | undefined;
  }

  /** get() by the object's key (namespace/name; the name of a cluster-scoped object), as controllers queue it. */
  getByKey<K extends Kind>(kind: K, key: string): KindMap[K] | undefined {
    return this.bucket(kind).all.get(key)?.obj as KindMap[K] | undefined;
  }

  /** Objects in creation order (the order kubectl would show after sorting is the caller's). */
  list<K extends Kind>(kind: K, opts: ListOptions = {}): KindMap[K][] {
    const b = this.bucket(kind);
    const ns = opts.namespace;
    const candidates = this.candidates(b, opts);
    const out: KindMap[K][] = [];
    if (candidates) {
      for (const key of candidates) {
        const o = b.all.get(key)!.obj;
        if (ns !== undefined && o.metadata.namespace !== ns) continue;
        if (opts.selector && !selectorMatches(opts.selector, o.metadata.labels)) continue;
        if (opts.fields && !fieldsMatch(opts.fields, o)) continue;
        out.push(o as KindMap[K]);
      }
      return out;
    }
    const source = ns !== undefined && KINDS[kind].namespaced ? (b.byNs.get(ns)?.values() ?? []) : b.all.values();
    for (const { obj: o } of source) {
      if (ns !== undefined && o.metadata.namespace !== ns) continue;
      if (opts.selector && !selectorMatches(opts.selector, o.metadata.labels)) continue;
      if (opts.fields && !fieldsMatch(opts.fields, o)) continue;
      out.push(o as KindMap[K]);
    }
    return out;
  }

  /** The keys an index narrows a list to, in creation order; undefined when no index applies. */
  private candidates(b: Bucket, opts: ListOptions): string[] | undefined {
    const name = opts.fields?.['metadata.name'];
    if (name !== undefined) return this.byName(b, name, opts.namespace);
    const node = opts.fields?.['spec.nodeName'];
    if (node && b.nodes) return this.inOrder(b, b.nodes.get(node) ?? new Set());
    const sel = opts.selector;
    if (!sel) return undefined;
    const narrow: ReadonlySet<string>[] = [];
    const idx = this.labelIndex(b);
    for (const k in sel.matchLabels ?? {}) narrow.push(idx.carrying(k, [sel.matchLabels![k]!]));
    for (const r of sel.matchExpressions ?? []) if (r.operator === 'In') narrow.push(idx.carrying(r.key, r.values ?? []));
    if (narrow.length === 0) return undefined;
    return this.inOrder(b, narrow.reduce((a, s) => (s.size < a.size ? s : a)));
  }

  private byName(b: Bucket, name: string, ns: string | undefined): string[] {
    if (ns !== undefined) return b.byNs.get(ns)?.has(name) ? [objectKey(ns || undefined, name)] : [];
    const out: string[] = [];
    for (const [n, m] of b.byNs) if (m.has(name)) out.push(objectKey(n || undefined, name));
    return this.inOrder(b, new Set(out));
  }

  private labelIndex(b: Bucket): LabelIndex {
    if (b.labels) return b.labels;
    b.labels = new LabelIndex();
    for (const [key, slot] of b.all) b.labels.add(slot.obj.metadata.labels, key);
    return b.labels;
  }

  private inOrder(b: Bucket, keys: ReadonlySet<string>): string[] {
    if (keys.size < 2) return [...keys];
    // each key's slot looked up once, not twice per comparison
    const slots: Slot[] = [];
    for (const k of keys) slots.push(b.all.get(k)!);
    slots.sort((x, y) => x.order - y.order);
    return slots.map((s) => s.key);
  }

  /** The resourceVersion of the last change to any object of `kind` (0 if none): a cache key. */
  kindVersion(kind: Kind): number {
    return this.lastChange.get(kind) ?? 0;
  }

  /** The namespaces holding objects of `kind`, in the order a list() first meets them. */
  namespaces(kind: Kind): string[] {
    const firsts: [string, number][] = [];
    for (const [ns, names] of this.bucket(kind).byNs) {
      for (const slot of names.values()) {
        firsts.push([ns, slot.order]); // each namespace's oldest object: its map is in creation order
        break;
      }
    }
    return firsts.sort((a, b) => a[1] - b[1]).map(([ns]) => ns);
  }

  count(kind: Kind): number {
    return this.bucket(kind).all.size;
  }

  create<T extends AnyObject>(obj: T): T {
    const kind = obj.kind;
    const meta = obj.metadata;
    if (!meta?.name) throw new ApiError('Invalid', `${kind}: metadata.name: Required value`);
    const namespaced = KINDS[kind].namespaced;
    const namespace = namespaced ? (meta.namespace ?? 'default') : undefined;
    const b = this.bucket(kind);
    let names = b.byNs.get(namespace ?? '');
    if (names?.has(meta.name)) throw new ApiError('AlreadyExists', `${KINDS[kind].plural} "${meta.name}" already exists`);
    const key = objectKey(namespace, meta.name);
    const rv = ++this.rv;
    const metadata = copyOf(meta, namespaced ? undefined : 'namespace');
    if (namespaced) metadata.namespace = namespace;
    metadata.uid = meta.uid ?? stableUid(kind, key, `/${rv}`);
    metadata.resourceVersion = String(rv);
    metadata.creationTimestamp = meta.creationTimestamp ?? FIXED_CLOCK;
    const stored = copyOf(obj);
    stored.metadata = metadata;
    if (!names) b.byNs.set(namespace ?? '', (names = new Map()));
    const slot: Slot = { obj: stored, order: b.nextOrder++, key };
    names.set(meta.name, slot);
    b.all.set(key, slot);
    const node = b.nodes && podNodeName(stored);
    if (node) b.nodes!.add(node, key);
    b.labels?.add(stored.metadata.labels, key);
    this.emit({ type: 'ADDED', kind, key, object: stored, resourceVersion: rv });
    return stored;
  }

  /** Stores an object of a kind knet does not model, stamped as the API would stamp it. */
  keep(obj: UnmodelledObject, namespaced: boolean): UnmodelledObject {
    const namespace = namespaced ? (obj.metadata.namespace ?? 'default') : undefined;
    const key = objectKey(namespace, obj.metadata.name);
    let b = this.unmodelled.get(obj.kind);
    if (!b) this.unmodelled.set(obj.kind, (b = new Map()));
    if (b.has(key)) throw new ApiError('AlreadyExists', `${obj.kind} "${obj.metadata.name}" already exists`);
    const rv = ++this.rv;
    const { namespace: _ns, ...meta } = obj.metadata;
    const stored: UnmodelledObject = {
      ...obj,
      metadata: {
        ...meta,
        ...(namespace ? { namespace } : {}),
        uid: meta.uid ?? stableUid(obj.kind, key, `/${rv}`),
        resourceVersion: String(rv),
        creationTimestamp: meta.creationTimestamp ?? FIXED_CLOCK,
      },
    };
    b.set(key, stored);
    return stored;
  }

  /** The kept objects of one unmodelled kind, in creation order. */
  kept(kind: string, namespace?: string): UnmodelledObject[] {
    const all = [...(this.unmodelled.get(kind)?.values() ?? [])];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  /** Every unmodelled kind that has objects. */
  keptKinds(): string[] {
    return [...this.unmodelled.keys()];
  }

  /** Replaces an object. A resourceVersion that is not the stored one is a Conflict, as in the API. */
  update<T extends AnyObject>(obj: T): T {
    const kind = obj.kind;
    const b = this.bucket(kind);
    const names = b.byNs.get(KINDS[kind].namespaced ? (obj.metadata.namespace ?? '') : '');
    const slot = names?.get(obj.metadata.name);
    if (!slot) throw new ApiError('NotFound', `${KINDS[kind].plural} "${obj.metadata.name}" not found`);
    const old = slot.obj;
    const given = obj.metadata.resourceVersion;
    if (given !== undefined && given !== old.metadata.resourceVersion) {
      throw new ApiError(
        'Conflict',
        `Operation cannot be fulfilled on ${KINDS[kind].plural} "${obj.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    const rv = ++this.rv;
    const metadata = copyOf(obj.metadata);
    metadata.uid = old.metadata.uid;
    metadata.creationTimestamp = old.metadata.creationTimestamp;
    metadata.resourceVersion = String(rv);
    const stored = copyOf(obj);
    stored.metadata = metadata;
    slot.obj = stored;
    const key = slot.key;
    const was = b.nodes && podNodeName(old);
    const now = b.nodes && podNodeName(stored);
    if (was !== now) {
      if (was) b.nodes!.remove(was, key);
      if (now) b.nodes!.add(now, key);
    }
    if (b.labels && old.metadata.labels !== stored.metadata.labels) {
      b.labels.remove(old.metadata.labels, key);
      b.labels.add(stored.metadata.labels, key);
    }
    this.emit({ type: 'MODIFIED', kind, key, object: stored, oldObject: old, resourceVersion: rv });
    return stored;
  }

  delete<K extends Kind>(kind: K, namespace: string | undefined, name: string): KindMap[K] {
    const b = this.bucket(kind);
    const ns = KINDS[kind].namespaced ? (namespace ?? '') : '';
    const names = b.byNs.get(ns);
    const slot = names?.get(name);
    if (!slot) throw new ApiError('NotFound', `${KINDS[kind].plural} "${name}" not found`);
    const old = slot.obj as KindMap[K];
    const key = slot.key;
    names!.delete(name);
    b.all.delete(key);
    const node = b.nodes && podNodeName(old);
    if (node) b.nodes!.remove(node, key);
    b.labels?.remove(old.metadata.labels, key);
    const rv = ++this.rv;
    this.emit({ type: 'DELETED', kind, key, object: old, resourceVersion: rv });
    return old;
  }

  /**
   * Streams events for one kind. Events after `fromResourceVersion` that already happened are
   * replayed first (pass 0 for a full history, or the current resourceVersion for new events
   * only); then every new event arrives in resourceVersion order. Returns an unsubscribe function.
   */
  watch<K extends Kind>(kind: K, fromResourceVersion: number, handler: WatchHandler<K>, opts: WatchOptions = {}): () => void {
    const sub: Subscription = { id: this.nextSubscription++, handler: handler as WatchHandler<Kind>, ...(opts.fields ? { fields: opts.fields } : {}) };
    const f = opts.fields;
    let replay: WatchEvent[];
    // A field-selector watch from 0 starts from the passing objects' current state, as the
    // apiserver's watch cache serves resourceVersion 0 (one index lookup, no history scan).
    if (fromResourceVersion >= this.compactedRV && !(f && fromResourceVersion === 0)) {
      replay = [];
      for (const e of this.history.get(kind) ?? []) {
        if (e.resourceVersion <= fromResourceVersion) continue;
        const seen = f ? filteredEvent(e, f) : e;
        if (seen) replay.push(seen);
      }
    } else if (fromResourceVersion === 0) {
      // From the beginning after a compaction: every current object as ADDED, as list+watch gives.
      replay = this.list(kind, f ? { fields: f } : {})
        .map((o): WatchEvent => ({ type: 'ADDED', kind, key: keyOf(o), object: o, resourceVersion: Number(o.metadata.resourceVersion) }))
        .sort((a, b) => a.resourceVersion - b.resourceVersion);
    } else {
      throw new ApiError('Expired', `too old resource version: ${fromResourceVersion} (${this.compactedRV})`);
    }
    let w = this.watchers.get(kind);
    if (!w) this.watchers.set(kind, (w = { all: [], handlers: [], byName: new Map(), byNode: new Map() }));
    const ws = w;
    const [map, value] = f?.['metadata.name'] !== undefined ? [ws.byName, f['metadata.name']] : f?.['spec.nodeName'] !== undefined ? [ws.byNode, f['spec.nodeName']] : [undefined, ''];
    if (map) map.set(value, [...(map.get(value) ?? []), sub]);
    else {
      ws.all = [...ws.all, sub];
      ws.handlers = ws.all.map((s) => s.handler);
    }
    const hs = [sub.handler];
    for (const ev of replay) this.queue(ev, hs);
    this.drain();
    return () => {
      if (!map) {
        ws.all = ws.all.filter((s) => s !== sub);
        ws.handlers = ws.all.map((s) => s.handler);
        return;
      }
      const rest = (map.get(value) ?? []).filter((s) => s !== sub);
      if (rest.length) map.set(value, rest);
      else map.delete(value);
    };
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
    const w = this.watchers.get(ev.kind);
    if (w) {
      const picked = selective(w, ev);
      if (!picked) {
        if (w.handlers.length) this.queue(ev, w.handlers);
      } else {
        // Field-selector watchers in subscription order among the others, each with its view of the event.
        for (const s of w.all) picked.push(s);
        picked.sort((a, b) => a.id - b.id);
        for (const s of picked) {
          const seen = s.fields ? filteredEvent(ev, s.fields) : ev;
          if (seen) this.queue(seen, [s.handler]);
        }
      }
    }
    this.drain();
  }

  private queue(ev: WatchEvent, handlers: readonly WatchHandler<Kind>[]): void {
    this.pending.push(ev);
    this.pendingHandlers.push(handlers);
  }

  // Handlers that write to the store see their own events after they return, never re-entrantly.
  private drain(): void {
    if (this.dispatching) return;
    this.dispatching = true;
    const evs = this.pending;
    const hss = this.pendingHandlers;
    try {
      for (let i = 0; i < evs.length; i++) {
        const ev = evs[i]!;
        for (const h of hss[i]!) h(ev);
      }
    } finally {
      evs.length = 0;
      hss.length = 0;
      this.dispatching = false;
    }
  }
}
