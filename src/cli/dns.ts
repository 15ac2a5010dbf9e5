// `knet dns`: the cluster DNS — the record set, single queries, a pod's resolv.conf and stub
// resolver walk, and a real DNS server.
import { Command, Option } from 'commander';
import { InputError } from '../api/errors.js';
import type { Cluster } from '../cluster/cluster.js';
import type { Question } from '../dns/answer.js';
import { parseEndpoint, query as clientQuery } from '../dns/client.js';
import { CorednsInstance, findPod, type InstanceOptions } from '../dns/instance.js';
import { loopFindings, loopWarning } from '../dns/loop.js';
import { fqdn } from '../dns/names.js';
import { replyJSON, replyText, rrJSON, transferText, zoneFileText } from '../dns/render.js';
import { rrText } from '../dns/rr.js';
import { resolvConfFor, resolvConfText } from '../dns/resolvconf.js';
import { resolveFromPod, walkText, walkJSON } from '../dns/resolver.js';
import { startDnsServer } from '../dns/server.js';
import { transferRecords, untransferredRecords } from '../dns/zone.js';
import { addTopologyOption, collect, openCluster, type IO } from './context.js';

const TYPES = ['A', 'AAAA', 'SRV', 'PTR', 'TXT', 'CNAME', 'NS', 'SOA', 'MX', 'HINFO', 'CAA', 'ANY', 'AXFR', 'IXFR'];

interface InstanceFlags {
  filename: string[];
  instance?: string;
  localIp?: string[];
  upstream?: string;
}

function addInstanceOptions(cmd: Command): Command {
  addTopologyOption(cmd);
  return cmd
    .option('--instance <pod>', 'the CoreDNS pod that answers (its IPs name it in NS records; default: the first CoreDNS pod by name)')
    .option('--local-ip <ip>', 'the answering CoreDNS instance\'s own address, for a CoreDNS outside the pods (repeatable; overrides --instance)', collect, [])
    .option('--upstream <addr[:port]>', 'the resolver the forward plugin sends non-cluster names to (default: none, those get REFUSED)');
}

/** The record-set answerer for a cluster, with its upstream resolver when given. */
export function openInstance(cluster: Cluster, flags: Omit<InstanceFlags, 'filename'>, io: IO, warnLoops = true): CorednsInstance {
  const opts: InstanceOptions = {};
  if (flags.instance) opts.instance = flags.instance;
  if (flags.localIp?.length) opts.localIPs = flags.localIp;
  if (flags.upstream) {
    const ep = parseEndpoint(flags.upstream, '--upstream');
    opts.upstream = (q) => clientQuery(ep, q, { timeoutMs: 2000 });
    opts.upstreamName = `${ep.host}#${ep.port}`;
  }
  const inst = new CorednsInstance(cluster, opts);
  for (const w of inst.warnings) io.err(`Warning: ${w}\n`);
  if (warnLoops) for (const f of loopFindings(inst)) io.err(`Warning: ${loopWarning(f)}\n`);
  return inst;
}

/** dig's check of a name: not empty, no empty label, labels of at most 63 and names of at most 253 characters. */
export function checkName(name: string): string {
  if (name === '') throw new InputError('error: the name is empty', 2);
  if (name === '.') return name;
  const bare = name.replace(/\.$/, '');
  const labels = bare.split('.');
  if (labels.some((l) => l === '')) throw new InputError(`error: '${name}' is not a legal name (empty label)`, 2);
  if (labels.some((l) => l.length > 63)) throw new InputError(`error: '${name}' is not a legal name (label too long)`, 2);
  if (bare.length > 253) throw new InputError(`error: '${name}' is not a legal name (ran out of space)`, 2);
  return name;
}

/** A socket the server could not open, in one line (another program holds the port, or no permission). */
const LISTEN_ERRORS: Record<string, string> = { EADDRINUSE: 'address already in use', EACCES: 'permission denied', EADDRNOTAVAIL: 'address not available on this machine' };

function qtype(t: string | undefined): string {
  const v = (t ?? 'A').toUpperCase();
  if (!TYPES.includes(v)) throw new InputError(`error: unknown query type "${t}" (want one of ${TYPES.join(', ')})`, 2);
  return v;
}

/** `knet dns query` output for one question against an instance (text or JSON). */
export async function queryOutput(inst: CorednsInstance, q: Question, json: boolean): Promise<string> {
  const r = await inst.query(q, { transport: 'local' });
  const ctx = { server: `${inst.name} (the record set, not over the network)`, ...(inst.upstreamName ? { upstream: inst.upstreamName } : {}) };
  if ('records' in r) return json ? `${JSON.stringify({ question: q, transfer: r.records.map(rrJSON) }, null, 2)}\n` : transferText(r.records);
  return json ? `${JSON.stringify(replyJSON(q, r, ctx), null, 2)}\n` : replyText(q, r, ctx);
}

export function dnsCommand(io: IO): Command {
  const dns = new Command('dns').description('cluster DNS as CoreDNS serves it: records, queries, pod resolvers, a real DNS server');

  const records = new Command('records')
    .description('the whole record set: each cluster zone in AXFR order, then what the plugin serves outside transfers')
    .option('--zone-file', 'print as a master file ($ORIGIN, $TTL, one SOA) instead of an AXFR listing');
  addInstanceOptions(records);
  records.action((opts: InstanceFlags & { zoneFile?: boolean }) => {
    const inst = openInstance(openCluster(opts, io), opts, io);
    const k = inst.kubernetes;
    if (!k) throw new InputError('error: the Corefile has no kubernetes plugin: there is no cluster record set');
    const zones = k.backend.plugin.zones.filter((z) => !z.endsWith('.arpa.'));
    const extra = untransferredRecords(k);
    zones.forEach((z, i) => {
      const rrs = transferRecords(k, z);
      // The records no transfer carries follow the last zone, once.
      const tail = i === zones.length - 1 ? extra : [];
      io.out(opts.zoneFile ? zoneFileText(z, k.backend.ttl, rrs, tail) : transferText(rrs));
      if (!opts.zoneFile && tail.length) io.out(`; served by the kubernetes plugin but never transferred\n${tail.map(rrText).join('\n')}\n`);
    });
  });

  const q = new Command('query')
    .description('one query straight against the record set (the kubernetes plugin and the Corefile\'s chain), printed like dig')
    .argument('<name>', 'the name to look up (made fully qualified)')
    .argument('[type]', `query type: ${TYPES.join(', ')}`, 'A')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'));
  addInstanceOptions(q);
  q.action(async (name: string, type: string, opts: InstanceFlags & { output: string }) => {
    const question = { name: fqdn(checkName(name)), type: qtype(type) };
    const inst = openInstance(openCluster(opts, io), opts, io);
    io.out(await queryOutput(inst, question, opts.output === 'json'));
  });

  const resolve = new Command('resolve')
    .description('a pod\'s stub resolver: every query its search list and ndots cause, in order, with each outcome')
    .argument('<name>', 'the name as an application would pass it to getaddrinfo')
    .argument('[type]', 'A or AAAA (or any type)', 'A')
    .requiredOption('--from <pod>', 'the client pod (pod, pod/NAME, NS/NAME)')
    .option('-n, --namespace <ns>', 'namespace of the pod', 'default')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'));
  addInstanceOptions(resolve);
  resolve.action(async (name: string, type: string, opts: InstanceFlags & { from: string; namespace: string; output: string }) => {
    checkName(name);
    const cluster = openCluster(opts, io);
    // The walk itself names crash-looping CoreDNS pods.
    const inst = openInstance(cluster, opts, io, false);
    const pod = findPod(cluster, opts.from, opts.namespace);
    const walk = await resolveFromPod(inst, pod, name, qtype(type));
    io.out(opts.output === 'json' ? `${JSON.stringify(walkJSON(walk), null, 2)}\n` : walkText(walk));
  });

  const rc = new Command('resolv-conf')
    .description('the /etc/resolv.conf the kubelet gives a pod (per dnsPolicy and dnsConfig)')
    .argument('<pod>', 'pod, pod/NAME or NS/NAME')
    .option('-n, --namespace <ns>', 'namespace of the pod', 'default');
  addTopologyOption(rc);
  rc.action((ref: string, opts: { filename: string[]; namespace: string }) => {
    const cluster = openCluster(opts, io);
    const pod = findPod(cluster, ref, opts.namespace);
    const conf = resolvConfFor(cluster, pod);
    for (const w of conf.warnings) io.err(`Warning: ${w}\n`);
    io.out(resolvConfText(conf));
  });

  const serve = new Command('serve')
    .description('a real DNS server (UDP and TCP) answering from the record set as it changes; stops on SIGINT/SIGTERM')
    .option('--listen <addr:port>', 'address to listen on (UDP and TCP)', '127.0.0.1:10053')
    .option('--max-seconds <n>', 'stop by itself after this many seconds (0 = run until signalled)', '0');
  addInstanceOptions(serve);
  serve.action(async (opts: InstanceFlags & { listen: string; maxSeconds: string }) => {
    const listen = parseEndpoint(opts.listen, '--listen');
    const max = Number(opts.maxSeconds);
    if (!Number.isFinite(max) || max < 0) throw new InputError(`error: --max-seconds: "${opts.maxSeconds}" is not a number of seconds`, 2);
    const cluster = openCluster(opts, io);
    const inst = openInstance(cluster, opts, io);
    let server: Awaited<ReturnType<typeof startDnsServer>>;
    try {
      server = await startDnsServer(inst, listen);
    } catch (e) {
      const why = LISTEN_ERRORS[(e as NodeJS.ErrnoException).code ?? ''];
      if (why) throw new InputError(`error: --listen ${opts.listen}: ${why}`);
      throw e;
    }
    io.out(`listening on ${server.address.host}:${server.address.port} (udp, tcp) as ${inst.name}\n`);
    await new Promise<void>((resolveStop) => {
      const stop = (): void => resolveStop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      if (max > 0) setTimeout(stop, max * 1000).unref();
    });
    await server.close();
  });

  for (const c of [records, q, resolve, rc, serve]) dns.addCommand(c);
  return dns;
}
