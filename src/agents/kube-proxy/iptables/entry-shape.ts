// How many entry rules a Service writes into each entry chain, and the destinations they match,
// from its view alone: what a walk through KUBE-SERVICES of 10,000 Services needs (where each
// Service's rules start, which ones a packet can match) without building a rule. The rules
// themselves (service-rules.ts) are checked against this when they are built.
import { categorizeEndpoints, portKey, type ServiceState } from '../objects.js';
import type { ProxierSettings } from '../settings.js';
import { LOCALHOST_NP_COUNTER } from './chains.js';

/** Per entry part (ENTRY_PARTS' order): the rule count, and the host addresses its rules match as destination (null: some rule matches no single host). */
export interface EntryShape {
  readonly counts: readonly number[];
  readonly dsts: readonly (readonly string[] | null)[];
}

// part indexes, as ENTRY_PARTS orders them
const FILTER_SERVICES = 0;
const FILTER_EXTERNAL = 1;
const FILTER_NODEPORTS = 2;
const FILTER_FIREWALL = 3;
const NAT_SERVICES = 4;
const NAT_NODEPORTS = 5;

const NO_DSTS: readonly string[] = Object.freeze([]);

class Shape implements EntryShape {
  readonly counts = [0, 0, 0, 0, 0, 0];
  readonly dsts: (string[] | null)[] = [NO_DSTS as string[], NO_DSTS as string[], NO_DSTS as string[], NO_DSTS as string[], NO_DSTS as string[], NO_DSTS as string[]];

  /** `n` rules of a part, each with -d `dst` (undefined: no single host). */
  add(part: number, n: number, dst: string | undefined): void {
    if (n === 0) return;
    this.counts[part]! += n;
    const d = this.dsts[part];
    if (dst === undefined) this.dsts[part] = null;
    else if (d === NO_DSTS) this.dsts[part] = [dst];
    else if (d) d.push(dst);
  }
}

/** The shape of the rules serviceRules builds for the view: the same decisions, port by port. */
export function entryShape(s: ProxierSettings, st: ServiceState): EntryShape {
  const out = new Shape();
  for (const sp of st.ports) {
    const { localEndpoints, hasEndpoints } = categorizeEndpoints(st.endpoints.get(portKey(sp.portName, sp.protocol)) ?? [], sp);
    const hasInternal = hasEndpoints && (!sp.internalPolicyLocal || localEndpoints.length > 0);
    const hasExternal = hasEndpoints && (!sp.externalPolicyLocal || localEndpoints.length > 0);
    const usesFW = hasEndpoints && sp.loadBalancerVIPs.length > 0 && sp.loadBalancerSourceRanges.length > 0;
    out.add(hasInternal ? NAT_SERVICES : FILTER_SERVICES, 1, sp.clusterIP);
    for (const x of sp.externalIPs) {
      if (hasEndpoints) out.add(NAT_SERVICES, 1, x);
      if (!hasExternal) out.add(FILTER_EXTERNAL, 1, x);
    }
    for (const lb of sp.loadBalancerVIPs) {
      if (hasEndpoints) out.add(NAT_SERVICES, 1, lb);
      if (usesFW) out.add(FILTER_FIREWALL, 1, lb);
      if (!hasExternal) out.add(FILTER_EXTERNAL, 1, lb);
    }
    if (sp.nodePort !== 0) {
      // -d 127.0.0.0/8 and --dport alone: no single host
      if (hasEndpoints) out.add(NAT_NODEPORTS, s.localhostNodePorts && s.nfacct.has(LOCALHOST_NP_COUNTER) ? 2 : 1, undefined);
      if (!hasExternal) out.add(FILTER_EXTERNAL, 1, undefined);
    }
    if (sp.healthCheckNodePort !== 0) out.add(FILTER_NODEPORTS, 1, undefined);
  }
  return out;
}
