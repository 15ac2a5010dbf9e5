// The Service views every node's kube-proxy works from, computed once for the process and
// shared: a Service's ports and its endpoints are the same on every node except for which
// endpoints are local, so a node with none of a Service's endpoints gets the shared view (the
// very same object, which is what lets the proxiers share the rules they derive from it) and a
// node with some gets its own. What is derived is kept with the source's key until its objects
// change (source.ts).
import type { Family } from '../../net/ip.js';
import { serviceEndpoints, servicePorts, type ServiceState } from './objects.js';
import type { ServiceSource } from './source.js';

/**
 * The view of the Service `key` for a node: ports of the family in ServicePortName + protocol
 * order, endpoints with the node's local ones marked. Undefined when the Service has no ports
 * of the family (or is gone).
 */
export function serviceView(source: ServiceSource, key: string, family: Family, nodeName: string): ServiceState | undefined {
  const views = source.views[family === 4 ? 0 : 1];
  let shared = views.get(key);
  const slices = source.slices.get(key);
  if (shared === undefined) {
    const svc = source.services.get(key);
    const ports = svc ? servicePorts(svc, family) : [];
    if (ports.length > 1) ports.sort((a, b) => cmp(a.spn + a.protocol, b.spn + b.protocol));
    shared = ports.length ? { ports, endpoints: serviceEndpoints(slices ? slices.values() : [], family, '') } : null;
    views.set(key, shared);
  }
  if (!shared) return undefined;
  if (!nodeName || !slices || !hasLocal(slices.values(), nodeName)) return shared;
  return { ports: shared.ports, endpoints: serviceEndpoints(slices.values(), family, nodeName) };
}

function hasLocal(slices: Iterable<{ endpoints?: { nodeName?: string }[] }>, nodeName: string): boolean {
  for (const s of slices) {
    const eps = s.endpoints;
    if (eps) for (let i = 0; i < eps.length; i++) if (eps[i]!.nodeName === nodeName) return true;
  }
  return false;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
