// One Service's own nat chains as kube-proxy writes them — KUBE-EXT, KUBE-FW, KUBE-SVC, KUBE-SVL
// and a KUBE-SEP per endpoint, in its declaration order — as restore lines, one flat string per
// chain. Written when something first reads them (service-rules.ts keeps what they need).
import type { ChainLines } from '../../../kernel/netfilter/ruleset.js';
import type { Endpoint, ServicePort } from '../objects.js';
import type { ProxierSettings } from '../settings.js';
import { KUBE_MARK_MASQ, endpointChain, type ServicePortChains } from './chains.js';
import { cidrContains, parseCIDR } from '../../../net/ip.js';

/** What a Service port's chains are written from (decided once, with its entry rules). */
export interface PortPlan {
  sp: ServicePort;
  ch: ServicePortChains;
  clusterEndpoints: Endpoint[];
  localEndpoints: Endpoint[];
  reachable: Endpoint[];
  /** `-m tcp -p tcp` */
  pm: string;
  internalChain: string;
  externalPolicyChain: string;
  hasExternal: boolean;
  usesExt: boolean;
  usesFW: boolean;
  usesClusterChain: boolean;
  usesLocalChain: boolean;
  /** The SVC/SVL chain's first rule (masquerade off-cluster traffic to the cluster IP), where it has one. */
  internalMasq?: string;
}

const probabilities: string[] = [];
/** 1/n with exactly ten decimals, as kube-proxy writes `--probability`. */
export function probability(n: number): string {
  return (probabilities[n] ??= (1 / n).toFixed(10));
}

/** A chain's restore lines while they are written (joined once: one flat string per chain). */
class Lines {
  readonly parts: string[] = [];
  count = 0;
  constructor(readonly chain: string) {}

  add(args: string): void {
    this.parts.push('-A ', this.chain, ' ', args, '\n');
    this.count++;
  }
}

/** A KUBE-SVC / KUBE-SVL chain: the masquerade rule first where it goes, then one jump per endpoint by probability. */
function balance(out: Lines[], chain: string, list: Endpoint[], p: PortPlan, masq: string | undefined, largeCluster: boolean): void {
  const lines = new Lines(chain);
  out.push(lines);
  if (masq) lines.add(masq);
  const { sp, ch } = p;
  if (sp.affinitySeconds) {
    for (const e of list) {
      const sep = endpointChain(ch, e.hostPort);
      lines.add(`${endpointComment(sp, e, largeCluster)}-m recent --name ${sep} --rcheck --seconds ${sp.affinitySeconds} --reap -j ${sep}`);
    }
  }
  const n = list.length;
  for (let i = 0; i < n; i++) {
    const e = list[i]!;
    const stat = i < n - 1 ? `-m statistic --mode random --probability ${probability(n - i)} ` : '';
    lines.add(`${endpointComment(sp, e, largeCluster)}${stat}-j ${endpointChain(ch, e.hostPort)}`);
  }
}

function endpointComment(sp: ServicePort, e: Endpoint, largeCluster: boolean): string {
  return largeCluster ? '' : `-m comment --comment "${sp.spn} -> ${e.hostPort}" `;
}

/** The chains of a Service's ports, in kube-proxy's declaration order per port: EXT, FW, SVC, SVL, SEPs. */
export function serviceChains(s: ProxierSettings, plans: readonly PortPlan[], largeCluster: boolean): Map<string, ChainLines> {
  const out: Lines[] = [];
  for (const p of plans) {
    const { sp, ch } = p;
    const spn = sp.spn;
    if (p.usesExt) {
      const ext = new Lines(ch.ext);
      out.push(ext);
      if (!sp.externalPolicyLocal) {
        ext.add(`-m comment --comment "masquerade traffic for ${spn} external destinations" -j ${KUBE_MARK_MASQ}`);
      } else {
        if (s.localDetector) ext.add(`-m comment --comment "pod traffic for ${spn} external destinations" ${s.localDetector.ifLocal} -j ${ch.svc}`);
        ext.add(`-m comment --comment "masquerade LOCAL traffic for ${spn} external destinations" -m addrtype --src-type LOCAL -j ${KUBE_MARK_MASQ}`);
        ext.add(`-m comment --comment "route LOCAL traffic for ${spn} external destinations" -m addrtype --src-type LOCAL -j ${ch.svc}`);
      }
      if (p.hasExternal) ext.add(`-j ${p.externalPolicyChain}`);
    }
    if (p.usesFW) {
      const fw = new Lines(ch.fw);
      out.push(fw);
      const c = `-m comment --comment "${spn} loadbalancer IP"`;
      let allowFromNode = false;
      for (const r of sp.loadBalancerSourceRanges) {
        fw.add(`${c} -s ${r} -j ${ch.ext}`);
        if (cidrHas(r, s.nodeIP)) allowFromNode = true;
      }
      if (allowFromNode) for (const lb of sp.loadBalancerVIPs) fw.add(`${c} -s ${lb} -j ${ch.ext}`);
      fw.add(`-m comment --comment "other traffic to ${spn} will be dropped by KUBE-PROXY-FIREWALL"`);
    }
    if (p.usesClusterChain) balance(out, ch.svc, p.clusterEndpoints, p, p.internalChain === ch.svc ? p.internalMasq : undefined, largeCluster);
    if (p.usesLocalChain) balance(out, ch.svl, p.localEndpoints, p, p.internalChain === ch.svl ? p.internalMasq : undefined, largeCluster);
    const spnComment = largeCluster ? '' : `-m comment --comment ${spn} `;
    for (const e of p.reachable) {
      const name = endpointChain(ch, e.hostPort);
      const lines = new Lines(name);
      out.push(lines);
      lines.add(`${spnComment}-s ${e.ip} -j ${KUBE_MARK_MASQ}`);
      lines.add(`${spnComment}${sp.affinitySeconds ? `-m recent --name ${name} --set ` : ''}${p.pm} -j DNAT --to-destination ${e.hostPort}`);
    }
  }
  const chains = new Map<string, ChainLines>();
  const family = s.family;
  for (const l of out) {
    const prev = chains.get(l.chain);
    const text = l.parts.join('');
    const count = l.count;
    // a chain declared twice keeps its first place, as kube-proxy's writer does
    chains.set(l.chain, prev ? { table: 'nat', family, text: prev.text + text, count: prev.count + count } : { table: 'nat', family, text, count });
  }
  return chains;
}

function cidrHas(cidr: string, ip: string): boolean {
  const c = parseCIDR(cidr);
  return !!c && cidrContains(c, ip);
}
