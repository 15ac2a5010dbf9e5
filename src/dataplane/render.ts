// The trace as text: a flow header, one block per hop with one line per step, the verdict with
// its reason, then the reply path.
import type { FlowEnd, Hop, PathResult, ReplyResult, Step, Trace } from './types.js';
import { hostPort } from '../net/ip.js';

function end(e: FlowEnd, proto?: string): string {
  const where = e.object ? `${e.object} ` : '';
  return `${where}${hostPort(e.ip, e.port)}${proto ? `/${proto.toUpperCase()}` : ''}`;
}

export function stepLine(s: Step): string {
  const L = (label: string, text: string) => `  ${label.padEnd(10)} ${text}`;
  switch (s.kind) {
    case 'enter-interface':
      return L('in', `${s.dev}${s.note ? ` (${s.note})` : ''}`);
    case 'exit-interface':
      return L('out', s.dev);
    case 'route':
      return L('route', `${s.route.trimEnd()}${s.table === 'local' ? '   [table local]' : ''}`);
    case 'no-route':
      return L('route', `no route to ${s.dst}`);
    case 'neighbour':
      return L('neighbour', `${s.ip} dev ${s.dev} lladdr ${s.lladdr} ${s.state}${s.ndp ? '   (NDP: neighbour solicitation, advertisement)' : ''}`);
    case 'bridge':
      return L('bridge', `${s.bridge}: ${s.mac} -> port ${s.out}${s.hairpin ? ' (hairpin: back out the port it came in by)' : ''}`);
    case 'veth':
      return L('veth', `${s.from} -> ${s.to}`);
    case 'netfilter': {
      const coin = s.probability !== undefined ? `   [p=${s.probability}, ${s.taken ? 'taken' : 'not taken'}]` : '';
      // nft: the set or map element the lookup found
      const element = s.element !== undefined ? `   [element ${s.element}]` : '';
      return `  ${`${s.table} ${s.chain} #${s.position}`.padEnd(10)} ${s.rule}${element}${coin}`;
    }
    case 'policy':
      return L(`${s.table} ${s.chain}`, `policy ${s.verdict}`);
    case 'nat':
      return L(s.nat, `${s.field} ${s.before} -> ${s.after}`);
    case 'conntrack':
      return L('conntrack', `${s.action}: ${s.entry}`);
    case 'ttl':
      return L(s.hopLimit ? 'hlim' : 'ttl', `${s.before} -> ${s.after}`);
    case 'vxlan-encap':
      return [
        L('vxlan', `encapsulate on ${s.dev}: VNI ${s.vni}, outer UDP ${hostPort(s.outerSrc, s.srcPort)} -> ${hostPort(s.outerDst, s.dstPort)}`),
        L('', `inner Ethernet ${s.innerSrcMac} -> ${s.innerDstMac}, MTU ${s.mtu}; FDB: ${s.fdb.trimEnd()}`),
      ].join('\n');
    case 'vxlan-decap':
      return L('vxlan', `decapsulate VNI ${s.vni} (outer ${s.outerSrc} -> ${s.outerDst}) into ${s.dev}`);
    case 'underlay':
      return L('wire', `${s.from} -> ${s.to} over ${s.dev}`);
    case 'deliver':
      return L('socket', `${s.socket}: ${s.owner}`);
    case 'ipvs':
      return L('ipvs', `${s.service}: ${s.decidedBy} -> ${s.real}${s.probability !== undefined ? `   [p=${Number(s.probability.toFixed(6))}]` : ''}`);
    case 'exit-network':
      return L('exit', `leaves the modelled network by ${s.dev} (next hop ${s.nexthop}) with source ${s.src}`);
    case 'note':
      return L('note', s.text);
  }
}

function hops(hs: Hop[], indent = ''): string {
  return hs.map((h, i) => `${indent}hop ${i + 1}  ${h.node}${h.netns === 'root' ? '' : `  ${h.netns}`}\n${h.steps.map((s) => `${indent}${stepLine(s).split('\n').join(`\n${indent}`)}\n`).join('')}`).join('');
}

function reply(r: ReplyResult): string {
  return `reply    ${r.verdict}: ${r.reason}\n${hops(r.hops, '  ')}`;
}

function path(p: PathResult, showReply: boolean): string {
  let s = hops(p.hops);
  s += `verdict  ${p.verdict}: ${p.reason}\n`;
  if (showReply && p.reply) s += reply(p.reply);
  return s;
}

export function renderTrace(t: Trace, opts: { allPaths?: boolean } = {}): string {
  let s = `flow     ${end(t.src)} -> ${end(t.dst, t.proto)}\n`;
  s += `typed    ${t.src.typed} -> ${t.dst.typed}\n`;
  if (!opts.allPaths) {
    s += '\n' + path(t.paths[0]!, true);
    return s;
  }
  s += `paths    ${t.paths.length}\n`;
  t.paths.forEach((p, i) => {
    s += `\n== path ${i + 1} of ${t.paths.length}: p=${Number(p.probability.toFixed(6))} -> ${p.endpoint}${p.masqueraded ? ' (masqueraded)' : ''}  ${p.verdict}\n`;
    s += path(p, true);
  });
  return s;
}

export function renderConnections(ts: Trace[], intervalMs: number): string {
  const first = ts[0]!;
  let s = `flow     ${end({ ...first.src, port: 0 }).replace(/:0$/, '')} -> ${end(first.dst, first.proto)}\n`;
  s += `${ts.length} new connections, ${intervalMs / 1000}s apart\n`;
  ts.forEach((t, i) => {
    const p = t.paths[0]!;
    const sticky = p.hops.flatMap((h) => h.steps).find((st) => (st.kind === 'netfilter' && st.recent?.op === 'rcheck') || (st.kind === 'ipvs' && st.persistent));
    const why = sticky?.kind === 'ipvs' ? 'IPVS persistence template' : 'recent --rcheck matched';
    s += `#${String(i + 1).padEnd(3)} sport ${String(t.src.port).padEnd(6)} -> ${p.endpoint.padEnd(21)} ${p.verdict}${p.receiver ? `  ${p.receiver}` : ''}${sticky ? `  (affinity: ${why})` : ''}\n`;
  });
  return s;
}
