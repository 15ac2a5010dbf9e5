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

export function summarize(hops: Hop[]): PathSummary {
  // one pass over the hops' steps (no flattened copy: --all-paths summarises every path)
  let dnat: Extract<Step, { kind: 'nat' }> | undefined;
  let masqueraded = false;
  let affinity = false;
  for (const h of hops)
    for (const s of h.steps) {
      if (s.kind === 'nat') {
        if (s.nat === 'DNAT') dnat ??= s;
        else if (s.nat === 'MASQUERADE' || s.nat === 'SNAT') masqueraded = true;
      } else if (!affinity) {
        // kube-proxy's nftables affinity: the client found in an `affinity-…` set the packet path fills
        if (s.kind === 'netfilter') affinity = s.recent?.op === 'rcheck' || (s.tool === 'nft' && / saddr @affinity-/.test(s.rule));
        else if (s.kind === 'ipvs') affinity = !!s.persistent;
      }
    }
  return { ...(dnat ? { endpoint: dnat.after } : {}), dnat: !!dnat, masqueraded, affinity };
}
