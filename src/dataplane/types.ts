// A trace as data: a disposition plus hops, each hop a node (or pod namespace) with typed steps,
// after Batfish's flow model. The text renderer, -o json, lessons and `knet lab verify` read this.
import type { L4Proto, Tuple } from '../kernel/conntrack.js';
import type { Evidence } from '../kernel/hooks.js';

export type Disposition = 'DELIVERED' | 'DROPPED' | 'REJECTED' | 'NO_ROUTE' | 'NO_ENDPOINTS' | 'NO_LISTENER' | 'TTL_EXCEEDED' | 'LOOP' | 'EXITS_NETWORK';

type RuleEvidence = Extract<Evidence, { kind: 'rule' }>;
type IpvsEvidence = Extract<Evidence, { kind: 'ipvs' }>;

export interface Addr {
  ip: string;
  port: number;
}

export type Step =
  | { kind: 'enter-interface'; dev: string; note?: string }
  | { kind: 'exit-interface'; dev: string }
  | {
      kind: 'route';
      table: 'local' | 'main' | string;
      /** The route as `ip route` prints it. */
      route: string;
      /** The address looked up. */
      dst: string;
      /** The matched route's fields. */
      type: string;
      prefix: string;
      via?: string;
      dev?: string;
      src?: string;
    }
  | { kind: 'no-route'; dst: string }
  /** `ndp`: an IPv6 next hop, resolved by neighbour solicitation and advertisement (IPv4's is ARP). */
  | { kind: 'neighbour'; ip: string; lladdr: string; dev: string; state: string; ndp?: true }
  | { kind: 'bridge'; bridge: string; in: string; out: string; mac: string; hairpin: boolean }
  | { kind: 'veth'; from: string; to: string; peerNetns: string }
  /** A rule that matched (iptables or nft): where it sits, its text as its tool prints it, what it did. */
  | ({ kind: 'netfilter'; rule: string; probability?: number; taken?: boolean } & Omit<RuleEvidence, 'kind'>)
  | { kind: 'policy'; tool: 'iptables' | 'nft'; family: 4 | 6; table: string; chain: string; verdict: string }
  /** IPVS chose a real server for a virtual server. */
  | ({ kind: 'ipvs' } & Omit<IpvsEvidence, 'kind'>)
  | { kind: 'nat'; nat: 'DNAT' | 'SNAT' | 'MASQUERADE' | 'un-DNAT' | 'un-SNAT'; field: 'src' | 'dst'; before: string; after: string }
  | { kind: 'conntrack'; action: 'new' | 'confirmed' | 'reply' | 'established' | 'untracked'; entry: string; orig?: Tuple; reply?: Tuple }
  | { kind: 'ttl'; before: number; after: number; /** IPv6 calls the field the hop limit. */ hopLimit?: true }
  | { kind: 'vxlan-encap'; dev: string; vni: number; srcPort: number; dstPort: number; outerSrc: string; outerDst: string; innerSrcMac: string; innerDstMac: string; fdb: string; mtu: number }
  | { kind: 'vxlan-decap'; dev: string; vni: number; outerSrc: string; outerDst: string }
  | { kind: 'underlay'; from: string; to: string; dev: string }
  | { kind: 'deliver'; socket: string; owner: string }
  /** The packet leaves the modelled machines (the internet, an address outside the cluster). */
  | { kind: 'exit-network'; dev: string; nexthop: string; src: string }
  | { kind: 'note'; text: string };

export interface Hop {
  /** The machine: a node name, or an external client's name. */
  node: string;
  /** Where on it: `root` (the node's own namespace) or `pod NS/NAME`. */
  netns: string;
  steps: Step[];
}

export interface PathResult {
  verdict: Disposition;
  /** Why, in one sentence, naming the responsible rule or object. */
  reason: string;
  /** The chance this path is taken by a new connection (product of the statistic coins). */
  probability: number;
  /** The destination after NAT, `IP:PORT`. */
  endpoint: string;
  /** Whether a DNAT (a Service's endpoint choice) rewrote the destination. */
  dnat: boolean;
  /** Whether the source address was rewritten (MASQUERADE/SNAT) on the way. */
  masqueraded: boolean;
  /** Who received it: `pod NS/NAME`, `node NAME`, `ext NAME`. */
  receiver?: string;
  /** Netfilter rules the packet was compared against on the way (the kernel's work). */
  rulesEvaluated: number;
  /** For DROPPED/REJECTED by netfilter: the rule, as iptables-save prints it. */
  rule?: string;
  /** Whether session affinity decided the endpoint (a `recent --rcheck` hit, an IPVS persistence template). */
  affinity: boolean;
  /** For EXITS_NETWORK: where it left and with which source address. */
  exit?: { node: string; dev: string; nexthop: string; src: string };
  hops: Hop[];
  reply?: ReplyResult;
}

export interface ReplyResult {
  /** DELIVERED when the client gets the reply from the address it sent to. */
  verdict: Disposition | 'BROKEN';
  reason: string;
  /** What the client sees as the reply's source. */
  from: string;
  hops: Hop[];
}

export interface FlowEnd {
  /** As typed. */
  typed: string;
  /** What it names: `pod default/pod-a`, `svc default/nginx`, `node k8s-node1`… */
  object?: string;
  ip: string;
  port: number;
}

export interface Trace {
  verdict: Disposition;
  src: FlowEnd;
  dst: FlowEnd;
  proto: L4Proto;
  paths: PathResult[];
  /** The reply of the first path (the one shown in text). */
  reply?: ReplyResult;
  /** When there are other paths that were not expanded. */
  otherPaths?: number;
}

export type { L4Proto };
