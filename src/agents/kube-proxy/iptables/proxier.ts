// The iptables proxier: for the current Services and endpoints, the rules kube-proxy writes —
// per Service its entry rules (filter and nat KUBE-SERVICES/KUBE-NODEPORTS, …) and its own nat
// chains (EXT, FW, SVC, SVL, SEP) — and the iptables-restore input of a full or partial sync.
import { Rule } from '../../../kernel/netfilter/rule.js';
import { cidrContains, parseCIDR } from '../../../net/ip.js';
import { Ruleset } from '../../../kernel/netfilter/ruleset.js';
import { categorizeEndpoints, portKey, type Endpoint, type ServicePort, type ServiceState } from '../objects.js';
import type { ProxierSettings } from '../settings.js';
import {
  KUBE_EXTERNAL_SERVICES,
  KUBE_FIREWALL,
  KUBE_FORWARD,
  KUBE_MARK_MASQ,
  KUBE_NODEPORTS,
  KUBE_POSTROUTING,
  KUBE_PROXY_FIREWALL,
  KUBE_SERVICES,
  endpointChain,
  servicePortChains,
} from './chains.js';

const CT_INVALID_COUNTER = 'ct_state_invalid_dropped_pkts';
const LOCALHOST_NP_COUNTER = 'localhost_nps_accepted_pkts';

const probabilities: string[] = [];
/** 1/n with exactly ten decimals, as kube-proxy writes `--probability`. */
export function probability(n: number): string {
  return (probabilities[n] ??= (1 / n).toFixed(10));
}

/** One Service's share of the ruleset: its entry rules in the fixed chains and its own nat chains. */
export interface ServiceRules {
  filterServices: Rule[];
  filterExternal: Rule[];
  filterNodePorts: Rule[];
  filterFirewall: Rule[];
  natServices: Rule[];
  natNodePorts: Rule[];
  /** EXT/FW/SVC/SVL/SEP chains in declaration order, with their rules. */
  chains: Map<string, Rule[]>;
}

/** The rules for one Service (all its ports). `largeCluster` drops the per-endpoint comments. */
export function serviceRules(s: ProxierSettings, st: ServiceState, largeCluster: boolean): ServiceRules {
  const fam = s.family;
  const out: ServiceRules = { filterServices: [], filterExternal: [], filterNodePorts: [], filterFirewall: [], natServices: [], natNodePorts: [], chains: new Map() };
  const nat = (chain: string, text: string): Rule => new Rule('nat', chain, text, fam);
  const filter = (chain: string, text: string): Rule => new Rule('filter', chain, text, fam);
  const declare = (chain: string): Rule[] => {
    let rules = out.chains.get(chain);
    if (!rules) out.chains.set(chain, (rules = []));
    return rules;
  };

  for (const sp of st.ports) {
    const eps = st.endpoints.get(portKey(sp.portName, sp.protocol)) ?? [];
    const { clusterEndpoints, localEndpoints, reachable, hasEndpoints } = categorizeEndpoints(eps, sp);
    const spn = sp.spn;
    const p = sp.protocol;
    const pm = `-m ${p} -p ${p}`;
    const ch = servicePortChains(spn, p);
    const usesClusterChain = clusterEndpoints.length > 0 && sp.usesClusterEndpoints;
    const usesLocalChain = localEndpoints.length > 0 && sp.usesLocalEndpoints;
    const internalChain = sp.internalPolicyLocal ? ch.svl : ch.svc;
    const hasInternal = hasEndpoints && (!sp.internalPolicyLocal || localEndpoints.length > 0);
    const externalPolicyChain = sp.externalPolicyLocal ? ch.svl : ch.svc;
    const hasExternal = hasEndpoints && (!sp.externalPolicyLocal || localEndpoints.length > 0);
    const usesExt = hasEndpoints && sp.externallyAccessible;
    const usesFW = hasEndpoints && sp.loadBalancerVIPs.length > 0 && sp.loadBalancerSourceRanges.length > 0;
    const lbChain = usesFW ? ch.fw : ch.ext;
    const noEps = `"${spn} has no endpoints"`;
    const noLocal = `"${spn} has no local endpoints"`;
    const internalVerdict = hasEndpoints ? `--comment ${noLocal} ${pm} -d ${sp.clusterIP} --dport ${sp.port} -j DROP` : `--comment ${noEps} ${pm} -d ${sp.clusterIP} --dport ${sp.port} -j REJECT`;
    const extComment = hasEndpoints ? noLocal : noEps;
    const extTarget = hasEndpoints ? 'DROP' : 'REJECT';
    const clusterIPMatch = `-m comment --comment "${spn} cluster IP" ${pm} -d ${sp.clusterIP} --dport ${sp.port}`;

    // Entry rules.
    if (hasInternal) out.natServices.push(nat(KUBE_SERVICES, `${clusterIPMatch} -j ${internalChain}`));
    else out.filterServices.push(filter(KUBE_SERVICES, `-m comment ${internalVerdict}`));
    for (const x of sp.externalIPs) {
      if (hasEndpoints) out.natServices.push(nat(KUBE_SERVICES, `-m comment --comment "${spn} external IP" ${pm} -d ${x} --dport ${sp.port} -j ${ch.ext}`));
      if (!hasExternal) out.filterExternal.push(filter(KUBE_EXTERNAL_SERVICES, `-m comment --comment ${extComment} ${pm} -d ${x} --dport ${sp.port} -j ${extTarget}`));
    }
    for (const lb of sp.loadBalancerVIPs) {
      if (hasEndpoints) out.natServices.push(nat(KUBE_SERVICES, `-m comment --comment "${spn} loadbalancer IP" ${pm} -d ${lb} --dport ${sp.port} -j ${lbChain}`));
      if (usesFW) out.filterFirewall.push(filter(KUBE_PROXY_FIREWALL, `-m comment --comment "${spn} traffic not accepted by ${ch.fw}" ${pm} -d ${lb} --dport ${sp.port} -j DROP`));
    }
    if (!hasExternal) {
      for (const lb of sp.loadBalancerVIPs) out.filterExternal.push(filter(KUBE_EXTERNAL_SERVICES, `-m comment --comment ${extComment} ${pm} -d ${lb} --dport ${sp.port} -j ${extTarget}`));
    }
    if (sp.nodePort !== 0) {
      if (hasEndpoints) {
        if (s.localhostNodePorts && s.nfacct.has(LOCALHOST_NP_COUNTER)) {
          out.natNodePorts.push(nat(KUBE_NODEPORTS, `-m comment --comment ${spn} ${pm} -d 127.0.0.0/8 --dport ${sp.nodePort} -m nfacct --nfacct-name ${LOCALHOST_NP_COUNTER} -j ${ch.ext}`));
        }
        out.natNodePorts.push(nat(KUBE_NODEPORTS, `-m comment --comment ${spn} ${pm} --dport ${sp.nodePort} -j ${ch.ext}`));
      }
      if (!hasExternal) {
        out.filterExternal.push(filter(KUBE_EXTERNAL_SERVICES, `-m comment --comment ${extComment} -m addrtype --dst-type LOCAL ${pm} --dport ${sp.nodePort} -j ${extTarget}`));
      }
    }
    if (sp.healthCheckNodePort !== 0) {
      out.filterNodePorts.push(filter(KUBE_NODEPORTS, `-m comment --comment "${spn} health check node port" -m tcp -p tcp --dport ${sp.healthCheckNodePort} -j ACCEPT`));
    }

    // The Service port's own chains, in kube-proxy's declaration order: EXT, FW, SVC, SVL, SEPs.
    const masq = hasInternal ? (s.masqueradeAll ? '' : s.localDetector ? ` ${s.localDetector.ifNotLocal}` : undefined) : undefined;
    const internalMasq = masq === undefined ? undefined : nat(internalChain, `${clusterIPMatch}${masq} -j ${KUBE_MARK_MASQ}`);
    if (usesExt) {
      const ext = declare(ch.ext);
      if (!sp.externalPolicyLocal) {
        ext.push(nat(ch.ext, `-m comment --comment "masquerade traffic for ${spn} external destinations" -j ${KUBE_MARK_MASQ}`));
      } else {
        if (s.localDetector) ext.push(nat(ch.ext, `-m comment --comment "pod traffic for ${spn} external destinations" ${s.localDetector.ifLocal} -j ${ch.svc}`));
        ext.push(nat(ch.ext, `-m comment --comment "masquerade LOCAL traffic for ${spn} external destinations" -m addrtype --src-type LOCAL -j ${KUBE_MARK_MASQ}`));
        ext.push(nat(ch.ext, `-m comment --comment "route LOCAL traffic for ${spn} external destinations" -m addrtype --src-type LOCAL -j ${ch.svc}`));
      }
      if (hasExternal) ext.push(nat(ch.ext, `-j ${externalPolicyChain}`));
    }
    if (usesFW) {
      const fw = declare(ch.fw);
      const c = `-m comment --comment "${spn} loadbalancer IP"`;
      let allowFromNode = false;
      for (const r of sp.loadBalancerSourceRanges) {
        fw.push(nat(ch.fw, `${c} -s ${r} -j ${ch.ext}`));
        if (cidrHas(r, s.nodeIP)) allowFromNode = true;
      }
      if (allowFromNode) for (const lb of sp.loadBalancerVIPs) fw.push(nat(ch.fw, `${c} -s ${lb} -j ${ch.ext}`));
      fw.push(nat(ch.fw, `-m comment --comment "other traffic to ${spn} will be dropped by KUBE-PROXY-FIREWALL"`));
    }
    const sepOf = new Map<Endpoint, string>();
    const sep = (e: Endpoint): string => {
      let n = sepOf.get(e);
      if (!n) sepOf.set(e, (n = endpointChain(spn, p, e.hostPort)));
      return n;
    };
    const balance = (chain: string, list: Endpoint[]): void => {
      const rules = declare(chain);
      if (internalMasq && chain === internalChain) rules.push(internalMasq);
      const comment = (e: Endpoint): string => (largeCluster ? '' : `-m comment --comment "${spn} -> ${e.hostPort}" `);
      if (sp.affinitySeconds) {
        for (const e of list) rules.push(nat(chain, `${comment(e)}-m recent --name ${sep(e)} --rcheck --seconds ${sp.affinitySeconds} --reap -j ${sep(e)}`));
      }
      const n = list.length;
      list.forEach((e, i) => {
        const stat = i < n - 1 ? `-m statistic --mode random --probability ${probability(n - i)} ` : '';
        rules.push(nat(chain, `${comment(e)}${stat}-j ${sep(e)}`));
      });
    };
    if (usesClusterChain) balance(ch.svc, clusterEndpoints);
    if (usesLocalChain) balance(ch.svl, localEndpoints);
    const spnComment = largeCluster ? '' : `-m comment --comment ${spn} `;
    for (const e of reachable) {
      const name = sep(e);
      const rules = declare(name);
      rules.push(nat(name, `${spnComment}-s ${e.ip} -j ${KUBE_MARK_MASQ}`));
      const recent = sp.affinitySeconds ? `-m recent --name ${name} --set ` : '';
      rules.push(nat(name, `${spnComment}${recent}${pm} -j DNAT --to-destination ${e.hostPort}`));
    }
  }
  return out;
}

function cidrHas(cidr: string, ip: string): boolean {
  const c = parseCIDR(cidr);
  return !!c && cidrContains(c, ip);
}

/** A sync's inputs besides the per-Service rules. */
export interface SyncPlan {
  full: boolean;
  /** Services whose own chains are written (every Service on a full sync). */
  changed: ReadonlySet<string>;
  /** Service keys in order, with their rules. */
  services: readonly { key: string; rules: ServiceRules }[];
  /** Stale service chains to flush and delete. */
  stale: readonly string[];
}

/** The iptables-restore input for one sync (filter table first, then nat). */
export function restoreInput(s: ProxierSettings, plan: SyncPlan): Ruleset {
  const fam = s.family;
  const rs = new Ruleset(fam, 'restore');
  const filter = rs.table('filter');
  const nat = rs.table('nat');
  const mark = s.masqueradeMark;
  for (const c of [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL]) filter.ensureChain(c);
  for (const c of [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ]) nat.ensureChain(c);
  const n = (chain: string, text: string): Rule => new Rule('nat', chain, text, fam);
  const f = (chain: string, text: string): Rule => new Rule('filter', chain, text, fam);
  nat.chain(KUBE_POSTROUTING)!.setRules([
    n(KUBE_POSTROUTING, `-m mark ! --mark ${mark}/${mark} -j RETURN`),
    n(KUBE_POSTROUTING, `-j MARK --xor-mark ${mark}`),
    n(KUBE_POSTROUTING, `-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE${s.randomFully ? ' --random-fully' : ''}`),
  ]);
  nat.chain(KUBE_MARK_MASQ)!.setRules([n(KUBE_MARK_MASQ, `-j MARK --or-mark ${mark}`)]);
  if (fam === 4 && s.localhostNodePorts) {
    filter.ensureChain(KUBE_FIREWALL).setRules([
      f(KUBE_FIREWALL, '-m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP'),
    ]);
  }

  const fServices: Rule[] = [];
  const fExternal: Rule[] = [];
  const fNodePorts: Rule[] = [];
  const fFirewall: Rule[] = [];
  const nServices: Rule[] = [];
  const nNodePorts: Rule[] = [];
  for (const { key, rules } of plan.services) {
    push(fServices, rules.filterServices);
    push(fExternal, rules.filterExternal);
    push(fNodePorts, rules.filterNodePorts);
    push(fFirewall, rules.filterFirewall);
    push(nServices, rules.natServices);
    push(nNodePorts, rules.natNodePorts);
    if (plan.full || plan.changed.has(key)) for (const [chain, list] of rules.chains) nat.ensureChain(chain).setRules(list);
  }
  for (const chain of plan.stale) {
    nat.ensureChain(chain);
    nat.deletions.push(chain);
  }

  const last = '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain"';
  if (s.nodePortAddresses.matchAll) {
    const not = fam === 6 ? ' ! -d ::1/128' : s.localhostNodePorts ? '' : ' ! -d 127.0.0.0/8';
    nServices.push(n(KUBE_SERVICES, `${last} -m addrtype --dst-type LOCAL${not} -j ${KUBE_NODEPORTS}`));
  } else {
    for (const ip of s.nodePortAddresses.ips) {
      const loopback = fam === 6 ? ip === '::1' : ip.startsWith('127.');
      if (loopback && (fam === 6 || !s.localhostNodePorts)) continue;
      nServices.push(n(KUBE_SERVICES, `${last} -d ${ip} -j ${KUBE_NODEPORTS}`));
    }
  }

  const forward: Rule[] = [];
  if (!s.conntrackTCPLiberal) {
    const acct = s.nfacct.has(CT_INVALID_COUNTER) ? ` -m nfacct --nfacct-name ${CT_INVALID_COUNTER}` : '';
    forward.push(f(KUBE_FORWARD, `-m conntrack --ctstate INVALID${acct} -j DROP`));
  }
  forward.push(f(KUBE_FORWARD, `-m comment --comment "kubernetes forwarding rules" -m mark --mark ${mark}/${mark} -j ACCEPT`));
  forward.push(f(KUBE_FORWARD, '-m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'));

  filter.chain(KUBE_SERVICES)!.setRules(fServices);
  filter.chain(KUBE_EXTERNAL_SERVICES)!.setRules(fExternal);
  filter.chain(KUBE_NODEPORTS)!.setRules(fNodePorts);
  filter.chain(KUBE_PROXY_FIREWALL)!.setRules(fFirewall);
  filter.chain(KUBE_FORWARD)!.setRules(forward);
  nat.chain(KUBE_SERVICES)!.setRules(nServices);
  nat.chain(KUBE_NODEPORTS)!.setRules(nNodePorts);
  return rs;
}

function push(into: Rule[], from: Rule[]): void {
  for (let i = 0; i < from.length; i++) into.push(from[i]!);
}
