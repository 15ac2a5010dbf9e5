// A pod's stub resolver (glibc rules): which names one lookup tries, in order, given the pod's
// resolv.conf (search list, ndots), who answers each query, and what the lookup returns.
import type { Pod } from '../api/types.js';
import { emptyReply, type Reply } from './answer.js';
import type { Cluster } from '../cluster/cluster.js';
import { clusterDNS, corednsPods, findPod, type CorednsInstance } from './instance.js';
import { fqdn, labels } from './names.js';
import { ndotsOf, resolvConfFor, type ResolvConf } from './resolvconf.js';
import { rrText, type RR } from './rr.js';

export type Outcome = 'NOERROR' | 'NODATA' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' | 'TIMEOUT';

export interface ResolverQuery {
  /** The candidate name, fully qualified. */
  fqdn: string;
  type: string;
  /** The nameserver the query went to. */
  nameserver: string;
  /** Who answered: the cluster's CoreDNS, the upstream resolver, or nobody. */
  answeredBy: 'coredns' | 'upstream' | 'none';
  outcome: Outcome;
  reply: Reply;
}

export interface ResolverWalk {
  pod: { namespace: string; name: string };
  name: string;
  type: string;
  resolvConf: ResolvConf;
  ndots: number;
  queries: ResolverQuery[];
  /** The lookup's result: the answering reply's records, or why there are none. */
  result: { status: 'NOERROR' | 'NXDOMAIN' | 'NODATA' | 'SERVFAIL'; answer: RR[]; addresses: string[] };
}

/** Candidate names in the order glibc's res_search tries them. */
export function searchCandidates(name: string, searches: string[], ndots: number): string[] {
  if (name.endsWith('.')) return [name];
  const dots = labels(name).length - 1;
  const withSuffix = searches.map((s) => (s === '.' || s === '' ? fqdn(name) : fqdn(`${name}.${s}`)));
  const out = dots >= ndots ? [fqdn(name), ...withSuffix] : [...withSuffix, fqdn(name)];
  return [...new Set(out)];
}

function outcomeOf(r: Reply, type: string): Outcome {
  if (r.rcode !== 'NOERROR') return r.rcode === 'NXDOMAIN' || r.rcode === 'SERVFAIL' || r.rcode === 'REFUSED' ? r.rcode : 'SERVFAIL';
  return r.answer.some((rr) => rr.type === type) ? 'NOERROR' : 'NODATA';
}

/**
 * Whether queries to `ip` reach the cluster's CoreDNS: the kubelet's clusterDNS address (the
 * kube-dns Service by construction), a Service in front of CoreDNS pods, or a CoreDNS pod itself.
 */
function reachesCoreDNS(inst: CorednsInstance, ip: string): boolean {
  if (inst.cluster.topology.kubelet.clusterDNS.includes(ip)) return true;
  const podIPs = new Set(corednsPods(inst.cluster).map((p) => p.status!.podIP!));
  if (podIPs.has(ip)) return true;
  return inst.agent.servicesForIP(ip).some((s) => inst.agent.endpointsOf(s.namespace, s.name).some((e) => e.addresses.some((a) => podIPs.has(a.ip))));
}

/**
 * Runs one lookup of `name` from `pod`: each candidate goes to the first nameserver of the pod's
 * resolv.conf; the walk stops at the first answer holding the asked type.
 */
export async function resolveFromPod(inst: CorednsInstance, pod: Pod, name: string, type = 'A'): Promise<ResolverWalk> {
  const conf = resolvConfFor(inst.cluster, pod);
  const ndots = ndotsOf(conf);
  const nameserver = conf.nameservers[0] ?? '127.0.0.1';
  const cluster = reachesCoreDNS(inst, nameserver);
  const queries: ResolverQuery[] = [];
  let answer: ResolverQuery | undefined;
  for (const cand of searchCandidates(name, conf.searches, ndots)) {
    const q = { name: cand, type };
    let reply: Reply;
    let answeredBy: ResolverQuery['answeredBy'];
    if (cluster) {
      const r = await inst.query(q, { transport: 'udp', client: pod.status?.podIP });
      reply = 'records' in r ? emptyReply('REFUSED') : r;
      answeredBy = 'coredns';
    } else {
      // A nameserver outside the cluster is whatever the upstream resolver says, if there is one.
      const up = inst.upstreamFn;
      reply = up ? await up(q).catch(() => emptyReply('SERVFAIL')) : emptyReply('SERVFAIL');
      answeredBy = up ? 'upstream' : 'none';
    }
    const outcome = answeredBy === 'none' ? 'TIMEOUT' : outcomeOf(reply, type);
    const step: ResolverQuery = { fqdn: cand, type, nameserver, answeredBy, outcome, reply };
    queries.push(step);
    if (outcome === 'NOERROR') {
      answer = step;
      break;
    }
  }
  const result: ResolverWalk['result'] = answer
    ? { status: 'NOERROR', answer: answer.reply.answer, addresses: answer.reply.answer.filter((r) => r.type === type && (r.type === 'A' || r.type === 'AAAA')).map((r) => r.data as string) }
    : {
        status: queries.some((s) => s.outcome === 'NODATA') ? 'NODATA' : queries.every((s) => s.outcome === 'SERVFAIL' || s.outcome === 'TIMEOUT' || s.outcome === 'REFUSED') ? 'SERVFAIL' : 'NXDOMAIN',
        answer: [],
        addresses: [],
      };
  return { pod: { namespace: pod.metadata.namespace!, name: pod.metadata.name }, name, type, resolvConf: conf, ndots, queries, result };
}

/**
 * For `knet trace POD NAME`: the lookup a pod's resolver makes for `name`, as data. Each query
 * carries its candidate name, type, the nameserver it goes to (UDP 53: the packet the dataplane
 * walks), the outcome and the reply; `result` is the final answer. Render with walkText.
 */
export async function lookupFromPod(cluster: Cluster, pod: Pod | string, name: string, type = 'A', inst: CorednsInstance = clusterDNS(cluster)): Promise<ResolverWalk> {
  return resolveFromPod(inst, typeof pod === 'string' ? findPod(cluster, pod) : pod, name, type);
}

function stepNote(s: ResolverQuery): string {
  if (s.answeredBy === 'none') return ` (nameserver ${s.nameserver} is outside the cluster and no --upstream was given)`;
  if (s.answeredBy === 'upstream') return ' (host resolver)';
  if (s.reply.forwarded) return s.reply.by === 'forward' && s.reply.rcode === 'REFUSED' && s.reply.answer.length === 0 ? ' (forwarded: no upstream)' : ' (forwarded upstream)';
  return '';
}

/** The walk as text: one TRY line per query, the answer, the result and the cost. */
export function walkText(w: ResolverWalk): string {
  const search = w.resolvConf.searches.join(' ') || '(none)';
  const out = [
    `;; ${w.pod.namespace}/${w.pod.name} resolves ${w.name} ${w.type}: nameserver ${w.resolvConf.nameservers[0] ?? '127.0.0.1'}, search ${search}, ndots:${w.ndots}`,
    ...w.queries.map((s) => `TRY ${s.fqdn.replace(/\.$/, '')} ${s.type} -> ${s.outcome}${stepNote(s)}`),
    ...w.result.answer.map(rrText),
    `RESULT ${w.result.status === 'NOERROR' ? w.result.addresses.join(' ') || 'NOERROR' : w.result.status}`,
    `;; ${w.queries.length} ${w.queries.length === 1 ? 'query' : 'queries'} for one lookup${w.type === 'A' || w.type === 'AAAA' ? ' (getaddrinfo sends A and AAAA for each name: twice that)' : ''}`,
  ];
  return `${out.join('\n')}\n`;
}

export function walkJSON(w: ResolverWalk): unknown {
  return {
    pod: w.pod,
    name: w.name,
    type: w.type,
    resolvConf: { nameservers: w.resolvConf.nameservers, searches: w.resolvConf.searches, options: w.resolvConf.options },
    ndots: w.ndots,
    queries: w.queries.map((s) => ({ fqdn: s.fqdn, type: s.type, nameserver: s.nameserver, answeredBy: s.answeredBy, outcome: s.outcome, forwarded: s.reply.forwarded, answer: s.reply.answer })),
    result: w.result,
  };
}
