// nft's data types as knet needs them: how a value of each type is read, printed back the way
// `nft list` prints it, and laid out in the kernel's registers (which decides the order nft
// lists a set's elements in).
import { canonicalIP, ipToBigInt, parseCIDR } from '../../net/ip.js';

export type DataType =
  | 'ipv4_addr'
  | 'ipv6_addr'
  | 'inet_proto'
  | 'inet_service'
  | 'mark'
  | 'ifname'
  | 'ct_state'
  | 'ct_status'
  | 'fib_addrtype'
  | 'nf_proto'
  | 'integer'
  | 'verdict';

export const SET_TYPES: ReadonlySet<string> = new Set(['ipv4_addr', 'ipv6_addr', 'inet_proto', 'inet_service', 'mark', 'ifname', 'integer', 'verdict']);

/** A value as a rule or an element holds it: its printed text and, for addresses, an optional prefix or range. */
export interface Value {
  text: string;
  /** Numeric value (addresses, ports, marks, protocols, flags). */
  num: bigint;
  /** Prefix length (ip 10.0.0.0/8) or range end (80-90): the value covers [num, last]. */
  last?: bigint;
}

const PROTOS: Record<string, number> = { icmp: 1, igmp: 2, tcp: 6, udp: 17, 'ipv6-icmp': 58, sctp: 132 };
const PROTO_NAMES = new Map(Object.entries(PROTOS).map(([k, v]) => [v, k]));

export const CT_STATES: readonly [string, number][] = [['invalid', 1], ['established', 2], ['related', 4], ['new', 8], ['untracked', 64]];
export const CT_STATUS: readonly [string, number][] = [
  ['expected', 1], ['seen-reply', 2], ['assured', 4], ['confirmed', 8], ['snat', 16], ['dnat', 32], ['dying', 512],
];
const ADDRTYPES = ['unspec', 'unicast', 'local', 'broadcast', 'anycast', 'multicast', 'blackhole', 'unreachable', 'prohibit'];
const NFPROTO: Record<string, number> = { ipv4: 2, ipv6: 10 };

function flagsValue(text: string, table: readonly [string, number][]): bigint | undefined {
  let v = 0;
  for (const part of text.split(',')) {
    const f = table.find(([n]) => n === part);
    if (!f) return undefined;
    v |= f[1];
  }
  return BigInt(v);
}

function flagsText(v: bigint, table: readonly [string, number][]): string {
  return table.filter(([, b]) => (v & BigInt(b)) !== 0n).map(([n]) => n).join(',');
}

function intOf(text: string): bigint | undefined {
  return /^(0x[0-9a-fA-F]+|\d+)$/.test(text) ? BigInt(text) : undefined;
}

/** A dotted quad already in canonical form (no leading zeros, octets up to 255), the common case read without the general parser. */
function plainIPv4(text: string): Value | undefined {
  let n = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return undefined;
      n = n * 256 + octet;
      octet = digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return undefined;
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return undefined;
    } else return undefined;
  }
  if (dots !== 3 || digits === 0) return undefined;
  return { text, num: BigInt(n * 256 + octet) };
}

/** Reads `text` as a value of `type`; undefined when it is not one. */
export function parseValue(type: DataType, text: string): Value | undefined {
  switch (type) {
    case 'ipv4_addr':
    case 'ipv6_addr': {
      const quad = type === 'ipv4_addr' ? plainIPv4(text) : undefined;
      if (quad) return quad;
      const fam = type === 'ipv4_addr' ? 4 : 6;
      const dash = text.indexOf('-');
      if (dash > 0) {
        const a = parseValue(type, text.slice(0, dash));
        const b = parseValue(type, text.slice(dash + 1));
        return a && b && a.last === undefined && b.last === undefined ? { text: `${a.text}-${b.text}`, num: a.num, last: b.num } : undefined;
      }
      if (text.includes('/')) {
        const c = parseCIDR(text, true);
        if (!c || c.family !== fam) return undefined;
        const bits = BigInt(fam === 4 ? 32 : 128);
        const start = ipToBigInt(c.network);
        const full = bits === BigInt(c.prefix);
        return full ? { text: c.network, num: start } : { text: `${c.network}/${c.prefix}`, num: start, last: start + (1n << (bits - BigInt(c.prefix))) - 1n };
      }
      const ip = canonicalIP(text);
      if (!ip || (fam === 4) !== !ip.includes(':')) return undefined;
      return { text: ip, num: ipToBigInt(ip) };
    }
    case 'inet_proto': {
      const n = PROTOS[text] !== undefined ? BigInt(PROTOS[text]!) : intOf(text);
      if (n === undefined || n > 255n) return undefined;
      return { text: PROTO_NAMES.get(Number(n)) ?? String(n), num: n };
    }
    case 'inet_service':
    case 'integer': {
      const dash = text.indexOf('-');
      if (dash > 0) {
        const a = intOf(text.slice(0, dash));
        const b = intOf(text.slice(dash + 1));
        return a !== undefined && b !== undefined ? { text: `${a}-${b}`, num: a, last: b } : undefined;
      }
      const n = intOf(text);
      return n === undefined || (type === 'inet_service' && n > 65535n) ? undefined : { text: String(n), num: n };
    }
    case 'mark': {
      const n = intOf(text);
      return n === undefined ? undefined : { text: `0x${n.toString(16).padStart(8, '0')}`, num: n };
    }
    case 'ifname':
      return { text: `"${text}"`, num: 0n };
    case 'ct_state': {
      const v = flagsValue(text, CT_STATES);
      return v === undefined ? undefined : { text: flagsText(v, CT_STATES), num: v };
    }
    case 'ct_status': {
      const v = flagsValue(text, CT_STATUS);
      return v === undefined ? undefined : { text: flagsText(v, CT_STATUS), num: v };
    }
    case 'fib_addrtype': {
      const i = ADDRTYPES.indexOf(text);
      return i < 0 ? undefined : { text, num: BigInt(i) };
    }
    case 'nf_proto': {
      const n = NFPROTO[text];
      return n === undefined ? undefined : { text, num: BigInt(n) };
    }
    case 'verdict':
      return undefined;
  }
}

export function protoNumber(name: string): number | undefined {
  return PROTOS[name];
}

/** `len` bytes of n, most significant first. */
function be(n: bigint, len: number): number[] {
  const out: number[] = [];
  for (let i = len - 1; i >= 0; i--) out.push(Number((n >> BigInt(8 * i)) & 0xffn));
  return out;
}

/** Zero bytes up to a whole 32-bit register. */
function pad(b: number[]): number[] {
  return [...b, ...new Array((4 - (b.length % 4)) % 4).fill(0)];
}

/** Bytes of the value in the kernel's 32-bit registers (network order for addresses and ports, host order for marks and integers). No closures per call: sorting 20,000 elements asks this 60,000 times. */
export function registerBytes(type: DataType, v: Value): number[] {
  switch (type) {
    case 'ipv4_addr':
      return be(v.num, 4);
    case 'ipv6_addr':
      return be(v.num, 16);
    case 'inet_proto':
      return pad(be(v.num, 1));
    case 'inet_service':
      return pad(be(v.num, 2));
    case 'ifname':
      return pad([...Buffer.from(v.text.slice(1, -1)).subarray(0, 16)]).concat(new Array(16).fill(0)).slice(0, 16);
    default:
      return be(v.num, 4).reverse();
  }
}

/** How many elements nft prints on one line of a named set (its calculate_delim): 1 for concatenations and IPv6. */
export function elementsPerLine(key: readonly DataType[]): number {
  if (key.length > 1 || key[0] === 'ipv6_addr') return 1;
  return key[0] === 'ipv4_addr' ? 2 : 5;
}

/** nft's time text: 3h, 1m30s, 10s, 500ms. */
export function formatTime(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  for (const [u, n] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const q = Math.floor(rest / n);
    if (q > 0) parts.push(`${q}${u}`);
    rest -= q * n;
  }
  return parts.join('');
}

/** Reads nft's time text (10800s, 3h, 1m30s, 500ms, plain seconds). */
export function parseTime(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const re = /(\d+)(ms|d|h|m|s)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let at = 0;
  while ((m = re.exec(text))) {
    total += Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 }[m[2] as 'd']!;
    at = re.lastIndex;
  }
  return at === text.length && at > 0 ? total : undefined;
}
