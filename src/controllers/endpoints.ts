// kube-controller-manager's endpoints controller: the v1 Endpoints object of each Service with a
// selector. It selects the same pods as the EndpointSlice controller, so it is built from that
// controller's slices: ready addresses, then not-ready ones, grouped by port set, sorted by IP.
import {
  MANAGED_BY_LABEL,
  SERVICE_NAME_LABEL,
  type EndpointAddress,
  type EndpointPort,
  type EndpointSubset,
  type Endpoints,
} from '../api/types.js';
import { Controller } from './controller.js';
import { CONTROLLER_NAME as SLICE_CONTROLLER } from './endpointslice.js';
import { canonicalJSON } from './names.js';

export const ENDPOINTS_MANAGED_BY = 'endpoints.kubernetes.io/managed-by';
export const ENDPOINTS_CONTROLLER_NAME = 'endpoint-controller';

export class EndpointsController extends Controller {
  readonly name = 'endpoints';
  /** Service key → names of its controller-made slices. */
  private readonly slices = new Map<string, Set<string>>();

  start(): void {
    this.store.watch('Service', 0, (ev) => this.enqueue(ev.key));
    this.store.watch('EndpointSlice', 0, (ev) => {
      const s = ev.object;
      const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
      if (!svc || s.metadata.labels?.[MANAGED_BY_LABEL] !== SLICE_CONTROLLER) return;
      const key = `${s.metadata.namespace}/${svc}`;
      let names = this.slices.get(key);
      if (!names) this.slices.set(key, (names = new Set()));
      if (ev.type === 'DELETED') names.delete(s.metadata.name);
      else names.add(s.metadata.name);
      this.enqueue(key);
    });
  }

  protected sync(key: string): void {
    // The Endpoints object has the Service's key.
    const svc = this.store.getByKey('Service', key);
    const old = this.store.getByKey('Endpoints', key);
    const [ns, name] = svc ? [svc.metadata.namespace!, svc.metadata.name] : (key.split('/') as [string, string]);
    const ours = old?.metadata.labels?.[ENDPOINTS_MANAGED_BY] === ENDPOINTS_CONTROLLER_NAME;
    if (!svc || Object.keys(svc.spec.selector ?? {}).length === 0 || svc.spec.type === 'ExternalName') {
      if (old && ours) this.store.delete('Endpoints', ns, name);
      return;
    }
    const subsets = new Map<string, EndpointSubset>();
    for (const sliceName of this.slices.get(key) ?? []) {
      const slice = this.store.get('EndpointSlice', ns, sliceName);
      if (!slice) continue;
      const ports = (slice.ports ?? []).map(subsetPort);
      // Only a grouping key: ports built alike print alike (same fields in the same order).
      const pk = JSON.stringify(ports);
      for (const e of slice.endpoints ?? []) {
        if (e.conditions?.terminating && !svc.spec.publishNotReadyAddresses) continue;
        let sub = subsets.get(pk);
        if (!sub) subsets.set(pk, (sub = { ...(ports.length ? { ports } : {}) }));
        const addr: EndpointAddress = { ip: e.addresses[0]! };
        if (e.hostname) addr.hostname = e.hostname;
        if (e.nodeName) addr.nodeName = e.nodeName;
        if (e.targetRef) addr.targetRef = e.targetRef;
        if (e.conditions?.ready === false) (sub.notReadyAddresses ??= []).push(addr);
        else (sub.addresses ??= []).push(addr);
      }
    }
    for (const sub of subsets.values()) {
      sub.addresses?.sort(byIP);
      sub.notReadyAddresses?.sort(byIP);
    }
    const ep: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name, namespace: ns, labels: { ...(svc.metadata.labels ?? {}), [ENDPOINTS_MANAGED_BY]: ENDPOINTS_CONTROLLER_NAME } },
      ...(subsets.size ? { subsets: [...subsets.values()].map(ordered) } : {}),
    };
    if (!old) this.store.create(ep);
    else if (ours && canonicalJSON([old.subsets, old.metadata.labels]) !== canonicalJSON([ep.subsets, ep.metadata.labels])) {
      this.store.update({ ...ep, metadata: { ...old.metadata, labels: ep.metadata.labels } });
    }
  }
}

function byIP(a: EndpointAddress, b: EndpointAddress): number {
  return a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0;
}

type SubsetPort = NonNullable<EndpointSubset['ports']>[number];

/** A slice's port as an Endpoints subset lists it (fields set in the API's order). */
function subsetPort(p: EndpointPort): SubsetPort {
  const out = {} as SubsetPort;
  if (p.name) out.name = p.name;
  out.port = p.port!;
  out.protocol = p.protocol ?? 'TCP';
  if (p.appProtocol) out.appProtocol = p.appProtocol;
  return out;
}

/** The API's field order: addresses, notReadyAddresses, ports. */
function ordered(s: EndpointSubset): EndpointSubset {
  const out: EndpointSubset = {};
  if (s.addresses) out.addresses = s.addresses;
  if (s.notReadyAddresses) out.notReadyAddresses = s.notReadyAddresses;
  if (s.ports) out.ports = s.ports;
  return out;
}
