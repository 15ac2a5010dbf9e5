// The Service views every node's kube-proxy works from, computed once for the process and
// shared: a Service's ports and its endpoints are the same on every node except for which
// endpoints are local, so a node with none of a Service's endpoints gets the shared view (the
// very same object, which is what lets the proxiers share the rules they derive from it) and a
// node with some gets its own.
import type { EndpointSlice, Service } from '../../api/types.js';
import type { Family } from '../../net/ip.js';
import { serviceEndpoints, servicePorts, type Endpoint, type ServicePort, type ServiceState } from './objects.js';

const portsOf: Record<Family, WeakMap<Service, ServicePort[]>> = { 4: new WeakMap(), 6: new WeakMap() };

/** The Service's ports for one family, in ServicePortName + protocol order (the store's object is never changed, so it keys them). */
export function sharedServicePorts(svc: Service, family: Family): ServicePort[] {
  let ports = portsOf[family].get(svc);
  if (!ports) {
    ports = servicePorts(svc, family).sort((a, b) => cmp(a.spn + a.protocol, b.spn + b.protocol));
    portsOf[family].set(svc, ports);
  }
  return ports;
}

const NO_ENDPOINTS = new Map<string, Endpoint[]>();

interface SliceView {
  slices: EndpointSlice[];
  endpoints: Record<Family, Map<string, Endpoint[]> | undefined>;
}

/** Keyed by a Service's first EndpointSlice; the list confirms the rest. */
const endpointsOf = new WeakMap<EndpointSlice, SliceView>();

function hasLocal(slices: EndpointSlice[], nodeName: string): boolean {
  if (!nodeName) return false;
  for (const s of slices) for (const e of s.endpoints ?? []) if (e.nodeName === nodeName) return true;
  return false;
}

/** The endpoints of a Service's slices as `nodeName` sees them: the shared map unless some are local to it. */
export function sharedServiceEndpoints(slices: EndpointSlice[], family: Family, nodeName: string): Map<string, Endpoint[]> {
  if (slices.length === 0) return NO_ENDPOINTS;
  if (hasLocal(slices, nodeName)) return serviceEndpoints(slices, family, nodeName);
  let v = endpointsOf.get(slices[0]!);
  if (!v || v.slices.length !== slices.length || v.slices.some((s, i) => s !== slices[i])) {
    v = { slices, endpoints: { 4: undefined, 6: undefined } };
    endpointsOf.set(slices[0]!, v);
  }
  return (v.endpoints[family] ??= serviceEndpoints(slices, family, ''));
}

const states = new WeakMap<ServicePort[], WeakMap<Map<string, Endpoint[]>, ServiceState>>();

/** One view object per (ports, endpoints) pair, so equal inputs give the same state. */
export function sharedServiceState(ports: ServicePort[], endpoints: Map<string, Endpoint[]>): ServiceState {
  let m = states.get(ports);
  if (!m) states.set(ports, (m = new WeakMap()));
  let st = m.get(endpoints);
  if (!st) m.set(endpoints, (st = { ports, endpoints }));
  return st;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
