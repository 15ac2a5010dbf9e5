// `knet lab verify`'s DNS checks: from one client pod, one real query per Service
// (`NAME.NS.svc.DOMAIN. A`) to the first nameserver of the pod's resolv.conf, compared with what
// `knet dns resolve` predicts for that query: the same rcode and records when CoreDNS answers, a
// timeout or an ICMP error when the data plane says the query goes nowhere.
import type { Pod, Service } from '../api/types.js';
import type { Cluster } from '../cluster/cluster.js';
import { CorednsInstance } from '../dns/instance.js';
import { resolveFromPod } from '../dns/resolver.js';
import { rdataText } from '../dns/rr.js';
import type { ProbeResult } from './client.js';
import { probe } from './probe.js';
import type { LabState } from './state.js';
import { trace } from '../dataplane/trace.js';
import { NOT_CHECKABLE, ipvsNode } from './ipvs.js';

export interface DnsCheck {
  agree: boolean;
  /** False when the query's path goes through an IPVS table the lab does not have. */
  checkable?: false;
  line: string;
}

const byKey = (a: { metadata: { namespace?: string; name: string } }, b: { metadata: { namespace?: string; name: string } }): number =>
  `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`);

/** What the lab's query got, in the words `knet dns resolve` uses. */
function labText(r: ProbeResult | undefined): string {
  if (!r) return 'no result';
  if (r.outcome === 'timeout') return 'TIMEOUT';
  if (r.outcome === 'refused' || r.outcome === 'unreachable') return 'UNREACHABLE';
  if (r.outcome !== 'answered') return `${r.outcome}${r.code ? ` (${r.code})` : ''}`;
  const records = [...(r.records ?? [])].sort();
  return [r.rcode === 'NOERROR' && records.length === 0 ? 'NODATA' : r.rcode, ...records].join(' ');
}

export async function dnsChecks(cluster: Cluster, state: LabState, timeoutMs: number): Promise<DnsCheck[]> {
  const dnsPods = new Set(state.responders.filter((r) => r.receiver.startsWith('dns ')).map((r) => r.receiver.slice(4)));
  const netnsOf = new Map(state.namespaces.filter((n) => n.role === 'pod').map((n) => [n.object.slice(4), n.name]));
  const key = (p: Pod): string => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;
  // A pod that serves nothing is the likeliest client (pod-a); any other pod will do.
  const serves = (p: Pod): number => (p.spec.containers.some((c) => c.ports?.length) ? 1 : 0);
  const client = (cluster.store.list('Pod') as Pod[]).sort((a, b) => serves(a) - serves(b) || byKey(a, b)).find((p) => netnsOf.has(key(p)) && !dnsPods.has(key(p)));
  if (!client) return [];
  const inst = new CorednsInstance(cluster);
  const domain = cluster.topology.kubelet.clusterDomain;
  const services = (cluster.store.list('Service') as Service[]).sort(byKey);
  const names = services.map((s) => `${s.metadata.name}.${s.metadata.namespace ?? 'default'}.svc.${domain}.`);
  const walks = await Promise.all(names.map((n) => resolveFromPod(inst, client, n, 'A')));
  const server = walks[0]?.queries[0]?.nameserver;
  if (!server) return [];
  const ipvs = ipvsNode(trace(cluster, key(client), `${server}:53`, { proto: 'udp', reply: false }));
  if (ipvs) return names.map((name) => ({ agree: false, checkable: false, line: `${NOT_CHECKABLE} ${key(client)} -> ${server}:53/udp (DNS ${name} A)  the IPVS table of ${ipvs} picks the CoreDNS pod; the lab has none` }));
  const got = await probe(netnsOf.get(key(client))!, names.map((name, id) => ({ id, proto: 'udp' as const, ip: server, port: 53, samples: 1, dns: { mode: 'query' as const, name, type: 'A' } })), timeoutMs);
  return names.map((name, i) => {
    const first = walks[i]!.queries[0];
    const sent = first?.sends[0]?.delivery;
    let want: string;
    if (!sent) want = 'no query';
    else if (sent.kind === 'timeout') want = 'TIMEOUT';
    else if (sent.kind === 'icmp') want = 'UNREACHABLE';
    else {
      const records = sent.reply.answer.map((rr) => `${rr.name} ${rr.type} ${rdataText(rr)}`).sort();
      want = [sent.reply.rcode === 'NOERROR' && records.length === 0 ? 'NODATA' : sent.reply.rcode, ...records].join(' ');
    }
    const have = labText(got.get(i)?.[0]);
    const agree = want === have;
    return { agree, line: `${agree ? 'agree   ' : 'DISAGREE'} ${key(client)} -> ${server}:53/udp (DNS ${name} A)  lab: ${have}  knet dns: ${want}` };
  });
}
