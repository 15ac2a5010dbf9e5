// One Service's share of the iptables ruleset: its entry rules in the fixed chains (filter and
// nat KUBE-SERVICES, KUBE-NODEPORTS, …), computed with the Service, and its own nat chains
// (service-chains.ts), written when something first reads them — a sync of 10,000 Services
// hands the kernel model 10,000 groups of chains, of which a trace reads one or two.
import { Rule, type RuleSpec } from '../../../kernel/netfilter/rule.js';
import type { ChainGroup, ChainLines, ChainList } from '../../../kernel/netfilter/ruleset.js';
import { categorizeEndpoints, portKey, type ServicePort, type ServiceState } from '../objects.js';
import type { ProxierSettings } from '../settings.js';
import { KUBE_EXTERNAL_SERVICES, KUBE_MARK_MASQ, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL, KUBE_SERVICES, LOCALHOST_NP_COUNTER, SERVICE_CHAIN_PREFIXES, servicePortChains } from './chains.js';
import { serviceChains, type PortPlan } from './service-chains.js';
import { entryShape, type EntryShape } from './entry-shape.js';

/** The entry chains' parts, in the order restoreInput writes them. */
export const ENTRY_PARTS = ['filterServices', 'filterExternal', 'filterNodePorts', 'filterFirewall', 'natServices', 'natNodePorts'] as const;
export type EntryPart = (typeof ENTRY_PARTS)[number];

/** What the entry rules are built into (once, when something first reads them). */
interface Built {
  parts: Record<EntryPart, readonly Rule[]>;
  /** The chains the entry rules jump to. */
  entryNames: string[];
  plans: PortPlan[] | undefined;
}

/**
 * One Service's rules: the entry rules, and its nat chains as a group the kernel model reads
 * when it needs them. Both are built on first read; what a walk through the entry chains needs
 * before that — how many rules each part has and which destinations they match — comes from
 * the Service's view alone (entry-shape.ts).
 */
export class ServiceRules implements ChainGroup {
  readonly prefixes = SERVICE_CHAIN_PREFIXES;
  private built?: Built;
  private written?: ChainList;
  private map?: Map<string, ChainLines>;

  constructor(
    private readonly settings: ProxierSettings,
    private readonly state: ServiceState,
    private readonly largeCluster: boolean,
    /** Per part (ENTRY_PARTS' order): its rule count and host destinations. */
    readonly shape: EntryShape,
  ) {}

  /** The Service's rules in one entry chain, in kube-proxy's order. */
  part(p: EntryPart): readonly Rule[] {
    return this.build().parts[p];
  }

  /** The chains the entry rules jump to (undefined until the rules are built). */
  get entryNames(): readonly string[] | undefined {
    return this.built?.entryNames;
  }

  /** EXT/FW/SVC/SVL/SEP chains in declaration order: names, restore lines, rule counts. */
  get list(): ChainList {
    if (!this.written) {
      const b = this.build();
      this.written = serviceChains(this.settings, b.plans!, this.largeCluster);
      b.plans = undefined;
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

  private build(): Built {
    if (!this.built) {
      this.built = buildRules(this.settings, this.state);
      const { counts } = this.shape;
      for (let i = 0; i < ENTRY_PARTS.length; i++) {
        const n = this.built.parts[ENTRY_PARTS[i]!].length;
        if (n !== counts[i]) throw new Error(`${this.state.ports[0]?.service}: ${ENTRY_PARTS[i]} has ${n} rules, its shape said ${counts[i]}`);
      }
    }
    return this.built;
  }
}

const NONE: readonly Rule[] = Object.freeze([]);

function put(out: Built, part: EntryPart, rule: Rule): void {
  const list = out.parts[part];
  if (list === NONE) out.parts[part] = [rule];
  else (list as Rule[]).push(rule);
}

function add(out: Built, part: EntryPart, table: 'nat' | 'filter', family: 4 | 6, chain: string, text: string, group?: string): void {
  const r = new Rule(table, chain, text, family);
  if (group !== undefined) r.group = group;
  put(out, part, r);
}

function once(list: string[], name: string): void {
  if (!list.includes(name)) list.push(name);
}

/** The "no (local) endpoints" comment of a DROP / REJECT rule. */
function noEndpoints(spn: string, hasEndpoints: boolean): string {
  return hasEndpoints ? `"${spn} has no local endpoints"` : `"${spn} has no endpoints"`;
}

function readsNodeIP(st: ServiceState): boolean {
  for (const p of st.ports) if (p.loadBalancerSourceRanges.length > 0) return true;
  return false;
}

/** The entry rules and chain plans of one Service (all its ports). */
function buildRules(s: ProxierSettings, st: ServiceState): Built {
  const fam = s.family;
  const plans: PortPlan[] = [];
  const parts = { filterServices: NONE, filterExternal: NONE, filterNodePorts: NONE, filterFirewall: NONE, natServices: NONE, natNodePorts: NONE };
  // no closures here: this runs per Service, and the loader names every function it creates
  const jumps: string[] = [];
  const out: Built = { parts, entryNames: jumps, plans };

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
    const extTarget = hasEndpoints ? 'DROP' : 'REJECT';
    const clusterIPMatch = `-m comment --comment "${spn} cluster IP" ${pm} -d ${sp.clusterIP} --dport ${sp.port}`;

    if (hasInternal) {
      const r = new ClusterIPRule(`${clusterIPMatch} -j ${internalChain}`, fam, sp, internalChain);
      r.group = sp.service;
      put(out, 'natServices', r);
      once(jumps, internalChain);
    } else add(out, 'filterServices', 'filter', fam, KUBE_SERVICES, `-m comment --comment ${noEndpoints(spn, hasEndpoints)} ${pm} -d ${sp.clusterIP} --dport ${sp.port} -j ${extTarget}`);
    for (const x of sp.externalIPs) {
      if (hasEndpoints) add(out, 'natServices', 'nat', fam, KUBE_SERVICES, `-m comment --comment "${spn} external IP" ${pm} -d ${x} --dport ${sp.port} -j ${ch.ext}`, sp.service);
      if (!hasExternal) add(out, 'filterExternal', 'filter', fam, KUBE_EXTERNAL_SERVICES, `-m comment --comment ${noEndpoints(spn, hasEndpoints)} ${pm} -d ${x} --dport ${sp.port} -j ${extTarget}`);
    }
    for (const lb of sp.loadBalancerVIPs) {
      if (hasEndpoints) add(out, 'natServices', 'nat', fam, KUBE_SERVICES, `-m comment --comment "${spn} loadbalancer IP" ${pm} -d ${lb} --dport ${sp.port} -j ${lbChain}`, sp.service);
      if (usesFW) add(out, 'filterFirewall', 'filter', fam, KUBE_PROXY_FIREWALL, `-m comment --comment "${spn} traffic not accepted by ${ch.fw}" ${pm} -d ${lb} --dport ${sp.port} -j DROP`);
    }
    if (!hasExternal) {
      for (const lb of sp.loadBalancerVIPs) add(out, 'filterExternal', 'filter', fam, KUBE_EXTERNAL_SERVICES, `-m comment --comment ${noEndpoints(spn, hasEndpoints)} ${pm} -d ${lb} --dport ${sp.port} -j ${extTarget}`);
    }
    if (sp.nodePort !== 0) {
      if (hasEndpoints) {
        if (s.localhostNodePorts && s.nfacct.has(LOCALHOST_NP_COUNTER)) {
          add(out, 'natNodePorts', 'nat', fam, KUBE_NODEPORTS, `-m comment --comment ${spn} ${pm} -d 127.0.0.0/8 --dport ${sp.nodePort} -m nfacct --nfacct-name ${LOCALHOST_NP_COUNTER} -j ${ch.ext}`, sp.service);
        }
        add(out, 'natNodePorts', 'nat', fam, KUBE_NODEPORTS, `-m comment --comment ${spn} ${pm} --dport ${sp.nodePort} -j ${ch.ext}`, sp.service);
      }
      if (!hasExternal) {
        add(out, 'filterExternal', 'filter', fam, KUBE_EXTERNAL_SERVICES, `-m comment --comment ${noEndpoints(spn, hasEndpoints)} -m addrtype --dst-type LOCAL ${pm} --dport ${sp.nodePort} -j ${extTarget}`);
      }
    }
    if (sp.healthCheckNodePort !== 0) {
      add(out, 'filterNodePorts', 'filter', fam, KUBE_NODEPORTS, `-m comment --comment "${spn} health check node port" -m tcp -p tcp --dport ${sp.healthCheckNodePort} -j ACCEPT`);
    }
    const usesExt = hasEndpoints && sp.externallyAccessible;
    if (usesExt) once(jumps, ch.ext);
    if (usesFW) once(jumps, ch.fw);

    const masq = hasInternal ? (s.masqueradeAll ? '' : s.localDetector ? ` ${s.localDetector.ifNotLocal}` : undefined) : undefined;
    const plan: PortPlan = {
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
    };
    if (masq !== undefined) plan.internalMasq = `${clusterIPMatch}${masq} -j ${KUBE_MARK_MASQ}`;
    plans.push(plan);
  }
  return out;
}

/** The rules for one Service, built when first read. `largeCluster` drops the per-endpoint comments. */
export function serviceRules(s: ProxierSettings, st: ServiceState, largeCluster: boolean): ServiceRules {
  return new ServiceRules(s, st, largeCluster, entryShape(s, st));
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
    if (!readsNodeIP(st)) m.set(st, r);
  }
  return r;
}

/**
 * The cluster IP rule, whose parsed form is built from the values its text is written with, when
 * first read: a long KUBE-SERVICES is indexed by destination (xt-index.ts) without parsing 10,000 lines.
 */
class ClusterIPRule extends Rule {
  private built?: RuleSpec;

  constructor(
    text: string,
    family: 4 | 6,
    private readonly sp: ServicePort,
    private readonly target: string,
  ) {
    super('nat', KUBE_SERVICES, text, family);
  }

  override get spec(): RuleSpec {
    return (this.built ??= clusterIPSpec(this.sp, this.target, this.family));
  }
}

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
