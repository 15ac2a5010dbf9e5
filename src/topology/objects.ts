// Per-kind checks of the Kubernetes objects in a topology, the subset of kube-apiserver's
// validation that the network model depends on.
import { selectorMatches } from '../api/selector.js';
import { KINDS, type AnyObject, type Kind, type LabelSelector } from '../api/types.js';
import type { Fields } from './fields.js';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const;
const POLICIES = ['Cluster', 'Local'] as const;

function checkMeta(f: Fields, o: Record<string, unknown>, kind: Kind): void {
  f.string(o, ['metadata', 'name'], true);
  if (KINDS[kind].namespaced) f.string(o, ['metadata', 'namespace']);
  f.stringMap(o, ['metadata', 'labels']);
  f.stringMap(o, ['metadata', 'annotations']);
}

function checkPodSpec(f: Fields, o: unknown, base: (string | number)[]): void {
  // Read relative to the spec, each container and port relative to itself (no path walked from the root per field).
  const spec = f.at(o, base);
  const s = f.within(base);
  const containers = s.array(spec, ['containers'], true);
  if (containers.length === 0) s.fail(['containers'], 'Required value');
  containers.forEach((container, i) => {
    const c = s.within(['containers', i]);
    c.string(container, ['name'], true);
    c.array(container, ['ports']).forEach((port, j) => {
      const p = c.within(['ports', j]);
      p.int(port, ['containerPort'], 1, 65535, true);
      p.int(port, ['hostPort'], 1, 65535);
      p.ip(port, ['hostIP']);
      p.oneOf(port, ['protocol'], PROTOCOLS);
      p.string(port, ['name']);
    });
  });
  s.string(spec, ['nodeName']);
  s.stringMap(spec, ['nodeSelector']);
  s.bool(spec, ['hostNetwork']);
  s.oneOf(spec, ['restartPolicy'], ['Always', 'OnFailure', 'Never'] as const);
  s.oneOf(spec, ['dnsPolicy'], ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'] as const);
  s.array(spec, ['tolerations']);
}

function checkSelector(f: Fields, o: unknown, path: (string | number)[]): LabelSelector {
  const sel = f.map(o, path);
  if (!sel) f.fail(path, 'Required value');
  f.stringMap(o, [...path, 'matchLabels']);
  f.array(o, [...path, 'matchExpressions']).forEach((_, i) => {
    f.string(o, [...path, 'matchExpressions', i, 'key'], true);
    f.oneOf(o, [...path, 'matchExpressions', i, 'operator'], ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const);
  });
  return sel as LabelSelector;
}

function checkWorkload(f: Fields, o: Record<string, unknown>, replicas: boolean): void {
  if (replicas) f.int(o, ['spec', 'replicas'], 0, 1_000_000);
  const sel = checkSelector(f, o, ['spec', 'selector']);
  f.map(o, ['spec', 'template']) ?? f.fail(['spec', 'template'], 'Required value');
  const labels = f.stringMap(o, ['spec', 'template', 'metadata', 'labels']);
  if (!selectorMatches(sel, labels)) f.fail(['spec', 'template', 'metadata', 'labels'], '`selector` does not match template `labels`');
  checkPodSpec(f, o, ['spec', 'template', 'spec']);
}

/** A ReplicationController's selector is a label map; left out, the API defaults it to the template's labels. */
function checkReplicationController(f: Fields, o: Record<string, unknown>): void {
  f.int(o, ['spec', 'replicas'], 0, 1_000_000);
  f.map(o, ['spec', 'template']) ?? f.fail(['spec', 'template'], 'Required value');
  const labels = f.stringMap(o, ['spec', 'template', 'metadata', 'labels']);
  const sel = f.stringMap(o, ['spec', 'selector']);
  if (sel && !selectorMatches({ matchLabels: sel }, labels)) f.fail(['spec', 'template', 'metadata', 'labels'], '`selector` does not match template `labels`');
  if (!sel && Object.keys(labels ?? {}).length === 0) f.fail(['spec', 'selector'], 'Required value');
  checkPodSpec(f, o, ['spec', 'template', 'spec']);
}

function checkJob(f: Fields, o: Record<string, unknown>): void {
  f.int(o, ['spec', 'parallelism'], 0, 1_000_000);
  f.int(o, ['spec', 'completions'], 0, 1_000_000);
  f.bool(o, ['spec', 'suspend']);
  f.bool(o, ['spec', 'manualSelector']);
  f.map(o, ['spec', 'template']) ?? f.fail(['spec', 'template'], 'Required value');
  const rp = f.oneOf(o, ['spec', 'template', 'spec', 'restartPolicy'], ['OnFailure', 'Never', 'Always'] as const);
  if (rp !== 'OnFailure' && rp !== 'Never') f.fail(['spec', 'template', 'spec', 'restartPolicy'], 'Required value: valid values: "OnFailure", "Never"');
  checkPodSpec(f, o, ['spec', 'template', 'spec']);
}

function checkEndpoints(f: Fields, o: Record<string, unknown>): void {
  f.array(o, ['subsets']).forEach((_, i) => {
    for (const list of ['addresses', 'notReadyAddresses']) {
      f.array(o, ['subsets', i, list]).forEach((_, j) => {
        f.ip(o, ['subsets', i, list, j, 'ip'], true);
        f.string(o, ['subsets', i, list, j, 'nodeName']);
        f.string(o, ['subsets', i, list, j, 'hostname']);
      });
    }
    f.array(o, ['subsets', i, 'ports']).forEach((_, j) => {
      f.int(o, ['subsets', i, 'ports', j, 'port'], 1, 65535, true);
      f.oneOf(o, ['subsets', i, 'ports', j, 'protocol'], PROTOCOLS);
      f.string(o, ['subsets', i, 'ports', j, 'name']);
    });
  });
}

function checkService(f: Fields, o: Record<string, unknown>): void {
  f.map(o, ['spec']) ?? f.fail(['spec'], 'Required value');
  const type = f.oneOf(o, ['spec', 'type'], SERVICE_TYPES);
  const ports = f.array(o, ['spec', 'ports']);
  ports.forEach((port, i) => {
    const p = f.within(['spec', 'ports', i]);
    p.int(port, ['port'], 1, 65535, true);
    p.oneOf(port, ['protocol'], PROTOCOLS);
    p.string(port, ['name']);
    p.int(port, ['nodePort'], 0, 65535);
    const tp = p.at(port, ['targetPort']);
    if (tp !== undefined && typeof tp === 'number') p.int(port, ['targetPort'], 1, 65535);
    else if (tp !== undefined && typeof tp !== 'string') p.fail(['targetPort'], `must be a port number or name, got ${JSON.stringify(tp)}`);
  });
  if (ports.length > 1) {
    ports.forEach((_, i) => {
      if (!f.string(o, ['spec', 'ports', i, 'name'])) f.warn(['spec', 'ports', i, 'name'], 'Required value when a Service has several ports (kube-apiserver would refuse it)');
    });
  }
  const cip = f.string(o, ['spec', 'clusterIP']);
  if (cip !== undefined && cip !== 'None' && cip !== '') f.ip(o, ['spec', 'clusterIP']);
  f.array(o, ['spec', 'clusterIPs']).forEach((ip, i) => ip !== 'None' && f.ip(o, ['spec', 'clusterIPs', i]));
  f.array(o, ['spec', 'externalIPs']).forEach((_, i) => f.ip(o, ['spec', 'externalIPs', i], true));
  f.array(o, ['spec', 'loadBalancerSourceRanges']).forEach((_, i) => f.cidr(o, ['spec', 'loadBalancerSourceRanges', i], true));
  f.array(o, ['status', 'loadBalancer', 'ingress']).forEach((_, i) => {
    f.ip(o, ['status', 'loadBalancer', 'ingress', i, 'ip']);
    f.oneOf(o, ['status', 'loadBalancer', 'ingress', i, 'ipMode'], ['VIP', 'Proxy'] as const);
  });
  f.stringMap(o, ['spec', 'selector']);
  f.oneOf(o, ['spec', 'sessionAffinity'], ['None', 'ClientIP'] as const);
  f.int(o, ['spec', 'sessionAffinityConfig', 'clientIP', 'timeoutSeconds'], 1, 86400);
  f.oneOf(o, ['spec', 'externalTrafficPolicy'], POLICIES);
  f.oneOf(o, ['spec', 'internalTrafficPolicy'], POLICIES);
  f.bool(o, ['spec', 'publishNotReadyAddresses']);
  if (type === 'ExternalName') f.string(o, ['spec', 'externalName'], true);
  else if (ports.length === 0 && cip !== 'None') f.fail(['spec', 'ports'], 'Required value');
}

function checkEndpointSlice(f: Fields, o: Record<string, unknown>): void {
  const at = f.oneOf(o, ['addressType'], ['IPv4', 'IPv6', 'FQDN'] as const);
  if (!at) f.fail(['addressType'], 'Required value');
  f.array(o, ['endpoints']).forEach((_, i) => {
    const addrs = f.array(o, ['endpoints', i, 'addresses'], true);
    if (at !== 'FQDN') addrs.forEach((_, j) => f.ip(o, ['endpoints', i, 'addresses', j], true));
    f.string(o, ['endpoints', i, 'nodeName']);
    for (const c of ['ready', 'serving', 'terminating']) f.bool(o, ['endpoints', i, 'conditions', c]);
  });
  f.array(o, ['ports']).forEach((_, i) => {
    f.int(o, ['ports', i, 'port'], 1, 65535);
    f.oneOf(o, ['ports', i, 'protocol'], PROTOCOLS);
  });
}

/** Checks one object of a known kind; returns it typed. Fails on the first problem. */
export function checkObject(f: Fields, o: Record<string, unknown>, kind: Kind): AnyObject {
  checkMeta(f, o, kind);
  switch (kind) {
    case 'Pod':
      checkPodSpec(f, o, ['spec']);
      f.ip(o, ['status', 'podIP']);
      break;
    case 'Service':
      checkService(f, o);
      break;
    case 'EndpointSlice':
      checkEndpointSlice(f, o);
      break;
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet':
      checkWorkload(f, o, true);
      break;
    case 'DaemonSet':
      checkWorkload(f, o, false);
      break;
    case 'ConfigMap':
      f.stringMap(o, ['data']);
      break;
    case 'ReplicationController':
      checkReplicationController(f, o);
      break;
    case 'Job':
      checkJob(f, o);
      break;
    case 'Endpoints':
      checkEndpoints(f, o);
      break;
    case 'Node':
      f.cidr(o, ['spec', 'podCIDR']);
      f.array(o, ['status', 'addresses']).forEach((_, i) => f.string(o, ['status', 'addresses', i, 'address'], true));
      break;
    case 'Namespace':
      break;
  }
  return o as unknown as AnyObject;
}
