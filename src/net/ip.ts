// Address arithmetic shared by every layer. IPv4 stays in plain numbers (hot paths: routing,
// netfilter); IPv6 is a BigInt, read and written here for the plain hex forms (ip-num for the rest).
import { isIPv4, isIPv6 } from 'node:net';
import ipnum from 'ip-num';

const { IPv6, collapseIPv6Number } = ipnum;

export type Family = 4 | 6;

/** 4 or 6 for a canonical address, undefined for anything else (leading zeros included). */
export function ipFamily(ip: string): Family | undefined {
  if (isIPv4(ip)) return 4;
  if (isIPv6(ip)) return 6;
  return undefined;
}

/**
 * Reads an address the way Go's legacy parser (and so kube-proxy) does: IPv4 octets may carry
 * leading zeros and stay decimal ("172.30.0.041" is 172.30.0.41). Returns the canonical form.
 */
export function canonicalIP(ip: string): string | undefined {
  const s = ip.trim();
  const v4 = canonicalIPv4(s);
  if (v4 !== undefined) return v4;
  if (isIPv6(s)) return collapseIPv6Number(ipnum.expandIPv6Number(s)).toLowerCase();
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

export function ipToBigInt(ip: string): bigint {
  if (isIPv4(ip)) return BigInt(ipv4ToInt(ip));
  // ip-num only for what the plain hex reader leaves (an embedded IPv4 part, or an error to raise)
  return ipv6Hex(ip) ?? IPv6.fromString(ip).getValue();
}

/** Hex groups and at most one `::` (every kernel-made address) as a number; undefined for anything else. */
function ipv6Hex(ip: string): bigint | undefined {
  const gap = ip.indexOf('::');
  if (gap >= 0 && ip.indexOf('::', gap + 1) >= 0) return undefined;
  const left = gap < 0 ? ip.split(':') : gap === 0 ? [] : ip.slice(0, gap).split(':');
  const right = gap < 0 || gap + 2 === ip.length ? [] : ip.slice(gap + 2).split(':');
  const n = left.length + right.length;
  if (gap < 0 ? n !== 8 : n > 7) return undefined;
  const groups = new Array<number>(8).fill(0);
  for (let i = 0; i < left.length; i++) if ((groups[i] = hexGroup(left[i]!)) < 0) return undefined;
  for (let i = 0; i < right.length; i++) if ((groups[8 - right.length + i] = hexGroup(right[i]!)) < 0) return undefined;
  // 32 bits at a time: two groups fit a number exactly
  let v = 0n;
  for (let i = 0; i < 8; i += 2) v = (v << 32n) | BigInt(groups[i]! * 65536 + groups[i + 1]!);
  return v;
}

/** One to four hex digits as a number, -1 for anything else. */
function hexGroup(g: string): number {
  if (g.length === 0 || g.length > 4) return -1;
  let x = 0;
  for (let k = 0; k < g.length; k++) {
    const c = g.charCodeAt(k) | 32;
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (d < 0) return -1;
    x = x * 16 + d;
  }
  return x;
}

export function bigIntToIP(v: bigint, family: Family): string {
  if (family === 4) return intToIpv4(Number(v));
  return ipv6Text(v);
}

/** RFC 5952 text: lower-case groups without leading zeros, the longest run of two or more zero groups (the first of equals) as `::`. */
function ipv6Text(v: bigint): string {
  const groups = new Array<number>(8);
  for (let i = 0; i < 8; i += 2) {
    const word = Number(BigInt.asUintN(32, v >> BigInt((6 - i) * 16)));
    groups[i] = Math.floor(word / 65536);
    groups[i + 1] = word % 65536;
  }
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; i++) {
    if (groups[i] !== 0) continue;
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === best) {
      out += '::';
      i += bestLen - 1;
      continue;
    }
    out += (out === '' || out.endsWith(':') ? '' : ':') + groups[i]!.toString(16);
  }
  return out;
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
