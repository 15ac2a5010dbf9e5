// `knet trace SRC DST`: one packet's path through the emulated cluster, hop by hop.
import { Command, Option } from 'commander';
import { InputError } from '../api/errors.js';
import { renderConnections, renderTrace } from '../dataplane/render.js';
import { trace, traceConnections, type TraceOptions } from '../dataplane/trace.js';
import type { Trace } from '../dataplane/types.js';
import type { Service } from '../api/types.js';
import type { CorednsInstance } from '../dns/instance.js';
import { lookupFromPod, walkJSON, walkText } from '../dns/resolver.js';
import type { RR } from '../dns/rr.js';
import { openInstance } from './dns.js';
import { tracePicture } from '../view/render.js';
import { canonicalIP } from '../net/ip.js';
import type { Cluster } from '../cluster/cluster.js';
import { addTopologyOption, openCluster, type IO } from './context.js';
import { addDumpOptions, loadDumps } from './dumps.js';
import { parseDuration } from '../topology/duration.js';

/** `--interval`: a Go duration, or a bare number of seconds. */
function intervalMs(text: string): number {
  const ms = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : parseDuration(text);
  if (ms === undefined) throw new InputError(`"${text}" is not a duration (e.g. 500ms, 1s, 2m)`, 2);
  return ms;
}

export function traceCommand(io: IO): Command {
  const cmd = new Command('trace')
    .description('walk one packet (and its reply) hop by hop through the emulated cluster')
    .argument('<src>', 'client: POD | pod/POD | NS/POD | node/NAME | ext/NAME | IP@NODE')
    .argument('<dst>', 'destination: svc/NAME[:PORT|:PORTNAME] | POD[:PORT] | node/NAME:PORT | IP:PORT')
    .option('-n, --namespace <ns>', 'namespace of SRC, and of DST names given without NS/', 'default')
    .addOption(new Option('--proto <proto>', 'transport protocol (default: the Service port\'s, else tcp)').choices(['tcp', 'udp', 'sctp']))
    .option('--all-paths', 'expand every backend branch with its probability')
    .option('-6, --ipv6', "dual-stack: IPv6 (the Service's IPv6 ClusterIP, the pod's IPv6 address, the client's IPv6 source)")
    .option('--count <n>', 'N successive new connections from the same client (shows load balancing and affinity)')
    .option('--interval <duration>', 'time between --count connections on the simulated clock', '1s')
    .option('--seed <n>', 'seed for the statistic coin tosses and source ports', '1')
    .option('--no-reply', 'omit the reply path')
    .option('--upstream <addr[:port]>', 'for a DNS name: the resolver CoreDNS forwards non-cluster names to (ExternalName targets, external names)')
    .addOption(new Option('-o, --output <format>', 'output format (svg, html: the cluster diagram with the path drawn on it)').choices(['text', 'json', 'svg', 'html']).default('text'));
  addTopologyOption(cmd);
  addDumpOptions(cmd);
  cmd.action(async (src: string, dst: string, o: { namespace: string; proto?: 'tcp' | 'udp' | 'sctp'; allPaths?: boolean; count?: string; interval: string; seed: string; reply: boolean; ipv6?: boolean; iptablesSave: string[]; nftRuleset: string[]; output: string; filename: string[]; upstream?: string }) => {
    if (!/^\d+$/.test(o.seed)) throw new InputError(`--seed "${o.seed}": want a whole number`, 2);
    const cluster = openCluster(o, io);
    loadDumps(cluster, o);
    // the cluster is fresh but for what a steps file's traffic left, which the trace continues from
    const opts = { namespace: o.namespace, ...(o.proto ? { proto: o.proto } : {}), ...(o.ipv6 ? { family: 6 as const } : {}), seed: Number(o.seed), reply: o.reply, allPaths: !!o.allPaths, keepState: true };
    const picture = o.output === 'svg' || o.output === 'html';
    if (o.count !== undefined) {
      if (picture) throw new InputError(`-o ${o.output} draws one flow; it does not combine with --count`, 2);
      if (!/^\d+$/.test(o.count) || Number(o.count) < 1) throw new InputError(`--count "${o.count}": want a whole number ≥ 1`, 2);
      const interval = intervalMs(o.interval);
      const ts = traceConnections(cluster, src, dst, Number(o.count), interval, opts);
      io.out(o.output === 'json' ? JSON.stringify(ts, null, 2) + '\n' : renderConnections(ts, interval));
      return;
    }
    const name = dnsName(cluster, dst, o.namespace);
    if (name) {
      if (picture) throw new InputError(`-o ${o.output} draws one flow: trace the address "${name.name}" resolves to (knet dns resolve ${name.name} --from ${src})`, 2);
      const inst = openInstance(cluster, o.upstream ? { upstream: o.upstream } : {}, io, false);
      // the resolver walk's own datagrams went through the data plane: each trace after it starts afresh
      io.out(await traceByName(inst, src, name.name, name.port, { ...opts, keepState: false }, o.output === 'json'));
      return;
    }
    const t = trace(cluster, src, dst, opts);
    if (picture) return io.out(await tracePicture(cluster, t, o.output as 'svg' | 'html', { allPaths: !!o.allPaths }));
    io.out(o.output === 'json' ? JSON.stringify(t, null, 2) + '\n' : renderTrace(t, { allPaths: !!o.allPaths }));
  });
  return cmd;
}

/** A destination that is a DNS name (not svc/, node/, an IP or a pod of the namespace). */
function dnsName(cluster: Cluster, dst: string, ns: string): { name: string; port?: number } | undefined {
  const m = dst.match(/^([A-Za-z0-9][-A-Za-z0-9_.]*?)(?::(\d+))?$/);
  if (!m || /^(svc|service|node|pod|pods|ext)\//.test(dst)) return undefined;
  const base = m[1]!;
  if (canonicalIP(base) || cluster.store.get('Pod', ns, base)) return undefined;
  return { name: base, ...(m[2] ? { port: Number(m[2]) } : {}) };
}

/** The ExternalName Service whose CNAME starts an answer, if one does. */
function externalNameOf(cluster: Cluster, answer: RR[]): Service | undefined {
  const first = answer[0];
  if (first?.type !== 'CNAME') return undefined;
  const [name, ns, svc] = first.name.toLowerCase().split('.');
  const s = svc === 'svc' ? cluster.store.get('Service', ns!, name!) : undefined;
  return s?.spec.type === 'ExternalName' ? s : undefined;
}

/**
 * `knet trace POD NAME[:PORT]`: the pod's resolver walk (each query the search list causes), the
 * DNS query's own trip to CoreDNS through the kube-dns Service, then the connection to the answer.
 */
async function traceByName(inst: CorednsInstance, src: string, name: string, port: number | undefined, opts: TraceOptions, json: boolean): Promise<string> {
  const cluster = inst.cluster;
  const pod = src.replace(/^pods?\//, '');
  const podRef = pod.includes('/') ? pod : `${opts.namespace ?? 'default'}/${pod}`;
  const walk = await lookupFromPod(cluster, podRef, name, 'A', inst);
  const nameserver = walk.queries[0]?.nameserver;
  const dnsTrip = nameserver ? trace(cluster, src, `${nameserver}:53`, { ...opts, proto: 'udp', allPaths: false }) : undefined;
  const ip = walk.result.addresses[0];
  let conn: Trace | undefined;
  let why = '';
  if (ip) {
    // An ExternalName answers with a CNAME to its target: the connection goes to the target's address, on the Service's port.
    const svc = cluster.store.list('Service').find((x) => x.spec.clusterIP === ip) ?? externalNameOf(cluster, walk.result.answer);
    const target = svc ? undefined : cluster.store.list('Pod').find((x) => x.status?.podIP === ip && !x.spec.hostNetwork);
    const p = port ?? svc?.spec.ports?.[0]?.port ?? target?.spec.containers.flatMap((c) => c.ports ?? [])[0]?.containerPort;
    if (p === undefined) why = `${name} resolved to ${ip}; give the port as ${name}:PORT`;
    else conn = trace(cluster, src, `${ip}:${p}`, { ...opts, ...(svc && port === undefined ? { proto: (svc.spec.ports![0]!.protocol ?? 'TCP').toLowerCase() as 'tcp' } : {}) });
  } else why = `${name} does not resolve (${walk.result.status})`;
  if (json) return JSON.stringify({ dns: walkJSON(walk), dnsPacket: dnsTrip ?? null, trace: conn ?? null, ...(why ? { note: why } : {}) }, null, 2) + '\n';
  let out = `resolve  ${name} from pod ${podRef} (resolv.conf: ndots:${walk.ndots}, search ${walk.resolvConf.searches.join(' ')})\n`;
  out += walkText(walk).replace(/^/gm, '  ').replace(/ +$/gm, '');
  if (dnsTrip) out += `\nthe first query's own trip (UDP to nameserver ${nameserver}:53):\n${renderTrace(dnsTrip).replace(/^/gm, '  ').replace(/ +$/gm, '')}`;
  out += '\n';
  out += conn ? renderTrace(conn, { allPaths: !!opts.allPaths }) : `verdict  ${why}\n`;
  return out;
}
