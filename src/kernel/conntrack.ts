// The connection tracking table of one network namespace: each connection's original and reply
// tuples (the reply tuple carries the NAT), its state and timeout, printed as `conntrack -L` does.
// Entries expire on the simulated clock after the timeout the namespace's net.netfilter sysctls
// give their state (kube-proxy sets the established one), as nf_conntrack's garbage collection does.
import type { Sysctls } from './sysctl.js';

export type L4Proto = 'tcp' | 'udp' | 'sctp' | 'icmp';

const PROTO_NUMBERS: Record<L4Proto, number> = { tcp: 6, udp: 17, sctp: 132, icmp: 1 };

export interface Tuple {
  proto: L4Proto;
  src: string;
  dst: string;
  sport: number;
  dport: number;
}

export interface ConntrackEntry {
  orig: Tuple;
  reply: Tuple;
  /** TCP: SYN_SENT until a reply, then ESTABLISHED; UDP/SCTP have no named state here. */
  state: string;
  /** When it expires, on the simulated clock (ms). */
  expires: number;
  seenReply: boolean;
  assured: boolean;
  mark: number;
  /** Which NAT the entry carries, for the trace's words. */
  dnat: boolean;
  snat: boolean;
}

function key(t: Tuple): string {
  return `${t.proto} ${t.src} ${t.sport} ${t.dst} ${t.dport}`;
}

export function invert(t: Tuple): Tuple {
  return { proto: t.proto, src: t.dst, dst: t.src, sport: t.dport, dport: t.sport };
}

/** nf_conntrack's timeouts (seconds) by the sysctl that sets each, with the kernel's defaults. */
const TIMEOUTS = {
  tcpSynSent: ['net.netfilter.nf_conntrack_tcp_timeout_syn_sent', 120],
  tcpEstablished: ['net.netfilter.nf_conntrack_tcp_timeout_established', 432000],
  udp: ['net.netfilter.nf_conntrack_udp_timeout', 30],
  // knet does not walk SCTP's own state machine: an association is given its established timeout
  sctp: ['net.netfilter.nf_conntrack_sctp_timeout_established', 210],
  icmp: ['net.netfilter.nf_conntrack_icmp_timeout', 30],
} as const;

export class ConntrackTable {
  private readonly byTuple = new Map<string, { entry: ConntrackEntry; dir: 'original' | 'reply' }>();
  private list: ConntrackEntry[] = [];

  /** `sysctl`: the namespace's, where the timeouts are read (the kernel's defaults without it). */
  constructor(private readonly sysctl?: Sysctls) {}

  private seconds(which: keyof typeof TIMEOUTS): number {
    const [name, fallback] = TIMEOUTS[which];
    const v = this.sysctl?.get(name);
    return v === undefined ? fallback : Number(v);
  }

  /** The live entries at `now`, oldest first (expired ones are dropped). */
  entries(now: number): readonly ConntrackEntry[] {
    if (this.list.some((e) => e.expires <= now)) {
      for (const e of this.list) if (e.expires <= now) this.forget(e);
      this.list = this.list.filter((e) => e.expires > now);
    }
    return this.list;
  }

  private forget(e: ConntrackEntry): void {
    this.byTuple.delete(key(e.orig));
    this.byTuple.delete(key(e.reply));
  }

  /** The entry a packet with this tuple belongs to, and in which direction it travels. */
  lookup(t: Tuple, now: number): { entry: ConntrackEntry; dir: 'original' | 'reply' } | undefined {
    const found = this.byTuple.get(key(t));
    if (!found || found.entry.expires > now) return found;
    this.entries(now);
    return undefined;
  }

  /** Commits a new connection (at POSTROUTING/INPUT, after NAT decided the reply tuple). */
  confirm(orig: Tuple, reply: Tuple, mark: number, now: number): ConntrackEntry {
    const which = orig.proto === 'tcp' ? 'tcpSynSent' : orig.proto === 'udp' ? 'udp' : orig.proto === 'sctp' ? 'sctp' : 'icmp';
    const e: ConntrackEntry = {
      orig,
      reply,
      state: orig.proto === 'tcp' ? 'SYN_SENT' : '',
      expires: now + this.seconds(which) * 1000,
      seenReply: false,
      assured: false,
      mark,
      dnat: orig.dst !== reply.src || orig.dport !== reply.sport,
      snat: orig.src !== reply.dst || orig.sport !== reply.dport,
    };
    this.list.push(e);
    this.byTuple.set(key(orig), { entry: e, dir: 'original' });
    this.byTuple.set(key(reply), { entry: e, dir: 'reply' });
    return e;
  }

  /** A reply was seen: a TCP connection is established (and assured, as after the handshake). */
  sawReply(e: ConntrackEntry, now: number): void {
    e.seenReply = true;
    if (e.orig.proto === 'tcp') {
      e.state = 'ESTABLISHED';
      e.assured = true;
      e.expires = now + this.seconds('tcpEstablished') * 1000;
    } else if (e.orig.proto === 'udp') {
      // one answer is no stream yet: udp_packet refreshes to udp_timeout; only later traffic
      // (which a traced connection does not send) makes it ASSURED with udp_timeout_stream
      e.expires = now + this.seconds('udp') * 1000;
    }
  }

  clear(): void {
    this.list = [];
    this.byTuple.clear();
  }

  /** A copy of every entry, for a branch that is explored and then undone (`--all-paths`). */
  snapshot(): ConntrackEntry[] {
    return this.list.map((e) => ({ ...e }));
  }

  restore(saved: ConntrackEntry[]): void {
    this.clear();
    for (const s of saved) {
      const e = { ...s };
      this.list.push(e);
      this.byTuple.set(key(e.orig), { entry: e, dir: 'original' });
      this.byTuple.set(key(e.reply), { entry: e, dir: 'reply' });
    }
  }

  /** `conntrack -L` lines (conntrack-tools 1.4) at `now`, oldest first. */
  format(now: number): string {
    return this.entries(now).map((e) => formatEntry(e, now)).join('');
  }
}

function tupleWords(t: Tuple): string {
  return t.proto === 'icmp' ? `src=${t.src} dst=${t.dst}` : `src=${t.src} dst=${t.dst} sport=${t.sport} dport=${t.dport}`;
}

/** One `conntrack -L` line at `now`: the timeout column is the whole seconds left. */
export function formatEntry(e: ConntrackEntry, now: number): string {
  const p = e.orig.proto;
  const head = `${p.padEnd(8)} ${PROTO_NUMBERS[p]} ${Math.max(0, Math.floor((e.expires - now) / 1000))} ${e.state ? `${e.state} ` : ''}`;
  const unreplied = e.seenReply ? '' : ' [UNREPLIED]';
  const assured = e.assured ? ' [ASSURED]' : '';
  return `${head}${tupleWords(e.orig)}${unreplied} ${tupleWords(e.reply)}${assured} mark=${e.mark} use=1\n`;
}
