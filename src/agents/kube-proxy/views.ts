// The Service views every node's kube-proxy works from, computed once for the process and
// shared: a Service's ports and its endpoints are the same on every node except for which
// endpoints are local, so a node with none of a Service's endpoints gets the shared view (the
// very same object, which is what lets the proxiers share the rules they derive from it) and a
// node with some gets its own. What is derived is kept with the source's key until its objects
// change (source.ts).
import type { Family } from '../../net/ip.js';
import { serviceEndpoints, servicePorts, type ServiceState } from './objects.js';
import type { ServiceSource } from './source.js';

/** What one Service key's objects give, per family (index 0: IPv4, 1: IPv6). */
export interface Derived {
  state: (ServiceState | null | undefined)[];
}

/**
 * The view of the Service `key` for a node: ports of the family in ServicePortName + protocol
 * order, endpoints with the node's local ones marked. Undefined when the Service has no ports
 * of the family (or is gone).
 */
export function serviceView(source: ServiceSource, key: string, family: Family, nodeName: string): ServiceState | undefined {
  const d = source.derived(key);
  const f = family === 4 ? 0 : 1;
  let shared = d.state[f];
  if (shared === undefined) {
    const svc = source.services.get(key);
    const ports = svc ? servicePorts(svc, family).sort((a, b) => cmp(a.spn + a.protocol, b.spn + b.protocol)) : [];
    const slices = source.slices.get(key);
    shared = d.state[f] = ports.length ? { ports, endpoints: serviceEndpoints(slices ? slices.values() : [], family, '') } : null;
  }
  if (!shared) return undefined;
  const slices = source.slices.get(key);
  if (!nodeName || !slices || !hasLocal(slices.values(), nodeName)) return shared;
  return { ports: shared.ports, endpoints: serviceEndpoints(slices.values(), family, nodeName) };
}

function hasLocal(slices: Iterable<{ endpoints?: { nodeName?: string }[] }>, nodeName: string): boolean {
  for (const s of slices) for (const e of s.endpoints ?? []) if (e.nodeName === nodeName) return true;
  return false;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
