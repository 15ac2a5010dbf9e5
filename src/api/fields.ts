// Field selectors the store indexes, as kube-apiserver supports them for list and watch: the
// kubelet lists and watches only its node's pods (spec.nodeName=NODE) and its own Node
// (metadata.name=NODE).
import type { WatchEvent } from './store.js';
import type { AnyObject } from './types.js';

export interface FieldSelector {
  /** Pods bound to this node (`spec.nodeName=NODE`; "" selects unscheduled pods). */
  'spec.nodeName'?: string;
  /** The object of this name (`metadata.name=NAME`). */
  'metadata.name'?: string;
}

export function podNodeName(o: AnyObject): string | undefined {
  return o.kind === 'Pod' ? (o.spec.nodeName ?? '') : undefined;
}

/** Whether the object passes every field of the selector. */
export function fieldsMatch(f: FieldSelector, o: AnyObject): boolean {
  if (f['metadata.name'] !== undefined && o.metadata.name !== f['metadata.name']) return false;
  if (f['spec.nodeName'] !== undefined && podNodeName(o) !== f['spec.nodeName']) return false;
  return true;
}

/** Keys of the objects per value of one indexed field, in insertion order. */
export class FieldIndex {
  private readonly m = new Map<string, Set<string>>();

  add(value: string, key: string): void {
    let s = this.m.get(value);
    if (!s) this.m.set(value, (s = new Set()));
    s.add(key);
  }

  remove(value: string, key: string): void {
    const s = this.m.get(value);
    if (!s) return;
    s.delete(key);
    if (s.size === 0) this.m.delete(value);
  }

  get(value: string): ReadonlySet<string> | undefined {
    return this.m.get(value);
  }
}

/** "key=value" → keys of the objects carrying that label: built on the first selector list of a kind. */
export class LabelIndex {
  private readonly m = new Map<string, Set<string>>();

  add(labels: Record<string, string> | undefined, key: string): void {
    if (!labels) return;
    for (const k in labels) {
      const ik = `${k}=${labels[k]}`;
      let s = this.m.get(ik);
      if (!s) this.m.set(ik, (s = new Set()));
      s.add(key);
    }
  }

  remove(labels: Record<string, string> | undefined, key: string): void {
    if (!labels) return;
    for (const k in labels) {
      const ik = `${k}=${labels[k]}`;
      const s = this.m.get(ik);
      if (!s) continue;
      s.delete(key);
      if (s.size === 0) this.m.delete(ik);
    }
  }

  /** Keys of objects whose label `k` is one of `values`. */
  carrying(k: string, values: readonly string[]): Set<string> {
    if (values.length === 1) return this.m.get(`${k}=${values[0]}`) ?? new Set();
    const out = new Set<string>();
    for (const v of values) for (const key of this.m.get(`${k}=${v}`) ?? []) out.add(key);
    return out;
  }
}

/** An event as a field-selector watch sees it (kube-apiserver's cacher), or undefined if it does not see it. */
export function filteredEvent(ev: WatchEvent, f: FieldSelector): WatchEvent | undefined {
  const now = ev.type !== 'DELETED' && fieldsMatch(f, ev.object);
  const was = ev.type === 'DELETED' ? fieldsMatch(f, ev.object) : ev.oldObject !== undefined && fieldsMatch(f, ev.oldObject);
  if (now && was) return ev;
  if (now) return { type: 'ADDED', kind: ev.kind, key: ev.key, object: ev.object, resourceVersion: ev.resourceVersion };
  if (was) return ev.type === 'DELETED' ? ev : { type: 'DELETED', kind: ev.kind, key: ev.key, object: ev.oldObject!, resourceVersion: ev.resourceVersion };
  return undefined;
}
