// kubectl's --field-selector: `field=value`, `field==value`, `field!=value`, comma-joined, over
// the fields kube-apiserver indexes for each kind; any other field is the server's BadRequest.
import { InputError } from '../api/errors.js';
import type { Kind } from '../api/types.js';

interface Requirement {
  field: string;
  value: string;
  equal: boolean;
}

type Getter = (o: unknown) => string;
const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
const get = (...path: string[]): Getter => (o) => {
  let v = o;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return str(v);
};

const COMMON: Record<string, Getter> = { 'metadata.name': get('metadata', 'name'), 'metadata.namespace': get('metadata', 'namespace') };

const BY_KIND: Partial<Record<string, Record<string, Getter>>> = {
  Pod: {
    'spec.nodeName': get('spec', 'nodeName'),
    'spec.restartPolicy': (o) => get('spec', 'restartPolicy')(o) || 'Always',
    'spec.schedulerName': (o) => get('spec', 'schedulerName')(o) || 'default-scheduler',
    'spec.serviceAccountName': (o) => get('spec', 'serviceAccountName')(o) || 'default',
    'spec.hostNetwork': (o) => String(get('spec', 'hostNetwork')(o) === 'true'),
    'status.phase': get('status', 'phase'),
    'status.podIP': get('status', 'podIP'),
    'status.nominatedNodeName': get('status', 'nominatedNodeName'),
  },
  Node: { 'spec.unschedulable': (o) => String(get('spec', 'unschedulable')(o) === 'true') },
  Namespace: { 'status.phase': get('status', 'phase') },
  Service: { 'spec.clusterIP': get('spec', 'clusterIP'), 'spec.type': (o) => get('spec', 'type')(o) || 'ClusterIP' },
  Secret: { type: get('type') },
  ReplicaSet: { 'status.replicas': get('status', 'replicas') },
  ReplicationController: { 'status.replicas': get('status', 'replicas') },
  Job: { 'status.successful': get('status', 'succeeded') },
};

export function parseFieldSelector(text: string): Requirement[] {
  return text
    .split(',')
    .filter(Boolean)
    .map((part) => {
      const m = part.match(/^([^=!]+?)(==|=|!=)(.*)$/);
      if (!m) throw new InputError(`error: invalid selector: '${text}'; can't understand '${part}'`, 2);
      return { field: m[1]!.trim(), value: m[3]!.trim(), equal: m[2] !== '!=' };
    });
}

/** Keeps the objects every requirement admits; a field the API does not index is its error. */
export function filterByFields<T>(objs: T[], reqs: Requirement[], kind: Kind | string, resource: string, text: string): T[] {
  const fields = { ...COMMON, ...(BY_KIND[kind] ?? {}) };
  for (const r of reqs) {
    if (!fields[r.field]) {
      throw new InputError(`Error from server (BadRequest): Unable to find "${resource}" that match label selector "", field selector "${text}": field label not supported: ${r.field}`);
    }
  }
  return objs.filter((o) => reqs.every((r) => (fields[r.field]!(o) === r.value) === r.equal));
}
