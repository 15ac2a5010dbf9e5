// An nft rule as parsed expressions: what a statement selects from the packet (payload, meta,
// ct, fib, numgen, concatenations, masks) and the statements built from it — matches, set
// lookups, verdict maps, verdicts, NAT, mark setting, set updates, counters.
import { formatTime as fmtTime, type DataType, type Value } from './datatype.js';

export type Selector =
  | { k: 'payload'; proto: 'ip' | 'ip6' | 'th' | 'tcp' | 'udp' | 'sctp'; field: 'saddr' | 'daddr' | 'protocol' | 'nexthdr' | 'sport' | 'dport' }
  | { k: 'meta'; key: 'mark' | 'l4proto' | 'iifname' | 'oifname' | 'nfproto' | 'iif' | 'oif' }
  | { k: 'ct'; key: 'state' | 'status' | 'mark' | 'direction' }
  | { k: 'ctTuple'; dir: 'original' | 'reply'; proto: 'ip' | 'ip6'; field: 'saddr' | 'daddr' }
  | { k: 'fib'; flags: string[]; result: 'type' | 'oif' | 'oifname' }
  | { k: 'numgen'; mode: 'random' | 'inc'; mod: number; offset: number }
  | { k: 'concat'; parts: Selector[] }
  | { k: 'binop'; op: '&' | '|' | '^'; left: Selector; value: Value };

export type Verdict = { v: 'accept' | 'drop' | 'continue' | 'return' } | { v: 'jump' | 'goto'; chain: string };

/** A set or map element: key components, optional data (verdict or value), comment, timeout. */
export interface Element {
  key: Value[];
  verdict?: Verdict;
  data?: Value;
  comment?: string;
  /** ms; the element's own timeout. */
  timeout?: number;
  /** ms since the epoch of the emulation clock when a dynamic element expires. */
  expiresAt?: number;
}

export type Rhs = { k: 'value'; v: Value } | { k: 'set'; name: string } | { k: 'anon'; elements: Element[] };

export type Stmt =
  | { k: 'match'; sel: Selector; neg: boolean; explicitEq: boolean; rhs: Rhs }
  | { k: 'vmap'; sel: Selector; map: { name: string } | { elements: Element[] } }
  | { k: 'verdict'; verdict: Verdict }
  | { k: 'reject'; with?: string }
  | { k: 'counter'; packets: number; bytes: number }
  | { k: 'nat'; kind: 'dnat' | 'snat' | 'masquerade' | 'redirect'; family?: 'ip' | 'ip6'; addr?: string; port?: number; flags: string[] }
  | { k: 'setMeta'; key: 'mark'; ct: boolean; value: Selector | Value }
  | { k: 'update'; op: 'update' | 'add'; set: string; key: Selector }
  | { k: 'log'; prefix?: string }
  | { k: 'notrack' };

export function selectorType(s: Selector): DataType[] {
  switch (s.k) {
    case 'payload':
      if (s.field === 'protocol' || s.field === 'nexthdr') return ['inet_proto'];
      if (s.field === 'sport' || s.field === 'dport') return ['inet_service'];
      return [s.proto === 'ip6' ? 'ipv6_addr' : 'ipv4_addr'];
    case 'meta':
      return [s.key === 'mark' ? 'mark' : s.key === 'l4proto' ? 'inet_proto' : s.key === 'nfproto' ? 'nf_proto' : s.key === 'iif' || s.key === 'oif' ? 'integer' : 'ifname'];
    case 'ct':
      return [s.key === 'state' ? 'ct_state' : s.key === 'status' ? 'ct_status' : s.key === 'mark' ? 'mark' : 'integer'];
    case 'ctTuple':
      return [s.proto === 'ip6' ? 'ipv6_addr' : 'ipv4_addr'];
    case 'fib':
      return [s.result === 'type' ? 'fib_addrtype' : 'ifname'];
    case 'numgen':
      return ['integer'];
    case 'concat':
      return s.parts.flatMap(selectorType);
    case 'binop':
      return selectorType(s.left);
  }
}

export function selectorText(s: Selector): string {
  switch (s.k) {
    case 'payload':
      return `${s.proto} ${s.field}`;
    case 'meta':
      return s.key === 'iifname' || s.key === 'oifname' || s.key === 'iif' || s.key === 'oif' ? s.key : `meta ${s.key}`;
    case 'ct':
      return `ct ${s.key}`;
    case 'ctTuple':
      return `ct ${s.dir} ${s.proto} ${s.field}`;
    case 'fib':
      return `fib ${s.flags.join(' . ')} ${s.result}`;
    case 'numgen':
      return `numgen ${s.mode} mod ${s.mod}${s.offset ? ` offset ${s.offset}` : ''}`;
    case 'concat':
      return s.parts.map(selectorText).join(' . ');
    case 'binop':
      return `${selectorText(s.left)} ${s.op} ${s.value.text}`;
  }
}

export function verdictText(v: Verdict): string {
  return v.v === 'jump' || v.v === 'goto' ? `${v.v} ${v.chain}` : v.v;
}

/** An element as nft lists it: `10.0.0.1 . tcp . 80 comment "x" : goto c`. */
export function elementText(e: Element, now?: number): string {
  let s = e.key.map((v) => v.text).join(' . ');
  if (e.timeout !== undefined) s += ` timeout ${fmtTime(e.timeout)}`;
  if (e.expiresAt !== undefined && now !== undefined) s += ` expires ${fmtTime(Math.max(0, e.expiresAt - now))}`;
  if (e.comment !== undefined) s += ` comment "${e.comment}"`;
  if (e.verdict) s += ` : ${verdictText(e.verdict)}`;
  else if (e.data) s += ` : ${e.data.text}`;
  return s;
}

/** The chains a statement can send the packet to. */
export function targetsOf(st: Stmt): string[] {
  if (st.k === 'verdict' && (st.verdict.v === 'jump' || st.verdict.v === 'goto')) return [st.verdict.chain];
  if (st.k === 'vmap' && 'elements' in st.map) return st.map.elements.flatMap((e) => (e.verdict && 'chain' in e.verdict ? [e.verdict.chain] : []));
  return [];
}
