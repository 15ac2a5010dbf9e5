// IPVS as the netfilter hooks run it: ip_vs_remote_request at LOCAL_IN (just before srcnat, for
// packets that arrived for a local virtual address) and ip_vs_local_request at LOCAL_OUT (just
// after dstnat, for the node's own connections). A packet of a known connection follows its
// entry; a new one is scheduled (persistence template first) and the real server picked goes
// through the trace's chooser; the packet is then the program's (stolen) and sent on NATed.
import type { Choice } from '../choice.js';
import { PRIORITY, type HookPacket, type HookEnv, type HookName, type HookProgram, type ProgramResult } from '../hooks.js';
import type { ConnState } from './connections.js';
import { ownStats, type IpvsProto } from './service.js';
import type { IpvsTable } from './table.js';
import { hostPort } from '../../net/ip.js';

/** Bytes a connection's first packet (and its reply) adds to the counters: a SYN (SYN-ACK) with options, a bare UDP/SCTP header. */
const FIRST_PACKET_BYTES: Record<IpvsProto, number> = { TCP: 60, UDP: 28, SCTP: 48 };

const FIRST_STATE: Record<IpvsProto, ConnState> = { TCP: 'ESTABLISHED', UDP: 'UDP', SCTP: 'SCTP_ESTABLISHED' };

function serviceText(proto: IpvsProto, addr: string, port: number, scheduler: string): string {
  return `${proto.padEnd(4)} ${hostPort(addr, port)} ${scheduler}`;
}

function run(table: IpvsTable, p: HookPacket, env: HookEnv): ProgramResult {
  const pass: ProgramResult = { verdict: 'accept', mark: p.mark, evidence: [], evaluated: 1 };
  if (p.ct.direction === 'reply' || (p.proto !== 'tcp' && p.proto !== 'udp' && p.proto !== 'sctp')) return pass;
  const proto = p.proto.toUpperCase() as IpvsProto;
  const now = env.now();
  const existing = table.connection(proto, p.src, p.sport, p.dst, p.dport, now);
  if (existing) {
    table.conns.touch(existing, now);
    ownStats(existing.svc).inPkts++;
    ownStats(existing.dest).inPkts++;
    return {
      verdict: 'stolen',
      decidedBy: 0,
      mark: p.mark,
      evaluated: 1,
      forward: { dst: existing.daddr, dport: existing.dport },
      evidence: [
        {
          kind: 'ipvs',
          service: serviceText(proto, existing.vaddr, existing.vport, existing.svc.scheduler),
          scheduler: existing.svc.scheduler,
          decidedBy: `connection entry ${existing.state} ${hostPort(existing.caddr, existing.cport)}`,
          real: hostPort(existing.daddr, existing.dport),
        },
      ],
    };
  }
  const svc = table.lookup(p.proto, p.dst, p.dport);
  if (!svc) return pass;
  const service = serviceText(svc.proto, svc.addr, svc.port, svc.scheduler);
  const d = table.decide(svc, p.src, p.sport, now);
  if (!d.pick.dest) {
    // ip_vs_leave: no destination, the first packet is answered with ICMP port unreachable
    return {
      verdict: 'reject',
      decidedBy: 0,
      mark: p.mark,
      evaluated: 1,
      evidence: [{ kind: 'ipvs', service, scheduler: svc.scheduler, decidedBy: d.pick.why || 'no real servers', real: 'none (ICMP port unreachable)' }],
    };
  }
  const choice: Choice = {
    what: `ipvs ${svc.scheduler}`,
    options: svc.dests.map((x, i) => ({ label: hostPort(x.addr, x.port), weight: d.shares[i]! })),
    kernelPick: svc.dests.indexOf(d.pick.dest),
  };
  const total = d.shares.reduce((a, b) => a + b, 0);
  const index = env.choose(choice);
  const dest = svc.dests[index]!;
  const why = dest === d.pick.dest ? d.pick.why : `another possible path: ${hostPort(dest.addr, dest.port)} (the kernel's state now picks ${hostPort(d.pick.dest.addr, d.pick.dest.port)})`;
  table.connect(svc, dest, { src: p.src, sport: p.sport, state: FIRST_STATE[svc.proto] }, now);
  for (const s of [ownStats(svc), ownStats(dest)]) {
    s.inPkts++;
    s.inBytes += FIRST_PACKET_BYTES[svc.proto];
  }
  return {
    verdict: 'stolen',
    decidedBy: 0,
    mark: p.mark,
    evaluated: 1,
    forward: { dst: dest.addr, dport: dest.port },
    evidence: [
      {
        kind: 'ipvs',
        service,
        scheduler: svc.scheduler,
        decidedBy: why,
        real: hostPort(dest.addr, dest.port),
        probability: total > 0 ? d.shares[index]! / total : 0,
        ...(d.template && dest === d.template.dest ? { persistent: true } : {}),
      },
    ],
  };
}

/**
 * ip_vs_out for a reply of a connection IPVS scheduled here (real server → client, the client's
 * port, the connection's virtual address in conntrack's original tuple): the out counters and the
 * entry's timer. Conntrack's entry undoes the DNAT, so the packet goes on as it came.
 */
function reply(table: IpvsTable, p: HookPacket, env: HookEnv): ProgramResult {
  const pass: ProgramResult = { verdict: 'accept', mark: p.mark, evidence: [], evaluated: 0 };
  if (p.ct.direction !== 'reply' || (p.proto !== 'tcp' && p.proto !== 'udp' && p.proto !== 'sctp')) return pass;
  const proto = p.proto.toUpperCase() as IpvsProto;
  const now = env.now();
  const c = table.connection(proto, p.dst, p.dport, p.ct.origDst, p.ct.origDport, now);
  if (!c || c.daddr !== p.src || c.dport !== p.sport) return pass;
  table.conns.touch(c, now);
  for (const s of [ownStats(c.svc), ownStats(c.dest)]) {
    s.outPkts++;
    s.outBytes += FIRST_PACKET_BYTES[proto];
  }
  return { ...pass, evaluated: 1 };
}

/** IPVS's hooks for a family, over the node's table: the two for requests, the three for replies. */
export function ipvsPrograms(table: IpvsTable, family: 4 | 6): HookProgram[] {
  const program = (hook: HookName, priority: number, name: string, fn: typeof run): HookProgram => ({ name, family, hook, priority, type: 'filter', run: (p, env) => fn(table, p, env) });
  return [
    program('input', PRIORITY.srcnat - 1, 'ipvs ip_vs_remote_request', run),
    program('output', PRIORITY.dstnat + 2, 'ipvs ip_vs_local_request', run),
    program('input', PRIORITY.srcnat - 2, 'ipvs ip_vs_reply', reply),
    // the kernel's is at 100; nf_nat has nothing to do at FORWARD, where knet's hooks would undo the DNAT from 100 on
    program('forward', PRIORITY.srcnat - 1, 'ipvs ip_vs_reply', reply),
    program('output', PRIORITY.dstnat + 1, 'ipvs ip_vs_local_reply', reply),
  ];
}
