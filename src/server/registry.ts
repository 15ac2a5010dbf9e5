// The API's object operations over storage, as kube-apiserver's generic registry does them:
// defaulting, validation, the status subresource's split, generation, and compare-and-swap
// writes whose revision becomes the resourceVersion. Reads come from the watch cache.
import { stableUid } from '../api/store.js';
import { suffix5 } from '../controllers/names.js';
import type { ClusterBridge } from './bridge.js';
import { encode } from './bridge.js';
import { decode, type ApiObject, type WatchCache } from './cache.js';
import { apiVersionOf, RESOURCES, storageKey, type Resource } from './resources.js';
import type { Storage } from './storage.js';
import { alreadyExists, badRequest, conflict, notFound } from './status.js';
import { validate } from './validate.js';
import { changedLeaves, fieldSet, leaves, recordUpdate, type ManagedFieldsEntry } from './managed-fields.js';
import type { Store } from '../api/store.js';
import type { AnyObject, Kind } from '../api/types.js';
import { resourceOfKind } from './resources.js';

export interface WriteOptions {
  dryRun: boolean;
  /** Who writes (fieldManager, else the client's User-Agent product); owns what it changes. */
  manager?: string;
  /** Server-side apply set managedFields itself. */
  applied?: boolean;
  /** Only the status may change (the status subresource). */
  statusOnly?: boolean;
}

export interface Written {
  object: ApiObject;
  warnings: string[];
}

const NAMESPACES = RESOURCES.find((x) => x.kind === 'Namespace')!;

/** metav1.Time: RFC 3339 to the second. */
export function timestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function parseRV(text: string | undefined, what = 'resourceVersion'): number | undefined {
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw badRequest(`invalid ${what}: "${text}": must be a non-negative integer`);
  return Number(text);
}

export class Registry {
  bridge?: ClusterBridge;

  constructor(
    readonly storage: Storage,
    readonly cache: WatchCache,
    readonly now: () => number,
  ) {}

  /** The cache seen as the API store the table printers read (Pods of a Deployment…). */
  tableStore(): Pick<Store, 'list'> {
    const cache = this.cache;
    return {
      list<K extends Kind>(kind: K, opts: { namespace?: string } = {}) {
        return cache.list(resourceOfKind(kind)!, opts.namespace) as unknown as never[];
      },
    } as Pick<Store, 'list'>;
  }

  key(r: Resource, ns: string | undefined, name: string): string {
    return storageKey(r, r.namespaced ? ns : undefined, name);
  }

  get(r: Resource, ns: string | undefined, name: string): ApiObject | undefined {
    return this.cache.get(r, this.key(r, ns, name))?.object;
  }

  /** What the storage holds now (reads for writes are not served from the cache). */
  private async current(r: Resource, ns: string | undefined, name: string): Promise<{ object: ApiObject; modRevision: number } | undefined> {
    const kv = await this.storage.get(this.key(r, ns, name));
    return kv ? { object: decode(kv), modRevision: kv.modRevision } : undefined;
  }

  /** Waits until the write is in the cache and the emulated controllers have reacted to it. */
  private async settled(rev: number): Promise<void> {
    await this.cache.waitFor(rev);
    await this.bridge?.idle();
  }

  /** The body's type and namespace checked against the request's, as the REST handlers do. */
  checkBody(r: Resource, ns: string | undefined, o: Record<string, unknown>): ApiObject {
    // A body without apiVersion and kind takes the request's, as kube-apiserver decodes it.
    o = { ...o, apiVersion: o.apiVersion ?? apiVersionOf(r), kind: o.kind ?? r.kind };
    if (o.apiVersion !== apiVersionOf(r) || o.kind !== r.kind) {
      throw badRequest(`the API version in the data (${String(o.apiVersion)}) does not match the expected API version (${apiVersionOf(r)}) or kind (${r.kind})`);
    }
    const meta = (o.metadata && typeof o.metadata === 'object' ? { ...(o.metadata as object) } : {}) as ApiObject['metadata'];
    if (r.namespaced) {
      if (meta.namespace && ns && meta.namespace !== ns) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      meta.namespace = ns ?? meta.namespace ?? 'default';
    } else delete meta.namespace;
    return { ...o, metadata: meta } as ApiObject;
  }

  private namespaceExists(r: Resource, ns: string | undefined): void {
    if (!r.namespaced || !ns) return;
    if (!this.cache.get(NAMESPACES, storageKey(NAMESPACES, undefined, ns))) throw notFound(NAMESPACES, ns);
  }

  async create(r: Resource, ns: string | undefined, body: Record<string, unknown>, opts: WriteOptions): Promise<Written> {
    const o = this.checkBody(r, ns, body);
    const meta = o.metadata;
    if (!meta.name && typeof meta.generateName === 'string' && meta.generateName) meta.name = `${meta.generateName}${suffix5(`${meta.generateName}#${this.cache.rv}#${this.now()}`)}`;
    const warnings = validate(r, o);
    this.namespaceExists(r, meta.namespace);
    const key = this.key(r, meta.namespace, meta.name);
    delete meta.resourceVersion;
    meta.uid = stableUid(r.kind, `${key}#${this.cache.rv}`);
    const created = timestamp(this.now());
    meta.creationTimestamp = created;
    if ('spec' in o) meta.generation = 1;
    if (!opts.applied) meta.managedFields = recordUpdate([], opts.manager ?? 'unknown', apiVersionOf(r), created, leaves(fieldSet(o)));
    // kube-apiserver defaults a new pod's phase to Pending.
    if (r.kind === 'Pod' && !(o.status as { phase?: string } | undefined)?.phase) o.status = { ...(o.status as object), phase: 'Pending' };
    if (opts.dryRun) {
      if (this.cache.get(r, key)) throw alreadyExists(r, meta.name);
      return { object: o, warnings };
    }
    const res = await this.storage.put(key, encode(o), { modRevision: 0 });
    if (!res.ok) throw alreadyExists(r, meta.name);
    await this.settled(res.revision);
    return { object: this.cache.get(r, key)?.object ?? decode(res.kv!), warnings };
  }

  /**
   * Replaces an object. With a resourceVersion in the body the write is conditional on it (409
   * Conflict otherwise); without one it applies to whatever is current.
   */
  async update(r: Resource, ns: string | undefined, name: string, body: Record<string, unknown>, opts: WriteOptions): Promise<Written> {
    const o = this.checkBody(r, ns, body);
    if (o.metadata.name !== name) throw badRequest(`the name of the object (${o.metadata.name}) does not match the name on the URL (${name})`);
    const want = parseRV(o.metadata.resourceVersion, 'metadata.resourceVersion');
    for (let attempt = 0; ; attempt++) {
      const cur = await this.current(r, o.metadata.namespace, name);
      if (!cur) throw notFound(r, name);
      if (want !== undefined && want !== cur.modRevision) throw conflict(r, name);
      const next = this.merge(r, cur.object, o, opts);
      const warnings = validate(r, next);
      if (opts.dryRun) return { object: next, warnings };
      if (same(withoutRV(next), withoutRV(cur.object))) return { object: cur.object, warnings };
      const res = await this.storage.put(this.key(r, o.metadata.namespace, name), encode(next), { modRevision: cur.modRevision });
      if (res.ok) {
        await this.settled(res.revision);
        return { object: this.cache.get(r, this.key(r, o.metadata.namespace, name))?.object ?? decode(res.kv!), warnings };
      }
      if (want !== undefined || attempt >= 4) throw conflict(r, name);
    }
  }

  /** Read-modify-write for patches: retried on a lost race, as the patch handler does. */
  async modify(r: Resource, ns: string | undefined, name: string, change: (cur: ApiObject | undefined) => Record<string, unknown>, opts: WriteOptions & { createIfMissing?: boolean }): Promise<Written> {
    for (let attempt = 0; ; attempt++) {
      const cur = await this.current(r, ns, name);
      if (!cur && !opts.createIfMissing) throw notFound(r, name);
      const body = change(cur?.object);
      if (!cur) return this.create(r, ns, body, opts);
      const o = this.checkBody(r, ns, body);
      if (o.metadata.name !== name) throw badRequest(`metadata.name: Invalid value: "${o.metadata.name}": field is immutable`);
      const want = parseRV(o.metadata.resourceVersion, 'metadata.resourceVersion');
      if (want !== undefined && want !== cur.modRevision) throw conflict(r, name);
      const next = this.merge(r, cur.object, o, opts);
      const warnings = validate(r, next);
      if (opts.dryRun) return { object: next, warnings };
      if (same(withoutRV(next), withoutRV(cur.object))) return { object: cur.object, warnings };
      const res = await this.storage.put(this.key(r, ns, name), encode(next), { modRevision: cur.modRevision });
      if (res.ok) {
        await this.settled(res.revision);
        return { object: this.cache.get(r, this.key(r, ns, name))?.object ?? decode(res.kv!), warnings };
      }
      if (attempt >= 4) throw conflict(r, name);
    }
  }

  /** The stored object a write produces: identity kept, status split by subresource, generation bumped. */
  private merge(r: Resource, cur: ApiObject, o: ApiObject, opts: WriteOptions): ApiObject {
    const hasStatus = r.subresources.includes('status');
    let next: ApiObject;
    if (opts.statusOnly) next = { ...cur, status: o.status };
    else {
      next = { ...o };
      if (hasStatus) {
        if (cur.status === undefined) delete next.status;
        else next.status = cur.status;
      }
    }
    const meta = opts.statusOnly ? { ...cur.metadata } : { ...next.metadata };
    meta.uid = cur.metadata.uid;
    meta.creationTimestamp = cur.metadata.creationTimestamp;
    const gen = typeof cur.metadata.generation === 'number' ? cur.metadata.generation : undefined;
    if (gen !== undefined) meta.generation = same(cur.spec, next.spec) ? gen : gen + 1;
    delete meta.resourceVersion;
    next.metadata = meta;
    if (!opts.applied) {
      const entries = (cur.metadata.managedFields ?? []) as ManagedFieldsEntry[];
      const changed = changedLeaves(cur, next);
      const managed = recordUpdate(entries, opts.manager ?? 'unknown', apiVersionOf(r), timestamp(this.now()), changed, opts.statusOnly ? 'status' : undefined);
      if (managed.length) next.metadata.managedFields = managed;
      else delete next.metadata.managedFields;
    }
    return next;
  }

  async delete(r: Resource, ns: string | undefined, name: string, preconditions: { uid?: string; resourceVersion?: string }, dryRun: boolean): Promise<ApiObject> {
    const key = this.key(r, ns, name);
    for (let attempt = 0; ; attempt++) {
      const cur = await this.current(r, ns, name);
      if (!cur) throw notFound(r, name);
      if (preconditions.uid && preconditions.uid !== cur.object.metadata.uid) {
        throw conflict(r, name);
      }
      const want = parseRV(preconditions.resourceVersion, 'preconditions.resourceVersion');
      if (want !== undefined && want !== cur.modRevision) throw conflict(r, name);
      if (dryRun) return cur.object;
      const res = await this.storage.delete(key, { modRevision: cur.modRevision });
      if (res.ok) {
        await this.settled(res.revision);
        return cur.object;
      }
      if (attempt >= 4) throw conflict(r, name);
    }
  }
}

function withoutRV(o: ApiObject): ApiObject {
  const metadata = { ...o.metadata };
  delete metadata.resourceVersion;
  return { ...o, metadata };
}
