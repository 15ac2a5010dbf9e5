// How the kubernetes plugin turns entries into a DNS reply (CoreDNS's handler plus the shared
// backend_lookup rules): A/AAAA with the ExternalName CNAME chase, SRV weights and additional
// records, PTR, TXT, NS with glue, SOA at the apex, and NXDOMAIN vs NODATA with the zone SOA.
import { hostType, NAME_ERROR, type Entry, type KubernetesBackend, type Lookup } from './kubernetes.js';
import { isSubdomain, matchZone } from './names.js';
import type { Rcode, RR } from './rr.js';

export interface Question {
  /** As asked (case kept), fully qualified. */
  name: string;
  type: string;
}

export interface Reply {
  rcode: Rcode;
  aa: boolean;
  answer: RR[];
  authority: RR[];
  additional: RR[];
  /** Answered by the next plugin (forward), not by the kubernetes plugin. */
  forwarded: boolean;
  /** Which plugin produced the reply. */
  by: 'kubernetes' | 'forward' | 'transfer' | 'none';
}

/** Resolves a name through the whole server again (CoreDNS's upstream self-lookup). */
export type SelfLookup = (q: Question) => Promise<Reply>;

export function emptyReply(rcode: Rcode, by: Reply['by'] = 'none'): Reply {
  return { rcode, aa: false, answer: [], authority: [], additional: [], forwarded: false, by };
}

/** Signals that the plugin passes the query on (outside its zones, or fallthrough). */
export const NEXT = Symbol('next plugin');

const MAX_CNAME_CHAIN = 7;

export class KubernetesAnswerer {
  constructor(
    readonly backend: KubernetesBackend,
    private readonly serial: () => number,
  ) {}

  soa(zone: string): RR {
    const ttl = this.backend.ttl;
    return {
      name: zone,
      ttl: Math.min(ttl, 300),
      type: 'SOA',
      data: { mname: `ns.dns.${zone}`, rname: `hostmaster.${zone}`, serial: this.serial(), refresh: 7200, retry: 1800, expire: 86400, minimum: ttl },
    };
  }

  /** The zone the query falls in, spelled as in the query; undefined if outside every zone. */
  zoneOf(qname: string): string | undefined {
    const z = matchZone(this.backend.plugin.zones, qname);
    return z === undefined ? undefined : z === '.' ? '.' : qname.slice(qname.length - z.length);
  }

  async serve(q: Question, upstream: SelfLookup): Promise<Reply | typeof NEXT> {
    const zone = this.zoneOf(q.name);
    if (zone === undefined) return NEXT;
    const qname = q.name;
    const isApex = qname.toLowerCase() === zone.toLowerCase();
    let records: RR[] = [];
    let extra: RR[] = [];
    let err = false;
    const run = (l: Lookup, f: (e: Entry[]) => void): void => {
      if (l === NAME_ERROR) err = true;
      else f(l);
    };
    switch (q.type) {
      case 'AXFR':
      case 'IXFR':
        return emptyReply('REFUSED', 'kubernetes');
      case 'A':
      case 'AAAA': {
        const r = await this.address(q, zone, [], upstream);
        if (r === NAME_ERROR) err = true;
        else records = r;
        break;
      }
      case 'TXT':
        run(this.backend.services(qname, 'TXT', zone), (es) => {
          for (const e of es) if (hostType(e) === 'TXT') records.push({ name: qname, ttl: e.ttl, type: 'TXT', data: [e.text!] });
        });
        break;
      case 'CNAME':
        run(this.backend.services(qname, 'CNAME', zone), (es) => {
          const e = es[0];
          if (e && hostType(e) === 'CNAME') records.push({ name: qname, ttl: e.ttl, type: 'CNAME', data: fq(e.host) });
        });
        break;
      case 'PTR':
        run(this.backend.reverse(qname, zone), (es) => {
          const seen = new Set<string>();
          for (const e of es) {
            if (hostType(e) !== 'CNAME' || seen.has(e.host)) continue;
            seen.add(e.host);
            records.push({ name: qname, ttl: e.ttl, type: 'PTR', data: fq(e.host) });
          }
        });
        break;
      case 'MX':
        // Cluster DNS has no mail exchangers: the lookup only decides NXDOMAIN vs NODATA.
        run(this.backend.services(qname, 'MX', zone), () => {});
        break;
      case 'SRV':
        run(this.backend.services(qname, 'SRV', zone), (es) => ({ records, extra } = this.srv(qname, es)));
        break;
      case 'SOA':
        if (isApex) records = [this.soa(zone)];
        break;
      default:
        if (q.type === 'NS' && isApex) {
          run(this.backend.services(qname, 'NS', zone), (es) => ({ records, extra } = this.ns(qname, es)));
        } else {
          // Any other type (and NS below the apex): a hidden A lookup tells NXDOMAIN from NODATA.
          if ((await this.address({ name: qname, type: 'A' }, zone, [], upstream)) === NAME_ERROR) err = true;
        }
    }
    if (err) {
      const ft = this.backend.plugin.fallthrough;
      if (ft && ft.some((z) => isSubdomain(z, qname))) return NEXT;
      return { ...emptyReply('NXDOMAIN', 'kubernetes'), aa: true, authority: [this.soa(zone)] };
    }
    if (records.length === 0) return { ...emptyReply('NOERROR', 'kubernetes'), aa: true, authority: [this.soa(zone)] };
    return { rcode: 'NOERROR', aa: true, answer: records, authority: [], additional: extra, forwarded: false, by: 'kubernetes' };
  }

  /**
   * A or AAAA records for q. ExternalName entries become a CNAME followed by the target's
   * records: resolved here when the target is inside the zone, else through the server again.
   */
  private async address(q: Question, zone: string, previous: RR[], upstream: SelfLookup): Promise<RR[] | typeof NAME_ERROR> {
    const want = q.type === 'AAAA' ? 'AAAA' : 'A';
    const isApex = q.name.toLowerCase() === zone.toLowerCase();
    // At the apex CoreDNS first looks for a special apex.dns entry the kubernetes plugin never has.
    const entries = isApex ? [] : this.backend.services(q.name, want, zone);
    if (entries === NAME_ERROR) return NAME_ERROR;
    const out: RR[] = [];
    const seen = new Set<string>();
    for (const e of entries) {
      const t = hostType(e);
      if (t === 'CNAME') {
        const target = fq(e.host);
        if (target.toLowerCase() === q.name.toLowerCase()) continue;
        const cname: RR = { name: q.name, ttl: e.ttl, type: 'CNAME', data: target };
        if (previous.length > MAX_CNAME_CHAIN) continue;
        if (previous.some((p) => p.type === 'CNAME' && p.name.toLowerCase() === cname.name.toLowerCase() && p.data.toLowerCase() === target.toLowerCase())) continue;
        if (isSubdomain(zone, target)) {
          const next = await this.address({ name: target, type: want }, zone, [...previous, cname], upstream);
          if (next !== NAME_ERROR && next.length > 0) out.push(cname, ...next);
          continue;
        }
        const m = await upstream({ name: target, type: want });
        out.push(cname, ...m.answer);
        continue;
      }
      if (t === want && !seen.has(e.host)) {
        seen.add(e.host);
        out.push({ name: q.name, ttl: e.ttl, type: want, data: e.host });
      }
    }
    return out;
  }

  /**
   * SRV: the weight spreads 100 over every entry before de-duplication (priority is always 0);
   * records are unique per (target, port), additional addresses per (target, address).
   */
  private srv(qname: string, entries: Entry[]): { records: RR[]; extra: RR[] } {
    const records: RR[] = [];
    const extra: RR[] = [];
    const n = entries.length;
    const seen = new Set<string>();
    for (const e of entries) {
      if (e.port === -1) continue;
      const t = hostType(e);
      if (t !== 'A' && t !== 'AAAA') continue;
      const weight = Math.max(1, Math.floor((100 / (100 * n)) * 100));
      const target = fq(e.domain);
      const srvKey = `${target.toLowerCase()}|${e.port}`;
      if (!seen.has(srvKey)) {
        seen.add(srvKey);
        records.push({ name: qname, ttl: e.ttl, type: 'SRV', data: { priority: 0, weight, port: e.port, target } });
      }
      const addrKey = `${target.toLowerCase()}|${e.host}`;
      if (!seen.has(addrKey)) {
        seen.add(addrKey);
        extra.push({ name: target, ttl: e.ttl, type: t, data: e.host });
      }
    }
    return { records, extra };
  }

  private ns(qname: string, entries: Entry[]): { records: RR[]; extra: RR[] } {
    const records: RR[] = [];
    const extra: RR[] = [];
    const seen = new Set<string>();
    for (const e of entries) {
      const t = hostType(e);
      if (t !== 'A' && t !== 'AAAA') continue;
      const target = fq(e.domain);
      extra.push({ name: target, ttl: e.ttl, type: t, data: e.host });
      if (seen.has(target)) continue;
      seen.add(target);
      records.push({ name: qname, ttl: e.ttl, type: 'NS', data: target });
    }
    return { records, extra };
  }
}

function fq(n: string): string {
  return n.endsWith('.') ? n : `${n}.`;
}
