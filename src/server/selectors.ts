// Label and field selectors as the list and watch query parameters give them.
import { parseSelector, selectorMatches } from '../api/selector.js';
import type { LabelSelector } from '../api/types.js';
import type { ApiObject } from './cache.js';
import type { Resource } from './resources.js';
import { badRequest } from './status.js';

export interface Selectors {
  labels?: LabelSelector;
  fields: { path: string; value: string; negate: boolean }[];
}

/** Fields kube-apiserver can select on, besides metadata.name and metadata.namespace. */
const FIELDS: Record<string, string[]> = {
  Pod: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  Node: ['spec.unschedulable'],
  Namespace: ['status.phase'],
  Service: ['spec.clusterIP', 'spec.type'],
  ReplicaSet: ['status.replicas'],
  Lease: [],
};

/** Selectors by resource and query: the watches that ask the same share one (and its verdicts, watch-stream.ts). */
const parsed = new WeakMap<Resource, Map<string, Selectors>>();

export function parseSelectors(r: Resource, labelSelector?: string, fieldSelector?: string): Selectors {
  let byQuery = parsed.get(r);
  if (!byQuery) parsed.set(r, (byQuery = new Map()));
  const query = `${labelSelector ?? ''}\n${fieldSelector ?? ''}`;
  let s = byQuery.get(query);
  if (!s) {
    s = parse(r, labelSelector, fieldSelector);
    // Bounded: a client inventing selectors does not grow it without end.
    if (byQuery.size >= 1000) byQuery.clear();
    byQuery.set(query, s);
  }
  return s;
}

function parse(r: Resource, labelSelector?: string, fieldSelector?: string): Selectors {
  let labels: LabelSelector | undefined;
  if (labelSelector) {
    try {
      labels = parseSelector(labelSelector);
    } catch (e) {
      throw badRequest(`unable to parse requirement: ${(e as Error).message.replace(/^unable to parse requirement: /, '')}`);
    }
  }
  const fields: Selectors['fields'] = [];
  for (const part of (fieldSelector ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = part.match(/^([\w.]+)\s*(==|!=|=)\s*(.*)$/);
    if (!m) throw badRequest(`invalid selector: '${fieldSelector}'; can't understand '${part}'`);
    const path = m[1]!;
    if (path !== 'metadata.name' && path !== 'metadata.namespace' && !(FIELDS[r.kind] ?? []).includes(path)) {
      throw badRequest(`field label not supported: ${path}`);
    }
    fields.push({ path, value: m[3]!, negate: m[2] === '!=' });
  }
  return { ...(labels ? { labels } : {}), fields };
}

function fieldValue(o: ApiObject, path: string): string {
  let v: unknown = o;
  for (const k of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  if (v === undefined || v === null) return path === 'spec.unschedulable' || path === 'spec.hostNetwork' ? 'false' : '';
  return String(v);
}

export function matches(s: Selectors, o: ApiObject): boolean {
  if (s.labels && !selectorMatches(s.labels, o.metadata.labels)) return false;
  return s.fields.every((f) => (fieldValue(o, f.path) === f.value) !== f.negate);
}
