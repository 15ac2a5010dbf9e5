// A pod's name lookup as getaddrinfo makes it: /etc/hosts first (the kubelet's file with the
// pod's hostAliases), then glibc's stub resolver over the pod's resolv.conf (search list, ndots,
// timeout, attempts, every nameserver in turn), each datagram going where the data plane takes
// it. The walk records every query and send, what the lookup returns, and how long it takes.
import type { Pod } from '../api/types.js';
import type { Reply } from './answer.js';
import type { Cluster } from '../cluster/cluster.js';
import { resolverOptions, resSearch, type Delivery, type HErrno, type Network, type ResolverOptions, type Send } from './glibc.js';
import { hostsFileFor, hostsLookup, type HostsEntry } from './hosts.js';
import { clusterDNS, findPod, type CorednsInstance } from './instance.js';
import { fqdn, labels } from './names.js';
import { loopFindings, loopWarning } from './loop.js';
import { podNetwork } from './network.js';
import { resolvConfFor, type ResolvConf } from './resolvconf.js';
import { rrText, type RR } from './rr.js';

export type Outcome = 'NOERROR' | 'NODATA' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' | 'NOTIMP' | 'FORMERR' | 'TIMEOUT' | 'UNREACHABLE';

export interface ResolverQuery {
  /** The candidate name, fully qualified. */
  fqdn: string;
  type: string;
  /** The nameserver of the last send. */
  nameserver: string;
  /** Who answered the last send: the cluster's CoreDNS, the upstream resolver, or nobody. */
  answeredBy: 'coredns' | 'upstream' | 'none';
  /** What the last send got. */
  outcome: Outcome;
  reply: Reply;
  /** Every datagram res_send sent for this name, in order. */
  sends: Send[];
  /** res_query's result: SUCCESS or the h_errno it set. */
  result: 'SUCCESS' | HErrno;
  errno?: 'ECONNREFUSED' | 'ETIMEDOUT';
  seconds: number;
}

export interface ResolverWalk {
  pod: { namespace: string; name: string };
  name: string;
  type: string;
  resolvConf: ResolvConf;
  ndots: number;
  options: ResolverOptions;
  /** The /etc/hosts lines that answered (the lookup then sends no query). */
  hosts: HostsEntry[];
  /** For a hostNetwork pod: the node's own /etc/hosts is unknown to knet. */
  hostsIncomplete: boolean;
  queries: ResolverQuery[];
  /** Why the search list was left early. */
  stopped?: string;
  /** CoreDNS pods that crash-loop (the loop plugin), each as one line. */
  warnings: string[];
  result: { status: 'NOERROR' | HErrno; answer: RR[]; addresses: string[]; seconds: number };
}

/** Candidate names in the order glibc's res_search tries them when every query fails. */
export function searchCandidates(name: string, searches: string[], ndots: number): string[] {
  if (name.endsWith('.')) return [name];
  const dots = labels(name).length - 1;
  const withSuffix = searches.map((s) => (s === '.' || s === '' ? fqdn(name) : fqdn(`${name}.${s}`)));
  const out = dots >= ndots ? [fqdn(name), ...withSuffix] : [...withSuffix, fqdn(name)];
  return [...new Set(out)];
}

function outcomeOf(d: Delivery): Outcome {
  if (d.kind === 'timeout') return 'TIMEOUT';
  if (d.kind === 'icmp') return 'UNREACHABLE';
  const r = d.reply;
  if (r.rcode === 'NOERROR') return r.answer.length > 0 ? 'NOERROR' : 'NODATA';
  return (['NXDOMAIN', 'SERVFAIL', 'REFUSED', 'NOTIMP', 'FORMERR'] as const).find((x) => x === r.rcode) ?? 'SERVFAIL';
}

const NO_REPLY: Reply = { rcode: 'SERVFAIL', aa: false, answer: [], authority: [], additional: [], forwarded: false, by: 'none' };

/** Runs one lookup of `name` from `pod`, through `network` (default: the emulated data plane). */
export async function resolveFromPod(inst: CorednsInstance, pod: Pod, name: string, type = 'A', network: Network = podNetwork(inst, pod)): Promise<ResolverWalk> {
  const conf = resolvConfFor(inst.cluster, pod);
  const options = resolverOptions(conf);
  const hostsFile = hostsFileFor(inst.cluster, pod);
  const warnings = loopFindings(inst).map(loopWarning);
  const base = { pod: { namespace: pod.metadata.namespace!, name: pod.metadata.name }, name, type, resolvConf: conf, ndots: options.ndots, options, hostsIncomplete: !hostsFile.complete, warnings };
  const hosts = hostsLookup(hostsFile, name, type);
  if (hosts.length) return { ...base, hosts, queries: [], result: { status: 'NOERROR', answer: [], addresses: hosts.map((h) => h.ip), seconds: 0 } };
  const run = await resSearch(name, type, conf, options, network);
  const queries: ResolverQuery[] = run.queries.map((q) => {
    const last = q.sends.at(-1);
    const d = last?.delivery;
    const reply = q.reply ?? (d?.kind === 'reply' ? d.reply : NO_REPLY);
    return {
      fqdn: q.fqdn,
      type: q.type,
      nameserver: last?.nameserver ?? '',
      answeredBy: d?.kind === 'reply' ? (d.from.startsWith('CoreDNS') ? 'coredns' : 'upstream') : 'none',
      outcome: d ? outcomeOf(d) : 'TIMEOUT',
      reply,
      sends: q.sends,
      result: q.result,
      ...(q.errno ? { errno: q.errno } : {}),
      seconds: q.seconds,
    };
  });
  const ok = run.answer;
  const answer = ok?.reply?.answer ?? [];
  const addresses = answer.filter((r) => r.type === type && (r.type === 'A' || r.type === 'AAAA')).map((r) => r.data as string);
  // A reply with records but none of the asked type (an ExternalName's CNAME alone) ends the walk with no address.
  const status: ResolverWalk['result']['status'] = ok ? (addresses.length || (type !== 'A' && type !== 'AAAA') ? 'NOERROR' : 'NO_DATA') : run.herrno ?? 'HOST_NOT_FOUND';
  return { ...base, hosts: [], queries, ...(run.stopped ? { stopped: run.stopped } : {}), result: { status, answer, addresses, seconds: run.seconds } };
}

/**
 * For `knet trace POD NAME`: the lookup a pod's resolver makes for `name`, as data. Each query
 * carries its candidate name, type, the nameservers it went to, the outcome and the reply;
 * `result` is the final answer. Render with walkText.
 */
export async function lookupFromPod(cluster: Cluster, pod: Pod | string, name: string, type = 'A', inst: CorednsInstance = clusterDNS(cluster)): Promise<ResolverWalk> {
  return resolveFromPod(inst, typeof pod === 'string' ? findPod(cluster, pod) : pod, name, type);
}

function sendText(s: Send): string {
  const d = s.delivery;
  const at = `${s.nameserver} attempt ${s.attempt}:`;
  if (d.kind === 'timeout') return `${at} no reply within ${s.seconds}s (${d.why})`;
  if (d.kind === 'icmp') return `${at} ICMP ${d.icmp} (${d.why})`;
  const next = d.reply.rcode === 'SERVFAIL' || d.reply.rcode === 'NOTIMP' || d.reply.rcode === 'REFUSED' ? ': glibc tries the next nameserver' : '';
  return `${at} ${d.reply.rcode} from ${d.from}${next}`;
}

function queryNote(q: ResolverQuery): string {
  if (q.answeredBy === 'upstream') return ' (upstream resolver)';
  if (q.answeredBy === 'none') return '';
  if (q.reply.forwarded) return q.reply.by === 'forward' && q.reply.rcode === 'REFUSED' && q.reply.answer.length === 0 ? ' (forwarded: no upstream)' : ' (forwarded upstream)';
  return '';
}

const HERRNO_TEXT: Record<HErrno, string> = {
  HOST_NOT_FOUND: 'no such name',
  NO_DATA: 'the name exists but has no address of that type',
  TRY_AGAIN: 'getaddrinfo: EAI_AGAIN, "Temporary failure in name resolution"',
  NO_RECOVERY: 'getaddrinfo: EAI_FAIL, "Non-recoverable failure in name resolution"',
};

/** The walk as text: /etc/hosts, one TRY line per query (each send below a failed one), the answer, the result and the cost. */
export function walkText(w: ResolverWalk): string {
  const search = w.resolvConf.searches.join(' ') || '(none)';
  const o = w.options;
  const servers = w.resolvConf.nameservers.join(' ') || '(none)';
  const out = [`;; ${w.pod.namespace}/${w.pod.name} resolves ${w.name} ${w.type}: nameserver ${servers}, search ${search}, ndots:${o.ndots} timeout:${o.timeout} attempts:${o.attempts}`];
  if (o.unmodelled.length) out.push(`;; options knet does not model: ${o.unmodelled.join(' ')}`);
  out.push(...w.warnings.map((x) => `;; ${x}`));
  if (w.hosts.length) out.push(...w.hosts.map((h) => `HOSTS ${w.name} -> ${h.ip} (/etc/hosts${h.source === 'hostAliases' ? ', from hostAliases' : ''}: files comes before dns)`));
  else if (w.hostsIncomplete) out.push(';; hostNetwork pod: its /etc/hosts is the node\'s, which knet does not know (only hostAliases are checked)');
  for (const q of w.queries) {
    out.push(`TRY ${q.fqdn.replace(/\.$/, '')} ${q.type} -> ${q.outcome}${queryNote(q)}`);
    if (q.result !== 'SUCCESS' && q.sends.length > 0 && q.errno) {
      out.push(...q.sends.map((s) => `  ${sendText(s)}`));
      out.push(`  res_send gives up after ${q.sends.length} ${q.sends.length === 1 ? 'send' : 'sends'} (${q.seconds}s): ${q.errno}, h_errno TRY_AGAIN`);
    } else if (q.sends.length > 1) out.push(...q.sends.slice(0, -1).map((s) => `  ${sendText(s)}`));
  }
  if (w.stopped) out.push(`;; ${w.stopped}`);
  out.push(...w.result.answer.map(rrText));
  const r = w.result;
  const took = r.seconds > 0 ? ` after ${r.seconds}s` : '';
  out.push(r.status === 'NOERROR' ? `RESULT ${r.addresses.join(' ') || 'NOERROR'}${took}` : `RESULT ${r.status}${took} (${HERRNO_TEXT[r.status]})`);
  const sends = w.queries.reduce((n, q) => n + q.sends.length, 0);
  if (w.hosts.length) out.push(';; no DNS query: /etc/hosts answered');
  else {
    const extra = sends !== w.queries.length ? `, ${sends} datagrams` : '';
    out.push(`;; ${w.queries.length} ${w.queries.length === 1 ? 'query' : 'queries'}${extra} for one lookup${w.type === 'A' || w.type === 'AAAA' ? ' (getaddrinfo sends A and AAAA for each name: twice that)' : ''}`);
  }
  return `${out.join('\n')}\n`;
}

export function walkJSON(w: ResolverWalk): unknown {
  return {
    pod: w.pod,
    name: w.name,
    type: w.type,
    resolvConf: { nameservers: w.resolvConf.nameservers, searches: w.resolvConf.searches, options: w.resolvConf.options },
    ndots: w.ndots,
    options: { ndots: w.options.ndots, timeout: w.options.timeout, attempts: w.options.attempts, unmodelled: w.options.unmodelled },
    hosts: w.hosts,
    queries: w.queries.map((s) => ({
      fqdn: s.fqdn,
      type: s.type,
      nameserver: s.nameserver,
      answeredBy: s.answeredBy,
      outcome: s.outcome,
      result: s.result,
      ...(s.errno ? { errno: s.errno } : {}),
      seconds: s.seconds,
      sends: s.sends.map((x) => ({ nameserver: x.nameserver, attempt: x.attempt, delivery: x.delivery.kind, ...(x.delivery.kind === 'reply' ? { rcode: x.delivery.reply.rcode, from: x.delivery.from } : { why: x.delivery.why }), seconds: x.seconds })),
      forwarded: s.reply.forwarded,
      answer: s.reply.answer,
    })),
    ...(w.stopped ? { stopped: w.stopped } : {}),
    warnings: w.warnings,
    result: w.result,
  };
}
