// IPVS's objects as the kernel keeps them (include/net/ip_vs.h): a virtual service with its
// scheduler, flags and persistence, and its destinations (real servers) in the kernel's list
// order — a new one goes to the head, so the list is the reverse of the order of adds.
import type { Family } from '../../net/ip.js';
import { hostPort } from '../../net/ip.js';

export type IpvsProto = 'TCP' | 'UDP' | 'SCTP';

export const IP_VS_SVC_F_PERSISTENT = 0x1;
export const IP_VS_SVC_F_HASHED = 0x2;
export const IP_VS_SVC_F_ONEPACKET = 0x4;
/** sh-fallback / mh-fallback. */
export const IP_VS_SVC_F_SCHED1 = 0x8;
/** sh-port / mh-port. */
export const IP_VS_SVC_F_SCHED2 = 0x10;
export const IP_VS_SVC_F_SCHED3 = 0x20;

export type ForwardMethod = 'Masq' | 'Local' | 'Tunnel' | 'Route';

export interface IpvsStats {
  conns: number;
  inPkts: number;
  outPkts: number;
  inBytes: number;
  outBytes: number;
}

export function emptyStats(): IpvsStats {
  return { conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 };
}

/** The counters of a service or destination no packet has met yet: one frozen object for all of them (10k services, 100k real servers). */
export const NO_STATS: IpvsStats = Object.freeze(emptyStats());

/** The counters to count into: a service's or destination's own, made on its first packet. */
export function ownStats(x: { stats: IpvsStats }): IpvsStats {
  if (x.stats === NO_STATS) x.stats = emptyStats();
  return x.stats;
}

export interface RealServer {
  addr: string;
  port: number;
  weight: number;
  /** The last non-zero weight (mh builds its table from it, so a quiesced server keeps its slots). */
  lastWeight: number;
  fwd: ForwardMethod;
  activeConns: number;
  inactConns: number;
  persistConns: number;
  stats: IpvsStats;
}

/** What `ipvsadm -A|-E` gives: the service's address, scheduler, flags and persistence. */
export interface ServiceSpec {
  family: Family;
  proto: IpvsProto;
  addr: string;
  port: number;
  scheduler: string;
  /** IP_VS_SVC_F_* as set by the user (the kernel's own HASHED bit is not kept here). */
  flags: number;
  /** Persistence timeout in seconds (meaningful with IP_VS_SVC_F_PERSISTENT). */
  timeout: number;
  /** Persistence granularity as a prefix length (32 / 128 = per client address; the family's full length by default). */
  netmask?: number;
}

export interface VirtualService extends ServiceSpec {
  netmask: number;
  /** Destinations in kernel list order (head first). */
  dests: RealServer[];
  /** The scheduler's private state (rr cursor, wrr marks, hash tables). */
  sched: unknown;
  stats: IpvsStats;
}

/** The service's identity: `TCP 10.96.0.10:80` (IPv6 in brackets). */
export function serviceKey(proto: IpvsProto, addr: string, port: number): string {
  return `${proto} ${hostPort(addr, port)}`;
}


/** Available for new connections: weight > 0 (kube-proxy never sets thresholds, so never overloaded). */
export function available(d: RealServer): boolean {
  return d.weight > 0;
}
