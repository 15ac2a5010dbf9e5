// The kubernetes plugin's backend: from a query name to the "entries" (address or target, port,
// TTL and the canonical name they belong to) that the answer is built from. Follows CoreDNS's
// plugin/kubernetes: the right-to-left name grammar, namespace exposure, Services, endpoints,
// pods, reverse lookups and the addresses of the CoreDNS instance itself (NS glue).
import { isIPv4, isIPv6 } from 'node:net';
import type { CorednsAgent } from '../agents/coredns/agent.js';
import type { DnsAddress, DnsService } from '../agents/coredns/objects.js';
import type { KubernetesPlugin } from './corefile.js';
import { addressFromReverse, dashedIP, ipFromPodLabel, labels, trimZone } from './names.js';

export const DNS_SCHEMA_VERSION = '1.1.0';
export const DNS_VERSION_TTL = 28800;

export interface Entry {
  /** An IP, a target name (ExternalName, PTR), or empty for TXT. */
  host: string;
  port: number;
  ttl: number;
  /** The canonical name this entry lives under (SRV target, additional owner). */
  domain: string;
  text?: string;
}

/** NXDOMAIN from the plugin's point of view: invalid name, unexposed namespace, nothing found. */
export const NAME_ERROR = Symbol('name error');
export type Lookup = Entry[] | typeof NAME_ERROR;

export type HostType = 'A' | 'AAAA' | 'CNAME' | 'TXT';

export function hostType(e: Entry): HostType {
  if (e.text !== undefined) return 'TXT';
  if (isIPv4(e.host)) return 'A';
  if (isIPv6(e.host)) return 'AAAA';
  return 'CNAME';
}

interface Request {
  podOrSvc: '' | 'pod' | 'svc';
  namespace: string;
  service: string;
  endpoint: string;
  port: string;
  protocol: string;
}

const stripUnderscore = (s: string): string => (s.startsWith('_') ? s.slice(1) : s);

/** Reads the labels left of the zone from right to left; undefined = invalid (NXDOMAIN). */
export function parseRequest(name: string, zone: string): Request | undefined {
  const r: Request = { podOrSvc: '', namespace: '', service: '', endpoint: '', port: '', protocol: '' };
  const segs = trimZone(name.toLowerCase(), zone);
  if (segs.length === 0) return r;
  if (segs.length === 1 && (segs[0] === 'svc' || segs[0] === 'pod')) return r;
  let last = segs.length - 1;
  const kind = segs[last]!;
  if (kind !== 'svc' && kind !== 'pod') return undefined;
  r.podOrSvc = kind;
  if (--last < 0) return r;
  r.namespace = segs[last]!;
  if (--last < 0) return r;
  r.service = segs[last]!;
  if (--last < 0) return r;
  if (last === 0) r.endpoint = segs[0]!;
  else if (last === 1) {
    r.protocol = stripUnderscore(segs[1]!);
    r.port = stripUnderscore(segs[0]!);
  } else return undefined;
  return r;
}

/** An empty request field matches anything; otherwise names compare case-insensitively. */
const match = (want: string, have: string): boolean => want === '' || want.toLowerCase() === have.toLowerCase();

export class KubernetesBackend {
  constructor(
    readonly agent: CorednsAgent,
    readonly plugin: KubernetesPlugin,
    readonly localIPs: readonly string[],
  ) {}

  get ttl(): number {
    return this.plugin.ttl;
  }

  /** The first forward zone: reverse answers name Services under it. */
  get primaryZone(): string {
    return this.plugin.zones.find((z) => !z.endsWith('.arpa.')) ?? this.plugin.zones[0]!;
  }

  namespaceExposed(ns: string): boolean {
    if (this.plugin.namespaces && !this.plugin.namespaces.includes(ns)) return false;
    return this.agent.namespaceExists(ns);
  }

  endpointHostname(a: DnsAddress): string {
    if (a.hostname) return a.hostname;
    if (this.plugin.endpointPodNames && a.targetRefName && a.targetRefName.length < 64) return a.targetRefName;
    return dashedIP(a.ip);
  }

  private readyAddresses(svc: DnsService): { addresses: DnsAddress[]; ports: { name: string; protocol: string; port: number }[] }[] {
    if (this.plugin.noEndpoints) return [];
    return this.agent.endpointsOf(svc.namespace, svc.name);
  }

  /** Forward-zone records for a name (`zone` spelled as in the query). */
  records(name: string, zone: string): Lookup {
    const r = parseRequest(name, zone);
    if (!r) return NAME_ERROR;
    if (r.podOrSvc === '') return [];
    if (labels(name.toLowerCase()).slice(-1)[0] === 'arpa') return NAME_ERROR;
    if (!this.namespaceExposed(r.namespace)) return NAME_ERROR;
    return r.podOrSvc === 'pod' ? this.findPods(r, zone) : this.findServices(r, zone);
  }

  private findPods(r: Request, zone: string): Lookup {
    if (this.plugin.pods === 'disabled') return NAME_ERROR;
    if (r.service === '') return [];
    const ip = ipFromPodLabel(r.service);
    const domain = `${r.service}.${r.namespace}.pod.${zone}`;
    if (!ip) return NAME_ERROR;
    if (this.plugin.pods === 'insecure') return [{ host: ip, port: 0, ttl: this.ttl, domain }];
    const found = this.agent.podsForIP(ip).filter((p) => p.namespace === r.namespace);
    return found.length ? found.map(() => ({ host: ip, port: 0, ttl: this.ttl, domain })) : NAME_ERROR;
  }

  private findServices(r: Request, zone: string): Lookup {
    if (r.service === '') return [];
    const svc = this.agent.service(r.namespace, r.service);
    if (!svc) return NAME_ERROR;
    const base = `${svc.name}.${svc.namespace}.svc.${zone}`;
    const out: Entry[] = [];
    let found = false;
    if (this.plugin.ignoreEmptyService && svc.type !== 'ExternalName' && !svc.headless) {
      const ready = this.readyAddresses(svc).reduce((n, e) => n + e.addresses.length, 0);
      if (ready === 0) return NAME_ERROR;
    }
    if (svc.type === 'ExternalName') {
      // No endpoint or port/protocol names exist below an ExternalName Service.
      if (r.endpoint !== '' || r.port !== '' || r.protocol !== '') return NAME_ERROR;
      const e: Entry = { host: svc.externalName, port: 0, ttl: this.ttl, domain: base };
      return hostType(e) === 'CNAME' && svc.externalName !== '' ? [e] : NAME_ERROR;
    }
    if (svc.headless || r.endpoint !== '') {
      for (const eps of this.readyAddresses(svc)) {
        for (const a of eps.addresses) {
          const host = this.endpointHostname(a);
          if (r.endpoint !== '' && !match(r.endpoint, host)) continue;
          for (const p of eps.ports) {
            if (!match(r.port, p.name) || !match(r.protocol, p.protocol)) continue;
            found = true;
            out.push({ host: a.ip, port: p.port, ttl: this.ttl, domain: `${host}.${base}` });
          }
        }
      }
      return found ? out : NAME_ERROR;
    }
    for (const p of svc.ports) {
      if (!match(r.port, p.name) || !match(r.protocol, p.protocol)) continue;
      found = true;
      for (const ip of svc.clusterIPs) out.push({ host: ip, port: p.port, ttl: this.ttl, domain: base });
    }
    return found ? out : NAME_ERROR;
  }

  /** PTR targets for a reverse name: a Service IP wins; otherwise every endpoint holding it. */
  reverse(name: string, zone: string): Lookup {
    const ip = addressFromReverse(name);
    if (!ip) {
      const r = this.records(name, zone);
      return r === NAME_ERROR ? r : [];
    }
    const filter = this.plugin.namespaces !== undefined;
    const zoneName = this.primaryZone;
    for (const svc of this.agent.servicesForIP(ip)) {
      if (filter && !this.namespaceExposed(svc.namespace)) continue;
      return [{ host: `${svc.name}.${svc.namespace}.svc.${zoneName}`, port: 0, ttl: this.ttl, domain: '' }];
    }
    const out: Entry[] = [];
    for (const eps of this.agent.endpointsForIP(ip)) {
      if (filter && !this.namespaceExposed(eps.namespace)) continue;
      if (this.plugin.noEndpoints) continue;
      for (const a of eps.addresses) {
        if (a.ip === ip) out.push({ host: `${this.endpointHostname(a)}.${eps.service}.${eps.namespace}.svc.${zoneName}`, port: 0, ttl: this.ttl, domain: '' });
      }
    }
    return out.length ? out : NAME_ERROR;
  }

  /**
   * Names and addresses that stand for this CoreDNS instance: the Services whose endpoints hold
   * one of its own IPs (ClusterIPs, or endpoint names for headless ones); failing that,
   * `ns.dns.<zone>` with the instance's IPs.
   */
  nsAddrs(zone: string): { name: string; ip: string }[] {
    const out: { name: string; ip: string }[] = [];
    for (const local of this.localIPs) {
      for (const eps of this.agent.endpointsForIP(local)) {
        const svc = this.agent.service(eps.namespace, eps.service);
        if (!svc) continue;
        const svcName = `${svc.name}.${svc.namespace}.svc.${zone}`;
        if (svc.headless) {
          for (const a of eps.addresses) out.push({ name: `${this.endpointHostname(a)}.${svcName}`, ip: a.ip });
        } else {
          for (const ip of svc.clusterIPs) out.push({ name: svcName, ip });
        }
      }
    }
    if (out.length === 0) for (const ip of this.localIPs) out.push({ name: `ns.dns.${zone}`, ip });
    return out;
  }

  /** The kubernetes plugin's Services(): the per-type special cases, then records(). */
  services(qname: string, qtype: string, zone: string): Lookup {
    const name = qname.toLowerCase();
    if (qtype === 'TXT') {
      const segs = trimZone(name, zone);
      if (segs.length === 1 && segs[0] === 'dns-version') return [{ host: '', port: 0, ttl: DNS_VERSION_TTL, domain: qname, text: DNS_SCHEMA_VERSION }];
      const r = this.records(name, zone);
      return r === NAME_ERROR ? r : [];
    }
    if (qtype === 'NS') return this.nsAddrs(zone).map((n) => ({ host: n.ip, port: 0, ttl: this.ttl, domain: n.name }));
    if (name === `ns.dns.${zone.toLowerCase()}`) {
      return this.nsAddrs(zone)
        .filter((n) => (qtype === 'A' && isIPv4(n.ip)) || (qtype === 'AAAA' && isIPv6(n.ip)))
        .map((n) => ({ host: n.ip, port: 0, ttl: this.ttl, domain: qname }));
    }
    const r = this.records(name, zone);
    if (qtype !== 'SRV' || r === NAME_ERROR) return r;
    return r.filter((e) => hostType(e) !== 'CNAME');
  }
}
