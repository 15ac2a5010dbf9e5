// The ipset types kube-proxy uses, as the kernel's ip_set modules know them: what one entry is
// made of (address, proto:port, network), how it is written and printed, the revision the
// kernel reports, and what `-m set` compares per dimension.
import { canonicalIP, cidrContains, ipFamily, parseCIDR, type Family } from '../../net/ip.js';

export const SET_TYPES = ['hash:ip', 'hash:ip,port', 'hash:ip,port,ip', 'hash:ip,port,net', 'hash:net', 'bitmap:port'] as const;
export type SetType = (typeof SET_TYPES)[number];

type Dim = 'ip' | 'port' | 'net';

const DIMS: Record<SetType, Dim[]> = {
  'hash:ip': ['ip'],
  'hash:ip,port': ['ip', 'port'],
  'hash:ip,port,ip': ['ip', 'port', 'ip'],
  'hash:ip,port,net': ['ip', 'port', 'net'],
  'hash:net': ['net'],
  'bitmap:port': ['port'],
};

/** `Revision:` as this machine's kernel (6.x, ipset 7.17) lists each type. */
export const REVISION: Record<SetType, number> = {
  'hash:ip': 6,
  'hash:ip,port': 7,
  'hash:ip,port,ip': 6,
  'hash:ip,port,net': 8,
  'hash:net': 7,
  'bitmap:port': 3,
};

/** `Size in memory:` of an empty set and what each entry adds, measured on this machine's kernel (IPv4, IPv6). */
const MEMORY: Record<SetType, [[number, number], [number, number]]> = {
  'hash:ip': [[216, 40], [224, 64]],
  'hash:ip,port': [[216, 48], [232, 72]],
  'hash:ip,port,ip': [[208, 56], [232, 104]],
  'hash:ip,port,net': [[464, 56], [1256, 104]],
  'hash:net': [[456, 48], [1240, 72]],
  'bitmap:port': [[8264, 0], [8264, 0]],
};

export function memorySize(type: SetType, family: Family, entries: number): number {
  const [base, per] = MEMORY[type][family === 4 ? 0 : 1];
  return base + per * entries;
}

export function isSetType(t: string): t is SetType {
  return (SET_TYPES as readonly string[]).includes(t);
}

export function dimensions(type: SetType): number {
  return DIMS[type].length;
}

/** One entry, parsed: `parts[i]` is an address, a `{proto, port}`, or a network for dimension i. */
export interface Entry {
  readonly text: string;
  readonly parts: readonly (string | { proto: string; port: number } | { network: string; prefix: number })[];
}

const PROTOS = new Set(['tcp', 'udp', 'sctp', 'udplite', 'icmp', 'icmpv6']);

/** Parsed entries (or refusals) per type and family, by text: every node's kube-proxy adds the same ones. Bounded: cleared when full. */
const parsed = new Map<string, Map<string, Entry | string>>();
let parsedCount = 0;
const PARSED_MAX = 1 << 18;

/** Parses an entry as `ipset add` does for the type; returns an error message instead when it refuses. */
export function parseEntry(type: SetType, family: Family, text: string): Entry | string {
  const kind = family === 4 ? type : `${type} 6`;
  let byText = parsed.get(kind);
  if (!byText) parsed.set(kind, (byText = new Map()));
  let e = byText.get(text);
  if (e === undefined) {
    if (parsedCount >= PARSED_MAX) {
      for (const m of parsed.values()) m.clear();
      parsedCount = 0;
    }
    byText.set(text, (e = parse(type, family, text)));
    parsedCount++;
  }
  return e;
}

function parse(type: SetType, family: Family, text: string): Entry | string {
  const words = text.split(',');
  const dims = DIMS[type];
  if (words.length !== dims.length) return `Syntax error: "${text}" is not a ${type} element`;
  const parts: Entry['parts'][number][] = [];
  const out: string[] = [];
  for (let i = 0; i < dims.length; i++) {
    const w = words[i]!;
    switch (dims[i]) {
      case 'ip': {
        const ip = canonicalIP(w);
        if (!ip || (ip.includes(':') ? 6 : 4) !== family) return `Syntax error: cannot parse ${w}: resolving to IPv${family} address failed`;
        parts.push(ip);
        out.push(ip);
        break;
      }
      case 'port': {
        const m = w.match(/^(?:([a-z0-9]+):)?(\d+)$/);
        const proto = m?.[1] ?? 'tcp';
        const port = Number(m?.[2]);
        if (!m || !PROTOS.has(proto) || port > 65535) return `Syntax error: cannot parse ${w} as a ${type === 'bitmap:port' ? 'port' : 'proto:port'}`;
        if (type === 'bitmap:port' && m[1]) return `Syntax error: "${w}" is not a port`;
        parts.push({ proto, port });
        out.push(type === 'bitmap:port' ? String(port) : `${proto}:${port}`);
        break;
      }
      case 'net': {
        const c = parseCIDR(w.includes('/') ? w : `${w}/${family === 4 ? 32 : 128}`, true);
        if (!c || c.family !== family) return `Syntax error: cannot parse ${w}: resolving to IPv${family} address failed`;
        parts.push({ network: c.network, prefix: c.prefix });
        // the kernel lists a host network without its prefix
        out.push(c.prefix === (family === 4 ? 32 : 128) ? c.network : `${c.network}/${c.prefix}`);
        break;
      }
    }
  }
  const canonical = out.join(',');
  // the text as written when it is the canonical one already (kube-proxy's are): one string fewer per member
  return { text: canonical === text ? text : canonical, parts };
}

/**
 * Whether parseEntry takes the text as an entry of the type and family and gives it back as it
 * is (its canonical form), told by scanning it: what kube-proxy writes (IPv4 addresses,
 * proto:port, ports). False may also mean the scan does not know the form (IPv6, networks).
 */
export function isCanonicalEntry(type: SetType, family: Family, text: string, range?: { from: number; to: number }): boolean {
  if (family !== 4 || type === 'hash:net' || type === 'hash:ip,port,net') return false;
  const dims = DIMS[type];
  let at = 0;
  for (let i = 0; i < dims.length; i++) {
    const end = i === dims.length - 1 ? text.length : text.indexOf(',', at);
    if (end < 0) return false;
    if (dims[i] === 'ip') {
      if (ipFamily(text.slice(at, end)) !== 4) return false;
    } else if (type === 'bitmap:port') {
      const port = canonicalNumber(text, at, end);
      if (port < 0 || port > 65535 || (range && (port < range.from || port > range.to))) return false;
    } else {
      const colon = text.indexOf(':', at);
      if (colon < 0 || colon > end || !PROTOS.has(text.slice(at, colon))) return false;
      const port = canonicalNumber(text, colon + 1, end);
      if (port < 0 || port > 65535) return false;
    }
    at = end + 1;
  }
  // a comma left over sits in the last part, which no scan above takes
  return true;
}

/** Decimal digits without a leading zero (but "0"), as a number; -1 for anything else. */
function canonicalNumber(s: string, from: number, to: number): number {
  if (to <= from || to - from > 5 || (s.charCodeAt(from) === 48 && to - from > 1)) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

/** What `-m set --match-set NAME dims` compares: per dimension the packet's source or destination. */
export interface PacketFields {
  src: string;
  dst: string;
  proto: string;
  sport: number;
  dport: number;
}

export function entryMatches(e: Entry, dims: readonly ('src' | 'dst')[], p: PacketFields): boolean {
  for (let i = 0; i < e.parts.length; i++) {
    // the match gives at least as many directions as the set has dimensions; extra ones are ignored
    const dir = dims[i];
    if (!dir) return false;
    const part = e.parts[i]!;
    const addr = dir === 'src' ? p.src : p.dst;
    if (typeof part === 'string') {
      if (part !== addr) return false;
    } else if ('port' in part) {
      const port = dir === 'src' ? p.sport : p.dport;
      if (port !== part.port) return false;
      if (e.parts.length > 1 && part.proto !== p.proto) return false;
    } else if (!cidrContains(parseCIDR(`${part.network}/${part.prefix}`)!, addr)) return false;
  }
  return true;
}
