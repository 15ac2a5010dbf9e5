// The IPVS proxier's sync as pure functions of kube-proxy's view: for each Service, per port, the
// virtual servers (ClusterIP, each external IP, each LB ingress IP, each node IP for a NodePort)
// with the real servers its traffic policy allows, the addresses kube-ipvs0 must hold and the
// ipset entries it needs; and from which sets have entries, the iptables rules IPVS mode writes
// around them (writeIptablesRules). The whole sync is every Service's plan in key order.
import type { IpvsProto } from '../../../kernel/ipvs/service.js';
import { IP_VS_SVC_F_PERSISTENT, IP_VS_SVC_F_SCHED2, serviceKey } from '../../../kernel/ipvs/service.js';
import { cidrContains, parseCIDR, type Family } from '../../../net/ip.js';
import { categorizeEndpoints, portKey, type Endpoint, type ServicePort, type ServiceState } from '../objects.js';
import type { ProxierSettings } from '../settings.js';
import * as S from './sets.js';

export interface IpvsSettings {
  /** --ipvs-scheduler; empty means rr. */
  scheduler: string;
  excludeCIDRs: string[];
  strictARP: boolean;
}

export interface VirtualServerPlan {
  /** The virtual server's identity (serviceKey), made once. */
  key: string;
  proto: IpvsProto;
  addr: string;
  port: number;
  scheduler: string;
  flags: number;
  timeout: number;
  /** Real servers (endpoints, unique by ip:port) in the order kube-proxy adds them (the endpoint strings sorted). */
  dests: readonly Endpoint[];
  /** The Service port it serves: `ns/name:port`. */
  spn: string;
}

/** One line of the iptables-restore input: table, chain and the words after `-A CHAIN`. */
export interface RuleLine {
  table: 'nat' | 'filter';
  chain: string;
  text: string;
}

/** What one Service needs written. */
export interface ServicePlan {
  /** [set base name (KUBE-…), entry] in the order the proxier adds them; KUBE-IPVS-IPS holds the addresses kube-ipvs0 must hold, in the order it binds them. */
  entries: [string, string][];
  services: VirtualServerPlan[];
  /** KUBE-IPVS-OUT-FILTER drops (LB VIPs the node itself may not reach). */
  outFilter: readonly RuleLine[];
}

/** What the proxier knows of the node: the addresses it serves NodePorts on and every local address. */
export interface NodeAddresses {
  nodePortIPs: string[];
  /** Addresses on links other than kube-ipvs0 (an external IP that is one of them is not bound). */
  local: ReadonlySet<string>;
}

export const NAT_CHAINS = ['KUBE-SERVICES', 'KUBE-POSTROUTING', 'KUBE-NODE-PORT', 'KUBE-LOAD-BALANCER', 'KUBE-MARK-MASQ'];
export const FILTER_CHAINS = ['KUBE-FORWARD', 'KUBE-NODE-PORT', 'KUBE-PROXY-FIREWALL', 'KUBE-SOURCE-RANGES-FIREWALL', 'KUBE-IPVS-FILTER', 'KUBE-IPVS-OUT-FILTER'];

/** kube-proxy formats the mark with Go's %#08x. */
export function goMark(mark: string): string {
  return `0x${Number(mark).toString(16).padStart(6, '0')}`;
}

/** Plans that depend on nothing of the node (no NodePort, external or LB address), per Service view: every node seeing the same view shares them. */
const shared = new WeakMap<ServiceState, { scheduler: string; plan: ServicePlan }>();

/** servicePlan, shared between the nodes whose proxiers see the same view (plans are never changed once made). */
export function planFor(s: ProxierSettings, ipvs: IpvsSettings, st: ServiceState, node: NodeAddresses): ServicePlan {
  const scheduler = ipvs.scheduler || 'rr';
  const hit = shared.get(st);
  if (hit?.scheduler === scheduler) return hit.plan;
  const plan = servicePlan(s, ipvs, st, node);
  if (!st.ports.some((sp) => sp.nodePort || sp.externalIPs.length || sp.loadBalancerVIPs.length)) shared.set(st, { scheduler, plan });
  return plan;
}

/** A plan being made (methods, not closures per call: tsx names every closure it creates). */
class PlanBuilder {
  readonly entries: [string, string][] = [];
  /** Addresses to bind, each once in first-bound order (a list: most plans have one). */
  readonly bind: string[] = [];
  readonly vss: VirtualServerPlan[] = [];
  outFilter: RuleLine[] = NO_RULES;
  constructor(readonly scheduler: string) {}

  add(set: string, entry: string): void {
    this.entries.push([set, entry]);
  }

  bindAddress(ip: string): void {
    if (!this.bind.includes(ip)) this.bind.push(ip);
  }

  drop(rule: RuleLine): void {
    if (this.outFilter === NO_RULES) this.outFilter = [];
    this.outFilter.push(rule);
  }

  vs(sp: ServicePort, flags: number, cat: Categorized, addr: string, port: number, onlyLocal: boolean): void {
    const proto = sp.protocol.toUpperCase() as IpvsProto;
    this.vss.push({ key: serviceKey(proto, addr, port), proto, addr, port, scheduler: this.scheduler, flags, timeout: sp.affinitySeconds, dests: realServers(cat, onlyLocal), spn: sp.spn });
  }
}

type Categorized = ReturnType<typeof categorizeEndpoints>;

/** The OUT-FILTER drops of every plan with none (most): one list, never written to. */
const NO_RULES: RuleLine[] = [];

/** One Service's share of the sync: its virtual servers, bound addresses, set entries and OUT-FILTER drops. */
export function servicePlan(s: ProxierSettings, ipvs: IpvsSettings, st: ServiceState, node: NodeAddresses): ServicePlan {
  const scheduler = ipvs.scheduler || 'rr';
  const b = new PlanBuilder(scheduler);

  for (const sp of st.ports) {
    const eps = st.endpoints.get(portKey(sp.portName, sp.protocol)) ?? [];
    const cat = categorizeEndpoints(eps, sp);
    const p = sp.protocol;
    for (const e of eps) if (e.local) b.add(S.KUBE_LOOP_BACK, `${e.ip},${p}:${e.port},${e.ip}`);
    const flags = (sp.affinitySeconds ? IP_VS_SVC_F_PERSISTENT : 0) | (scheduler === 'mh' ? IP_VS_SVC_F_SCHED2 : 0);

    b.add(S.KUBE_CLUSTER_IP, `${sp.clusterIP},${p}:${sp.port}`);
    b.vs(sp, flags, cat, sp.clusterIP, sp.port, sp.internalPolicyLocal);
    b.bindAddress(sp.clusterIP);

    for (const ip of sp.externalIPs) {
      b.add(sp.externalPolicyLocal ? S.KUBE_EXTERNAL_IP_LOCAL : S.KUBE_EXTERNAL_IP, `${ip},${p}:${sp.port}`);
      b.vs(sp, flags, cat, ip, sp.port, sp.externalPolicyLocal);
      if (!node.local.has(ip)) b.bindAddress(ip);
    }

    for (const ip of sp.loadBalancerVIPs) {
      const entry = `${ip},${p}:${sp.port}`;
      b.add(S.KUBE_LOAD_BALANCER, entry);
      if (sp.externalPolicyLocal) b.add(S.KUBE_LOAD_BALANCER_LOCAL, entry);
      if (sp.loadBalancerSourceRanges.length) {
        b.add(S.KUBE_LOAD_BALANCER_FW, entry);
        let allowFromNode = false;
        for (const r of sp.loadBalancerSourceRanges) {
          b.add(S.KUBE_LOAD_BALANCER_SOURCE_CIDR, `${ip},${p}:${sp.port},${r}`);
          if (s.nodeIP && cidrContains(parseCIDR(r)!, s.nodeIP)) allowFromNode = true;
        }
        // the node itself may reach the VIP only when a source range admits the node's IP
        if (allowFromNode) b.add(S.KUBE_LOAD_BALANCER_SOURCE_IP, `${ip},${p}:${sp.port},${ip}`);
        else b.drop({ table: 'filter', chain: 'KUBE-IPVS-OUT-FILTER', text: `-s ${ip} -m ipvs --vaddr ${ip} --vproto ${p} --vport ${sp.port} -j DROP` });
      }
      b.vs(sp, flags, cat, ip, sp.port, sp.externalPolicyLocal);
      if (!node.local.has(ip)) b.bindAddress(ip);
    }

    if (sp.nodePort) {
      if (p === 'sctp') {
        for (const ip of node.nodePortIPs) {
          b.add(S.KUBE_NODE_PORT_SCTP, `${ip},sctp:${sp.nodePort}`);
          if (sp.externalPolicyLocal) b.add(S.KUBE_NODE_PORT_LOCAL_SCTP, `${ip},sctp:${sp.nodePort}`);
        }
      } else {
        const [all, local] = p === 'tcp' ? [S.KUBE_NODE_PORT_TCP, S.KUBE_NODE_PORT_LOCAL_TCP] : [S.KUBE_NODE_PORT_UDP, S.KUBE_NODE_PORT_LOCAL_UDP];
        b.add(all, String(sp.nodePort));
        if (sp.externalPolicyLocal) b.add(local, String(sp.nodePort));
      }
      for (const ip of node.nodePortIPs) b.vs(sp, flags, cat, ip, sp.nodePort, sp.externalPolicyLocal);
    }
    if (sp.healthCheckNodePort) b.add(S.KUBE_HEALTH_CHECK_NODE_PORT, String(sp.healthCheckNodePort));
  }
  for (const ip of b.bind) b.add(S.KUBE_IPVS_IPS, ip);
  return { entries: b.entries, services: b.vss, outFilter: b.outFilter };
}

/** syncEndpoint's choice: the Local endpoints for a Local policy (falling back to the Cluster ones when none), else the Cluster ones. */
function realServers(cat: Categorized, onlyLocal: boolean): readonly Endpoint[] {
  return onlyLocal && cat.localEndpoints.length > 0 ? cat.localEndpoints : cat.clusterEndpoints;
}

/** The iptables rules around the sets, with the Services' OUT-FILTER drops right after the source-range firewall rules. */
export function ipvsRules(s: ProxierSettings, has: (set: string) => boolean, outFilter: readonly RuleLine[]): RuleLine[] {
  const rules = iptablesRules(s, has);
  const at = rules.findIndex((r) => r.table === 'filter' && r.chain === 'KUBE-FORWARD');
  return [...rules.slice(0, at), ...outFilter, ...rules.slice(at)];
}

/** writeIptablesRules: a rule matching a set is written only while that set has entries. */
function iptablesRules(s: ProxierSettings, has: (set: string) => boolean): RuleLine[] {
  const fam: Family = s.family;
  const name = (n: string): string => S.setName(n, fam);
  const c = (n: string): string => `-m comment --comment "${S.commentOf(n)}"`;
  const mark = goMark(s.masqueradeMark);
  const out: RuleLine[] = [];
  const nat = (chain: string, text: string): void => void out.push({ table: 'nat', chain, text });
  const filter = (chain: string, text: string): void => void out.push({ table: 'filter', chain, text });

  nat('KUBE-SERVICES', `-s ${fam === 4 ? '127.0.0.0/8' : '::1/128'} -j RETURN`);
  if (has(S.KUBE_LOOP_BACK)) nat('KUBE-POSTROUTING', `${c(S.KUBE_LOOP_BACK)} -m set --match-set ${name(S.KUBE_LOOP_BACK)} dst,dst,src -j MASQUERADE`);
  if (has(S.KUBE_LOAD_BALANCER)) nat('KUBE-SERVICES', `${c(S.KUBE_LOAD_BALANCER)} -m set --match-set ${name(S.KUBE_LOAD_BALANCER)} dst,dst -j KUBE-LOAD-BALANCER`);
  if (has(S.KUBE_LOAD_BALANCER_LOCAL)) nat('KUBE-LOAD-BALANCER', `${c(S.KUBE_LOAD_BALANCER_LOCAL)} -m set --match-set ${name(S.KUBE_LOAD_BALANCER_LOCAL)} dst,dst -j RETURN`);
  for (const [proto, local, all, dims] of [
    ['tcp', S.KUBE_NODE_PORT_LOCAL_TCP, S.KUBE_NODE_PORT_TCP, 'dst'],
    ['udp', S.KUBE_NODE_PORT_LOCAL_UDP, S.KUBE_NODE_PORT_UDP, 'dst'],
    ['sctp', S.KUBE_NODE_PORT_LOCAL_SCTP, S.KUBE_NODE_PORT_SCTP, 'dst,dst'],
  ] as const) {
    if (has(local)) nat('KUBE-NODE-PORT', `-p ${proto} ${c(local)} -m set --match-set ${name(local)} ${dims} -j RETURN`);
    if (has(all)) nat('KUBE-NODE-PORT', `-p ${proto} ${c(all)} -m set --match-set ${name(all)} ${dims} -j KUBE-MARK-MASQ`);
  }
  if (has(S.KUBE_CLUSTER_IP)) {
    const set = `${c(S.KUBE_CLUSTER_IP)} -m set --match-set ${name(S.KUBE_CLUSTER_IP)}`;
    if (s.masqueradeAll) nat('KUBE-SERVICES', `${set} dst,dst -j KUBE-MARK-MASQ`);
    else if (s.localDetector) nat('KUBE-SERVICES', `${set} dst,dst ${s.localDetector.ifNotLocal} -j KUBE-MARK-MASQ`);
    // with no way to tell pod traffic, masquerade node-originated traffic whose source is a VIP
    else nat('KUBE-SERVICES', `${set} src,dst -j KUBE-MARK-MASQ`);
  }
  if (has(S.KUBE_EXTERNAL_IP)) {
    const set = `${c(S.KUBE_EXTERNAL_IP)} -m set --match-set ${name(S.KUBE_EXTERNAL_IP)} dst,dst`;
    nat('KUBE-SERVICES', `${set} -j KUBE-MARK-MASQ`);
    nat('KUBE-SERVICES', `${set} -m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT`);
    nat('KUBE-SERVICES', `${set} -m addrtype --dst-type LOCAL -j ACCEPT`);
  }
  if (has(S.KUBE_EXTERNAL_IP_LOCAL)) {
    const set = `${c(S.KUBE_EXTERNAL_IP_LOCAL)} -m set --match-set ${name(S.KUBE_EXTERNAL_IP_LOCAL)} dst,dst`;
    nat('KUBE-SERVICES', `${set} -m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT`);
    nat('KUBE-SERVICES', `${set} -m addrtype --dst-type LOCAL -j ACCEPT`);
  }
  nat('KUBE-SERVICES', '-m addrtype --dst-type LOCAL -j KUBE-NODE-PORT');
  nat('KUBE-LOAD-BALANCER', '-j KUBE-MARK-MASQ');
  if (has(S.KUBE_CLUSTER_IP)) nat('KUBE-SERVICES', `-m set --match-set ${name(S.KUBE_CLUSTER_IP)} dst,dst -j ACCEPT`);
  if (has(S.KUBE_LOAD_BALANCER)) nat('KUBE-SERVICES', `-m set --match-set ${name(S.KUBE_LOAD_BALANCER)} dst,dst -j ACCEPT`);
  nat('KUBE-POSTROUTING', `-m mark ! --mark ${mark}/${mark} -j RETURN`);
  nat('KUBE-POSTROUTING', `-j MARK --xor-mark ${mark}`);
  nat('KUBE-POSTROUTING', `-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE${s.randomFully ? ' --random-fully' : ''}`);
  nat('KUBE-MARK-MASQ', `-j MARK --or-mark ${mark}`);

  if (has(S.KUBE_LOAD_BALANCER_FW)) filter('KUBE-PROXY-FIREWALL', `${c(S.KUBE_LOAD_BALANCER_FW)} -m set --match-set ${name(S.KUBE_LOAD_BALANCER_FW)} dst,dst -j KUBE-SOURCE-RANGES-FIREWALL`);
  if (has(S.KUBE_LOAD_BALANCER_SOURCE_CIDR)) filter('KUBE-SOURCE-RANGES-FIREWALL', `${c(S.KUBE_LOAD_BALANCER_SOURCE_CIDR)} -m set --match-set ${name(S.KUBE_LOAD_BALANCER_SOURCE_CIDR)} dst,dst,src -j RETURN`);
  if (has(S.KUBE_LOAD_BALANCER_SOURCE_IP)) filter('KUBE-SOURCE-RANGES-FIREWALL', `${c(S.KUBE_LOAD_BALANCER_SOURCE_IP)} -m set --match-set ${name(S.KUBE_LOAD_BALANCER_SOURCE_IP)} dst,dst,src -j RETURN`);
  filter('KUBE-SOURCE-RANGES-FIREWALL', '-j DROP');
  filter('KUBE-FORWARD', `-m comment --comment "kubernetes forwarding rules" -m mark --mark ${mark}/${mark} -j ACCEPT`);
  filter('KUBE-FORWARD', '-m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
  filter('KUBE-NODE-PORT', `${c(S.KUBE_HEALTH_CHECK_NODE_PORT)} -m set --match-set ${name(S.KUBE_HEALTH_CHECK_NODE_PORT)} dst -j ACCEPT`);
  for (const n of [S.KUBE_LOAD_BALANCER, S.KUBE_CLUSTER_IP, S.KUBE_EXTERNAL_IP, S.KUBE_EXTERNAL_IP_LOCAL]) filter('KUBE-IPVS-FILTER', `-m set --match-set ${name(n)} dst,dst -j RETURN`);
  filter('KUBE-IPVS-FILTER', `-m set --match-set ${name(S.KUBE_HEALTH_CHECK_NODE_PORT)} dst -j RETURN`);
  filter('KUBE-IPVS-FILTER', `-m conntrack --ctstate NEW -m set --match-set ${name(S.KUBE_IPVS_IPS)} dst -j REJECT`);
  return out;
}

/** Whether --ipvs-exclude-cidrs covers an address (its virtual servers are never cleaned up). */
export function excluded(ipvs: IpvsSettings, ip: string): boolean {
  return ipvs.excludeCIDRs.some((c) => {
    const cidr = parseCIDR(c, true);
    return !!cidr && cidrContains(cidr, ip);
  });
}
