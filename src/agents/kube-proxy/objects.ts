// kube-proxy's view of the API objects it watches, trimmed to what the proxiers read: one
// ServicePort per Service port of this IP family, and the endpoints of each, built in one place
// from Services and EndpointSlices exactly as kube-proxy's service and endpoint caches do.
import { SERVICE_NAME_LABEL, type EndpointSlice, type Service } from '../../api/types.js';
import { isIPv4 } from 'node:net';
import { canonicalIP, ipFamily, parseCIDR, type Family } from '../../net/ip.js';

export type Proto = 'tcp' | 'udp' | 'sctp';

/** API default of sessionAffinityConfig.clientIP.timeoutSeconds. */
export const DEFAULT_AFFINITY_SECONDS = 10800;

export interface ServicePort {
  /** `namespace/name`: the Service this port belongs to. */
  service: string;
  /** ServicePortName: `namespace/name:port`, or `namespace/name` for an unnamed port. */
  spn: string;
  portName: string;
  protocol: Proto;
  clusterIP: string;
  port: number;
  nodePort: number;
  externalIPs: string[];
  loadBalancerVIPs: string[];
  loadBalancerSourceRanges: string[];
  externalPolicyLocal: boolean;
  internalPolicyLocal: boolean;
  healthCheckNodePort: number;
  /** ClientIP affinity timeout in seconds; 0 = no affinity. */
  affinitySeconds: number;
  externallyAccessible: boolean;
  usesClusterEndpoints: boolean;
  usesLocalEndpoints: boolean;
}

export interface Endpoint {
  ip: string;
  port: number;
  /** `ip:port`, IPv6 in brackets: the endpoint's identity and its DNAT destination. */
  hostPort: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  local: boolean;
}

function ofFamily(ip: string | undefined, family: Family): string | undefined {
  if (!ip) return undefined;
  if (isIPv4(ip)) return family === 4 ? ip : undefined; // already canonical: the common case, kept cheap
  const c = canonicalIP(ip);
  return c && ipFamily(c) === family ? c : undefined;
}

/** The Service's ports for one family; none for headless, ExternalName or other-family Services. */
export function servicePorts(svc: Service, family: Family): ServicePort[] {
  const spec = svc.spec;
  if (spec.type === 'ExternalName') return [];
  // (every list below is read only when present: most Services have none, and a node's first sync reads them all)
  let clusterIP: string | undefined;
  if (spec.clusterIPs?.length) {
    if (spec.clusterIPs[0] === 'None') return [];
    for (const ip of spec.clusterIPs) if ((clusterIP = ofFamily(ip, family))) break;
  } else if (spec.clusterIP !== 'None') clusterIP = ofFamily(spec.clusterIP, family);
  if (!clusterIP) return [];
  const type = spec.type;
  const externalIPs = spec.externalIPs?.length ? spec.externalIPs.map((ip) => ofFamily(ip, family)).filter((ip): ip is string => !!ip) : [];
  const accessibleType = type === 'LoadBalancer' || type === 'NodePort' || (type === 'ClusterIP' && externalIPs.length > 0);
  const externalPolicyLocal = accessibleType && spec.externalTrafficPolicy === 'Local';
  const internalPolicyLocal = spec.internalTrafficPolicy === 'Local';
  const ingress = svc.status?.loadBalancer?.ingress;
  const vips = ingress?.length
    ? ingress
        .filter((i) => i.ip && i.ipMode !== 'Proxy')
        .map((i) => ofFamily(i.ip, family))
        .filter((ip): ip is string => !!ip)
    : [];
  const ranges = spec.loadBalancerSourceRanges?.length
    ? spec.loadBalancerSourceRanges
        .map((r) => parseCIDR(r.trim(), true))
        .filter((c) => c !== undefined && c.family === family)
        .map((c) => `${c!.network}/${c!.prefix}`)
    : [];
  const ns = svc.metadata.namespace ?? 'default';
  const key = `${ns}/${svc.metadata.name}`;
  return (spec.ports ?? []).map((p) => {
    const nodePort = p.nodePort ?? 0;
    const externallyAccessible = nodePort !== 0 || vips.length > 0 || externalIPs.length > 0;
    const portName = p.name ?? '';
    const protocol = (p.protocol ?? 'TCP').toLowerCase() as Proto;
    return {
      service: key,
      spn: p.name ? `${key}:${p.name}` : key,
      portName,
      protocol,
      clusterIP,
      port: p.port,
      nodePort,
      externalIPs,
      loadBalancerVIPs: vips,
      loadBalancerSourceRanges: ranges,
      externalPolicyLocal,
      internalPolicyLocal,
      healthCheckNodePort: type === 'LoadBalancer' && externalPolicyLocal ? (spec.healthCheckNodePort ?? 0) : 0,
      affinitySeconds: spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS) : 0,
      externallyAccessible,
      usesClusterEndpoints: !internalPolicyLocal || externallyAccessible,
      usesLocalEndpoints: internalPolicyLocal || (externalPolicyLocal && externallyAccessible),
    };
  });
}

/** The view of one Service a proxier works from: its ports and each port's endpoints. */
export interface ServiceState {
  ports: ServicePort[];
  endpoints: Map<string, Endpoint[]>;
}

// views are shared by every node (views.ts): counted once each
const counted = new WeakMap<ServiceState, number>();

export function endpointCount(st: ServiceState): number {
  let n = counted.get(st);
  if (n !== undefined) return n;
  n = 0;
  for (const p of st.ports) n += st.endpoints.get(portKey(p.portName, p.protocol))?.length ?? 0;
  counted.set(st, n);
  return n;
}

/** Key joining a Service port to EndpointSlice ports: name and protocol. */
export function portKey(portName: string, protocol: string): string {
  return `${portName}/${protocol.toLowerCase()}`;
}

/**
 * Endpoints of one Service per (port name, protocol), from its EndpointSlices: first address
 * only, this family only, de-duplicated by ip:port (a local copy wins), sorted by the ip:port text.
 */
export function serviceEndpoints(slices: Iterable<EndpointSlice>, family: Family, nodeName: string): Map<string, Endpoint[]> {
  const out = new Map<string, Endpoint[]>();
  // A port's endpoints are found by ip:port in its list while it is short (most Services have a
  // few), through an index once it is long.
  let indexes: Map<Endpoint[], Map<string, number>> | undefined;
  const addressType = family === 4 ? 'IPv4' : 'IPv6';
  for (const slice of slices) {
    if (slice.addressType !== addressType || !slice.metadata.labels?.[SERVICE_NAME_LABEL]) continue;
    for (const p of slice.ports ?? []) {
      if (p.name === undefined || !p.port) continue;
      const key = portKey(p.name, p.protocol ?? 'TCP');
      let eps = out.get(key);
      if (!eps) out.set(key, (eps = []));
      for (const e of slice.endpoints ?? []) {
        const ip = ofFamily(e.addresses[0], family);
        if (!ip) continue;
        const hostPort = family === 4 ? `${ip}:${p.port}` : `[${ip}]:${p.port}`;
        const local = !!nodeName && e.nodeName === nodeName;
        let index = indexes?.get(eps);
        let at = -1;
        if (index) at = index.get(hostPort) ?? -1;
        else for (let i = 0; i < eps.length && at < 0; i++) if (eps[i]!.hostPort === hostPort) at = i;
        if (at >= 0 && (eps[at]!.local || !local)) continue;
        const ep: Endpoint = {
          ip,
          port: p.port,
          hostPort,
          ready: e.conditions?.ready ?? true,
          serving: e.conditions?.serving ?? true,
          terminating: e.conditions?.terminating ?? false,
          local,
        };
        if (at >= 0) {
          eps[at] = ep;
          continue;
        }
        eps.push(ep);
        if (index) index.set(hostPort, eps.length - 1);
        else if (eps.length === INDEXED) {
          (indexes ??= new Map()).set(eps, (index = new Map()));
          for (let i = 0; i < eps.length; i++) index.set(eps[i]!.hostPort, i);
        }
      }
    }
  }
  for (const eps of out.values()) if (eps.length > 1) eps.sort(byHostPort);
  return out;
}

/** From this many endpoints on, a port's are indexed by ip:port. */
const INDEXED = 16;

function byHostPort(a: Endpoint, b: Endpoint): number {
  return a.hostPort < b.hostPort ? -1 : a.hostPort > b.hostPort ? 1 : 0;
}

export interface Categorized {
  clusterEndpoints: Endpoint[];
  localEndpoints: Endpoint[];
  /** Endpoints this node can send the Service's traffic to: one KUBE-SEP chain each. */
  reachable: Endpoint[];
  /** Whether the Service has usable endpoints anywhere in the cluster. */
  hasEndpoints: boolean;
}

/**
 * kube-proxy's CategorizeEndpoints (without topology hints): ready endpoints, falling back to
 * serving-and-terminating ones, separately for the Cluster and the Local sets.
 */
export function categorizeEndpoints(eps: Endpoint[], sp: ServicePort): Categorized {
  const none: Categorized = { clusterEndpoints: [], localEndpoints: [], reachable: [], hasEndpoints: false };
  if (eps.length === 0) return none;
  let clusterEndpoints: Endpoint[] = [];
  let hasEndpoints = false;
  if (sp.usesClusterEndpoints) {
    clusterEndpoints = eps.filter((e) => e.ready);
    if (clusterEndpoints.length === 0) clusterEndpoints = eps.filter((e) => e.serving && e.terminating);
    hasEndpoints = clusterEndpoints.length > 0;
  }
  if (!sp.usesLocalEndpoints) return { clusterEndpoints, localEndpoints: [], reachable: clusterEndpoints, hasEndpoints };
  if (eps.some((e) => e.ready || (e.serving && e.terminating))) hasEndpoints = true;
  let localEndpoints = eps.filter((e) => e.local && e.ready);
  const localReady = localEndpoints.length > 0;
  if (!localReady) localEndpoints = eps.filter((e) => e.local && e.serving && e.terminating);
  if (!sp.usesClusterEndpoints) return { clusterEndpoints, localEndpoints, reachable: localEndpoints, hasEndpoints };
  if (localReady) return { clusterEndpoints, localEndpoints, reachable: clusterEndpoints, hasEndpoints };
  const reachable = [...clusterEndpoints];
  for (const e of localEndpoints) if (!reachable.includes(e)) reachable.push(e);
  return { clusterEndpoints, localEndpoints, reachable, hasEndpoints };
}
