// ipvsadm's views of the table, as ipvsadm 1.31 prints them: `-Ln` (services and destinations,
// sorted as libipvs sorts them), `-Sn` / ipvsadm-save -n (rule form), `-Lnc` (the connection
// table) and `-Ln --stats`.
import { ipToBigInt, hostPort } from '../../net/ip.js';
import type { IpvsConn } from './connections.js';
import type { IpvsTable } from './table.js';
import {
  IP_VS_SVC_F_ONEPACKET,
  IP_VS_SVC_F_PERSISTENT,
  IP_VS_SVC_F_SCHED1,
  IP_VS_SVC_F_SCHED2,
  IP_VS_SVC_F_SCHED3,
  type IpvsStats,
  type RealServer,
  type VirtualService,
} from './service.js';

const PROTO_NUMBER = { TCP: 6, UDP: 17, SCTP: 132 } as const;
const RULE_SWITCH = { TCP: '-t', UDP: '-u', SCTP: '--sctp-service' } as const;
const FWD_SWITCH = { Masq: '-m', Local: '-m', Tunnel: '-i', Route: '-g' } as const;

/** The address as 32-bit big-endian words. */
function words(ip: string): number[] {
  const v = ipToBigInt(ip);
  const n = ip.includes(':') ? 4 : 1;
  return Array.from({ length: n }, (_, i) => Number((v >> BigInt(32 * (n - 1 - i))) & 0xffffffffn));
}

/** libipvs compares addresses word by word as `(int)(ntohl(a) - ntohl(b))`: differences of 2^31 or more wrap. */
function cmpAddr(a: string, b: string): number {
  const wa = words(a);
  const wb = words(b);
  for (let i = 0; i < wa.length; i++) {
    const r = (wa[i]! - wb[i]!) | 0;
    if (r !== 0) return r;
  }
  return 0;
}

function cmpServices(a: VirtualService, b: VirtualService): number {
  return (a.family === b.family ? 0 : a.family === 4 ? -1 : 1) || PROTO_NUMBER[a.proto] - PROTO_NUMBER[b.proto] || cmpAddr(a.addr, b.addr) || a.port - b.port;
}

function cmpDests(a: RealServer, b: RealServer): number {
  return cmpAddr(a.addr, b.addr) || a.port - b.port;
}

/** Services in libipvs order; `family` keeps one address family's (what one kube-proxy proxier owns). */
function sorted(t: IpvsTable, family?: 4 | 6): VirtualService[] {
  return t.services().filter((s) => family === undefined || s.family === family).sort(cmpServices);
}

function schedFlags(s: VirtualService): string {
  const f: string[] = [];
  const [one, two] = s.scheduler === 'sh' ? ['sh-fallback', 'sh-port'] : s.scheduler === 'mh' ? ['mh-fallback', 'mh-port'] : ['flag-1', 'flag-2'];
  if (s.flags & IP_VS_SVC_F_SCHED1) f.push(one!);
  if (s.flags & IP_VS_SVC_F_SCHED2) f.push(two!);
  if (s.flags & IP_VS_SVC_F_SCHED3) f.push('flag-3');
  return f.join(',');
}

function netmaskText(s: VirtualService): string | undefined {
  if (s.netmask === (s.family === 4 ? 32 : 128)) return undefined;
  if (s.family === 6) return String(s.netmask);
  const m = s.netmask === 0 ? 0 : (0xffffffff << (32 - s.netmask)) >>> 0;
  return `${m >>> 24}.${(m >>> 16) & 255}.${(m >>> 8) & 255}.${m & 255}`;
}

const pad = (s: string, n: number): string => s.padEnd(n);

function svcName(s: VirtualService): string {
  return `${pad(s.proto, 4)} ${hostPort(s.addr, s.port)}`;
}

function header(t: IpvsTable): string {
  return `IP Virtual Server version 1.2.1 (size=${t.connTabSize})\n`;
}

/** `ipvsadm -Ln`. */
export function formatList(t: IpvsTable, family?: 4 | 6): string {
  let out = header(t) + 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';
  for (const s of sorted(t, family)) {
    out += `${svcName(s)} ${s.scheduler}`;
    const f = schedFlags(s);
    if (f) out += ` (${f})`;
    if (s.flags & IP_VS_SVC_F_PERSISTENT) {
      out += ` persistent ${s.timeout}`;
      const m = netmaskText(s);
      if (m) out += ` mask ${m}`;
    }
    if (s.flags & IP_VS_SVC_F_ONEPACKET) out += ' ops';
    out += '\n';
    for (const d of [...s.dests].sort(cmpDests)) {
      out += `  -> ${pad(hostPort(d.addr, d.port), 28)} ${pad(d.fwd, 7)} ${pad(String(d.weight), 6)} ${pad(String(d.activeConns), 10)} ${pad(String(d.inactConns), 10)}\n`;
    }
  }
  return out;
}

/** `ipvsadm-save -n` (= `ipvsadm -Sn`). */
export function formatSave(t: IpvsTable, family?: 4 | 6): string {
  let out = '';
  for (const s of sorted(t, family)) {
    const id = `${RULE_SWITCH[s.proto]} ${hostPort(s.addr, s.port)}`;
    out += `-A ${id} -s ${s.scheduler}`;
    if (s.flags & IP_VS_SVC_F_PERSISTENT) {
      out += ` -p ${s.timeout}`;
      const m = netmaskText(s);
      if (m) out += ` -M ${m}`;
    }
    if (s.flags & IP_VS_SVC_F_ONEPACKET) out += ' -o';
    const f = schedFlags(s);
    if (f) out += ` -b ${f}`;
    out += '\n';
    for (const d of [...s.dests].sort(cmpDests)) out += `-a ${id} -r ${hostPort(d.addr, d.port)} ${FWD_SWITCH[d.fwd]} -w ${d.weight}\n`;
  }
  return out;
}

/** print_largenum: right-aligned in 9 columns, K/M/G/T beyond 8 digits. */
function largenum(n: number): string {
  if (n < 100000000) return String(n).padStart(9);
  for (const [div, unit] of [[1e3, 'K'], [1e6, 'M'], [1e9, 'G'], [1e12, 'T']] as const) {
    const v = Math.floor(n / div);
    if (v < 100000000) return `${String(v).padStart(8)}${unit}`;
  }
  return String(n).padStart(9);
}

function statsCols(s: IpvsStats): string {
  return [s.conns, s.inPkts, s.outPkts, s.inBytes, s.outBytes].map(largenum).join('');
}

/** `ipvsadm -Ln --stats`. */
export function formatStats(t: IpvsTable, family?: 4 | 6): string {
  let out = header(t) + `${pad('Prot LocalAddress:Port', 33)} ${['Conns', 'InPkts', 'OutPkts', 'InBytes', 'OutBytes'].map((h) => h.padStart(8)).join(' ')}\n  -> RemoteAddress:Port\n`;
  for (const s of sorted(t, family)) {
    out += `${pad(svcName(s), 33)}${statsCols(s.stats)}\n`;
    for (const d of [...s.dests].sort(cmpDests)) out += `  -> ${pad(hostPort(d.addr, d.port), 28)}${statsCols(d.stats)}\n`;
  }
  return out;
}

function stateName(c: IpvsConn): string {
  return c.state === 'SCTP_ESTABLISHED' ? 'ESTABLISHED' : c.state;
}

/** `ipvsadm -Lnc`: every connection entry and persistence template with the time left on its timer. */
export function formatConnections(t: IpvsTable, now: number): string {
  let out = 'IPVS connection entries\npro expire state       source             virtual            destination\n';
  for (const c of t.conns.list(now)) {
    const left = Math.max(0, Math.floor((c.expires - now) / 1000));
    const expire = `${String(Math.floor(left / 60)).padStart(2, '0')}:${String(left % 60).padStart(2, '0')}`;
    out += `${pad(c.proto, 3)} ${pad(expire, 6)} ${pad(stateName(c), 11)} ${pad(hostPort(c.caddr, c.cport), 18)} ${pad(hostPort(c.vaddr, c.vport), 18)} ${hostPort(c.daddr, c.dport)}\n`;
  }
  return out;
}
