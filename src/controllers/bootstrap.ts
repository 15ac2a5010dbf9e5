// What kube-apiserver creates by itself: the system namespaces, the `kubernetes` Service and
// its endpoints (the control-plane nodes' IPs on 6443), and the namespaces objects were written into.
import { MANAGED_BY_LABEL, SERVICE_NAME_LABEL, type EndpointSlice, type Endpoints, type Service } from '../api/types.js';
import { canonicalIP, ipFamily, nthAddress, parseCIDR } from '../net/ip.js';
import { Controller } from './controller.js';
import { SKIP_MIRROR_LABEL } from './endpointslicemirroring.js';

const NAMESPACED_SOURCES = ['Pod', 'Service', 'Deployment', 'DaemonSet', 'StatefulSet', 'ConfigMap', 'EndpointSlice', 'ReplicationController', 'Job', 'Endpoints'] as const;
const SYSTEM_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];
export const APISERVER_PORT = 6443;

export class BootstrapController extends Controller {
  readonly name = 'apiserver-bootstrap';

  start(): void {
    this.enqueue('namespaces');
    this.enqueue('kubernetes');
    this.store.watch('Node', this.store.resourceVersion, () => this.enqueue('kubernetes'));
    for (const kind of NAMESPACED_SOURCES) {
      this.store.watch(kind, 0, (ev) => ev.type === 'ADDED' && this.enqueue('namespaces'));
    }
  }

  protected sync(key: string): void {
    if (key === 'namespaces') return this.syncNamespaces();
    this.syncKubernetesService();
  }

  private syncNamespaces(): void {
    const wanted = new Set(SYSTEM_NAMESPACES);
    for (const kind of NAMESPACED_SOURCES) for (const ns of this.store.namespaces(kind)) wanted.add(ns);
    for (const kind of this.store.keptKinds()) for (const o of this.store.kept(kind)) if (o.metadata.namespace) wanted.add(o.metadata.namespace);
    for (const ns of wanted) {
      if (!this.store.get('Namespace', undefined, ns)) {
        this.store.create({
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: ns, labels: { 'kubernetes.io/metadata.name': ns } },
          status: { phase: 'Active' },
        });
      }
    }
  }

  private syncKubernetesService(): void {
    // No control-plane node means no apiserver in the topology (kube-proxy's test cases are
    // written that way): then there is no `kubernetes` Service either.
    const cps = this.ctx.header.nodes.filter((n) => n.roles.includes('control-plane') || n.roles.includes('master'));
    if (cps.length === 0) return;
    const primary = parseCIDR(this.ctx.networking.serviceSubnets[0]!)!;
    if (!this.store.get('Service', 'default', 'kubernetes')) {
      const ip = nthAddress(primary, 1);
      const svc: Service = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: {
          type: 'ClusterIP',
          clusterIP: ip,
          clusterIPs: [ip],
          ipFamilies: [primary.family === 4 ? 'IPv4' : 'IPv6'],
          ipFamilyPolicy: 'SingleStack',
          internalTrafficPolicy: 'Cluster',
          sessionAffinity: 'None',
          ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: APISERVER_PORT }],
        },
      };
      this.store.create(svc);
    }
    // The apiserver, not the EndpointSlice controller, keeps this slice: it is the control plane's addresses.
    const addrs = cps
      .map((n) => canonicalIP(n.ip)!)
      .filter((ip) => ipFamily(ip) === primary.family);
    const slice: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { [SERVICE_NAME_LABEL]: 'kubernetes', [MANAGED_BY_LABEL]: 'endpointslicemirroring-controller.k8s.io' } },
      addressType: primary.family === 4 ? 'IPv4' : 'IPv6',
      endpoints: addrs.map((a) => ({ addresses: [a], conditions: { ready: true, serving: true, terminating: false } })),
      ports: [{ name: 'https', port: APISERVER_PORT, protocol: 'TCP' }],
    };
    // Its v1 Endpoints too, marked so the mirroring controller leaves it to the apiserver.
    const endpoints: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { [SKIP_MIRROR_LABEL]: 'true' } },
      subsets: [{ addresses: addrs.map((ip) => ({ ip })), ports: [{ name: 'https', port: APISERVER_PORT, protocol: 'TCP' }] }],
    };
    const oldEp = this.store.get('Endpoints', 'default', 'kubernetes');
    if (!oldEp) this.store.create(endpoints);
    else if (JSON.stringify(oldEp.subsets) !== JSON.stringify(endpoints.subsets)) this.store.update({ ...endpoints, metadata: { ...oldEp.metadata } });
    const old = this.store.get('EndpointSlice', 'default', 'kubernetes');
    if (!old) this.store.create(slice);
    else if (old.metadata.labels?.[MANAGED_BY_LABEL] === 'endpointslicemirroring-controller.k8s.io' && JSON.stringify(old.endpoints) !== JSON.stringify(slice.endpoints)) {
      this.store.update({ ...slice, metadata: { ...old.metadata } });
    }
  }
}
