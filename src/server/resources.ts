// The REST resources knet serves: every kind the API store models, plus coordination.k8s.io
// Leases (leader election between servers sharing one etcd). Names, short names, verbs and
// etcd key prefixes are kube-apiserver's.
import { KINDS, type Kind } from '../api/types.js';

export interface Resource {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  subresources: ('status' | 'scale')[];
  /** Where kube-apiserver keeps these objects in etcd (under /registry/). */
  etcdPrefix: string;
  /** The knet API store kind, when the emulated cluster models it. */
  storeKind?: Kind;
}

export const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const EXTRA: Record<string, Pick<Resource, 'shortNames' | 'categories' | 'subresources' | 'etcdPrefix'>> = {
  Namespace: { shortNames: ['ns'], categories: [], subresources: ['status'], etcdPrefix: 'namespaces' },
  Node: { shortNames: ['no'], categories: [], subresources: ['status'], etcdPrefix: 'minions' },
  Pod: { shortNames: ['po'], categories: ['all'], subresources: ['status'], etcdPrefix: 'pods' },
  Service: { shortNames: ['svc'], categories: ['all'], subresources: ['status'], etcdPrefix: 'services/specs' },
  EndpointSlice: { shortNames: [], categories: [], subresources: [], etcdPrefix: 'endpointslices' },
  Deployment: { shortNames: ['deploy'], categories: ['all'], subresources: ['scale', 'status'], etcdPrefix: 'deployments' },
  ReplicaSet: { shortNames: ['rs'], categories: ['all'], subresources: ['scale', 'status'], etcdPrefix: 'replicasets' },
  DaemonSet: { shortNames: ['ds'], categories: ['all'], subresources: ['status'], etcdPrefix: 'daemonsets' },
  StatefulSet: { shortNames: ['sts'], categories: ['all'], subresources: ['scale', 'status'], etcdPrefix: 'statefulsets' },
  ConfigMap: { shortNames: ['cm'], categories: [], subresources: [], etcdPrefix: 'configmaps' },
  ReplicationController: { shortNames: ['rc'], categories: ['all'], subresources: ['scale', 'status'], etcdPrefix: 'controllers' },
  Job: { shortNames: [], categories: ['all'], subresources: ['status'], etcdPrefix: 'jobs' },
  Endpoints: { shortNames: ['ep'], categories: [], subresources: [], etcdPrefix: 'services/endpoints' },
};

function fromKind(kind: Kind): Resource {
  const k = KINDS[kind];
  const [group, version] = k.apiVersion.includes('/') ? (k.apiVersion.split('/') as [string, string]) : ['', k.apiVersion];
  return { group, version, kind, plural: k.plural, singular: kind.toLowerCase(), namespaced: k.namespaced, ...EXTRA[kind]!, storeKind: kind };
}

export const LEASE: Resource = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  singular: 'lease',
  namespaced: true,
  shortNames: [],
  categories: [],
  subresources: [],
  etcdPrefix: 'leases',
};

export const RESOURCES: Resource[] = [...(Object.keys(KINDS) as Kind[]).map(fromKind), LEASE];

export function apiVersionOf(r: Resource): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** Groups in the order kube-apiserver lists them: the core group first, then by name as registered. */
export function groupVersions(): { group: string; version: string; resources: Resource[] }[] {
  const out: { group: string; version: string; resources: Resource[] }[] = [];
  for (const r of RESOURCES) {
    let g = out.find((x) => x.group === r.group && x.version === r.version);
    if (!g) out.push((g = { group: r.group, version: r.version, resources: [] }));
    g.resources.push(r);
  }
  return out;
}

export function findResource(group: string, version: string, plural: string): Resource | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

export function resourceOfKind(kind: string): Resource | undefined {
  return RESOURCES.find((r) => r.kind === kind);
}

/** The etcd key of one object, as kube-apiserver lays them out. */
export function storageKey(r: Resource, namespace: string | undefined, name: string): string {
  return r.namespaced ? `/registry/${r.etcdPrefix}/${namespace}/${name}` : `/registry/${r.etcdPrefix}/${name}`;
}

/** Which resource a storage key belongs to, and the object's namespace and name. */
export function parseStorageKey(key: string): { resource: Resource; namespace?: string; name: string } | undefined {
  for (const r of RESOURCES) {
    const prefix = `/registry/${r.etcdPrefix}/`;
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length).split('/');
    if (r.namespaced && rest.length === 2) return { resource: r, namespace: rest[0]!, name: rest[1]! };
    if (!r.namespaced && rest.length === 1) return { resource: r, name: rest[0]! };
  }
  return undefined;
}
