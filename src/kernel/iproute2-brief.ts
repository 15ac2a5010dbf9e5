// iproute2's brief views (`ip -br link`, `ip -br addr`) and `ip route get ADDR`, as 6.1 prints
// them: name padded to 16, operational state to 14, every token followed by one blank.
import { InputError } from '../api/errors.js';
import type { Link } from './link.js';
import type { NetNamespace } from './netns.js';
import { RT_TABLE_LOCAL, RT_TABLE_MAIN } from './route.js';
import { canonicalIP, ipFamily } from '../net/ip.js';

function briefName(ns: NetNamespace, l: Link): string {
  if (l.kind !== 'veth') return l.name;
  const peer = ns.peerOf(l);
  return peer ? `${l.name}@${peer.netns === ns ? peer.link.name : `if${peer.link.ifindex}`}` : l.name;
}

function head(ns: NetNamespace, l: Link): string {
  return `${briefName(ns, l).padEnd(16)} ${ns.status(l).state.padEnd(14)} `;
}

/** `ip -br link [show [dev D]]`. */
export function showBriefLinks(ns: NetNamespace, dev?: string): string {
  const links = dev === undefined ? ns.links() : [ns.mustLink(dev)];
  return links.map((l) => `${head(ns, l)}${l.mac} <${ns.status(l).flags.join(',')}> \n`).join('');
}

/** `ip [-4] -br addr [show [dev D]]`: with -4, links without an IPv4 address are left out. */
export function showBriefAddresses(ns: NetNamespace, opts: { dev?: string; family?: 4 | 6 } = {}): string {
  const links = opts.dev === undefined ? ns.links() : [ns.mustLink(opts.dev)];
  let out = '';
  for (const l of links) {
    const addrs = ns.addressesOf(l.name, opts.family);
    if (opts.family !== undefined && addrs.length === 0) continue;
    out += `${head(ns, l)}${addrs.map((a) => `${a.address}/${a.prefix} `).join('')}\n`;
  }
  return out;
}

/** `ip route get ADDR [oif DEV]`: the route the kernel would use, with its source, as one cache line. */
export function routeGet(ns: NetNamespace, addr: string, oif?: string, family?: 4 | 6): string {
  const dst = canonicalIP(addr);
  if (!dst) throw new InputError(`Error: any valid prefix is expected rather than "${addr}".`, 2);
  if (family !== undefined && ipFamily(dst) !== family) throw new InputError(`Error: inet${family === 6 ? '6' : ''} prefix is expected rather than "${addr}".`, 2);
  if (ipFamily(dst) === 6) return routeGet6(ns, dst, oif);
  if (oif !== undefined && !ns.link(oif)) throw new InputError(`Cannot find device "${oif}"`);
  const m = ns.lookup(dst, oif !== undefined ? { oif } : {});
  if (!m || m.route.type === 'unreachable') throw new InputError('RTNETLINK answers: Network is unreachable', 2);
  if (m.route.type === 'blackhole') throw new InputError('RTNETLINK answers: Invalid argument', 2);
  if (m.route.type === 'prohibit') throw new InputError('RTNETLINK answers: Permission denied', 2);
  const r = m.route;
  const table = r.table === RT_TABLE_MAIN ? '' : r.table === RT_TABLE_LOCAL ? ' table local' : ` table ${r.table}`;
  if (r.type === 'local') return `local ${dst} dev lo${table} src ${r.src ?? dst} uid 0 \n    cache <local> \n`;
  const dev = m.dev ?? '';
  const src = r.src ?? ns.sourceFor(dev, dst) ?? '';
  if (r.type === 'broadcast') return `broadcast ${dst} dev ${dev}${table} src ${src} uid 0 \n    cache <local,brd> \n`;
  return `${dst}${r.via ? ` via ${r.via}` : ''} dev ${dev}${table} src ${src} uid 0 \n    cache \n`;
}

/** IPv6's answer is the route itself, on one line: `from ::`, its proto, metric and preference. */
function routeGet6(ns: NetNamespace, dst: string, oif?: string): string {
  if (oif !== undefined && !ns.link(oif)) throw new InputError(`Cannot find device "${oif}"`);
  const m = ns.lookup(dst, oif !== undefined ? { oif } : {});
  if (!m || m.route.type !== 'unicast' && m.route.type !== 'local') throw new InputError('RTNETLINK answers: Network is unreachable', 2);
  const r = m.route;
  const proto = r.proto === 'boot' ? '' : ` proto ${r.proto}`;
  if (r.type === 'local') return `local ${dst} from :: dev lo table local${proto} src ${r.src ?? dst} metric ${r.metric ?? 0} pref medium\n`;
  const dev = m.dev ?? '';
  const src = r.src ?? ns.sourceFor(dev, dst) ?? '';
  const table = r.table === RT_TABLE_MAIN ? '' : ` table ${r.table}`;
  return `${dst} from ::${r.via ? ` via ${r.via}` : ''} dev ${dev}${table}${proto} src ${src} metric ${r.metric ?? 0} pref medium\n`;
}
