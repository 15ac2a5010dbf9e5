// IPVS's own connection table (ip_vs_conn.c): one entry per client connection to a real server,
// with the protocol state's timeout on the simulated clock, and the persistence templates
// (client address, port 0, virtual address and port → real server) sessionAffinity relies on.
import type { IpvsProto, RealServer, VirtualService } from './service.js';

export type ConnState = 'NONE' | 'SYN_RECV' | 'ESTABLISHED' | 'FIN_WAIT' | 'TIME_WAIT' | 'CLOSE' | 'UDP' | 'SCTP_ESTABLISHED';

/** The kernel's default timeouts per state, seconds (ip_vs_proto_tcp.c, _udp.c, _sctp.c). */
export const DEFAULT_TIMEOUTS: Record<Exclude<ConnState, 'NONE'>, number> = {
  SYN_RECV: 60,
  ESTABLISHED: 900,
  FIN_WAIT: 120,
  TIME_WAIT: 120,
  CLOSE: 10,
  UDP: 300,
  SCTP_ESTABLISHED: 900,
};

export interface IpvsConn {
  proto: IpvsProto;
  caddr: string;
  cport: number;
  vaddr: string;
  vport: number;
  daddr: string;
  dport: number;
  state: ConnState;
  /** When the entry's timer fires (ms on the simulated clock). */
  expires: number;
  /** The timer's length in seconds (what it is re-armed to). */
  timeout: number;
  template: boolean;
  svc: VirtualService;
  dest: RealServer;
  /** The persistence template this connection was scheduled through. */
  control?: IpvsConn;
}

/** Active connections are TCP ESTABLISHED ones; everything else (and all UDP) counts as inactive. */
export function isActive(c: IpvsConn): boolean {
  return c.state === 'ESTABLISHED' || c.state === 'SCTP_ESTABLISHED';
}

export function connKey(proto: string, caddr: string, cport: number, vaddr: string, vport: number): string {
  return `${proto} ${caddr} ${cport} ${vaddr} ${vport}`;
}

export class ConnTable {
  private readonly conns = new Map<string, IpvsConn>();
  /** Overrides of the TCP established, TCP FIN and UDP timeouts (`ipvsadm --set`; 0 = keep). */
  timeouts = { tcp: 0, tcpfin: 0, udp: 0 };

  timeoutOf(state: ConnState): number {
    if (state === 'ESTABLISHED' && this.timeouts.tcp) return this.timeouts.tcp;
    if (state === 'FIN_WAIT' && this.timeouts.tcpfin) return this.timeouts.tcpfin;
    if (state === 'UDP' && this.timeouts.udp) return this.timeouts.udp;
    return state === 'NONE' ? 0 : DEFAULT_TIMEOUTS[state];
  }

  /** Entries in the order /proc/net/ip_vs_conn would list them here (creation order). */
  list(now: number): IpvsConn[] {
    this.expire(now);
    return [...this.conns.values()];
  }

  get(key: string, now: number): IpvsConn | undefined {
    this.expire(now);
    return this.conns.get(key);
  }

  /** Fires every timer due by `now`; a template still controlling live connections is re-armed. */
  expire(now: number): void {
    for (const [k, c] of this.conns) {
      if (c.expires > now) continue;
      if (c.template) {
        const lastChild = Math.max(0, ...[...this.conns.values()].filter((x) => x.control === c).map((x) => x.expires));
        while (c.expires <= now && lastChild > c.expires) c.expires += c.timeout * 1000;
        if (c.expires > now) continue;
        c.dest.persistConns--;
      } else if (isActive(c)) c.dest.activeConns--;
      else c.dest.inactConns--;
      this.conns.delete(k);
    }
  }

  add(c: Omit<IpvsConn, 'expires' | 'timeout'> & { timeout?: number }, now: number): IpvsConn {
    const timeout = c.timeout ?? this.timeoutOf(c.state);
    const conn: IpvsConn = { ...c, timeout, expires: now + timeout * 1000 };
    this.conns.set(connKey(c.proto, c.caddr, c.cport, c.vaddr, c.vport), conn);
    if (conn.template) conn.dest.persistConns++;
    else if (isActive(conn)) conn.dest.activeConns++;
    else conn.dest.inactConns++;
    return conn;
  }

  /** Re-arms a timer (a packet used the entry). */
  touch(c: IpvsConn, now: number): void {
    c.expires = now + c.timeout * 1000;
  }

  /** A state transition (e.g. the client's FIN: ESTABLISHED → FIN_WAIT), moving the counters. */
  setState(c: IpvsConn, state: ConnState, now: number): void {
    if (c.template) return;
    if (isActive(c)) c.dest.activeConns--;
    else c.dest.inactConns--;
    c.state = state;
    c.timeout = this.timeoutOf(state);
    c.expires = now + c.timeout * 1000;
    if (isActive(c)) c.dest.activeConns++;
    else c.dest.inactConns++;
  }

  /** Drops every entry of a service (it was deleted) or of one of its destinations. */
  forget(pred: (c: IpvsConn) => boolean): void {
    for (const [k, c] of this.conns) if (pred(c)) this.conns.delete(k);
  }

  clear(): void {
    for (const c of this.conns.values()) {
      if (c.template) c.dest.persistConns--;
      else if (isActive(c)) c.dest.activeConns--;
      else c.dest.inactConns--;
    }
    this.conns.clear();
  }

  /** Copies of the entries (templates keep controlling their own connections' copies). */
  snapshot(): Map<string, IpvsConn> {
    return copyConns(this.conns);
  }

  /** Puts a snapshot back; the real servers' counters follow the entries. */
  restore(saved: Map<string, IpvsConn>): void {
    this.clear();
    for (const [k, c] of copyConns(saved)) {
      this.conns.set(k, c);
      if (c.template) c.dest.persistConns++;
      else if (isActive(c)) c.dest.activeConns++;
      else c.dest.inactConns++;
    }
  }
}

function copyConns(m: Map<string, IpvsConn>): Map<string, IpvsConn> {
  const copies = new Map<IpvsConn, IpvsConn>();
  for (const c of m.values()) copies.set(c, { ...c });
  for (const c of copies.values()) if (c.control) c.control = copies.get(c.control) ?? c.control;
  return new Map([...m].map(([k, c]) => [k, copies.get(c)!]));
}
