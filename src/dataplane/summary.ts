// What a path amounts to, derived from its typed steps alone: the endpoint a DNAT (or IPVS)
// chose, whether the source was rewritten on the way, whether session affinity decided.
import type { Hop, Step } from './types.js';

export interface PathSummary {
  /** The destination after the first DNAT, `IP:PORT`; undefined when nothing rewrote it. */
  endpoint?: string;
  dnat: boolean;
  masqueraded: boolean;
  affinity: boolean;
}

function steps(hops: Hop[]): Step[] {
  return hops.flatMap((h) => h.steps);
}

export function summarize(hops: Hop[]): PathSummary {
  const all = steps(hops);
  const dnat = all.find((s): s is Extract<Step, { kind: 'nat' }> => s.kind === 'nat' && s.nat === 'DNAT');
  return {
    ...(dnat ? { endpoint: dnat.after } : {}),
    dnat: !!dnat,
    masqueraded: all.some((s) => s.kind === 'nat' && (s.nat === 'MASQUERADE' || s.nat === 'SNAT')),
    // kube-proxy's nftables affinity: the client found in an `affinity-…` set the packet path fills
    affinity: all.some((s) => (s.kind === 'netfilter' && (s.recent?.op === 'rcheck' || (s.tool === 'nft' && / saddr @affinity-/.test(s.rule)))) || (s.kind === 'ipvs' && !!s.persistent)),
  };
}
