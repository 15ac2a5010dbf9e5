// The flows `knet lab verify` checks: every pod to every Service port, every pod to every other
// pod that declares a port (same node and across nodes), every external client to every
// NodePort on every node, every node to every Service port; on a dual-stack cluster the same
// again over IPv6 (pods' and Services' IPv6 addresses), but for external clients, which have one address.
import type { Pod, Service } from '../api/types.js';
import type { Cluster } from '../cluster/cluster.js';
import type { LabNamespace } from './plan.js';

export interface Flow {
  /** The client as `knet trace` takes it (NS/POD, node/NAME, ext/NAME). */
  src: string;
  /** Its namespace in the lab. */
  netns: string;
  /** The destination as `knet trace` takes it: IP:PORT. */
  dst: string;
  ip: string;
  port: number;
  proto: 'tcp' | 'udp';
  /** What the destination is, for the output (`svc default/nginx`, `pod …`, `NodePort of k8s-node1`). */
  what: string;
  /** Port 53 of a DNS server (a CoreDNS pod, or a Service in front of only those): probed with this DNS query. */
  dns?: DnsProbe;
  /** A dual-stack cluster's IPv6 flow (`knet trace -6`). */
  family?: 6;
}

export interface DnsProbe {
  mode: 'nsid';
  name: string;
  type: string;
}

type Proto = Flow['proto'];
const l4 = (p: string | undefined): Proto | undefined => (p === undefined || p === 'TCP' ? 'tcp' : p === 'UDP' ? 'udp' : undefined);

const byKey = <T extends { metadata: { namespace?: string; name: string } }>(a: T, b: T): number =>
  `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`);

/** `dnsPods`: the pods (`NS/NAME`) where the lab runs a DNS server. */
export function labFlows(cluster: Cluster, namespaces: readonly LabNamespace[], dnsPods: ReadonlySet<string> = new Set()): Flow[] {
  const store = cluster.store;
  const servesDns = (s: Service): boolean => {
    const slices = store.list('EndpointSlice', { namespace: s.metadata.namespace ?? 'default' }).filter((x) => x.metadata.labels?.['kubernetes.io/service-name'] === s.metadata.name);
    const pods = slices.flatMap((x) => (x.endpoints ?? []).map((e) => (e.targetRef ? `${e.targetRef.namespace ?? s.metadata.namespace}/${e.targetRef.name}` : '')));
    return pods.length > 0 && pods.every((p) => dnsPods.has(p));
  };
  const netnsOf = new Map(namespaces.map((n) => [n.object, n.name]));
  const services = (store.list('Service') as Service[]).sort(byKey);
  const servicePortsOf = (family: 4 | 6) =>
    services.flatMap((s) => {
      const ip = family === 4 ? s.spec.clusterIP : s.spec.clusterIPs?.find((x) => x.includes(':'));
      if (!ip || ip === 'None' || (family === 4 && ip.includes(':'))) return [];
      return (s.spec.ports ?? []).flatMap((p) => {
        const proto = l4(p.protocol);
        const dns = p.port === 53 && servesDns(s);
        return proto ? [{ ip, port: p.port, proto, what: `svc ${s.metadata.namespace ?? 'default'}/${s.metadata.name}`, nodePort: p.nodePort, ...(dns ? { dns } : {}) }] : [];
      });
    });
  const servicePorts = servicePortsOf(4);
  const pods = (store.list('Pod') as Pod[])
    .filter((p) => !p.spec.hostNetwork && netnsOf.has(`pod ${p.metadata.namespace ?? 'default'}/${p.metadata.name}`))
    .sort(byKey);
  const key = (p: Pod): string => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;
  const flows: Flow[] = [];
  // Any name will do: the NSID in the reply says who answered. The zone's SOA is always there.
  const probe: DnsProbe = { mode: 'nsid', name: `${cluster.topology.kubelet.clusterDomain}.`, type: 'SOA' };
  const add = (src: string, netns: string, d: { ip: string; port: number; proto: Proto; what: string; dns?: boolean }): void => {
    const v6 = d.ip.includes(':');
    flows.push({ src, netns, dst: v6 ? `[${d.ip}]:${d.port}` : `${d.ip}:${d.port}`, ip: d.ip, port: d.port, proto: d.proto, what: d.what, ...(d.dns ? { dns: probe } : {}), ...(v6 ? { family: 6 as const } : {}) });
  };

  for (const p of pods) for (const sp of servicePorts) add(key(p), netnsOf.get(`pod ${key(p)}`)!, sp);
  for (const p of pods) {
    for (const q of pods) {
      if (p === q) continue;
      const port = q.spec.containers.flatMap((c) => c.ports ?? []).find((cp) => l4(cp.protocol));
      if (!port || !q.status?.podIP) continue;
      const dns = port.containerPort === 53 && dnsPods.has(key(q));
      add(key(p), netnsOf.get(`pod ${key(p)}`)!, { ip: q.status.podIP, port: port.containerPort, proto: l4(port.protocol)!, what: `pod ${key(q)}`, dns });
    }
  }
  const nodes = cluster.topology.header.nodes.filter((n) => netnsOf.has(`node ${n.name}`));
  for (const x of cluster.topology.header.external) {
    const netns = netnsOf.get(`ext ${x.name}`);
    if (!netns) continue;
    for (const sp of servicePorts) {
      if (!sp.nodePort) continue;
      for (const n of nodes) add(`ext/${x.name}`, netns, { ip: n.ip, port: sp.nodePort, proto: sp.proto, what: `NodePort of ${sp.what} on ${n.name}`, ...(sp.dns ? { dns: true } : {}) });
    }
  }
  for (const n of nodes) for (const sp of servicePorts) add(`node/${n.name}`, netnsOf.get(`node ${n.name}`)!, sp);
  if (!cluster.topology.networking.podSubnets.some((s) => s.includes(':'))) return flows;
  const v6Of = (p: Pod): string | undefined => p.status?.podIPs?.map((x) => x.ip).find((ip) => ip.includes(':'));
  const services6 = servicePortsOf(6);
  for (const p of pods) if (v6Of(p)) for (const sp of services6) add(key(p), netnsOf.get(`pod ${key(p)}`)!, sp);
  for (const p of pods) {
    if (!v6Of(p)) continue;
    for (const q of pods) {
      const ip = v6Of(q);
      const port = q.spec.containers.flatMap((c) => c.ports ?? []).find((cp) => l4(cp.protocol));
      if (p === q || !ip || !port) continue;
      add(key(p), netnsOf.get(`pod ${key(p)}`)!, { ip, port: port.containerPort, proto: l4(port.protocol)!, what: `pod ${key(q)}`, dns: port.containerPort === 53 && dnsPods.has(key(q)) });
    }
  }
  for (const n of nodes) for (const sp of services6) add(`node/${n.name}`, netnsOf.get(`node ${n.name}`)!, sp);
  return flows;
}
