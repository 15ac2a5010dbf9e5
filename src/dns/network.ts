// What happens to a pod's DNS query on the way to one nameserver: the datagram's own trip through
// the emulated data plane (`knet trace POD NS:53 --proto udp`) decides. Delivered to a running
// CoreDNS pod, CoreDNS answers; rejected (kube-proxy's REJECT for a Service without endpoints,
// nothing listening) is an ICMP port unreachable; dropped or lost is a timeout. A nameserver
// outside the cluster's networks is the upstream resolver when one was given.
import { isIP } from 'node:net';
import { InputError } from '../api/errors.js';
import type { Pod } from '../api/types.js';
import { trace } from '../dataplane/trace.js';
import type { Disposition } from '../dataplane/types.js';
import { cidrContains, parseCIDR } from '../net/ip.js';
import { emptyReply } from './answer.js';
import type { Delivery, Network } from './glibc.js';
import { corednsPods, type CorednsInstance } from './instance.js';
import { loopOf } from './loop.js';

/** Who sits at a nameserver address, as seen from one pod. */
export type NameserverPath =
  | { kind: 'coredns'; pod: string; note?: string }
  | { kind: 'upstream'; why: string }
  | Extract<Delivery, { kind: 'icmp' | 'timeout' }>;

/** The ICMP error each failed path sends back; the rest are silent (a timeout). */
const ICMP: Partial<Record<Disposition, 'port unreachable' | 'net unreachable' | 'time exceeded'>> = {
  REJECTED: 'port unreachable',
  NO_ENDPOINTS: 'port unreachable',
  NO_LISTENER: 'port unreachable',
  NO_ROUTE: 'net unreachable',
  TTL_EXCEEDED: 'time exceeded',
};

function insideCluster(inst: CorednsInstance, ip: string): boolean {
  const n = inst.cluster.topology.networking;
  const nets = [...n.podSubnets, ...n.serviceSubnets].map((c) => parseCIDR(c, true)).filter((c) => !!c);
  return nets.some((c) => cidrContains(c!, ip)) || inst.cluster.topology.header.nodes.some((x) => x.ip === ip);
}

/** Where one query from `pod` to `nameserver` port 53 ends up. */
export function nameserverPath(inst: CorednsInstance, pod: Pod, nameserver: string): NameserverPath {
  if (isIP(nameserver) === 4 ? nameserver.startsWith('127.') : nameserver === '::1') {
    if (pod.spec.hostNetwork) return { kind: 'upstream', why: `the node's own resolver at ${nameserver}` };
    return { kind: 'icmp', icmp: 'port unreachable', why: `${nameserver} is the pod's own loopback and nothing listens on port 53 there` };
  }
  if (!insideCluster(inst, nameserver)) return { kind: 'upstream', why: `${nameserver} is outside the cluster` };
  const src = `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
  let t;
  try {
    t = trace(inst.cluster, src, `${nameserver}:53`, { proto: 'udp', reply: false });
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return untraced(inst, nameserver, e.message);
  }
  const p = t.paths[0]!;
  if (p.verdict === 'DELIVERED') {
    const receiver = p.receiver?.replace(/^pod /, '');
    const coredns = corednsPods(inst.cluster).find((x) => `${x.metadata.namespace}/${x.metadata.name}` === receiver);
    if (!coredns) return { kind: 'timeout', why: `delivered to ${p.receiver ?? p.endpoint}, which is no CoreDNS pod (knet does not know what answers there)` };
    if (loopOf(inst, coredns)) return { kind: 'icmp', icmp: 'port unreachable', why: `nothing listens on port 53 in pod ${receiver}: its CoreDNS crash-loops (plugin/loop)` };
    return { kind: 'coredns', pod: receiver! };
  }
  const why = `${p.verdict}: ${p.reason}`;
  const icmp = ICMP[p.verdict];
  return icmp ? { kind: 'icmp', icmp, why } : { kind: 'timeout', why };
}

/**
 * Where a query goes when the data plane cannot be walked (a kube-proxy mode the walker does not
 * know): to the first CoreDNS pod behind the address (a Service's endpoints or the pod IP itself).
 */
function untraced(inst: CorednsInstance, nameserver: string, why: string): NameserverPath {
  const pods = corednsPods(inst.cluster);
  const backends = new Set(inst.agent.servicesForIP(nameserver).flatMap((s) => inst.agent.endpointsOf(s.namespace, s.name).flatMap((e) => e.addresses.map((a) => a.ip))));
  const pod = pods.find((p) => p.status?.podIP === nameserver) ?? pods.find((p) => backends.has(p.status!.podIP!));
  const note = `path not traced: ${why}`;
  if (!pod) return { kind: 'timeout', why: `no CoreDNS pod behind ${nameserver} (${note})` };
  return { kind: 'coredns', pod: `${pod.metadata.namespace}/${pod.metadata.name}`, note };
}

/** The network a pod's resolver sends through: each nameserver's path, then who answers there. */
export function podNetwork(inst: CorednsInstance, pod: Pod): Network {
  const paths = new Map<string, NameserverPath>();
  return async (ns, name, type): Promise<Delivery> => {
    let path = paths.get(ns);
    if (!path) paths.set(ns, (path = nameserverPath(inst, pod, ns)));
    const q = { name, type };
    switch (path.kind) {
      case 'coredns': {
        const r = await inst.query(q, { transport: 'udp', ...(pod.status?.podIP ? { client: pod.status.podIP } : {}) });
        return { kind: 'reply', reply: 'records' in r ? emptyReply('REFUSED') : r, from: `CoreDNS in pod ${path.pod}${path.note ? ` (${path.note})` : ''}` };
      }
      case 'upstream': {
        const up = inst.upstreamFn;
        if (!up) return { kind: 'timeout', why: `${path.why} and no --upstream was given: knet cannot know its answer` };
        const reply = await up(q).catch(() => undefined);
        return reply ? { kind: 'reply', reply, from: `upstream ${inst.upstreamName ?? ''} (${path.why})`.replace('  ', ' ') } : { kind: 'timeout', why: `the upstream ${inst.upstreamName ?? ''} did not answer` };
      }
      default:
        return path;
    }
  };
}
