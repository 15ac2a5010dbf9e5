// metadata.managedFields: which manager set which fields, in the FieldsV1 format
// (`f:spec` → `f:replicas`; list items of keyed lists as `k:{"name":"nginx"}`). Server-side
// apply reads it to find conflicts and the fields a manager stopped applying.
import { isObject } from './patch.js';

type Json = unknown;
export type FieldSet = Record<string, unknown>;

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: FieldSet;
  subresource?: string;
}

/** List fields whose items are identified by a key (the others are atomic). */
const LIST_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  volumes: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  ownerReferences: 'uid',
  conditions: 'type',
  addresses: 'type',
};

function listKey(field: string, parent: string): string | undefined {
  if (field === 'ports') return parent === 'containers' || parent === 'initContainers' ? 'containerPort' : parent === 'spec' ? 'port' : undefined;
  return LIST_KEYS[field];
}

const IGNORED = new Set(['metadata.managedFields', 'metadata.resourceVersion', 'metadata.uid', 'metadata.creationTimestamp', 'metadata.generation', 'apiVersion', 'kind', 'metadata.name', 'metadata.namespace']);

/** The field set an object (or applied configuration) sets. */
export function fieldSet(o: Json, field = '', parent = '', path = ''): FieldSet {
  const out: FieldSet = {};
  if (!isObject(o)) return out;
  for (const [k, v] of Object.entries(o)) {
    const p = path ? `${path}.${k}` : k;
    if (IGNORED.has(p) || k.startsWith('$')) continue;
    if (isObject(v) && Object.keys(v).length) {
      // A map holding only fields no manager owns (metadata's identity) is no field either.
      const sub = fieldSet(v, k, field, p);
      if (Object.keys(sub).length) out[`f:${k}`] = sub;
    }
    else if (Array.isArray(v) && listKey(k, field) && v.every(isObject)) {
      const key = listKey(k, field)!;
      const items: FieldSet = {};
      for (const item of v as Record<string, Json>[]) items[`k:${JSON.stringify({ [key]: item[key] })}`] = { '.': {}, ...fieldSet(item, k, field, p) };
      out[`f:${k}`] = items;
    } else out[`f:${k}`] = {};
  }
  return out;
}

/** Leaf fields as paths: `.spec.replicas`, `.spec.template.spec.containers[name="nginx"].image`. */
export function leaves(s: FieldSet, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(s)) {
    if (k === '.') continue;
    const seg = k.startsWith('f:') ? `.${k.slice(2)}` : `[${Object.entries(JSON.parse(k.slice(2)) as Record<string, unknown>).map(([a, b]) => `${a}=${JSON.stringify(b)}`).join(',')}]`;
    const sub = v as FieldSet;
    const children = Object.keys(sub).filter((x) => x !== '.');
    if (children.length === 0) out.push(prefix + seg);
    else out.push(...leaves(sub, prefix + seg));
  }
  return out;
}

/** The value at a leaf path, or undefined. */
export function valueAt(o: Json, leaf: string): Json {
  let cur: Json = o;
  let parentField = '';
  let field = '';
  for (const m of leaf.matchAll(/\.([^.[\]]+)|\[([^\]]+)\]/g)) {
    if (m[1] !== undefined) {
      if (!isObject(cur)) return undefined;
      parentField = field;
      field = m[1];
      cur = cur[m[1]];
    } else {
      if (!Array.isArray(cur)) return undefined;
      const [k, raw] = m[2]!.split(/=(.*)/) as [string, string];
      const want = JSON.parse(raw) as Json;
      void parentField;
      cur = cur.find((x) => isObject(x) && JSON.stringify(x[k]) === JSON.stringify(want));
    }
  }
  return cur;
}

/** Removes the field at a leaf path from an object (in place). */
export function removeAt(o: Json, leaf: string): void {
  const segs = [...leaf.matchAll(/\.([^.[\]]+)|\[([^\]]+)\]/g)];
  let cur: Json = o;
  for (let i = 0; i < segs.length; i++) {
    const m = segs[i]!;
    const last = i === segs.length - 1;
    if (m[1] !== undefined) {
      if (!isObject(cur)) return;
      if (last) delete cur[m[1]];
      else cur = cur[m[1]];
    } else {
      if (!Array.isArray(cur)) return;
      const [k, raw] = m[2]!.split(/=(.*)/) as [string, string];
      const idx = cur.findIndex((x) => isObject(x) && JSON.stringify(x[k]) === raw);
      if (idx < 0) return;
      if (last) cur.splice(idx, 1);
      else cur = cur[idx];
    }
  }
}

/** A field set from leaf paths (the inverse of leaves()). */
export function fromLeaves(paths: string[]): FieldSet {
  const out: FieldSet = {};
  for (const p of paths) {
    let cur = out;
    for (const m of p.matchAll(/\.([^.[\]]+)|\[([^\]]+)\]/g)) {
      let key: string;
      if (m[1] !== undefined) key = `f:${m[1]}`;
      else {
        const [k, raw] = m[2]!.split(/=(.*)/) as [string, string];
        key = `k:${JSON.stringify({ [k]: JSON.parse(raw) as Json })}`;
      }
      cur[key] ??= key.startsWith('k:') ? { '.': {} } : {};
      cur = cur[key] as FieldSet;
    }
  }
  return out;
}

/** Leaves whose value differs between two objects (what an update changed). */
export function changedLeaves(before: Json, after: Json): string[] {
  const all = new Set([...leaves(fieldSet(before)), ...leaves(fieldSet(after))]);
  return [...all].filter((l) => JSON.stringify(valueAt(before, l)) !== JSON.stringify(valueAt(after, l)));
}

/**
 * Records an update: `manager` now owns the changed fields (an Update entry), the others lose
 * them; entries left owning nothing are dropped.
 */
export function recordUpdate(entries: ManagedFieldsEntry[], manager: string, apiVersion: string, time: string, changed: string[], subresource?: string): ManagedFieldsEntry[] {
  if (changed.length === 0) return entries;
  const taken = new Set(changed);
  const out: ManagedFieldsEntry[] = [];
  let mine: ManagedFieldsEntry | undefined;
  for (const e of entries) {
    if (e.manager === manager && e.operation === 'Update' && (e.subresource ?? '') === (subresource ?? '')) {
      mine = e;
      continue;
    }
    const kept = leaves(e.fieldsV1).filter((l) => !taken.has(l));
    if (kept.length) out.push({ ...e, fieldsV1: fromLeaves(kept) });
  }
  const owned = new Set([...(mine ? leaves(mine.fieldsV1) : []), ...changed]);
  out.push({ manager, operation: 'Update', apiVersion, time, fieldsType: 'FieldsV1', fieldsV1: fromLeaves([...owned]), ...(subresource ? { subresource } : {}) });
  return out;
}
