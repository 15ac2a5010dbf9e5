// One row of the hop list per typed step: a short label and the text as the real tool prints it
// (iptables-save for rules, `ip route` for routes, conntrack -L for entries). A step kind added
// to the trace types later still shows: its kind and its fields.
import type { Step } from '../dataplane/types.js';
import { hostPort } from '../net/ip.js';

export interface StepRow {
  kind: string;
  label: string;
  text: string;
}

function generic(s: Record<string, unknown>): StepRow {
  const kind = String(s.kind);
  const fields = Object.entries(s)
    .filter(([k]) => k !== 'kind')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return { kind, label: kind, text: fields.join(' ') };
}

export function stepRow(s: Step): StepRow {
  const row = (label: string, text: string): StepRow => ({ kind: s.kind, label, text });
  switch (s.kind) {
    case 'enter-interface':
      return row('in', `${s.dev}${s.note ? ` (${s.note})` : ''}`);
    case 'exit-interface':
      return row('out', s.dev);
    case 'route':
      return row('route', `${s.route.trimEnd()}${s.table === 'main' ? '' : `   [table ${s.table}]`}`);
    case 'no-route':
      return row('route', `no route to ${s.dst}`);
    case 'neighbour':
      return row('neighbour', `${s.ip} dev ${s.dev} lladdr ${s.lladdr} ${s.state}${s.ndp ? ' (NDP)' : ''}`);
    case 'bridge':
      return row('bridge', `${s.bridge}: ${s.mac} -> port ${s.out}${s.hairpin ? ' (hairpin)' : ''}`);
    case 'veth':
      return row('veth', `${s.from} -> ${s.to}`);
    case 'netfilter':
      return row(`${s.table} ${s.chain} #${s.position}`, `${s.rule}${s.probability !== undefined ? `   [p=${s.probability}, ${s.taken ? 'taken' : 'not taken'}]` : ''}`);
    case 'policy':
      return row(`${s.table} ${s.chain}`, `policy ${s.verdict}`);
    case 'nat':
      return row(s.nat, `${s.field} ${s.before} -> ${s.after}`);
    case 'conntrack':
      return row('conntrack', `${s.action}: ${s.entry}`);
    case 'ttl':
      return row(s.hopLimit ? 'hlim' : 'ttl', `${s.before} -> ${s.after}`);
    case 'vxlan-encap':
      return row('vxlan', `encapsulate on ${s.dev}: VNI ${s.vni}, outer UDP ${hostPort(s.outerSrc, s.srcPort)} -> ${hostPort(s.outerDst, s.dstPort)}; inner Ethernet ${s.innerSrcMac} -> ${s.innerDstMac}, MTU ${s.mtu}; FDB: ${s.fdb.trimEnd()}`);
    case 'vxlan-decap':
      return row('vxlan', `decapsulate VNI ${s.vni} (outer ${s.outerSrc} -> ${s.outerDst}) into ${s.dev}`);
    case 'underlay':
      return row('wire', `${s.from} -> ${s.to} over ${s.dev}`);
    case 'deliver':
      return row('socket', `${s.socket}: ${s.owner}`);
    case 'ipvs':
      return row('ipvs', `${s.service}: ${s.decidedBy} -> ${s.real}${s.probability !== undefined ? `   [p=${Number(s.probability.toFixed(6))}]` : ''}`);
    case 'exit-network':
      return row('exit', `leaves the modelled network by ${s.dev} (next hop ${s.nexthop}) with source ${s.src}`);
    case 'note':
      return row('note', s.text);
    default:
      return generic(s as Record<string, unknown>);
  }
}
