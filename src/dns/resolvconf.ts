// The /etc/resolv.conf a pod gets: the kubelet's dnsPolicy rules (cluster DNS, host file, None)
// plus the pod's dnsConfig, written in the order containerd and CRI-O use (search, nameservers,
// options).
import type { Pod } from '../api/types.js';
import type { Cluster } from '../cluster/cluster.js';

export interface ResolvConf {
  nameservers: string[];
  searches: string[];
  options: string[];
  /** The policy the kubelet applied (ClusterFirst on a hostNetwork pod applies Default). */
  policy: 'ClusterFirst' | 'ClusterFirstWithHostNet' | 'Default' | 'None';
  effective: 'cluster' | 'host' | 'none';
  /** Events the kubelet would record (limits exceeded, no cluster DNS). */
  warnings: string[];
}

const MAX_NAMESERVERS = 3;
const MAX_SEARCHES = 32;
const MAX_SEARCH_LINE = 2048;
const MAX_SEARCH_ENTRY = 253;

/** The kubelet's reading of a host resolver file: every nameserver, the last search and options lines. */
export function parseHostResolvConf(text: string): { nameservers: string[]; searches: string[]; options: string[] } {
  const out = { nameservers: [] as string[], searches: [] as string[], options: [] as string[] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const f = line.split(/\s+/).filter(Boolean);
    if (f.length === 0) continue;
    if (f[0] === 'nameserver' && f[1]) out.nameservers.push(f[1]);
    else if (f[0] === 'search') out.searches = f.slice(1).map((s) => s.replace(/\.+$/, '')).filter(Boolean);
    else if (f[0] === 'options') out.options = f.slice(1);
  }
  return out;
}

const unique = (xs: string[]): string[] => [...new Set(xs)];

/** Options merge by name; a later value replaces the earlier one in place. */
function mergeOptions(base: string[], extra: { name: string; value?: string }[]): string[] {
  const out = [...base];
  for (const o of extra) {
    const text = o.value !== undefined && o.value !== '' ? `${o.name}:${o.value}` : o.name;
    const i = out.findIndex((x) => x.split(':')[0] === o.name);
    if (i >= 0) out[i] = text;
    else out.push(text);
  }
  return out;
}

export function resolvConfFor(cluster: Cluster, pod: Pod): ResolvConf {
  const kubelet = cluster.topology.kubelet;
  const node = cluster.topology.header.nodes.find((n) => n.name === pod.spec.nodeName);
  const host = kubelet.resolvConf === '' ? { nameservers: [], searches: [], options: [] } : parseHostResolvConf(node?.resolvConf ?? '');
  const policy = pod.spec.dnsPolicy ?? 'ClusterFirst';
  const warnings: string[] = [];
  let effective: ResolvConf['effective'] =
    policy === 'None' ? 'none' : policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && !pod.spec.hostNetwork) ? 'cluster' : 'host';
  let nameservers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  if (effective === 'cluster' && kubelet.clusterDNS.length === 0) {
    warnings.push(`pod ${pod.metadata.namespace}/${pod.metadata.name}: kubelet does not have ClusterDNS IP configured and cannot create Pod using "${policy}" policy. Falling back to "Default" policy.`);
    effective = 'host';
  }
  if (effective === 'cluster') {
    nameservers = [...kubelet.clusterDNS];
    const d = kubelet.clusterDomain;
    searches = d ? unique([`${pod.metadata.namespace}.svc.${d}`, `svc.${d}`, d, ...host.searches]) : host.searches;
    options = ['ndots:5'];
  } else if (effective === 'host') {
    ({ nameservers, searches, options } = host);
    if (kubelet.resolvConf === '') {
      nameservers = [node && node.ip.includes(':') ? '::1' : '127.0.0.1'];
      searches = ['.'];
    }
  }
  const dc = pod.spec.dnsConfig;
  if (dc) {
    nameservers = unique([...nameservers, ...(dc.nameservers ?? [])]);
    searches = unique([...searches, ...(dc.searches ?? [])]);
    options = mergeOptions(options, dc.options ?? []);
  }
  if (nameservers.length > MAX_NAMESERVERS) {
    warnings.push(`Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${nameservers.slice(0, MAX_NAMESERVERS).join(' ')}`);
    nameservers = nameservers.slice(0, MAX_NAMESERVERS);
  }
  const fitting = searches.filter((s) => s.length <= MAX_SEARCH_ENTRY);
  let limited = fitting.slice(0, MAX_SEARCHES);
  while (limited.join(' ').length > MAX_SEARCH_LINE) limited = limited.slice(0, -1);
  if (limited.length !== searches.length) {
    warnings.push(`Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${limited.join(' ')}`);
    searches = limited;
  }
  return { nameservers, searches, options, policy, effective, warnings };
}

/** The file as the container runtime writes it. */
export function resolvConfText(c: ResolvConf): string {
  const lines: string[] = [];
  if (c.searches.length) lines.push(`search ${c.searches.join(' ')}`);
  for (const n of c.nameservers) lines.push(`nameserver ${n}`);
  if (c.options.length) lines.push(`options ${c.options.join(' ')}`);
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** The resolver's ndots (default 1, as in glibc). */
export function ndotsOf(c: ResolvConf): number {
  let n = 1;
  for (const o of c.options) {
    const m = o.match(/^ndots:(\d+)$/);
    if (m) n = Math.min(15, Number(m[1]));
  }
  return n;
}
