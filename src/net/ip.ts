// Address arithmetic shared by every layer. IPv4 stays in plain numbers (hot paths: routing,
// netfilter); IPv6 values are BigInts, read and printed here (RFC 5952 text, as ip-num and
// iproute2 print it) and by ip-num for the rare forms with an embedded IPv4 part.
import { isIPv6 } from 'node:net';
import ipnum from 'ip-num';

const { IPv6 } = ipnum;

export type Family = 4 | 6;

/** 4 or 6 for a canonical address, undefined for anything else (leading zeros included). */
export function ipFamily(ip: string): Family | undefined {
  if (ip.indexOf(':') < 0) return canonicalIPv4(ip) === ip ? 4 : undefined; // node:net's isIPv4: no leading zeros
  return isIPv6(ip) ? 6 : undefined;
}

/**
 * Reads an address the way Go's legacy parser (and so kube-proxy) does: IPv4 octets may carry
 * leading zeros and stay decimal ("172.30.0.041" is 172.30.0.41). Returns the canonical form.
 */
export function canonicalIP(ip: string): string | undefined {
  const s = ip.trim();
  const v4 = canonicalIPv4(s);
  if (v4 !== undefined) return v4;
  if (isIPv6(s)) return bigIntToIP(ipToBigInt(s), 6);
  return undefined;
}

/** Four decimal octets of one to three digits each (leading zeros dropped); undefined for anything else. */
function canonicalIPv4(s: string): string | undefined {
  let octets = 0;
  let digits = 0;
  let value = 0;
  let canonical = true;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || value > 255 || ++octets > 4) return undefined;
      digits = 0;
      value = 0;
    } else if (c >= 48 && c <= 57) {
      if (++digits > 3) return undefined;
      if (digits === 2 && value === 0) canonical = false;
      value = value * 10 + (c - 48);
    } else return undefined;
  }
  if (octets !== 4) return undefined;
  return canonical ? s : s.split('.').map(Number).join('.');
}

export function ipv4ToInt(ip: string): number {
  let n = 0;
  let part = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      n = n * 256 + part;
      part = 0;
    } else part = part * 10 + (c - 48);
  }
  return n * 256 + part;
}

export function intToIpv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

// A node's start converts the same few IPv6 addresses per pod again and again (fe80::/64,
// ff00::/8, ::1), so conversions are remembered (bounded: cleared when full). A printed text is
// canonical, so it is remembered both ways: parsing it back costs a lookup.
const v6Values = new Map<string, bigint>();
const v6Texts = new Map<bigint, string>();
const REMEMBERED = 65536;

export function ipToBigInt(ip: string): bigint {
  if (ipFamily(ip) === 4) return BigInt(ipv4ToInt(ip));
  let v = v6Values.get(ip);
  if (v === undefined) {
    v = ip.includes('.') ? IPv6.fromString(ip).getValue() : parseIPv6(ip);
    if (v6Values.size >= REMEMBERED) v6Values.clear();
    v6Values.set(ip, v);
  }
  return v;
}

/** The value of IPv6 text in hex groups (one `::` at most; the caller has checked the syntax). */
function parseIPv6(ip: string): bigint {
  const gap = ip.indexOf('::');
  const head = gap < 0 ? ip : ip.slice(0, gap);
  const tail = gap < 0 ? '' : ip.slice(gap + 2);
  const hi = head ? head.split(':') : [];
  const lo = tail ? tail.split(':') : [];
  let hex = '';
  for (const g of hi) hex += g.padStart(4, '0');
  hex += '0000'.repeat(8 - hi.length - lo.length);
  for (const g of lo) hex += g.padStart(4, '0');
  return BigInt(`0x${hex}`);
}

export function bigIntToIP(v: bigint, family: Family): string {
  if (family === 4) return intToIpv4(Number(v));
  let t = v6Texts.get(v);
  if (t === undefined) {
    t = formatIPv6(v);
    if (v6Texts.size >= REMEMBERED) v6Texts.clear();
    v6Texts.set(v, t);
    if (v6Values.size >= REMEMBERED) v6Values.clear();
    v6Values.set(t, v);
  }
  return t;
}

/** RFC 5952 text: lowercase, no leading zeros, the longest run of two or more zero groups (the first of equals) as `::`. */
function formatIPv6(v: bigint): string {
  const hex = v.toString(16).padStart(32, '0');
  const groups: string[] = [];
  let run = -1;
  let runLen = 0;
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; i++) {
    const g = hex.slice(i * 4, i * 4 + 4);
    let z = 0;
    while (z < 3 && g.charCodeAt(z) === 48) z++;
    const text = z ? g.slice(z) : g;
    groups.push(text);
    if (text === '0') {
      if (run < 0) run = i;
      if (++runLen > bestLen) {
        best = run;
        bestLen = runLen;
      }
    } else {
      run = -1;
      runLen = 0;
    }
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

export interface CIDR {
  family: Family;
  /** Network address (host bits cleared), canonical text. */
  network: string;
  prefix: number;
  /** The address as written before the slash, canonical text. */
  address: string;
}

/** Parses "a.b.c.d/n" or "x::/n"; undefined when malformed. Host bits may be set (kept in `address`). */
export function parseCIDR(text: string, lenient = false): CIDR | undefined {
  const s = text.trim();
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const rawIP = s.slice(0, slash);
  const ip = lenient ? canonicalIP(rawIP) : ipFamily(rawIP) ? canonicalIP(rawIP) : undefined;
  const pfx = s.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(pfx)) return undefined;
  const family = ipFamily(ip)!;
  const prefix = Number(pfx);
  const bits = family === 4 ? 32 : 128;
  if (prefix > bits) return undefined;
  const mask = prefixMask(prefix, bits);
  return { family, prefix, address: ip, network: bigIntToIP(ipToBigInt(ip) & mask, family) };
}

function prefixMask(prefix: number, bits: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return prefix === 0 ? 0n : (all >> BigInt(bits - prefix)) << BigInt(bits - prefix);
}

export function formatCIDR(c: Pick<CIDR, 'network' | 'prefix'>): string {
  return `${c.network}/${c.prefix}`;
}

export function cidrContains(c: CIDR, ip: string): boolean {
  const fam = ipFamily(ip);
  if (fam !== c.family) return false;
  const bits = fam === 4 ? 32 : 128;
  const mask = prefixMask(c.prefix, bits);
  return (ipToBigInt(ip) & mask) === ipToBigInt(c.network);
}

export function cidrsOverlap(a: CIDR, b: CIDR): boolean {
  if (a.family !== b.family) return false;
  return a.prefix <= b.prefix ? cidrContains(a, b.network) : cidrContains(b, a.network);
}

/** The n-th address of a CIDR (0 = the network address). */
export function nthAddress(c: CIDR, n: bigint | number): string {
  return bigIntToIP(ipToBigInt(c.network) + BigInt(n), c.family);
}

export function cidrSize(c: CIDR): bigint {
  return 1n << BigInt((c.family === 4 ? 32 : 128) - c.prefix);
}

/** The index-th subnet of length `prefix` inside `c`, or undefined past the end. */
export function subnetAt(c: CIDR, prefix: number, index: number): CIDR | undefined {
  const bits = c.family === 4 ? 32 : 128;
  if (prefix < c.prefix || prefix > bits) return undefined;
  if (BigInt(index) >= 1n << BigInt(prefix - c.prefix)) return undefined;
  const net = bigIntToIP(ipToBigInt(c.network) + (BigInt(index) << BigInt(bits - prefix)), c.family);
  return { family: c.family, prefix, network: net, address: net };
}

/** `IP:PORT` as the kernel's tools write an endpoint: an IPv6 address in brackets. */
export function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
