// What the diagram shows, read from the running cluster: each node with the devices its kernel
// holds (eth0, cni0, flannel.1, kube-ipvs0…), the pods on its bridge, the Services' virtual IPs
// with their endpoints, the external clients and the underlay that joins them.
import { SERVICE_NAME_LABEL, type Pod, type Service } from '../api/types.js';
import type { Cluster } from '../cluster/cluster.js';
import { Dataplane } from '../dataplane/dataplane.js';
import type { Link } from '../kernel/link.js';

export interface DeviceView {
  id: string;
  name: string;
  kind: Link['kind'];
  mac: string;
  mtu: number;
  /** Global addresses in CIDR form. */
  addresses: string[];
  vxlan?: { vni: number; port: number; local: string; dev: string };
}

export interface PodView {
  id: string;
  /** namespace/name */
  key: string;
  ip: string;
  labels: string[];
  /** The host end of its veth, a port of `bridge`. */
  hostVeth: string;
  bridge?: string;
}

export interface NodeView {
  id: string;
  name: string;
  ip: string;
  roles: string[];
  podCIDR: string;
  proxyMode: string;
  /** The node's own network stack (routing, netfilter, sockets), where trace steps happen. */
  stackId: string;
  devices: DeviceView[];
  pods: PodView[];
  /** hostNetwork pods: they share the node's stack. */
  hostPods: string[];
  /** Host veth name → the bridge it is a port of. */
  ports: Map<string, string>;
}

export interface EndpointView {
  ip: string;
  /** PORT/PROTO of every port the Service's slices give this address. */
  ports: string[];
  /** The pod's diagram id, when the endpoint is a pod on a bridge. */
  podId?: string;
  name?: string;
}

export interface ServiceView {
  id: string;
  key: string;
  type: string;
  clusterIP: string;
  ports: string[];
  endpoints: EndpointView[];
}

export interface ExternalView {
  id: string;
  name: string;
  ip: string;
}

export interface ClusterView {
  name: string;
  underlay: { id: string; cidr: string; mtu: number };
  nodes: NodeView[];
  services: ServiceView[];
  externals: ExternalView[];
}

/** A diagram id: letters, digits and dashes only, so it is a plain CSS selector and SVG id. */
export function viewId(...parts: string[]): string {
  return parts.join('-').replace(/[^A-Za-z0-9-]+/g, '-');
}

const byName = (a: { key?: string; name?: string }, b: { key?: string; name?: string }) => (a.key ?? a.name ?? '').localeCompare(b.key ?? b.name ?? '');

function devices(node: string, links: Link[], addrs: { dev: string; address: string; prefix: number; scope: string; family: number }[]): DeviceView[] {
  return links
    .filter((l) => l.kind !== 'loopback' && l.kind !== 'veth')
    .map((l) => ({
      id: viewId('dev', node, l.name),
      name: l.name,
      kind: l.kind,
      mac: l.mac,
      mtu: l.mtu,
      addresses: addrs.filter((a) => a.dev === l.name && a.scope !== 'link').map((a) => `${a.address}/${a.prefix}`),
      ...(l.kind === 'vxlan' ? { vxlan: { vni: l.vni, port: l.port, local: l.local, dev: l.dev } } : {}),
    }));
}

function endpointsOf(cluster: Cluster, svc: Service, podIds: Map<string, { id: string; key: string }>): EndpointView[] {
  const slices = cluster.store
    .list('EndpointSlice', { namespace: svc.metadata.namespace })
    .filter((s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === svc.metadata.name);
  const out = new Map<string, EndpointView>();
  for (const s of slices) {
    for (const e of s.endpoints ?? []) {
      if (e.conditions?.ready === false) continue;
      for (const ip of e.addresses) {
        const pod = podIds.get(ip);
        const v = out.get(ip) ?? { ip, ports: [], ...(pod ? { podId: pod.id, name: pod.key } : e.targetRef ? { name: `${e.targetRef.namespace ?? ''}/${e.targetRef.name}` } : {}) };
        for (const p of s.ports ?? []) {
          const port = `${p.port}/${p.protocol ?? 'TCP'}`;
          if (!v.ports.includes(port)) v.ports.push(port);
        }
        out.set(ip, v);
      }
    }
  }
  return [...out.values()].sort((a, b) => a.ip.localeCompare(b.ip, 'en', { numeric: true }));
}

export function clusterView(cluster: Cluster): ClusterView {
  const dp = Dataplane.of(cluster);
  const mode = cluster.topology.kubeProxy.mode;
  const podIds = new Map<string, { id: string; key: string }>();
  const pods = cluster.store.list('Pod');
  const nodes: NodeView[] = dp.nodeNames().sort().map((name) => {
    const k = dp.node(name)!;
    const header = cluster.topology.header.nodes.find((n) => n.name === name);
    const obj = cluster.store.get('Node', undefined, name);
    const ports = new Map<string, string>();
    for (const l of k.root.links()) if (l.kind === 'veth' && l.master) ports.set(l.name, l.master);
    const podViews: PodView[] = k.pods().map((sb) => {
      const [ns, pname] = sb.pod.split('/') as [string, string];
      const pod = cluster.store.get('Pod', ns, pname) as Pod | undefined;
      const ip = sb.netns.addresses.find((a) => a.dev === 'eth0' && a.family === 4)?.address ?? sb.netns.addresses.find((a) => a.dev === 'eth0')?.address ?? '';
      const v: PodView = {
        id: viewId('pod', sb.pod),
        key: sb.pod,
        ip,
        labels: Object.entries(pod?.metadata.labels ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([a, b]) => `${a}=${b}`),
        hostVeth: sb.hostVeth,
        ...(ports.get(sb.hostVeth) ? { bridge: ports.get(sb.hostVeth)! } : {}),
      };
      podIds.set(ip, { id: v.id, key: v.key });
      return v;
    });
    return {
      id: viewId('node', name),
      name,
      ip: header?.ip ?? obj?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '',
      roles: header?.roles ?? [],
      podCIDR: obj?.spec.podCIDR ?? '',
      proxyMode: mode,
      stackId: viewId('stack', name),
      devices: devices(name, k.root.links(), k.root.addresses),
      pods: podViews.sort(byName),
      hostPods: pods.filter((p) => p.spec.hostNetwork && p.spec.nodeName === name).map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort(),
      ports,
    };
  });
  const services: ServiceView[] = cluster.store.list('Service')
    .filter((s) => s.spec.clusterIP && s.spec.clusterIP !== 'None' && s.spec.type !== 'ExternalName')
    .map((s) => {
      const key = `${s.metadata.namespace}/${s.metadata.name}`;
      return {
        id: viewId('svc', key),
        key,
        type: s.spec.type ?? 'ClusterIP',
        clusterIP: s.spec.clusterIP!,
        ports: (s.spec.ports ?? []).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`),
        endpoints: endpointsOf(cluster, s, podIds),
      };
    })
    .sort(byName);
  return {
    name: cluster.topology.header.name,
    underlay: { id: 'underlay', ...cluster.topology.header.underlay },
    nodes,
    services,
    externals: cluster.topology.header.external.map((e) => ({ id: viewId('ext', e.name), name: e.name, ip: e.ip })).sort(byName),
  };
}
