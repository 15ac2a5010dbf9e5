// What the lab cannot check on an IPVS-mode cluster: the lab loads no IPVS table, so a flow whose
// endpoint an IPVS virtual server picks is marked "not checkable" — never "agree".
import type { Trace } from '../dataplane/types.js';

/** How a flow the lab cannot check is marked. */
export const NOT_CHECKABLE = 'not checkable';

/** The node of the first IPVS pick on any path of the trace. */
export function ipvsNode(t: Trace): string | undefined {
  for (const p of t.paths) for (const h of p.hops) if (h.steps.some((s) => s.kind === 'ipvs')) return h.node;
  return undefined;
}
