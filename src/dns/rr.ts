// Resource records as the cluster DNS produces them, their presentation form (dig's columns)
// and their wire form through dns-packet.
import type { Answer } from 'dns-packet';

export interface SrvData {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

export interface SoaData {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

interface Base {
  /** Owner name, fully qualified, spelled as asked. */
  name: string;
  ttl: number;
}

export type RR =
  | (Base & { type: 'A' | 'AAAA'; data: string })
  | (Base & { type: 'CNAME' | 'PTR' | 'NS'; data: string })
  | (Base & { type: 'SRV'; data: SrvData })
  | (Base & { type: 'TXT'; data: string[] })
  | (Base & { type: 'SOA'; data: SoaData });

export type RRType = RR['type'];

export const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'] as const;
export type Rcode = (typeof RCODES)[number];

/** The rdata in zone-file presentation form. */
export function rdataText(rr: RR): string {
  switch (rr.type) {
    case 'SRV':
      return `${rr.data.priority} ${rr.data.weight} ${rr.data.port} ${rr.data.target}`;
    case 'SOA': {
      const d = rr.data;
      return `${d.mname} ${d.rname} ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`;
    }
    case 'TXT':
      return rr.data.map((s) => `"${s.replace(/["\\]/g, '\\$&')}"`).join(' ');
    default:
      return rr.data;
  }
}

/** One record the way dig prints it: owner, TTL, class, type and rdata separated by tabs. */
export function rrText(rr: RR): string {
  return `${rr.name}\t${rr.ttl}\tIN\t${rr.type}\t${rdataText(rr)}`;
}

const bare = (n: string): string => (n.endsWith('.') && n !== '.' ? n.slice(0, -1) : n);
const dotted = (n: string): string => (n.endsWith('.') ? n : `${n}.`);

/** dns-packet works with names without the root dot. */
export function toWire(rr: RR): Answer {
  const h = { name: bare(rr.name), ttl: rr.ttl, class: 'IN' as const };
  switch (rr.type) {
    case 'SRV':
      return { ...h, type: 'SRV', data: { ...rr.data, target: bare(rr.data.target) } };
    case 'SOA':
      return { ...h, type: 'SOA', data: { ...rr.data, mname: bare(rr.data.mname), rname: bare(rr.data.rname) } };
    case 'TXT':
      return { ...h, type: 'TXT', data: rr.data };
    case 'CNAME':
    case 'PTR':
    case 'NS':
      return { ...h, type: rr.type, data: bare(rr.data) };
    default:
      return { ...h, type: rr.type, data: rr.data };
  }
}

/** Records of the types knet answers with, read back from a decoded packet; others are skipped. */
export function fromWire(a: Answer): RR | undefined {
  if (!('ttl' in a)) return undefined;
  const h = { name: dotted(a.name), ttl: a.ttl ?? 0 };
  switch (a.type) {
    case 'A':
    case 'AAAA':
      return { ...h, type: a.type, data: a.data };
    case 'CNAME':
    case 'PTR':
    case 'NS':
      return { ...h, type: a.type, data: dotted(a.data) };
    case 'SRV':
      return { ...h, type: 'SRV', data: { priority: a.data.priority ?? 0, weight: a.data.weight ?? 0, port: a.data.port, target: dotted(a.data.target) } };
    case 'SOA':
      return { ...h, type: 'SOA', data: { ...a.data, mname: dotted(a.data.mname), rname: dotted(a.data.rname) } as SoaData };
    case 'TXT': {
      const d = Array.isArray(a.data) ? a.data : [a.data];
      return { ...h, type: 'TXT', data: d.map((x) => x.toString()) };
    }
    default:
      return undefined;
  }
}
