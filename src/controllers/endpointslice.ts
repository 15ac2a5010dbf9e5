// The EndpointSlice controller: for every Service with a selector, slices of the pods it
// selects, with named target ports resolved per pod. Pods whose ports resolve differently go
// into different slices, as the real controller groups endpoints by port set.
import { copyOf, withFields } from '../api/copy.js';
import {
  MANAGED_BY_LABEL,
  SERVICE_NAME_LABEL,
  type Endpoint,
  type EndpointPort,
  type EndpointSlice,
  type Pod,
  type Service,
  type ServicePort,
} from '../api/types.js';
import { sameJSON } from '../api/same-json.js';
import { mapSelectorMatches } from '../api/selector.js';
import { canonicalIP } from '../net/ip.js';
import { Controller } from './controller.js';
import { suffix5 } from './names.js';
import { controllerRef } from './workload.js';

export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
const MAX_ENDPOINTS_PER_SLICE = 100;

export function podIsReady(p: Pod): boolean {
  const conds = p.status?.conditions;
  if (conds) for (const c of conds) if (c.type === 'Ready') return c.status === 'True';
  return false;
}

/** The container port a Service port's targetPort names on this pod, if any. */
export function resolveTargetPort(sp: ServicePort, pod: Pod): number | undefined {
  const tp = sp.targetPort ?? sp.port;
  if (typeof tp === 'number') return tp;
  if (/^\d+$/.test(tp)) return Number(tp);
  for (const c of pod.spec.containers) {
    for (const cp of c.ports ?? []) if (cp.name === tp && (cp.protocol ?? 'TCP') === (sp.protocol ?? 'TCP')) return cp.containerPort;
  }
  return undefined;
}

const NONE: ReadonlySet<string> = new Set();

/**
 * Label pair index: namespace → key → value → keys of objects carrying it (pods) or selecting by
 * it (services). Nested maps rather than one map of joined strings: the label strings are shared
 * by every pod of a template, so their hashes are computed once.
 */
class PairIndex {
  private readonly m = new Map<string, Map<string, Map<string, Set<string>>>>();
  add(ns: string, labels: Record<string, string> | undefined, key: string): void {
    if (!labels) return;
    let byKey = this.m.get(ns);
    if (!byKey) this.m.set(ns, (byKey = new Map()));
    for (const k in labels) {
      let byValue = byKey.get(k);
      if (!byValue) byKey.set(k, (byValue = new Map()));
      const v = labels[k]!;
      let s = byValue.get(v);
      if (!s) byValue.set(v, (s = new Set()));
      s.add(key);
    }
  }
  remove(ns: string, labels: Record<string, string> | undefined, key: string): void {
    if (!labels) return;
    const byKey = this.m.get(ns);
    for (const k in labels) byKey?.get(k)?.get(labels[k]!)?.delete(key);
  }
  get(ns: string, k: string, v: string): ReadonlySet<string> {
    return this.m.get(ns)?.get(k)?.get(v) ?? NONE;
  }
}

export class EndpointSliceController extends Controller {
  readonly name = 'endpointslice';
  private readonly podsByLabel = new PairIndex();
  private readonly servicesBySelector = new PairIndex();
  /** Service key → names of the slices this controller manages for it. */
  private readonly slicesByService = new Map<string, Set<string>>();
  private readonly selectors = new Map<string, Record<string, string> | undefined>();
  /** Counts Service events: what the last pod's labels selected holds until the next one. */
  private serviceEvents = 0;
  /**
   * The Services selecting the last labels asked about: a template's pods share one labels
   * object and come one after another (created, then given their addresses).
   */
  private lastSelecting?: { labels: Record<string, string> | undefined; ns: string; at: number; keys: string[] };

  start(): void {
    this.store.watch('Service', 0, (ev) => {
      const s = ev.object;
      const ns = s.metadata.namespace!;
      const key = ev.key;
      this.serviceEvents++;
      if (ev.oldObject) this.servicesBySelector.remove(ns, ev.oldObject.spec.selector, key);
      if (ev.type === 'DELETED') {
        this.servicesBySelector.remove(ns, s.spec.selector, key);
        this.selectors.delete(key);
      } else {
        this.servicesBySelector.add(ns, s.spec.selector, key);
        this.selectors.set(key, s.spec.selector);
      }
      this.enqueue(key);
    });
    this.store.watch('EndpointSlice', 0, (ev) => {
      const s = ev.object;
      const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
      if (!svc || s.metadata.labels?.[MANAGED_BY_LABEL] !== CONTROLLER_NAME) return;
      const key = `${s.metadata.namespace}/${svc}`;
      let names = this.slicesByService.get(key);
      if (!names) this.slicesByService.set(key, (names = new Set()));
      if (ev.type === 'DELETED') names.delete(s.metadata.name);
      else names.add(s.metadata.name);
    });
    this.store.watch('Pod', 0, (ev) => {
      const p = ev.object;
      const ns = p.metadata.namespace!;
      const key = ev.key;
      const sameLabels = ev.oldObject?.metadata.labels === p.metadata.labels;
      // A pod without an address is in no slice before or after (e.g. being scheduled): nothing to do.
      if (sameLabels && ev.type === 'MODIFIED' && !p.status?.podIP && !ev.oldObject?.status?.podIP) return;
      if (ev.oldObject && !sameLabels) {
        this.podsByLabel.remove(ns, ev.oldObject.metadata.labels, key);
        this.enqueueSelecting(ev.oldObject);
      }
      if (ev.type === 'DELETED') this.podsByLabel.remove(ns, p.metadata.labels, key);
      else if (!sameLabels) this.podsByLabel.add(ns, p.metadata.labels, key);
      this.enqueueSelecting(p);
    });
  }

  private enqueueSelecting(p: Pod): void {
    const ns = p.metadata.namespace!;
    const labels = p.metadata.labels;
    const last = this.lastSelecting;
    if (last && last.labels === labels && last.ns === ns && last.at === this.serviceEvents) {
      for (const sk of last.keys) this.enqueue(sk);
      return;
    }
    const keys: string[] = [];
    for (const k in labels) {
      for (const sk of this.servicesBySelector.get(ns, k, labels[k]!)) {
        if (mapSelectorMatches(this.selectors.get(sk), labels)) keys.push(sk);
      }
    }
    this.lastSelecting = { labels, ns, at: this.serviceEvents, keys };
    for (const sk of keys) this.enqueue(sk);
  }

  /** Pods the Service's selector picks, in creation order. */
  selectedPods(svc: Service): Pod[] {
    const sel = svc.spec.selector;
    const out: Pod[] = [];
    for (const pk of this.candidates(svc)) {
      const p = this.store.getByKey('Pod', pk);
      if (p && mapSelectorMatches(sel, p.metadata.labels)) out.push(p);
    }
    return out;
  }

  /** selectedPods() one at a time: a caller that stops at the first pod it wants reads no more. */
  *eachSelectedPod(svc: Service): Generator<Pod> {
    const sel = svc.spec.selector;
    for (const pk of this.candidates(svc)) {
      const p = this.store.getByKey('Pod', pk);
      if (p && mapSelectorMatches(sel, p.metadata.labels)) yield p;
    }
  }

  /** Keys of the pods carrying the selector's rarest label pair (none without a selector). */
  private candidates(svc: Service): ReadonlySet<string> {
    const ns = svc.metadata.namespace!;
    const sel = svc.spec.selector;
    if (!sel || Object.keys(sel).length === 0) return NONE;
    let smallest: ReadonlySet<string> | undefined;
    for (const [k, v] of Object.entries(sel)) {
      const s = this.podsByLabel.get(ns, k, v);
      if (!smallest || s.size < smallest.size) smallest = s;
    }
    return smallest ?? NONE;
  }

  protected sync(key: string): void {
    const svc = this.store.getByKey('Service', key);
    const [ns, name] = svc ? [svc.metadata.namespace!, svc.metadata.name] : (key.split('/') as [string, string]);
    const existing = [...(this.slicesByService.get(key) ?? [])]
      .map((n) => this.store.get('EndpointSlice', ns, n))
      .filter((s): s is EndpointSlice => !!s);
    if (!svc || !svc.spec.selector || Object.keys(svc.spec.selector).length === 0 || svc.spec.type === 'ExternalName') {
      for (const s of existing) this.store.delete('EndpointSlice', ns, s.metadata.name);
      return;
    }
    const desired = this.desiredSlices(svc);
    // Reuse existing slice names in order so an update keeps its name, as the real reconciler does.
    const names = existing.map((s) => s.metadata.name);
    desired.forEach((d, i) => {
      const old = this.store.get('EndpointSlice', ns, names[i] ?? '');
      if (old) {
        const next = { ...d, metadata: { ...d.metadata, name: old.metadata.name } };
        if (!sameJSON([next.endpoints, next.ports, next.metadata.labels], [old.endpoints, old.ports, old.metadata.labels])) {
          this.store.update({ ...next, metadata: { ...old.metadata, labels: next.metadata.labels } });
        }
      } else {
        let n = 0;
        let sliceName: string;
        do sliceName = `${name}-${suffix5(`${ns}/${name}/${i}/${n++}`)}`;
        while (this.store.get('EndpointSlice', ns, sliceName));
        this.store.create(withFields(d, { metadata: withFields(d.metadata, { name: sliceName }) }));
      }
    });
    for (const extra of names.slice(desired.length)) this.store.delete('EndpointSlice', ns, extra);
  }

  private desiredSlices(svc: Service): EndpointSlice[] {
    const ns = svc.metadata.namespace!;
    const name = svc.metadata.name;
    const groups = new Map<string, { family: 'IPv4' | 'IPv6'; ports: EndpointPort[]; endpoints: Endpoint[] }>();
    // One slice family per ipFamily of the Service, each pod with its address of that family.
    const wanted = svc.spec.ipFamilies?.length ? svc.spec.ipFamilies : undefined;
    // Pods of one template share their containers: their ports resolve alike (per family, so no two groups share an array).
    const resolved = new Map<unknown, { ports: EndpointPort[]; key: string }>();
    for (const pod of this.selectedPods(svc)) {
      if (!pod.status?.podIP || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
      // Without ipFamilies only the primary address (no list per pod).
      const ips = wanted && pod.status.podIPs?.length ? pod.status.podIPs : undefined;
      for (let k = 0, n = ips ? ips.length : 1; k < n; k++) {
        const ip = ips ? ips[k]!.ip : pod.status.podIP;
        const c = canonicalIP(ip);
        const family = c !== undefined && c.includes(':') ? 'IPv6' : 'IPv4';
        if (wanted && !wanted.includes(family)) continue;
        const rk = pod.spec.containers;
        let r = resolved.get(rk);
        if (!r || !r.key.startsWith(family)) {
          const ports: EndpointPort[] = [];
          for (const sp of svc.spec.ports ?? []) {
            const port = resolveTargetPort(sp, pod);
            if (port === undefined) continue; // this pod does not declare that named port
            ports.push({ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
          }
          resolved.set(rk, (r = { ports, key: `${family}|${JSON.stringify(ports)}` }));
        }
        let g = groups.get(r.key);
        if (!g) groups.set(r.key, (g = { family, ports: r.ports, endpoints: [] }));
        const terminating = !!pod.metadata.deletionTimestamp;
        const ready = podIsReady(pod);
        const node = pod.spec.nodeName ? this.store.get('Node', undefined, pod.spec.nodeName) : undefined;
        const zone = node?.metadata.labels?.['topology.kubernetes.io/zone'];
        const ep: Endpoint = {
          addresses: [ip],
          // publishNotReadyAddresses publishes every pod, terminating ones included (podToEndpoint).
          conditions: { ready: !!svc.spec.publishNotReadyAddresses || (ready && !terminating), serving: ready, terminating },
        };
        if (pod.spec.hostname && pod.spec.subdomain === name) ep.hostname = pod.spec.hostname;
        if (pod.spec.nodeName) ep.nodeName = pod.spec.nodeName;
        if (zone) ep.zone = zone;
        ep.targetRef = { kind: 'Pod', namespace: ns, name: pod.metadata.name, uid: pod.metadata.uid! };
        g.endpoints.push(ep);
      }
    }
    const labels = { ...(svc.metadata.labels ?? {}), [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: CONTROLLER_NAME };
    const meta = { name: '', namespace: ns, labels, ownerReferences: [controllerRef(svc)] };
    const out: EndpointSlice[] = [];
    for (const g of groups.values()) {
      for (let i = 0; i < g.endpoints.length; i += MAX_ENDPOINTS_PER_SLICE) {
        out.push({
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: copyOf(meta),
          addressType: g.family,
          endpoints: g.endpoints.slice(i, i + MAX_ENDPOINTS_PER_SLICE),
          ports: g.ports,
        });
      }
    }
    // A selector that matches nothing still gets one empty slice (no ports), as the controller keeps.
    for (const family of wanted ?? ['IPv4' as const]) {
      if (out.some((sl) => sl.addressType === family)) continue;
      if (!wanted && out.length) continue;
      out.push({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: copyOf(meta), addressType: family, endpoints: [] });
    }
    return out;
  }
}

