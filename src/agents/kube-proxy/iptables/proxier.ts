// The iptables proxier: for the current Services and endpoints, the rules kube-proxy writes —
// per Service its entry rules (filter and nat KUBE-SERVICES/KUBE-NODEPORTS, …) and its own nat
// chains (EXT, FW, SVC, SVL, SEP) — and the iptables-restore input of a full or partial sync.
import { Rule, type RuleSpec } from '../../../kernel/netfilter/rule.js';
import { cidrContains, parseCIDR } from '../../../net/ip.js';
import { Ruleset, type ChainLines } from '../../../kernel/netfilter/ruleset.js';
import { categorizeEndpoints, portKey, type Endpoint, type ServicePort, type ServiceState } from '../objects.js';
import type { ProxierSettings } from '../settings.js';
import type { EntryChains } from './entries.js';
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
  type ServicePortChains,
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
  /** EXT/FW/SVC/SVL/SEP chains in declaration order, with their rules as restore lines. */
  chains: Map<string, ChainLines>;
}

/** A chain's lines while they are being written (joined once at the end: one flat string per chain, not a tree of pieces). */
interface Lines {
  parts: string[];
  count: number;
}

/** One Service's nat chains as they are written, in declaration order. */
class ChainWriter {
  private readonly chains = new Map<string, Lines>();

  declare(chain: string): Lines {
    let lines = this.chains.get(chain);
    if (!lines) this.chains.set(chain, (lines = { parts: [], count: 0 }));
    return lines;
  }

  add(lines: Lines, chain: string, args: string): void {
    lines.parts.push('-A ', chain, ' ', args, '\n');
    lines.count++;
  }

  finish(family: 4 | 6): Map<string, ChainLines> {
    const out = new Map<string, ChainLines>();
    for (const [chain, l] of this.chains) out.set(chain, { table: 'nat', family, text: l.parts.join(''), count: l.count });
    return out;
  }
}

/** A KUBE-SVC / KUBE-SVL chain: the masquerade rule first where it goes, then one jump per endpoint by probability. */
function balance(w: ChainWriter, chain: string, list: Endpoint[], sp: ServicePort, ch: ServicePortChains, masq: string | undefined, largeCluster: boolean): void {
  const lines = w.declare(chain);
  if (masq) w.add(lines, chain, masq);
  if (sp.affinitySeconds) {
    for (const e of list) {
      const sep = endpointChain(ch, e.hostPort);
      w.add(lines, chain, `${endpointComment(sp, e, largeCluster)}-m recent --name ${sep} --rcheck --seconds ${sp.affinitySeconds} --reap -j ${sep}`);
    }
  }
  const n = list.length;
  for (let i = 0; i < n; i++) {
    const e = list[i]!;
    const stat = i < n - 1 ? `-m statistic --mode random --probability ${probability(n - i)} ` : '';
    w.add(lines, chain, `${endpointComment(sp, e, largeCluster)}${stat}-j ${endpointChain(ch, e.hostPort)}`);
  }
}

function endpointComment(sp: ServicePort, e: Endpoint, largeCluster: boolean): string {
  return largeCluster ? '' : `-m comment --comment "${sp.spn} -> ${e.hostPort}" `;
}

/** The rules for one Service (all its ports). `largeCluster` drops the per-endpoint comments. */
export function serviceRules(s: ProxierSettings, st: ServiceState, largeCluster: boolean): ServiceRules {
  const fam = s.family;
  const out: ServiceRules = { filterServices: [], filterExternal: [], filterNodePorts: [], filterFirewall: [], natServices: [], natNodePorts: [], chains: new Map() };
  const nat = (chain: string, text: string): Rule => new Rule('nat', chain, text, fam);
  const filter = (chain: string, text: string): Rule => new Rule('filter', chain, text, fam);
  const w = new ChainWriter();

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
    if (hasInternal) out.natServices.push(new Rule('nat', KUBE_SERVICES, `${clusterIPMatch} -j ${internalChain}`, fam, clusterIPSpec(sp, internalChain, fam)));
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
    const internalMasq = masq === undefined ? undefined : `${clusterIPMatch}${masq} -j ${KUBE_MARK_MASQ}`;
    if (usesExt) {
      const ext = w.declare(ch.ext);
      const e = ch.ext;
      if (!sp.externalPolicyLocal) {
        w.add(ext, e, `-m comment --comment "masquerade traffic for ${spn} external destinations" -j ${KUBE_MARK_MASQ}`);
      } else {
        if (s.localDetector) w.add(ext, e, `-m comment --comment "pod traffic for ${spn} external destinations" ${s.localDetector.ifLocal} -j ${ch.svc}`);
        w.add(ext, e, `-m comment --comment "masquerade LOCAL traffic for ${spn} external destinations" -m addrtype --src-type LOCAL -j ${KUBE_MARK_MASQ}`);
        w.add(ext, e, `-m comment --comment "route LOCAL traffic for ${spn} external destinations" -m addrtype --src-type LOCAL -j ${ch.svc}`);
      }
      if (hasExternal) w.add(ext, e, `-j ${externalPolicyChain}`);
    }
    if (usesFW) {
      const fw = w.declare(ch.fw);
      const c = `-m comment --comment "${spn} loadbalancer IP"`;
      let allowFromNode = false;
      for (const r of sp.loadBalancerSourceRanges) {
        w.add(fw, ch.fw, `${c} -s ${r} -j ${ch.ext}`);
        if (cidrHas(r, s.nodeIP)) allowFromNode = true;
      }
      if (allowFromNode) for (const lb of sp.loadBalancerVIPs) w.add(fw, ch.fw, `${c} -s ${lb} -j ${ch.ext}`);
      w.add(fw, ch.fw, `-m comment --comment "other traffic to ${spn} will be dropped by KUBE-PROXY-FIREWALL"`);
    }
    if (usesClusterChain) balance(w, ch.svc, clusterEndpoints, sp, ch, internalChain === ch.svc ? internalMasq : undefined, largeCluster);
    if (usesLocalChain) balance(w, ch.svl, localEndpoints, sp, ch, internalChain === ch.svl ? internalMasq : undefined, largeCluster);
    const spnComment = largeCluster ? '' : `-m comment --comment ${spn} `;
    for (const e of reachable) {
      const name = endpointChain(ch, e.hostPort);
      const lines = w.declare(name);
      w.add(lines, name, `${spnComment}-s ${e.ip} -j ${KUBE_MARK_MASQ}`);
      const recent = sp.affinitySeconds ? `-m recent --name ${name} --set ` : '';
      w.add(lines, name, `${spnComment}${recent}${pm} -j DNAT --to-destination ${e.hostPort}`);
    }
  }
  out.chains = w.finish(fam);
  return out;
}

// Rules depend on the Service's view and a few settings; nodes whose settings agree share them
// (the view objects are shared too: views.ts). A Service whose rules read the node's IP
// (loadBalancerSourceRanges) is computed per node.
type Shared = WeakMap<ServiceState, ServiceRules>;
/** Per settings: the shared caches for [normal, large cluster] mode. */
const contexts = new WeakMap<ProxierSettings, [Shared, Shared]>();
const sharedRules = new Map<string, [Shared, Shared]>();

/** serviceRules, shared by every node's kube-proxy that would compute the same. */
export function sharedServiceRules(s: ProxierSettings, st: ServiceState, largeCluster: boolean): ServiceRules {
  let c = contexts.get(s);
  if (!c) {
    const d = s.localDetector;
    const key = JSON.stringify([s.family, d?.ifLocal, d?.ifNotLocal, s.masqueradeAll, s.localhostNodePorts, s.nfacct.has(LOCALHOST_NP_COUNTER)]);
    c = sharedRules.get(key);
    if (!c) sharedRules.set(key, (c = [new WeakMap(), new WeakMap()]));
    contexts.set(s, c);
  }
  const m = c[largeCluster ? 1 : 0];
  let r = m.get(st);
  if (!r) {
    r = serviceRules(s, st, largeCluster);
    if (!st.ports.some((p) => p.loadBalancerSourceRanges.length > 0)) m.set(st, r);
  }
  return r;
}

/**
 * The cluster IP rule as iptables parses it, from the values its text is written with: a long
 * KUBE-SERVICES is indexed by destination (xt-index.ts) without parsing 10,000 lines.
 */
function clusterIPSpec(sp: ServicePort, target: string, family: 4 | 6): RuleSpec {
  const no = false;
  return {
    matches: [
      { name: 'comment', options: [{ name: '--comment', negate: no, args: [`${sp.spn} cluster IP`] }] },
      { name: sp.protocol, options: [{ name: '--dport', negate: no, args: [String(sp.port)] }] },
    ],
    protocol: { value: sp.protocol, negate: no },
    destination: { value: `${sp.clusterIP}/${family === 4 ? 32 : 128}`, negate: no },
    target: { name: target, goto: no, options: [] },
  };
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
  /** This kube-proxy's entry chains as of its last sync. */
  entries: EntryChains;
}

/** The rules of the fixed chains, which depend on the settings only. */
interface FixedRules {
  postrouting: Rule[];
  markMasq: Rule[];
  firewall?: Rule[];
  forward: Rule[];
  /** nat KUBE-SERVICES' last rule(s): the jump to KUBE-NODEPORTS. */
  nodePortsLast: Rule[];
}

// The same objects every sync: the entry chain's text is then reused up to its very end (restore.ts).
const fixed = new WeakMap<ProxierSettings, FixedRules>();

function fixedRules(s: ProxierSettings): FixedRules {
  let r = fixed.get(s);
  if (r) return r;
  const fam = s.family;
  const mark = s.masqueradeMark;
  const n = (chain: string, text: string): Rule => new Rule('nat', chain, text, fam);
  const f = (chain: string, text: string): Rule => new Rule('filter', chain, text, fam);
  r = {
    postrouting: [
      n(KUBE_POSTROUTING, `-m mark ! --mark ${mark}/${mark} -j RETURN`),
      n(KUBE_POSTROUTING, `-j MARK --xor-mark ${mark}`),
      n(KUBE_POSTROUTING, `-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE${s.randomFully ? ' --random-fully' : ''}`),
    ],
    markMasq: [n(KUBE_MARK_MASQ, `-j MARK --or-mark ${mark}`)],
    forward: [],
    nodePortsLast: [],
  };
  if (fam === 4 && s.localhostNodePorts) {
    r.firewall = [
      f(KUBE_FIREWALL, '-m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP'),
    ];
  }
  const last = '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain"';
  if (s.nodePortAddresses.matchAll) {
    const not = fam === 6 ? ' ! -d ::1/128' : s.localhostNodePorts ? '' : ' ! -d 127.0.0.0/8';
    r.nodePortsLast.push(n(KUBE_SERVICES, `${last} -m addrtype --dst-type LOCAL${not} -j ${KUBE_NODEPORTS}`));
  } else {
    for (const ip of s.nodePortAddresses.ips) {
      const loopback = fam === 6 ? ip === '::1' : ip.startsWith('127.');
      if (loopback && (fam === 6 || !s.localhostNodePorts)) continue;
      r.nodePortsLast.push(n(KUBE_SERVICES, `${last} -d ${ip} -j ${KUBE_NODEPORTS}`));
    }
  }
  if (!s.conntrackTCPLiberal) {
    const acct = s.nfacct.has(CT_INVALID_COUNTER) ? ` -m nfacct --nfacct-name ${CT_INVALID_COUNTER}` : '';
    r.forward.push(f(KUBE_FORWARD, `-m conntrack --ctstate INVALID${acct} -j DROP`));
  }
  r.forward.push(f(KUBE_FORWARD, `-m comment --comment "kubernetes forwarding rules" -m mark --mark ${mark}/${mark} -j ACCEPT`));
  r.forward.push(f(KUBE_FORWARD, '-m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'));
  fixed.set(s, r);
  return r;
}

/** The iptables-restore input for one sync (filter table first, then nat); the caller adds the stale chains to delete. */
export function restoreInput(s: ProxierSettings, plan: SyncPlan): Ruleset {
  const rs = new Ruleset(s.family, 'restore');
  const filter = rs.table('filter');
  const nat = rs.table('nat');
  const fx = fixedRules(s);
  for (const c of [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL]) filter.ensureChain(c);
  for (const c of [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ]) nat.ensureChain(c);
  nat.chain(KUBE_POSTROUTING)!.setRules([...fx.postrouting]);
  nat.chain(KUBE_MARK_MASQ)!.setRules([...fx.markMasq]);
  if (fx.firewall) filter.ensureChain(KUBE_FIREWALL).setRules([...fx.firewall]);

  const list = plan.services;
  const e = plan.entries.update(list, plan.full ? undefined : plan.changed);
  if (plan.full) for (const { rules } of list) for (const [chain, lines] of rules.chains) nat.ensureChain(chain).setLines(lines);
  else {
    // the changed Services' chains, found in the key-ordered list
    for (const key of [...plan.changed].sort()) {
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (list[mid]!.key < key) lo = mid + 1;
        else hi = mid;
      }
      const x = list[lo];
      if (x?.key === key) for (const [chain, lines] of x.rules.chains) nat.ensureChain(chain).setLines(lines);
    }
  }
  filter.chain(KUBE_SERVICES)!.setRules(e.filterServices.slice());
  filter.chain(KUBE_EXTERNAL_SERVICES)!.setRules(e.filterExternal.slice());
  filter.chain(KUBE_NODEPORTS)!.setRules(e.filterNodePorts.slice());
  filter.chain(KUBE_PROXY_FIREWALL)!.setRules(e.filterFirewall.slice());
  filter.chain(KUBE_FORWARD)!.setRules([...fx.forward]);
  nat.chain(KUBE_SERVICES)!.setRules([...e.natServices, ...fx.nodePortsLast]);
  nat.chain(KUBE_NODEPORTS)!.setRules(e.natNodePorts.slice());
  return rs;
}
