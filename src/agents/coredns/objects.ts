// The few fields of each API object that cluster DNS reads, trimmed in one place (the way
// CoreDNS's kubernetes plugin keeps its own small objects instead of full API types).
import type { EndpointSlice, Namespace, Pod, Service } from '../../api/types.js';
import { SERVICE_NAME_LABEL } from '../../api/types.js';
import { canonicalIP } from '../../net/ip.js';

export interface DnsPort {
  name: string;
  protocol: string;
  /** -1 when the object declares no ports: names resolve, SRV has nothing to offer. */
  port: number;
}

export interface DnsService {
  name: string;
  namespace: string;
  type: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
  headless: boolean;
  /** ClusterIPs in canonical text; empty for headless and ExternalName Services. */
  clusterIPs: string[];
  externalIPs: string[];
  externalName: string;
  ports: DnsPort[];
}

export interface DnsAddress {
  ip: string;
  hostname: string;
  /** The Pod behind the endpoint, when its targetRef names one. */
  targetRefName: string;
}

/** One EndpointSlice with only its ready addresses: not-ready ones never reach DNS. */
export interface DnsEndpoints {
  slice: string;
  namespace: string;
  service: string;
  addresses: DnsAddress[];
  ports: DnsPort[];
}

export interface DnsPod {
  name: string;
  namespace: string;
  ip: string;
}

const NO_PORT: DnsPort = { name: '', protocol: '', port: -1 };

export function toDnsService(s: Service): DnsService {
  const type = s.spec.type ?? 'ClusterIP';
  const raw = s.spec.clusterIPs?.length ? s.spec.clusterIPs : s.spec.clusterIP ? [s.spec.clusterIP] : [];
  const headless = type !== 'ExternalName' && raw[0] === 'None';
  const clusterIPs = type === 'ExternalName' || headless ? [] : raw.map((ip) => canonicalIP(ip)).filter((ip): ip is string => !!ip);
  const ports = (s.spec.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port }));
  return {
    name: s.metadata.name,
    namespace: s.metadata.namespace ?? 'default',
    type,
    headless,
    clusterIPs,
    externalIPs: (s.spec.externalIPs ?? []).map((ip) => canonicalIP(ip)).filter((ip): ip is string => !!ip),
    externalName: s.spec.externalName ?? '',
    ports: ports.length ? ports : [NO_PORT],
  };
}

/** An absent ready condition counts as ready (EndpointSlice API semantics). */
export function toDnsEndpoints(e: EndpointSlice): DnsEndpoints | undefined {
  const service = e.metadata.labels?.[SERVICE_NAME_LABEL];
  if (!service || e.addressType === 'FQDN') return undefined;
  const addresses: DnsAddress[] = [];
  for (const ep of e.endpoints ?? []) {
    if (ep.conditions?.ready === false) continue;
    for (const a of ep.addresses) {
      const ip = canonicalIP(a);
      if (!ip) continue;
      addresses.push({ ip, hostname: ep.hostname ?? '', targetRefName: ep.targetRef?.kind === 'Pod' ? ep.targetRef.name : '' });
    }
  }
  const ports = (e.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port ?? -1 }));
  return { slice: e.metadata.name, namespace: e.metadata.namespace ?? 'default', service, addresses, ports: ports.length ? ports : [NO_PORT] };
}

/** Terminating and finished pods are not indexed (CoreDNS lists pods without them). */
export function toDnsPod(p: Pod): DnsPod | undefined {
  const ip = p.status?.podIP ? canonicalIP(p.status.podIP) : undefined;
  if (!ip || p.metadata.deletionTimestamp) return undefined;
  const phase = p.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Unknown') return undefined;
  return { name: p.metadata.name, namespace: p.metadata.namespace ?? 'default', ip };
}

export function namespaceName(n: Namespace): string {
  return n.metadata.name;
}
