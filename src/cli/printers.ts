// kubectl's default and wide columns for the kinds `knet get` lists.
import type { Store } from '../api/store.js';
import type { AnyObject, Deployment, EndpointSlice, Endpoints, Job, Kind, Node, Pod, ReplicationController, Service } from '../api/types.js';
import { controllerOf } from '../controllers/controller.js';
import { podIsReady } from '../controllers/endpointslice.js';
import { humanDuration } from './table.js';
import { hostPort } from '../net/ip.js';

export interface PrintContext {
  store: Pick<Store, 'list'>;
  now: number;
  wide: boolean;
}

export interface Printer {
  header(wide: boolean): string[];
  row(o: AnyObject, c: PrintContext): string[];
}

const NONE = '<none>';

function age(o: AnyObject, c: PrintContext): string {
  return humanDuration(c.now - Date.parse(o.metadata.creationTimestamp ?? ''));
}

function selectorText(sel: Record<string, string> | undefined): string {
  const parts = Object.entries(sel ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(',') : NONE;
}

const nodes: Printer = {
  header: (w) => ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', ...(w ? ['INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'] : [])],
  row(o, c) {
    const n = o as Node;
    const ready = n.status?.conditions?.find((x) => x.type === 'Ready')?.status === 'True' ? 'Ready' : 'NotReady';
    const roles = Object.keys(n.metadata.labels ?? {})
      .filter((l) => l.startsWith('node-role.kubernetes.io/'))
      .map((l) => l.slice('node-role.kubernetes.io/'.length))
      .sort();
    const addr = (t: string) => n.status?.addresses?.find((a) => a.type === t)?.address ?? NONE;
    const info = n.status?.nodeInfo ?? {};
    return [
      n.metadata.name,
      n.spec.unschedulable ? `${ready},SchedulingDisabled` : ready,
      roles.length ? roles.join(',') : NONE,
      age(o, c),
      info.kubeletVersion ?? '',
      ...(c.wide ? [addr('InternalIP'), addr('ExternalIP'), info.osImage ?? '<unknown>', info.kernelVersion ?? '<unknown>', info.containerRuntimeVersion ?? '<unknown>'] : []),
    ];
  },
};

const pods: Printer = {
  header: (w) => ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', ...(w ? ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'] : [])],
  row(o, c) {
    const p = o as Pod;
    const total = p.spec.containers.length;
    const ready = podIsReady(p) ? total : 0;
    const status = p.metadata.deletionTimestamp ? 'Terminating' : (p.status?.phase ?? 'Pending');
    return [
      p.metadata.name,
      `${ready}/${total}`,
      status,
      '0',
      age(o, c),
      ...(c.wide ? [p.status?.podIP ?? NONE, p.spec.nodeName ?? NONE, NONE, NONE] : []),
    ];
  },
};

export function servicePorts(s: Service): string {
  const ports = (s.spec.ports ?? []).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`);
  return ports.length ? ports.join(',') : NONE;
}

function externalIP(s: Service): string {
  const type = s.spec.type ?? 'ClusterIP';
  const ext = s.spec.externalIPs ?? [];
  if (type === 'ExternalName') return s.spec.externalName ?? NONE;
  if (type === 'LoadBalancer') {
    const ing = (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '').filter(Boolean);
    const all = [...ing, ...ext];
    return all.length ? all.join(',') : '<pending>';
  }
  return ext.length ? ext.join(',') : NONE;
}

const services: Printer = {
  header: (w) => ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', ...(w ? ['SELECTOR'] : [])],
  row(o, c) {
    const s = o as Service;
    const type = s.spec.type ?? 'ClusterIP';
    const cip = type === 'ExternalName' ? NONE : (s.spec.clusterIP ?? NONE);
    return [s.metadata.name, type, cip, externalIP(s), servicePorts(s), age(o, c), ...(c.wide ? [selectorText(s.spec.selector)] : [])];
  },
};

const endpointslices: Printer = {
  header: () => ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE'],
  row(o, c) {
    const e = o as EndpointSlice;
    const ports = (e.ports ?? []).map((p) => (p.port === undefined ? '<unset>' : String(p.port)));
    const addrs = (e.endpoints ?? []).flatMap((ep) => ep.addresses);
    const shown = addrs.slice(0, 3).join(',');
    const more = addrs.length > 3 ? ` + ${addrs.length - 3} more...` : '';
    return [e.metadata.name, e.addressType, ports.length ? ports.join(',') : '<unset>', addrs.length ? shown + more : NONE, age(o, c)];
  },
};

/** Pods a Deployment runs: those of the ReplicaSets it controls. */
function deploymentPods(d: Deployment, store: Pick<Store, 'list'>): Pod[] {
  const ns = d.metadata.namespace;
  const rs = new Set(
    store
      .list('ReplicaSet', { namespace: ns })
      .filter((r) => controllerOf(r)?.uid === d.metadata.uid)
      .map((r) => r.metadata.uid),
  );
  return store.list('Pod', { namespace: ns }).filter((p) => rs.has(controllerOf(p)?.uid ?? ''));
}

const deployments: Printer = {
  header: (w) => ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', ...(w ? ['CONTAINERS', 'IMAGES', 'SELECTOR'] : [])],
  row(o, c) {
    const d = o as Deployment;
    const ps = deploymentPods(d, c.store);
    const ready = ps.filter(podIsReady).length;
    const cs = d.spec.template.spec.containers;
    return [
      d.metadata.name,
      `${ready}/${d.spec.replicas ?? 1}`,
      String(ps.length),
      String(ready),
      age(o, c),
      ...(c.wide ? [cs.map((x) => x.name).join(','), cs.map((x) => x.image ?? '').join(','), selectorText(d.spec.selector.matchLabels)] : []),
    ];
  },
};

const namespaces: Printer = {
  header: () => ['NAME', 'STATUS', 'AGE'],
  row: (o, c) => [o.metadata.name, (o as { status?: { phase?: string } }).status?.phase ?? 'Active', age(o, c)],
};

export const PRINTERS: Partial<Record<Kind, Printer>> = {
  Node: nodes,
  Pod: pods,
  Service: services,
  EndpointSlice: endpointslices,
  Deployment: deployments,
  Namespace: namespaces,
};

/** kubectl's resource names and short names for the kinds knet serves. */
export const RESOURCE_NAMES: Record<string, Kind> = {
  nodes: 'Node', node: 'Node', no: 'Node',
  pods: 'Pod', pod: 'Pod', po: 'Pod',
  services: 'Service', service: 'Service', svc: 'Service',
  endpointslices: 'EndpointSlice', endpointslice: 'EndpointSlice',
  deployments: 'Deployment', deployment: 'Deployment', deploy: 'Deployment',
  namespaces: 'Namespace', namespace: 'Namespace', ns: 'Namespace',
  replicasets: 'ReplicaSet', replicaset: 'ReplicaSet', rs: 'ReplicaSet',
  daemonsets: 'DaemonSet', daemonset: 'DaemonSet', ds: 'DaemonSet',
  statefulsets: 'StatefulSet', statefulset: 'StatefulSet', sts: 'StatefulSet',
  configmaps: 'ConfigMap', configmap: 'ConfigMap', cm: 'ConfigMap',
};

function ownedPods(uid: string | undefined, ns: string | undefined, store: Pick<Store, 'list'>): Pod[] {
  return store.list('Pod', { namespace: ns }).filter((p) => controllerOf(p)?.uid === uid);
}

const replicasets: Printer = {
  header: () => ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'],
  row(o, c) {
    const ps = ownedPods(o.metadata.uid, o.metadata.namespace, c.store);
    return [o.metadata.name, String((o as { spec: { replicas?: number } }).spec.replicas ?? 1), String(ps.length), String(ps.filter(podIsReady).length), age(o, c)];
  },
};

const daemonsets: Printer = {
  header: () => ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE'],
  row(o, c) {
    const ps = ownedPods(o.metadata.uid, o.metadata.namespace, c.store);
    const ready = String(ps.filter(podIsReady).length);
    const sel = (o as { spec: { template: { spec: { nodeSelector?: Record<string, string> } } } }).spec.template.spec.nodeSelector;
    return [o.metadata.name, String(ps.length), String(ps.length), ready, String(ps.length), ready, selectorText(sel), age(o, c)];
  },
};

const statefulsets: Printer = {
  header: () => ['NAME', 'READY', 'AGE'],
  row(o, c) {
    const ps = ownedPods(o.metadata.uid, o.metadata.namespace, c.store);
    return [o.metadata.name, `${ps.filter(podIsReady).length}/${(o as { spec: { replicas?: number } }).spec.replicas ?? 1}`, age(o, c)];
  },
};

const configmaps: Printer = {
  header: () => ['NAME', 'DATA', 'AGE'],
  row: (o, c) => [o.metadata.name, String(Object.keys((o as { data?: object }).data ?? {}).length), age(o, c)],
};

Object.assign(PRINTERS, { ReplicaSet: replicasets, DaemonSet: daemonsets, StatefulSet: statefulsets, ConfigMap: configmaps });

/** kubectl's ENDPOINTS cell: ready address:port pairs, three at most, then how many more. */
function endpointsCell(e: Endpoints): string {
  const list: string[] = [];
  let count = 0;
  for (const ss of e.subsets ?? []) {
    const addrs = ss.addresses ?? [];
    const pairs = ss.ports?.length ? ss.ports.flatMap((p) => addrs.map((a) => hostPort(a.ip, p.port!))) : addrs.map((a) => a.ip);
    count += pairs.length;
    for (const x of pairs) if (list.length < 3) list.push(x);
  }
  if (count === 0) return NONE;
  return count > 3 ? `${list.join(',')} + ${count - 3} more...` : list.join(',');
}

const endpoints: Printer = {
  header: () => ['NAME', 'ENDPOINTS', 'AGE'],
  row: (o, c) => [o.metadata.name, endpointsCell(o as Endpoints), age(o, c)],
};

const replicationcontrollers: Printer = {
  header: (w) => ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE', ...(w ? ['CONTAINERS', 'IMAGES', 'SELECTOR'] : [])],
  row(o, c) {
    const rc = o as ReplicationController;
    const ps = ownedPods(o.metadata.uid, o.metadata.namespace, c.store);
    const cs = rc.spec.template.spec.containers;
    return [
      o.metadata.name,
      String(rc.spec.replicas ?? 1),
      String(ps.length),
      String(ps.filter(podIsReady).length),
      age(o, c),
      ...(c.wide ? [cs.map((x) => x.name).join(','), cs.map((x) => x.image ?? '').join(','), selectorText(rc.spec.selector ?? rc.spec.template.metadata?.labels)] : []),
    ];
  },
};

const jobs: Printer = {
  header: (w) => ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE', ...(w ? ['CONTAINERS', 'IMAGES', 'SELECTOR'] : [])],
  row(o, c) {
    const j = o as Job;
    const ps = ownedPods(o.metadata.uid, o.metadata.namespace, c.store);
    const cs = j.spec.template.spec.containers;
    // No pod ever completes here, so the Job runs for as long as it has existed.
    return [
      o.metadata.name,
      j.spec.suspend ? 'Suspended' : 'Running',
      `0/${j.spec.completions ?? 1}`,
      age(o, c),
      age(o, c),
      ...(c.wide ? [cs.map((x) => x.name).join(','), cs.map((x) => x.image ?? '').join(','), `batch.kubernetes.io/controller-uid=${o.metadata.uid}`] : []),
    ];
  },
};

Object.assign(PRINTERS, { Endpoints: endpoints, ReplicationController: replicationcontrollers, Job: jobs });
Object.assign(RESOURCE_NAMES, {
  endpoints: 'Endpoints', ep: 'Endpoints',
  replicationcontrollers: 'ReplicationController', replicationcontroller: 'ReplicationController', rc: 'ReplicationController',
  jobs: 'Job', job: 'Job',
});
