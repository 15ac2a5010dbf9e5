// The cluster zone as CoreDNS transfers it (AXFR order), and the records it serves beyond the
// transfer (schema TXT, PTRs, verified pod names): together, `knet dns records`.
import { isIPv4 } from 'node:net';
import type { DnsService } from '../agents/coredns/objects.js';
import type { KubernetesAnswerer } from './answer.js';
import { DNS_SCHEMA_VERSION, DNS_VERSION_TTL, NAME_ERROR } from './kubernetes.js';
import { dashedIP, isSubdomain, matchZone, reverseName } from './names.js';
import type { RR } from './rr.js';

const addr = (name: string, ttl: number, ip: string): RR => ({ name, ttl, type: isIPv4(ip) ? 'A' : 'AAAA', data: ip });

/** The AXFR stream for `zone` (a forward zone of the plugin): SOA … SOA. */
export function transferRecords(k: KubernetesAnswerer, zone: string): RR[] {
  const b = k.backend;
  const ttl = b.ttl;
  const soa = k.soa(zone);
  const out: RR[] = [soa];
  const ns = b.nsAddrs(zone);
  const owners = [...new Set(ns.map((n) => n.name))];
  for (const o of owners) out.push({ name: zone, ttl, type: 'NS', data: o });
  // The glue comes straight from the instance's address list, which carries no TTL.
  for (const n of ns) out.push(addr(n.name, 0, n.ip));
  const services = [...b.agent.allServices()].filter((s) => b.namespaceExposed(s.namespace));
  services.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  for (const s of services) out.push(...serviceRecords(k, s, zone));
  out.push(soa);
  return out;
}

function serviceRecords(k: KubernetesAnswerer, s: DnsService, zone: string): RR[] {
  const b = k.backend;
  const ttl = b.ttl;
  const base = `${s.name}.${s.namespace}.svc.${zone}`;
  const out: RR[] = [];
  if (s.type === 'ExternalName') {
    if (s.externalName && !/^[\d.:]+$/.test(s.externalName)) out.push({ name: base, ttl, type: 'CNAME', data: s.externalName.endsWith('.') ? s.externalName : `${s.externalName}.` });
    return out;
  }
  if (s.headless) {
    if (b.plugin.noEndpoints) return out;
    for (const eps of b.agent.endpointsOf(s.namespace, s.name)) {
      const weight = eps.addresses.length ? Math.max(1, Math.floor(100 / eps.addresses.length)) : 0;
      for (const a of eps.addresses) {
        const host = `${b.endpointHostname(a)}.${base}`;
        out.push(addr(base, ttl, a.ip), addr(host, ttl, a.ip));
        for (const p of eps.ports) {
          if (p.name === '') continue;
          out.push({ name: `_${p.name.toLowerCase()}._${p.protocol.toLowerCase()}.${base}`, ttl, type: 'SRV', data: { priority: 0, weight, port: p.port & 0xffff, target: host } });
        }
      }
    }
    return out;
  }
  if (s.clusterIPs.length === 0) return out;
  for (const ip of s.clusterIPs) out.push(addr(base, ttl, ip));
  for (const p of s.ports) {
    // A Service without ports carries CoreDNS's port -1 sentinel, which goes out as 65535.
    const port = p.port & 0xffff;
    out.push({ name: base, ttl, type: 'SRV', data: { priority: 0, weight: 100, port, target: base } });
    if (p.name === '') continue;
    out.push({ name: `_${p.name.toLowerCase()}._${p.protocol.toLowerCase()}.${base}`, ttl, type: 'SRV', data: { priority: 0, weight: 100, port, target: base } });
  }
  return out;
}

/**
 * Records the plugin answers that no transfer carries: the schema TXT of each forward zone,
 * PTRs for every Service and endpoint address inside a reverse zone, and (pods verified) the
 * name of every pod IP.
 */
export function untransferredRecords(k: KubernetesAnswerer): RR[] {
  const b = k.backend;
  const out: RR[] = [];
  const forward = b.plugin.zones.filter((z) => !z.endsWith('.arpa.'));
  for (const z of forward) out.push({ name: `dns-version.${z}`, ttl: DNS_VERSION_TTL, type: 'TXT', data: [DNS_SCHEMA_VERSION] });
  const ips = new Set<string>();
  for (const s of b.agent.allServices()) {
    for (const ip of [...s.clusterIPs, ...s.externalIPs]) ips.add(ip);
    for (const eps of b.agent.endpointsOf(s.namespace, s.name)) for (const a of eps.addresses) ips.add(a.ip);
  }
  for (const ip of ips) {
    const name = reverseName(ip);
    if (!matchZone(b.plugin.zones.filter((z) => z.endsWith('.arpa.')), name)) continue;
    const zone = matchZone(b.plugin.zones, name)!;
    const targets = b.reverse(name, zone);
    if (targets === NAME_ERROR) continue;
    for (const t of new Set(targets.map((e) => e.host))) out.push({ name, ttl: b.ttl, type: 'PTR', data: t.endsWith('.') ? t : `${t}.` });
  }
  if (b.plugin.pods === 'verified') {
    for (const z of forward) {
      for (const p of b.agent.allPods()) {
        if (!b.namespaceExposed(p.namespace)) continue;
        out.push(addr(`${dashedIP(p.ip)}.${p.namespace}.pod.${z}`, b.ttl, p.ip));
      }
    }
  }
  return out.filter((rr) => b.plugin.zones.some((z) => isSubdomain(z, rr.name)));
}
