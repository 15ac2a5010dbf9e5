// Whether a refused packet met kube-proxy's reject for a Service without endpoints, in either
// mode: iptables' REJECT rule in KUBE-SERVICES / KUBE-EXTERNAL-SERVICES commented
// "NS/SVC:PORT has no endpoints"; nftables' no-endpoint-services / no-endpoint-nodeports
// verdict-map element (commented with the Service port) sending the packet to reject-chain.
import type { ProgramResult } from '../../kernel/hooks.js';
import { KUBE_EXTERNAL_SERVICES, KUBE_SERVICES } from './iptables/chains.js';
import { TABLE } from './nftables/proxier.js';

const SUFFIX = ' has no endpoints';
const NFT_MAPS = new Set(['no-endpoint-services', 'no-endpoint-nodeports']);

export interface NoEndpointsReject {
  /** The Service port (`ns/svc:port`), or the map element's key when the element has no comment. */
  service: string;
  /** Index into the result's evidence of the rule that matched it (the REJECT rule, the vmap rule). */
  at: number;
}

export function noEndpointsReject(res: ProgramResult): NoEndpointsReject | undefined {
  if (res.verdict !== 'reject' || res.decidedBy === undefined) return undefined;
  const by = res.evidence[res.decidedBy];
  if (by?.kind !== 'rule') return undefined;
  if (by.tool === 'iptables') {
    if (by.chain !== KUBE_SERVICES && by.chain !== KUBE_EXTERNAL_SERVICES) return undefined;
    return by.comment?.endsWith(SUFFIX) ? { service: by.comment.slice(0, -SUFFIX.length), at: res.decidedBy } : undefined;
  }
  if (by.table !== TABLE || by.chain !== 'reject-chain') return undefined;
  // the element that sent the packet to reject-chain: the last verdict before the reject
  for (let i = res.decidedBy - 1; i >= 0; i--) {
    const e = res.evidence[i]!;
    if (e.kind !== 'rule' || e.table !== TABLE) continue;
    if (!NFT_MAPS.has(e.set ?? '') || e.action !== 'goto reject-chain' || !e.element) return undefined;
    const comment = / comment "([^"]*)"/.exec(e.element)?.[1];
    return { service: comment ?? e.element.replace(/ : .*$/, ''), at: i };
  }
  return undefined;
}
