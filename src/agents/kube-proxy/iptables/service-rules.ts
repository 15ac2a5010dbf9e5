// One Service's share of the iptables ruleset: its entry rules in the fixed chains (filter and
// nat KUBE-SERVICES, KUBE-NODEPORTS, …), computed with the Service, and its own nat chains
// (service-chains.ts), written when something first reads them — a sync of 10,000 Services
// hands the kernel model 10,000 groups of chains, of which a trace reads one or two.
import { Rule, type RuleSpec } from '../../../kernel/netfilter/rule.js';
import type { ChainGroup, ChainLines, ChainList } from '../../../kernel/netfilter/ruleset.js';
import { categorizeEndpoints, portKey, type ServicePort, type ServiceState } from '../objects.js';
import type { ProxierSettings } from '../settings.js';
import { KUBE_EXTERNAL_SERVICES, KUBE_MARK_MASQ, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL, KUBE_SERVICES, SERVICE_CHAIN_PREFIXES, servicePortChains } from './chains.js';
import { serviceChains, type PortPlan } from './service-chains.js';

export const LOCALHOST_NP_COUNTER = 'localhost_nps_accepted_pkts';

/** One Service's rules: the entry rules, and its nat chains as a group the kernel model reads when it needs them. */
export class ServiceRules implements ChainGroup {
  readonly filterServices: Rule[] = [];
  readonly filterExternal: Rule[] = [];
  readonly filterNodePorts: Rule[] = [];
  readonly filterFirewall: Rule[] = [];
  readonly natServices: Rule[] = [];
  readonly natNodePorts: Rule[] = [];
  /** The chains the entry rules jump to. */
  readonly entryNames: string[] = [];
  readonly prefixes = SERVICE_CHAIN_PREFIXES;
  private written?: ChainList;
  private map?: Map<string, ChainLines>;

  constructor(
    private readonly settings: ProxierSettings,
    private plans: PortPlan[] | undefined,
    private readonly largeCluster: boolean,
  ) {}

  /** EXT/FW/SVC/SVL/SEP chains in declaration order: names, restore lines, rule counts. */
  get list(): ChainList {
    if (!this.written) {
      this.written = serviceChains(this.settings, this.plans!, this.largeCluster);
      this.plans = undefined;
    }
    return this.written;
  }

  /** The same chains by name (built when the kernel model first reads them). */
  get chains(): ReadonlyMap<string, ChainLines> {
    if (!this.map) {
      const { names, texts, counts } = this.list;
      const family = this.settings.family;
      this.map = new Map();
      for (let i = 0; i < names.length; i++) this.map.set(names[i]!, { table: 'nat', family, text: texts[i]!, count: counts[i]! });
    }
    return this.map;
  }
}

/** The rules for one Service (all its ports). `largeCluster` drops the per-endpoint comments. */
export function serviceRules(s: ProxierSettings, st: ServiceState, largeCluster: boolean): ServiceRules {
  const fam = s.family;
  const plans: PortPlan[] = [];
  const out = new ServiceRules(s, plans, largeCluster);
  const nat = (chain: string, text: string): Rule => new Rule('nat', chain, text, fam);
  const filter = (chain: string, text: string): Rule => new Rule('filter', chain, text, fam);
  const jumps = new Set<string>();

  for (const sp of st.ports) {
    const eps = st.endpoints.get(portKey(sp.portName, sp.protocol)) ?? [];
    const { clusterEndpoints, localEndpoints, reachable, hasEndpoints } = categorizeEndpoints(eps, sp);
    const spn = sp.spn;
    const p = sp.protocol;
    const pm = `-m ${p} -p ${p}`;
    const ch = servicePortChains(spn, p);
    const internalChain = sp.internalPolicyLocal ? ch.svl : ch.svc;
    const hasInternal = hasEndpoints && (!sp.internalPolicyLocal || localEndpoints.length > 0);
    const hasExternal = hasEndpoints && (!sp.externalPolicyLocal || localEndpoints.length > 0);
    const usesFW = hasEndpoints && sp.loadBalancerVIPs.length > 0 && sp.loadBalancerSourceRanges.length > 0;
    const lbChain = usesFW ? ch.fw : ch.ext;
    const noEps = `"${spn} has no endpoints"`;
    const noLocal = `"${spn} has no local endpoints"`;
    const internalVerdict = hasEndpoints ? `--comment ${noLocal} ${pm} -d ${sp.clusterIP} --dport ${sp.port} -j DROP` : `--comment ${noEps} ${pm} -d ${sp.clusterIP} --dport ${sp.port} -j REJECT`;
    const extComment = hasEndpoints ? noLocal : noEps;
    const extTarget = hasEndpoints ? 'DROP' : 'REJECT';
    const clusterIPMatch = `-m comment --comment "${spn} cluster IP" ${pm} -d ${sp.clusterIP} --dport ${sp.port}`;

    if (hasInternal) {
      out.natServices.push(new Rule('nat', KUBE_SERVICES, `${clusterIPMatch} -j ${internalChain}`, fam, clusterIPSpec(sp, internalChain, fam)));
      jumps.add(internalChain);
    } else out.filterServices.push(filter(KUBE_SERVICES, `-m comment ${internalVerdict}`));
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
    const usesExt = hasEndpoints && sp.externallyAccessible;
    if (usesExt) jumps.add(ch.ext);
    if (usesFW) jumps.add(ch.fw);

    const masq = hasInternal ? (s.masqueradeAll ? '' : s.localDetector ? ` ${s.localDetector.ifNotLocal}` : undefined) : undefined;
    plans.push({
      sp,
      ch,
      clusterEndpoints,
      localEndpoints,
      reachable,
      pm,
      internalChain,
      externalPolicyChain: sp.externalPolicyLocal ? ch.svl : ch.svc,
      hasExternal,
      usesExt,
      usesFW,
      usesClusterChain: clusterEndpoints.length > 0 && sp.usesClusterEndpoints,
      usesLocalChain: localEndpoints.length > 0 && sp.usesLocalEndpoints,
      ...(masq === undefined ? {} : { internalMasq: `${clusterIPMatch}${masq} -j ${KUBE_MARK_MASQ}` }),
    });
  }
  out.entryNames.push(...jumps);
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
