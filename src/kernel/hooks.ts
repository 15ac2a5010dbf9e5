// The netfilter hook engine's contract: at each hook the kernel runs every registered program
// (an xtables table, an nft base chain, IPVS) in priority order, as nf_hook_slow does. A
// program sees the packet and the node's state and answers with a verdict, a NAT to apply, a
// new mark and the evidence of why — typed records the trace turns into steps.
import type { L4Proto } from './conntrack.js';
import type { Chooser } from './choice.js';

export type Family = 4 | 6;

export type HookName = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';

/** The hook's name as iptables spells its built-in chain. */
export const XT_CHAIN: Record<HookName, string> = {
  prerouting: 'PREROUTING',
  input: 'INPUT',
  forward: 'FORWARD',
  output: 'OUTPUT',
  postrouting: 'POSTROUTING',
};

/** nft's symbolic priorities (and the xtables tables' fixed ones), from the kernel's enum nf_ip_hook_priorities. */
export const PRIORITY = {
  raw: -300,
  mangle: -150,
  dstnat: -100,
  filter: 0,
  security: 50,
  srcnat: 100,
} as const;

/** What the chain type may do: only `nat` chains see just a connection's first packet. */
export type ChainType = 'filter' | 'nat' | 'route';

export type CtState = 'NEW' | 'ESTABLISHED' | 'RELATED' | 'INVALID' | 'UNTRACKED';

/** The conntrack facts a rule can test. */
export interface CtView {
  state: CtState;
  /** The entry carries a DNAT / SNAT (ctstate DNAT/SNAT, ct status dnat/snat). */
  dnat: boolean;
  snat: boolean;
  /** ct direction of this packet (original for a new connection). */
  direction: 'original' | 'reply';
  /** The original tuple's destination (--ctorigdst, ct original ip daddr). */
  origDst: string;
  origDport: number;
  /** The connection's mark (CONNMARK, ct mark). */
  mark: number;
}

/** A packet as a hook program sees it. Programs may not change it; they answer with a result. */
export interface HookPacket {
  family: Family;
  src: string;
  dst: string;
  proto: L4Proto;
  sport: number;
  dport: number;
  /** iif / oif names, when the hook has them. */
  inIface?: string;
  outIface?: string;
  /** Bridge ports, when br_netfilter hands a bridged frame to the IP hooks. */
  physIn?: string;
  physOut?: string;
  mark: number;
  ct: CtView;
  /** IPVS already forwarded this packet (skb->ipvs_property): IPVS leaves it alone from here. */
  ipvsProperty?: boolean;
}

export type AddrType = 'LOCAL' | 'UNICAST' | 'BROADCAST' | 'MULTICAST' | 'UNSPEC';

/** A node's ipsets as `-m set` and IPVS-mode rules test them. */
export interface IpsetLookup {
  /** undefined when no set of that name exists on the node. */
  test(name: string, dims: readonly ('src' | 'dst')[], p: HookPacket): boolean | undefined;
}

/** What a program may read or change besides the packet. */
export interface HookEnv {
  addrType(ip: string, iface?: string): AddrType;
  choose: Chooser;
  now(): number;
  ipsets: IpsetLookup;
  /** Interfaces the node has (for addrtype --limit-iface-*, fib). */
  ifaceOf(ip: string): string | undefined;
}

/**
 * One piece of evidence: a rule that matched (or a branch it took), an IPVS decision, or a note
 * about something knet does not model. `text` is the rule as its own tool prints it.
 */
export type Evidence =
  | {
      kind: 'rule';
      /** `iptables` (xtables, ip or ip6) or `nft`. */
      tool: 'iptables' | 'nft';
      family: Family;
      table: string;
      chain: string;
      /** 1-based position in the chain (iptables -L --line-numbers; nft: index among the chain's rules). */
      position: number;
      text: string;
      /** What the rule did: a verdict, a jump, a NAT, a mark, … in its tool's words (`-j KUBE-SVC-…`, `goto service-…`). */
      action: string;
      /** The `--comment` / nft comment, if the rule has one. */
      comment?: string;
      /** A set or map element that matched (`10.96.0.10 . tcp . 80 : goto service-…`). */
      element?: string;
      /** The named set or map that element is in (`service-ips`; absent for an anonymous one). */
      set?: string;
      /** A branch the rule took: its probability and whether it was taken. */
      branch?: { probability: number; taken: boolean; of?: number };
      /** A `recent` list (xt_recent) the rule read or wrote: session affinity in iptables mode. */
      recent?: { list: string; op: 'set' | 'rcheck' | 'update' | 'remove'; addr: string; seconds?: number };
      /** What knet took an unmodelled match or target as. */
      assumed?: string;
    }
  | { kind: 'policy'; tool: 'iptables' | 'nft'; family: Family; table: string; chain: string; verdict: string }
  | {
      kind: 'ipvs';
      /** The virtual server as ipvsadm -Ln names it: `TCP  10.96.0.10:80 rr`. */
      service: string;
      scheduler: string;
      /** What decided: `rr position 2 of 3`, `sh hash bucket 117`, `persistence template …`, `lc: 0 active`. */
      decidedBy: string;
      real: string;
      probability?: number;
      /** The pick came from a persistence template (sessionAffinity ClientIP). */
      persistent?: boolean;
    }
  | { kind: 'note'; text: string };

export interface NatRequest {
  kind: 'DNAT' | 'SNAT' | 'MASQUERADE' | 'REDIRECT';
  addr?: string;
  port?: number;
  randomFully?: boolean;
  /** The evidence entry (index into ProgramResult.evidence) of the rule that asked for it. */
  by: number;
}

export interface ProgramResult {
  /** accept: on to the next program; drop/reject end the packet; stolen: the program took the packet (IPVS xmit). */
  verdict: 'accept' | 'drop' | 'reject' | 'stolen';
  /** Index into evidence of the rule that decided a drop/reject/stolen (absent: a chain policy did). */
  decidedBy?: number;
  nat?: NatRequest;
  /** The packet mark after the program (MARK, meta mark set). */
  mark: number;
  /** The connection mark after the program, if it set one. */
  ctMark?: number;
  /** NOTRACK / CT --notrack / notrack: the packet is untracked from here. */
  notrack?: boolean;
  evidence: Evidence[];
  /** Rules the kernel compared the packet against (its linear work, or map lookups for nft). */
  evaluated: number;
  /** For `stolen` (IPVS): the rewritten destination the packet is sent to. */
  forward?: { dst: string; dport: number };
}

export interface HookProgram {
  /** How a reader names it: `ip nat` (an iptables table) or `ip kube-proxy nat-prerouting` (an nft base chain). */
  name: string;
  family: Family | 'inet';
  hook: HookName;
  priority: number;
  type: ChainType;
  run(p: HookPacket, env: HookEnv): ProgramResult;
}

/** Programs of one hook for a family in the order the kernel calls them (stable for equal priority). */
export function programsFor(all: readonly HookProgram[], family: Family, hook: HookName): HookProgram[] {
  return all
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => p.hook === hook && (p.family === family || p.family === 'inet'))
    .sort((a, b) => a.p.priority - b.p.priority || a.i - b.i)
    .map(({ p }) => p);
}
