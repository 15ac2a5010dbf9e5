// The nftables proxier: for one Service (all its ports) the chains kube-proxy writes into
// `table ip|ip6 kube-proxy` (service-, local-, external-, firewall-, endpoint- chains with their
// rules), the elements it keeps in the shared sets and verdict maps, and its affinity sets; and
// the fixed part every full sync re-creates (base chains, dispatch chains, sets, maps).
import { sameItems } from '../../../api/same-json.js';
import { cidrContains, parseCIDR } from '../../../net/ip.js';
import { categorizeEndpoints, portKey, type Endpoint, type ServicePort, type ServiceState } from '../objects.js';
import type { ProxierSettings } from '../settings.js';
import { endpointName, portNames, servicePortBase, type EndpointName, type PortNames } from './names.js';

export const TABLE = 'kube-proxy';

/** One element kube-proxy ensures: container (set or map), key text (`a . b . c`), value, comment. */
export interface ElementSpec {
  container: string;
  key: string;
  value?: string;
  comment?: string;
  /** `container key`: the element's identity among every Service's. */
  id: string;
}

export interface NftServiceRules {
  /** The Service's chains in the order kube-proxy ensures them, each with its rules (text + comment). */
  chains: Map<string, string[]>;
  /** The chains' names, in that order, and their rule lists (the same lists). */
  chainNames: string[];
  chainRules: string[][];
  elements: ElementSpec[];
  /** Affinity sets: name → timeout seconds. */
  affinitySets: Map<string, number>;
}

/** The base chains (newest kube-proxy layout): name, type, hook, priority. */
export const BASE_CHAINS: readonly [string, 'filter' | 'nat', string, number][] = [
  ['filter-prerouting-pre-dnat', 'filter', 'prerouting', -110],
  ['filter-output-pre-dnat', 'filter', 'output', -110],
  ['nat-prerouting', 'nat', 'prerouting', -100],
  ['nat-output', 'nat', 'output', -100],
  ['filter-forward', 'filter', 'forward', 0],
  ['filter-input', 'filter', 'input', 0],
  ['filter-output', 'filter', 'output', 0],
  ['nat-postrouting', 'nat', 'postrouting', 100],
];

/** Jump rules from base chains: from, to, match. */
const JUMPS: readonly [string, string, string][] = [
  ['filter-input', 'nodeport-endpoints-check', 'ct state new'],
  ['filter-input', 'service-endpoints-check', 'ct state new'],
  ['filter-forward', 'service-endpoints-check', 'ct state new'],
  ['filter-output', 'service-endpoints-check', 'ct state new'],
  ['filter-forward', 'cluster-ips-check', 'ct state new'],
  ['filter-output', 'cluster-ips-check', 'ct state new'],
  ['filter-prerouting-pre-dnat', 'firewall-check', 'ct state new'],
  ['filter-output-pre-dnat', 'firewall-check', 'ct state new'],
  ['nat-output', 'services', ''],
  ['nat-prerouting', 'services', ''],
  ['nat-postrouting', 'masquerading', ''],
];

/** The six containers whose elements kube-proxy diffs between syncs. */
export const CONTAINERS: readonly ['set' | 'map', string][] = [
  ['set', 'cluster-ips'],
  ['map', 'service-ips'],
  ['map', 'firewall-ips'],
  ['map', 'no-endpoint-services'],
  ['map', 'no-endpoint-nodeports'],
  ['map', 'service-nodeports'],
];

interface NftWords {
  ipX: string;
  addrType: string;
  ifLocal?: string;
  ifNotLocal?: string;
}

const wordsBySettings = new WeakMap<ProxierSettings, NftWords>();

/** The family's words, and the local detector's iptables match turned into nft's (read once per settings: every Service uses them). */
export function nftWords(s: ProxierSettings): NftWords {
  let w = wordsBySettings.get(s);
  if (!w) wordsBySettings.set(s, (w = wordsOf(s)));
  return w;
}

function wordsOf(s: ProxierSettings): NftWords {
  const ipX = s.family === 6 ? 'ip6' : 'ip';
  const w: NftWords = { ipX, addrType: s.family === 6 ? 'ipv6_addr' : 'ipv4_addr' };
  const d = s.localDetector;
  if (!d) return w;
  const m = /^-([si]) (\S+)$/.exec(d.ifLocal);
  if (!m) return w;
  if (m[1] === 's') return { ...w, ifLocal: `${ipX} saddr ${m[2]}`, ifNotLocal: `${ipX} saddr != ${m[2]}` };
  const name = m[2]!.endsWith('+') ? `${m[2]!.slice(0, -1)}*` : m[2]!;
  return { ...w, ifLocal: `iifname "${name}"`, ifNotLocal: `iifname != "${name}"` };
}

/** The Service's chain of this name (made, empty, on first use). */
function chainOf(out: NftServiceRules, name: string): string[] {
  let rules = out.chains.get(name);
  if (!rules) out.chains.set(name, (rules = []));
  return rules;
}

function elem(out: NftServiceRules, container: string, key: string, value: string, comment?: string): void {
  const id = `${container} ${key}`;
  out.elements.push(value ? (comment !== undefined ? { container, key, value, comment, id } : { container, key, value, id }) : comment !== undefined ? { container, key, comment, id } : { container, key, id });
}

function affinityOf(n: EndpointName): string {
  return `affinity-${n.base}`;
}

/** The service- or local- chain's rules: affinity first, then the random pick among the endpoints. */
function balance(out: NftServiceRules, w: NftWords, sp: ServicePort, names: PortNames, name: string, list: readonly Endpoint[]): void {
  const rules = chainOf(out, name);
  if (sp.affinitySeconds > 0) for (const e of list) rules.push(`${w.ipX} saddr @${affinityOf(endpointName(names, sp, e))} goto ${endpointName(names, sp, e).chain}`);
  rules.push(`numgen random mod ${list.length} vmap { ${list.map((e, i) => `${i} : goto ${endpointName(names, sp, e).chain}`).join(' , ')} }`);
}

/** The rules, elements and affinity sets of one Service (syncProxyRules' per-port body; no closures: tsx names each one made). */
export function nftServiceRules(s: ProxierSettings, st: ServiceState): NftServiceRules {
  const w = nftWords(s);
  const out: NftServiceRules = { chains: new Map(), chainNames: [], chainRules: [], elements: [], affinitySets: new Map() };

  for (const sp of st.ports) {
    const eps = st.endpoints.get(portKey(sp.portName, sp.protocol)) ?? [];
    const { clusterEndpoints, localEndpoints, reachable, hasEndpoints } = categorizeEndpoints(eps, sp);
    const p = sp.protocol;
    const base = servicePortBase(sp);
    const names = portNames(sp);
    for (const e of reachable) chainOf(out, endpointName(names, sp, e).chain);
    const clusterChain = `service-${base}`;
    const localChain = `local-${base}`;
    const usesCluster = clusterEndpoints.length > 0 && sp.usesClusterEndpoints;
    const usesLocal = localEndpoints.length > 0 && sp.usesLocalEndpoints;
    if (usesCluster) chainOf(out, clusterChain);
    if (usesLocal) chainOf(out, localChain);
    const internalChain = sp.internalPolicyLocal ? localChain : clusterChain;
    const hasInternal = hasEndpoints && (!sp.internalPolicyLocal || localEndpoints.length > 0);
    const externalPolicyChain = sp.externalPolicyLocal ? localChain : clusterChain;
    const hasExternal = hasEndpoints && (!sp.externalPolicyLocal || localEndpoints.length > 0);
    const extChain = `external-${base}`;
    const usesExt = hasEndpoints && sp.externallyAccessible;
    if (usesExt) chainOf(out, extChain);
    const internalVerdict = !hasEndpoints ? 'goto reject-chain' : 'drop';
    const externalVerdict = internalVerdict;

    // a key is `ip . proto . port`
    const tail = ` . ${p} . ${sp.port}`;
    elem(out, 'cluster-ips', sp.clusterIP, '');
    if (hasInternal) elem(out, 'service-ips', sp.clusterIP + tail, `goto ${internalChain}`);
    else elem(out, 'no-endpoint-services', sp.clusterIP + tail, internalVerdict, sp.spn);
    for (const ip of sp.externalIPs) {
      if (hasEndpoints) elem(out, 'service-ips', ip + tail, `goto ${extChain}`);
      if (!hasExternal) elem(out, 'no-endpoint-services', ip + tail, externalVerdict, sp.spn);
    }
    const usesFW = sp.loadBalancerVIPs.length > 0 && sp.loadBalancerSourceRanges.length > 0;
    const fwChain = `firewall-${base}`;
    if (usesFW) chainOf(out, fwChain);
    for (const ip of sp.loadBalancerVIPs) {
      if (hasEndpoints) elem(out, 'service-ips', ip + tail, `goto ${extChain}`);
      if (usesFW) elem(out, 'firewall-ips', ip + tail, `goto ${fwChain}`);
    }
    if (!hasExternal) for (const ip of sp.loadBalancerVIPs) elem(out, 'no-endpoint-services', ip + tail, externalVerdict, sp.spn);
    if (sp.nodePort !== 0) {
      if (hasEndpoints) elem(out, 'service-nodeports', `${p} . ${sp.nodePort}`, `goto ${extChain}`);
      if (!hasExternal) elem(out, 'no-endpoint-nodeports', `${p} . ${sp.nodePort}`, externalVerdict, sp.spn);
    }

    if (hasInternal) {
      // kube-proxy's tests expect the ClusterIP match without the port (see docs/DEVIATIONS.md)
      if (s.masqueradeAll) chainOf(out, internalChain).push(`${w.ipX} daddr ${sp.clusterIP} jump mark-for-masquerade`);
      else if (w.ifNotLocal) chainOf(out, internalChain).push(`${w.ipX} daddr ${sp.clusterIP} ${w.ifNotLocal} jump mark-for-masquerade`);
    }
    if (usesExt) {
      const ext = chainOf(out, extChain);
      if (!sp.externalPolicyLocal) ext.push('jump mark-for-masquerade');
      else {
        if (w.ifLocal) ext.push(`${w.ifLocal} goto ${clusterChain} comment "short-circuit pod traffic"`);
        ext.push('fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"');
        ext.push(`fib saddr type local goto ${clusterChain} comment "short-circuit local traffic"`);
      }
      if (hasExternal) ext.push(`goto ${externalPolicyChain}`);
    }
    if (usesFW) {
      const sources = [...sp.loadBalancerSourceRanges];
      const fromNode = sources.some((c) => {
        const cidr = parseCIDR(c);
        return !!cidr && cidrContains(cidr, s.nodeIP);
      });
      if (fromNode) sources.push(...sp.loadBalancerVIPs);
      chainOf(out, fwChain).push(`${w.ipX} saddr != { ${sources.join(' , ')} } drop`);
    }
    if (sp.affinitySeconds > 0) for (const e of reachable) out.affinitySets.set(affinityOf(endpointName(names, sp, e)), sp.affinitySeconds);
    if (usesCluster) balance(out, w, sp, names, clusterChain, clusterEndpoints);
    if (usesLocal) balance(out, w, sp, names, localChain, localEndpoints);
    for (const e of reachable) {
      const n = endpointName(names, sp, e);
      const rules = chainOf(out, n.chain);
      rules.push(`${w.ipX} saddr ${e.ip} jump mark-for-masquerade`);
      if (sp.affinitySeconds > 0) rules.push(`update @${affinityOf(n)} { ${w.ipX} saddr }`);
      rules.push(`meta l4proto ${p} dnat to ${e.hostPort}`);
    }
  }
  out.chainNames = [...out.chains.keys()];
  out.chainRules = [...out.chains.values()];
  return out;
}

// A Service's rules depend on its view and the family and masquerade settings; nodes whose
// settings agree share them (the view objects are shared too: views.ts). A Service whose rules
// read the node's IP (loadBalancerSourceRanges) is computed per node. A node's own view of a
// Service (its local endpoints) mostly writes what the shared one does: the rules equal to the
// last ones made for that Service are that object, so every node lists the same objects.
interface Shared {
  byState: WeakMap<ServiceState, NftServiceRules>;
  /** The last rules made per Service (`ns/name`). */
  byService: Map<string, NftServiceRules>;
}
const contexts = new WeakMap<ProxierSettings, Shared>();
const sharedRules = new Map<string, Shared>();
const SERVICES_LIMIT = 1_000_000;

/** Whether two Services' rules write the same. */
function sameRules(a: NftServiceRules, b: NftServiceRules): boolean {
  if (!sameItems(a.chainNames, b.chainNames) || a.elements.length !== b.elements.length || a.affinitySets.size !== b.affinitySets.size) return false;
  for (let i = 0; i < a.chainRules.length; i++) if (!sameItems(a.chainRules[i]!, b.chainRules[i]!)) return false;
  for (let i = 0; i < a.elements.length; i++) {
    const x = a.elements[i]!;
    const y = b.elements[i]!;
    if (x.id !== y.id || x.value !== y.value || x.comment !== y.comment) return false;
  }
  for (const [k, v] of a.affinitySets) if (b.affinitySets.get(k) !== v) return false;
  return true;
}

function contextOf(s: ProxierSettings): Shared {
  let m = contexts.get(s);
  if (!m) {
    const w = nftWords(s);
    const key = JSON.stringify([s.family, w.ifLocal, w.ifNotLocal, s.masqueradeAll]);
    m = sharedRules.get(key);
    if (!m) sharedRules.set(key, (m = { byState: new WeakMap(), byService: new Map() }));
    contexts.set(s, m);
  }
  return m;
}

/** What nodes whose kube-proxies share their Services' rules share (an identity: nodes with the same one list the same rule objects). */
export function rulesContext(s: ProxierSettings): object {
  return contextOf(s);
}

/** nftServiceRules, shared by every node's kube-proxy that would compute the same (never changed once made). */
export function sharedNftServiceRules(s: ProxierSettings, st: ServiceState): NftServiceRules {
  const m = contextOf(s);
  let r = m.byState.get(st);
  if (r) return r;
  r = nftServiceRules(s, st);
  if (st.ports.some((p) => p.loadBalancerSourceRanges.length > 0)) return r;
  const service = st.ports[0]?.service ?? '';
  const last = m.byService.get(service);
  if (last && sameRules(last, r)) r = last;
  else {
    if (m.byService.size >= SERVICES_LIMIT) m.byService.clear();
    m.byService.set(service, r);
  }
  m.byState.set(st, r);
  return r;
}

/** What a full sync writes before the Services (setupNFTables), as transaction lines. */
export function setupLines(s: ProxierSettings, serviceCIDRs: string[], firstSync: boolean): string[] {
  const w = nftWords(s);
  const h = `${w.ipX} ${TABLE}`;
  const noLocalhost = s.family === 6 ? 'ip6 daddr != ::1' : 'ip daddr != 127.0.0.0/8';
  const out: string[] = [`add table ${h} { comment "rules for kube-proxy" ; }`];
  if (firstSync) for (const [name] of BASE_CHAINS) out.push(`add chain ${h} ${name}`, `delete chain ${h} ${name}`);
  for (const [name, type, hook, prio] of BASE_CHAINS) out.push(`add chain ${h} ${name} { type ${type} hook ${hook} priority ${prio} ; }`, `flush chain ${h} ${name}`);
  const created = new Set<string>();
  const ensure = (c: string): void => {
    if (created.has(c)) return;
    created.add(c);
    out.push(`add chain ${h} ${c}`, `flush chain ${h} ${c}`);
  };
  for (const [from, to, match] of JUMPS) {
    ensure(to);
    out.push(`add rule ${h} ${from} ${match ? match + ' ' : ''}jump ${to}`);
  }
  for (const c of ['services', 'cluster-ips-check', 'masquerading', 'mark-for-masquerade']) ensure(c);
  const mark = s.masqueradeMark;
  out.push(
    `add rule ${h} mark-for-masquerade mark set mark or ${mark}`,
    `add rule ${h} masquerading mark and ${mark} == 0 return`,
    `add rule ${h} masquerading mark set mark xor ${mark}`,
    `add rule ${h} masquerading masquerade fully-random`,
    `add set ${h} cluster-ips { type ${w.addrType} ; comment "Active ClusterIPs" ; }`,
    `add rule ${h} cluster-ips-check ${w.ipX} daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"`,
  );
  if (serviceCIDRs.length) out.push(`add rule ${h} cluster-ips-check ${w.ipX} daddr { ${serviceCIDRs.join(',')} } drop comment "Drop traffic to unallocated ClusterIPs"`);
  out.push(`add set ${h} nodeport-ips { type ${w.addrType} ; comment "IPs that accept NodePort traffic" ; }`);
  const matchAll = s.nodePortAddresses.matchAll;
  if (matchAll) out.push(`delete set ${h} nodeport-ips`);
  else {
    out.push(`flush set ${h} nodeport-ips`);
    for (const ip of s.nodePortAddresses.ips) if (!ip.startsWith('127.') && ip !== '::1') out.push(`add element ${h} nodeport-ips { ${ip} }`);
  }
  out.push(
    `add map ${h} no-endpoint-services { type ${w.addrType} . inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to services with no endpoints" ; }`,
    `add map ${h} no-endpoint-nodeports { type inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to service nodeports with no endpoints" ; }`,
    `add chain ${h} reject-chain { comment "helper for @no-endpoint-services / @no-endpoint-nodeports" ; }`,
    `flush chain ${h} reject-chain`,
    `add rule ${h} reject-chain reject`,
    `add rule ${h} service-endpoints-check ${w.ipX} daddr . meta l4proto . th dport vmap @no-endpoint-services`,
    matchAll
      ? `add rule ${h} nodeport-endpoints-check ${noLocalhost} meta l4proto . th dport vmap @no-endpoint-nodeports`
      : `add rule ${h} nodeport-endpoints-check ${w.ipX} daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports`,
    `add map ${h} firewall-ips { type ${w.addrType} . inet_proto . inet_service : verdict ; comment "destinations that are subject to LoadBalancerSourceRanges" ; }`,
  );
  ensure('firewall-check');
  out.push(
    `add rule ${h} firewall-check ${w.ipX} daddr . meta l4proto . th dport vmap @firewall-ips`,
    `add map ${h} service-ips { type ${w.addrType} . inet_proto . inet_service : verdict ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }`,
    `add map ${h} service-nodeports { type inet_proto . inet_service : verdict ; comment "NodePort traffic" ; }`,
    `add rule ${h} services ${w.ipX} daddr . meta l4proto . th dport vmap @service-ips`,
    matchAll
      ? `add rule ${h} services fib daddr type local ${noLocalhost} meta l4proto . th dport vmap @service-nodeports`
      : `add rule ${h} services ${w.ipX} daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports`,
  );
  for (const [kind, name] of CONTAINERS) out.push(`flush ${kind} ${h} ${name}`);
  return out;
}
