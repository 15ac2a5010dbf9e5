// What the store's list and watch calls take and hand out: kube-apiserver's watch event shape and
// list/watch options with label and (indexed) field selectors, and one kind's watchers as the
// store keeps them for dispatch.
import { podNodeName, type FieldSelector } from './fields.js';
import type { Kind, KindMap, LabelSelector } from './types.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent<K extends Kind = Kind> {
  type: WatchEventType;
  kind: K;
  /**
   * The object's key (namespace/name; the name of a cluster-scoped object): the string the store
   * indexes it by, so handlers that key their own maps by it share that one string.
   */
  key: string;
  object: KindMap[K];
  /** The object as it was before a MODIFIED event. */
  oldObject?: KindMap[K];
  resourceVersion: number;
}

export type WatchHandler<K extends Kind> = (ev: WatchEvent<K>) => void;

export interface ListOptions {
  namespace?: string;
  selector?: LabelSelector;
  /** A field selector (indexed): e.g. the pods bound to one node. */
  fields?: FieldSelector;
}

export interface WatchOptions {
  /**
   * Only objects passing this field selector, as a field-selector watch on kube-apiserver: an
   * object that starts passing arrives as ADDED, one that stops passing as DELETED (with its
   * previous content). From resourceVersion 0 the replay is the passing objects' current state.
   */
  fields?: FieldSelector;
}

export interface Subscription {
  id: number;
  handler: WatchHandler<Kind>;
  fields?: FieldSelector;
}

/** One kind's watchers; arrays are replaced, never mutated, so a dispatch can hold one. */
export interface Watchers {
  all: Subscription[];
  /** The handlers of `all`, handed to a dispatch as they are. */
  handlers: WatchHandler<Kind>[];
  /** Field-selector watchers by the value they select (metadata.name first, else spec.nodeName). */
  byName: Map<string, Subscription[]>;
  byNode: Map<string, Subscription[]>;
}

/** Field-selector watchers an event may concern (by the object's name and node, before and after). */
export function selective(w: Watchers, ev: WatchEvent): Subscription[] | undefined {
  let out: Subscription[] | undefined;
  if (w.byName.size) out = joined(out, w.byName.get(ev.object.metadata.name));
  if (w.byNode.size && ev.object.kind === 'Pod') {
    out = joined(out, w.byNode.get(podNodeName(ev.object)!));
    if (ev.oldObject) out = joined(out, w.byNode.get(podNodeName(ev.oldObject)!));
  }
  return out;
}

/** `out` with the subscriptions of `subs` it lacks (created on the first one). */
function joined(out: Subscription[] | undefined, subs: Subscription[] | undefined): Subscription[] | undefined {
  if (!subs) return out;
  out ??= [];
  for (const s of subs) if (!out.includes(s)) out.push(s);
  return out;
}
