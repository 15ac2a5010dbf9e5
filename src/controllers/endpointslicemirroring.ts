// kube-controller-manager's EndpointSlice mirroring controller: the v1 Endpoints of a Service
// without a selector (written by hand or by another tool) become EndpointSlices, one per address
// family and port set, so kube-proxy (which reads only slices) sees them.
import {
  MANAGED_BY_LABEL,
  SERVICE_NAME_LABEL,
  type Endpoint,
  type EndpointAddress,
  type EndpointPort,
  type EndpointSlice,
  type Endpoints,
} from '../api/types.js';
import { canonicalIP, ipFamily } from '../net/ip.js';
import { Controller } from './controller.js';
import { canonicalJSON, suffix5 } from './names.js';

export const MIRRORING_CONTROLLER_NAME = 'endpointslicemirroring-controller.k8s.io';
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';
/** Annotations the controller does not copy onto the slices. */
const NOT_COPIED = ['endpoints.kubernetes.io/last-change-trigger-time', 'kubectl.kubernetes.io/last-applied-configuration'];
/** --mirroring-max-endpoints-per-subset's default. */
const MAX_PER_SUBSET = 1000;

interface Group {
  addressType: 'IPv4' | 'IPv6';
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

export class EndpointSliceMirroringController extends Controller {
  readonly name = 'endpointslicemirroring';
  /**
   * Endpoints key → names of the slices mirrored from it, as the controller's slice tracker
   * knows them: a Service with a selector is passed over without a list unless it has some.
   */
  private readonly tracked = new Map<string, Set<string>>();

  start(): void {
    this.store.watch('Endpoints', 0, (ev) => this.enqueue(ev.key));
    this.store.watch('Service', 0, (ev) => this.enqueue(ev.key));
    this.store.watch('EndpointSlice', 0, (ev) => {
      if (ev.oldObject) this.track(ev.oldObject, false);
      this.track(ev.object, ev.type !== 'DELETED');
    });
  }

  private track(s: EndpointSlice, present: boolean): void {
    const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
    if (svc === undefined || s.metadata.labels?.[MANAGED_BY_LABEL] !== MIRRORING_CONTROLLER_NAME) return;
    if (!s.metadata.ownerReferences?.some((r) => r.kind === 'Endpoints')) return;
    const key = `${s.metadata.namespace}/${svc}`;
    let names = this.tracked.get(key);
    if (present) {
      if (!names) this.tracked.set(key, (names = new Set()));
      names.add(s.metadata.name);
    } else if (names) {
      names.delete(s.metadata.name);
      if (names.size === 0) this.tracked.delete(key);
    }
  }

  private mirrored(ns: string, name: string): EndpointSlice[] {
    // Through the store's label index: a namespace's every slice would make a sync per Service cost the cluster.
    return this.store
      .list('EndpointSlice', { namespace: ns, selector: { matchLabels: { [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: MIRRORING_CONTROLLER_NAME } } })
      // Only slices mirrored from an Endpoints object: the apiserver keeps the `kubernetes` one itself.
      .filter((s) => s.metadata.ownerReferences?.some((r) => r.kind === 'Endpoints'));
  }

  protected sync(key: string): void {
    const ep = this.store.getByKey('Endpoints', key);
    const svc = this.store.getByKey('Service', key);
    const mirror =
      ep && svc && !hasSelector(svc.spec.selector) && ep.metadata.labels?.[SKIP_MIRROR_LABEL] !== 'true' && !ep.metadata.annotations?.[LEADER_ANNOTATION];
    // Nothing to mirror and nothing mirrored before (a Service with a selector, as nearly all are).
    if (!mirror && !this.tracked.has(key)) return;
    const [ns, name] = key.split('/') as [string, string];
    const existing = this.mirrored(ns, name);
    const groups = mirror ? this.desired(ep) : [];
    const byKey = new Map(existing.map((s) => [groupKey(s.addressType as Group['addressType'], s.ports ?? []), s]));
    for (const g of groups) {
      const k = groupKey(g.addressType, g.ports);
      const old = byKey.get(k);
      byKey.delete(k);
      const slice = this.slice(ep!, g, old?.metadata.name ?? `${name}-${suffix5(`${ns}/${name}/${k}`)}`);
      if (!old) this.store.create(slice);
      else if (canonicalJSON([old.endpoints, old.metadata.labels, old.metadata.annotations]) !== canonicalJSON([slice.endpoints, slice.metadata.labels, slice.metadata.annotations])) {
        this.store.update({ ...slice, metadata: { ...old.metadata, labels: slice.metadata.labels, annotations: slice.metadata.annotations } });
      }
    }
    for (const s of byKey.values()) this.store.delete('EndpointSlice', ns, s.metadata.name);
  }

  /** Endpoints grouped by address family and port set; at most MAX_PER_SUBSET addresses of each subset. */
  private desired(ep: Endpoints): Group[] {
    const groups = new Map<string, Group>();
    let skipped = 0;
    for (const subset of ep.subsets ?? []) {
      const ports: EndpointPort[] = (subset.ports ?? []).map((p) => ({
        name: p.name ?? '',
        port: p.port,
        protocol: p.protocol ?? 'TCP',
        ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
      }));
      const all: [EndpointAddress, boolean][] = [
        ...(subset.addresses ?? []).map((a): [EndpointAddress, boolean] => [a, true]),
        ...(subset.notReadyAddresses ?? []).map((a): [EndpointAddress, boolean] => [a, false]),
      ];
      let added = 0;
      for (const [a, ready] of all) {
        if (added >= MAX_PER_SUBSET) {
          skipped++;
          continue;
        }
        const ip = canonicalIP(a.ip)!;
        const addressType = ipFamily(ip) === 6 ? 'IPv6' : 'IPv4';
        const k = groupKey(addressType, ports);
        let g = groups.get(k);
        if (!g) groups.set(k, (g = { addressType, ports, endpoints: [] }));
        g.endpoints.push({
          addresses: [ip],
          conditions: { ready },
          ...(a.hostname ? { hostname: a.hostname } : {}),
          ...(a.targetRef ? { targetRef: a.targetRef } : {}),
          ...(a.nodeName ? { nodeName: a.nodeName } : {}),
        });
        added++;
      }
    }
    if (skipped > 0) {
      this.ctx.warn(ep, ['subsets'], `${skipped} addresses were not mirrored to EndpointSlices: at most ${MAX_PER_SUBSET} per Endpoints subset are`);
    }
    return [...groups.values()];
  }

  private slice(ep: Endpoints, g: Group, name: string): EndpointSlice {
    const annotations = Object.fromEntries(Object.entries(ep.metadata.annotations ?? {}).filter(([k]) => !NOT_COPIED.includes(k)));
    return {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name,
        namespace: ep.metadata.namespace!,
        labels: { ...(ep.metadata.labels ?? {}), [SERVICE_NAME_LABEL]: ep.metadata.name, [MANAGED_BY_LABEL]: MIRRORING_CONTROLLER_NAME },
        ...(Object.keys(annotations).length ? { annotations } : {}),
        ownerReferences: [{ apiVersion: 'v1', kind: 'Endpoints', name: ep.metadata.name, uid: ep.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      addressType: g.addressType,
      endpoints: g.endpoints,
      ports: g.ports,
    };
  }
}

function hasSelector(selector: Record<string, string> | undefined): boolean {
  for (const _ in selector) return true;
  return false;
}

function groupKey(addressType: string, ports: EndpointPort[]): string {
  return `${addressType}/${canonicalJSON(ports.map((p) => [p.name ?? '', p.port ?? 0, p.protocol ?? 'TCP', p.appProtocol ?? '']))}`;
}
