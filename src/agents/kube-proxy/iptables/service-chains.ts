// One Service's own nat chains as kube-proxy writes them — KUBE-EXT, KUBE-FW, KUBE-SVC, KUBE-SVL
// and a KUBE-SEP per endpoint, in its declaration order — as restore lines, one flat string per
// chain (each joined once from its pieces). Written when something first reads them
// (service-rules.ts keeps what they need).
import type { ChainList } from '../../../kernel/netfilter/ruleset.js';
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

/** A Service's chains as they are written: parallel lists in declaration order. */
class Out implements ChainList {
  readonly names: string[] = [];
  readonly texts: string[] = [];
  readonly counts: number[] = [];

  /** `dedupe`: whether a chain can be declared twice (two ports with the same chains). */
  constructor(private readonly dedupe: boolean) {}

  add(name: string, text: string, count: number): void {
    // a chain declared twice keeps its first place, as kube-proxy's writer does
    const at = this.dedupe ? this.names.indexOf(name) : -1;
    if (at >= 0) {
      this.texts[at] += text;
      this.counts[at]! += count;
    } else {
      this.names.push(name);
      this.texts.push(text);
      this.counts.push(count);
    }
  }
}

/** A few-line chain's restore lines while they are written (joined once). */
class Lines {
  private readonly parts: string[] = [];
  private count = 0;
  constructor(readonly chain: string) {}

  add(args: string): void {
    this.parts.push('-A ', this.chain, ' ', args, '\n');
    this.count++;
  }

  to(out: Out): void {
    out.add(this.chain, this.parts.join(''), this.count);
  }
}

const probabilityJumps: string[] = [];
/** ` -m statistic --mode random --probability 1/n -j ` */
function probabilityJump(n: number): string {
  return (probabilityJumps[n] ??= ` -m statistic --mode random --probability ${probability(n)} -j `);
}

/** A KUBE-SVC / KUBE-SVL chain: the masquerade rule first where it goes, then one jump per endpoint by probability. */
function balance(out: Out, chain: string, list: Endpoint[], p: PortPlan, masq: string | undefined, largeCluster: boolean): void {
  // the pieces of every line, joined once
  const parts: string[] = [];
  const { sp, ch } = p;
  if (masq) parts.push('-A ', chain, ' ', masq, '\n');
  if (sp.affinitySeconds) {
    for (const e of list) {
      const sep = endpointChain(ch, e.hostPort);
      parts.push('-A ', chain, ' ', endpointComment(sp, e, largeCluster), '-m recent --name ', sep, ' --rcheck --seconds ', String(sp.affinitySeconds), ' --reap -j ', sep, '\n');
    }
  }
  const n = list.length;
  for (let i = 0; i < n; i++) {
    const e = list[i]!;
    const jump = i < n - 1 ? probabilityJump(n - i) : ' -j ';
    if (largeCluster) parts.push('-A ', chain, jump, endpointChain(ch, e.hostPort), '\n');
    else parts.push('-A ', chain, ' ', endpointComment(sp, e, false), jump.slice(1), endpointChain(ch, e.hostPort), '\n');
  }
  out.add(chain, parts.join(''), (masq ? 1 : 0) + (sp.affinitySeconds ? 2 : 1) * n);
}

function endpointComment(sp: ServicePort, e: Endpoint, largeCluster: boolean): string {
  return largeCluster ? '' : `-m comment --comment "${sp.spn} -> ${e.hostPort}" `;
}

const MASQ_THEN = ` -j ${KUBE_MARK_MASQ}\n-A `;

/** Whether two ports write the same chains (the same name and protocol twice). */
function sharesChains(plans: readonly PortPlan[]): boolean {
  for (let i = 1; i < plans.length; i++) for (let j = 0; j < i; j++) if (plans[i]!.ch === plans[j]!.ch) return true;
  return false;
}

/** The chains of a Service's ports, in kube-proxy's declaration order per port: EXT, FW, SVC, SVL, SEPs. */
export function serviceChains(s: ProxierSettings, plans: readonly PortPlan[], largeCluster: boolean): ChainList {
  // a port's chains differ by prefix, its endpoints' by ip:port (the view keeps one endpoint per ip:port)
  const out = new Out(sharesChains(plans));
  for (const p of plans) {
    const { sp, ch } = p;
    const spn = sp.spn;
    if (p.usesExt) {
      const ext = new Lines(ch.ext);
      if (!sp.externalPolicyLocal) {
        ext.add(`-m comment --comment "masquerade traffic for ${spn} external destinations" -j ${KUBE_MARK_MASQ}`);
      } else {
        if (s.localDetector) ext.add(`-m comment --comment "pod traffic for ${spn} external destinations" ${s.localDetector.ifLocal} -j ${ch.svc}`);
        ext.add(`-m comment --comment "masquerade LOCAL traffic for ${spn} external destinations" -m addrtype --src-type LOCAL -j ${KUBE_MARK_MASQ}`);
        ext.add(`-m comment --comment "route LOCAL traffic for ${spn} external destinations" -m addrtype --src-type LOCAL -j ${ch.svc}`);
      }
      if (p.hasExternal) ext.add(`-j ${p.externalPolicyChain}`);
      ext.to(out);
    }
    if (p.usesFW) {
      const fw = new Lines(ch.fw);
      const c = `-m comment --comment "${spn} loadbalancer IP"`;
      let allowFromNode = false;
      for (const r of sp.loadBalancerSourceRanges) {
        fw.add(`${c} -s ${r} -j ${ch.ext}`);
        if (cidrHas(r, s.nodeIP)) allowFromNode = true;
      }
      if (allowFromNode) for (const lb of sp.loadBalancerVIPs) fw.add(`${c} -s ${lb} -j ${ch.ext}`);
      fw.add(`-m comment --comment "other traffic to ${spn} will be dropped by KUBE-PROXY-FIREWALL"`);
      fw.to(out);
    }
    if (p.usesClusterChain) balance(out, ch.svc, p.clusterEndpoints, p, p.internalChain === ch.svc ? p.internalMasq : undefined, largeCluster);
    if (p.usesLocalChain) balance(out, ch.svl, p.localEndpoints, p, p.internalChain === ch.svl ? p.internalMasq : undefined, largeCluster);
    // per port: what goes between the chain name and the source address, and between the name and the DNAT destination
    const spnComment = largeCluster ? '' : `-m comment --comment ${spn} `;
    const source = ` ${spnComment}-s `;
    const dnat = ` ${spnComment}${p.pm} -j DNAT --to-destination `;
    for (const e of p.reachable) {
      const name = endpointChain(ch, e.hostPort);
      const to = sp.affinitySeconds ? ` ${spnComment}-m recent --name ${name} --set ${p.pm} -j DNAT --to-destination ` : dnat;
      // both lines as one join: `-s IP -j KUBE-MARK-MASQ`, then the DNAT
      out.add(name, ['-A ', name, source, e.ip, MASQ_THEN, name, to, e.hostPort, '\n'].join(''), 2);
    }
  }
  return out;
}

function cidrHas(cidr: string, ip: string): boolean {
  const c = parseCIDR(cidr);
  return !!c && cidrContains(c, ip);
}
