// The connection tracking table of one network namespace: each connection's original and reply
// tuples (the reply tuple carries the NAT), its state and timeout, printed as `conntrack -L` does.

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
  /** Seconds left when printed. */
  timeout: number;
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

/** nf_conntrack's default timeouts for a new (unreplied) and an established flow, in seconds. */
const TIMEOUTS = { tcpNew: 120, tcpEstablished: 432000, udp: 30, udpStream: 120, sctp: 210, icmp: 30 };

export class ConntrackTable {
  private readonly byTuple = new Map<string, { entry: ConntrackEntry; dir: 'original' | 'reply' }>();
  readonly entries: ConntrackEntry[] = [];

  /** The entry a packet with this tuple belongs to, and in which direction it travels. */
  lookup(t: Tuple): { entry: ConntrackEntry; dir: 'original' | 'reply' } | undefined {
    return this.byTuple.get(key(t));
  }

  /** Commits a new connection (at POSTROUTING/INPUT, after NAT decided the reply tuple). */
  confirm(orig: Tuple, reply: Tuple, mark: number): ConntrackEntry {
    const e: ConntrackEntry = {
      orig,
      reply,
      state: orig.proto === 'tcp' ? 'SYN_SENT' : '',
      timeout: orig.proto === 'tcp' ? TIMEOUTS.tcpNew : orig.proto === 'udp' ? TIMEOUTS.udp : orig.proto === 'sctp' ? TIMEOUTS.sctp : TIMEOUTS.icmp,
      seenReply: false,
      assured: false,
      mark,
      dnat: orig.dst !== reply.src || orig.dport !== reply.sport,
      snat: orig.src !== reply.dst || orig.sport !== reply.dport,
    };
    this.entries.push(e);
    this.byTuple.set(key(orig), { entry: e, dir: 'original' });
    this.byTuple.set(key(reply), { entry: e, dir: 'reply' });
    return e;
  }

  /** A reply was seen: the connection is established (and assured, as after the handshake). */
  sawReply(e: ConntrackEntry): void {
    e.seenReply = true;
    e.assured = true;
    if (e.orig.proto === 'tcp') {
      e.state = 'ESTABLISHED';
      e.timeout = TIMEOUTS.tcpEstablished;
    } else if (e.orig.proto === 'udp') e.timeout = TIMEOUTS.udpStream;
  }

  clear(): void {
    this.entries.length = 0;
    this.byTuple.clear();
  }

  /** A copy of every entry, for a branch that is explored and then undone (`--all-paths`). */
  snapshot(): ConntrackEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  restore(saved: ConntrackEntry[]): void {
    this.clear();
    for (const s of saved) {
      const e = { ...s };
      this.entries.push(e);
      this.byTuple.set(key(e.orig), { entry: e, dir: 'original' });
      this.byTuple.set(key(e.reply), { entry: e, dir: 'reply' });
    }
  }

  /** `conntrack -L` lines (conntrack-tools 1.4), oldest first. */
  format(): string {
    return this.entries.map(formatEntry).join('');
  }
}

function tupleWords(t: Tuple): string {
  return t.proto === 'icmp' ? `src=${t.src} dst=${t.dst}` : `src=${t.src} dst=${t.dst} sport=${t.sport} dport=${t.dport}`;
}

export function formatEntry(e: ConntrackEntry): string {
  const p = e.orig.proto;
  const head = `${p.padEnd(8)} ${PROTO_NUMBERS[p]} ${e.timeout} ${e.state ? `${e.state} ` : ''}`;
  const unreplied = e.seenReply ? '' : ' [UNREPLIED]';
  const assured = e.assured ? ' [ASSURED]' : '';
  return `${head}${tupleWords(e.orig)}${unreplied} ${tupleWords(e.reply)}${assured} mark=${e.mark} use=1\n`;
}
