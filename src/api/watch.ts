// What the store's list and watch calls take and hand out: kube-apiserver's watch event shape and
// list/watch options with label and (indexed) field selectors.
import type { FieldSelector } from './fields.js';
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
