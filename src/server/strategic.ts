// Strategic merge patch (application/strategic-merge-patch+json), for the built-in kinds knet
// serves: lists merge by the patchMergeKey the Kubernetes Go types declare (containers by
// name, container ports by containerPort, Service ports by port…), others are replaced. The
// $patch, $retainKeys, $setElementOrder and $deleteFromPrimitiveList directives are honoured.
import { isObject } from './patch.js';
import { badRequest } from './status.js';

type Json = unknown;
type Obj = Record<string, Json>;

/** patchMergeKey by list field, with the enclosing field where one name means two things. */
function mergeKey(field: string, parent: string): string | undefined {
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'volumes':
    case 'env':
    case 'imagePullSecrets':
    case 'resourceClaims':
      return 'name';
    case 'volumeMounts':
      return 'mountPath';
    case 'ports':
      // Container ports merge by containerPort, Service ports by port; EndpointSlice ports are atomic.
      return parent === 'containers' || parent === 'initContainers' ? 'containerPort' : parent === 'spec' ? 'port' : undefined;
    case 'ownerReferences':
      return 'uid';
    case 'conditions':
    case 'addresses':
      return parent === 'status' ? 'type' : undefined;
    case 'hostAliases':
      return 'ip';
    default:
      return undefined;
  }
}

/** Primitive lists with the merge strategy: union instead of replace. */
const MERGED_PRIMITIVES = new Set(['finalizers']);

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

export function applyStrategicPatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) throw badRequest('the server rejected our request due to an error in our request: a strategic merge patch must be a JSON object');
  return mergeMap(isObject(target) ? target : {}, patch, '', '');
}

function mergeMap(original: Obj, patch: Obj, field: string, parent: string): Json {
  const directive = patch['$patch'];
  if (directive === 'replace') {
    const { $patch: _p, ...rest } = patch;
    return clone(rest);
  }
  if (directive === 'delete') return undefined;
  const out: Obj = { ...original };
  const orders: [string, Json[]][] = [];
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys') continue;
    if (k.startsWith('$setElementOrder/')) {
      if (Array.isArray(v)) orders.push([k.slice('$setElementOrder/'.length), v]);
      continue;
    }
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const f = k.slice('$deleteFromPrimitiveList/'.length);
      const drop = new Set((Array.isArray(v) ? v : []).map((x) => JSON.stringify(x)));
      if (Array.isArray(out[f])) out[f] = (out[f] as Json[]).filter((x) => !drop.has(JSON.stringify(x)));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const cur = out[k];
    if (isObject(v)) {
      const merged = mergeMap(isObject(cur) ? cur : {}, v, k, field);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else if (Array.isArray(v)) {
      out[k] = mergeList(Array.isArray(cur) ? cur : [], v, k, field);
    } else out[k] = v;
  }
  for (const [f, order] of orders) {
    if (Array.isArray(out[f])) out[f] = reorder(out[f] as Json[], order, mergeKey(f, field));
  }
  const retain = patch['$retainKeys'];
  if (Array.isArray(retain)) {
    for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  }
  return out;
}

function mergeList(original: Json[], patch: Json[], field: string, parent: string): Json[] {
  if (patch.some((e) => isObject(e) && e['$patch'] === 'replace')) return clone(patch.filter((e) => !(isObject(e) && e['$patch'] === 'replace')));
  const key = mergeKey(field, parent);
  if (!key) {
    if (MERGED_PRIMITIVES.has(field)) {
      const out = [...original];
      for (const e of patch) if (!out.some((x) => JSON.stringify(x) === JSON.stringify(e))) out.push(e);
      return out;
    }
    return clone(patch);
  }
  const out = original.map((e) => clone(e));
  for (const e of patch) {
    if (!isObject(e)) continue;
    const i = out.findIndex((x) => isObject(x) && x[key] === e[key]);
    if (e['$patch'] === 'delete') {
      if (i >= 0) out.splice(i, 1);
      continue;
    }
    if (i >= 0) out[i] = mergeMap(out[i] as Obj, e, field, parent);
    else out.push(mergeMap({}, e, field, parent));
  }
  return out;
}

/** $setElementOrder: listed elements in the given order, then the ones the patch did not name. */
function reorder(list: Json[], order: Json[], key: string | undefined): Json[] {
  const id = (e: Json) => JSON.stringify(key && isObject(e) ? e[key] : e);
  const rank = new Map(order.map((e, i) => [id(e), i]));
  return list
    .map((e, i) => ({ e, i, r: rank.get(id(e)) ?? order.length + i }))
    .sort((a, b) => a.r - b.r)
    .map((x) => x.e);
}
