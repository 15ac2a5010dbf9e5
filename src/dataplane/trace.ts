// `knet trace`: resolves what the user typed to a client and a destination, walks the first
// packet (every branch with --all-paths), then its reply back through conntrack.
import { InputError } from '../api/errors.js';
import type { Pod, Service } from '../api/types.js';
import type { Cluster } from '../cluster/cluster.js';
import type { L4Proto } from '../kernel/conntrack.js';
import { canonicalIP, ipFamily, hostPort } from '../net/ip.js';
import { drawChooser, probabilityOf, type Chooser } from '../kernel/choice.js';
import { NetfilterError } from '../kernel/netfilter/xt-eval.js';
import { Dataplane } from './dataplane.js';
import { seededRandom } from './rng.js';
import { summarize } from './summary.js';
import type { FlowEnd, PathResult, ReplyResult, Trace } from './types.js';
import { Walk, describeLocation, type Location, type Packet } from './walk.js';

export interface TraceOptions {
  proto?: L4Proto;
  namespace?: string;
  allPaths?: boolean;
  reply?: boolean;
  seed?: number;
  /** Client source port; by default one drawn from the seeded generator in 32768-60999. */
  sport?: number;
  /** 6: a dual-stack Service's IPv6 ClusterIP, a pod's or node's IPv6 address (default: the primary family's). */
  family?: 4 | 6;
  /** Start from the connections, templates and affinity the cluster holds (a steps file's traffic) instead of afresh. */
  keepState?: boolean;
}

const DEFAULT_TTL = 64;
const MAX_PATHS = 1000;

interface Client {
  at: Location;
  end: FlowEnd;
}

function usage(msg: string): never {
  throw new InputError(msg, 2);
}

function findPod(cluster: Cluster, ref: string, ns: string): Pod {
  const [a, b] = ref.split('/');
  const [podNs, name] = b !== undefined ? [a!, b] : [ns, a!];
  const pod = cluster.store.get('Pod', podNs, name);
  if (!pod) {
    const known = cluster.store.list('Pod', { namespace: podNs }).map((p) => p.metadata.name).sort();
    throw new InputError(`pod "${name}" not found in namespace ${podNs}${known.length ? ` (pods: ${known.join(', ')})` : ''}`);
  }
  return pod;
}

function nodeIP(cluster: Cluster, name: string): string {
  const n = cluster.topology.header.nodes.find((x) => x.name === name);
  if (!n) throw new InputError(`node "${name}" is not in the cluster (nodes: ${cluster.topology.header.nodes.map((x) => x.name).join(', ')})`);
  return canonicalIP(n.ip)!;
}

function resolveClient(dp: Dataplane, ref: string, ns: string, family?: 4 | 6): Client {
  const cluster = dp.cluster;
  const at = ref.match(/^(.+)@([^@]+)$/);
  if (at) {
    const ip = canonicalIP(at[1]!);
    if (!ip) usage(`"${ref}": "${at[1]}" is not an IP address (form IP@NODE)`);
    const node = at[2]!;
    nodeIP(cluster, node);
    const k = dp.node(node)!;
    const sb = k.podByIP(ip);
    if (family && ipFamily(ip) !== family) usage(`"${ref}": ${ip} is IPv${ipFamily(ip)}, the destination IPv${family}`);
    if (k.root.isLocal(ip)) return { at: { kind: 'host', node }, end: { typed: ref, object: `node ${node}`, ip, port: 0 } };
    if (sb) return { at: { kind: 'pod', node, sandbox: sb }, end: { typed: ref, object: `pod ${sb.pod}`, ip, port: 0 } };
    const ext = dp.externalByIP(ip);
    if (ext) return { at: { kind: 'wire', node, ip, ext }, end: { typed: ref, object: `ext ${ext} arriving on ${node} eth0`, ip, port: 0 } };
    return { at: { kind: 'wire', node, ip }, end: { typed: ref, object: `${ip} arriving on ${node} eth0`, ip, port: 0 } };
  }
  if (ref.startsWith('node/')) {
    const node = ref.slice(5);
    return { at: { kind: 'host', node }, end: { typed: ref, object: `node ${node}`, ip: family ? nodeAddressOf(dp, node, family) : nodeIP(cluster, node), port: 0 } };
  }
  if (ref.startsWith('ext/')) {
    const name = ref.slice(4);
    const e = cluster.topology.header.external.find((x) => x.name === name);
    if (!e) throw new InputError(`external client "${name}" is not in the Cluster header (external: ${cluster.topology.header.external.map((x) => x.name).join(', ') || 'none'})`);
    const ip = canonicalIP(e.ip)!;
    if (family && ipFamily(ip) !== family) throw new InputError(`external client ${name} has only ${ip}: it cannot reach an IPv${family} destination`);
    return { at: { kind: 'ext', name, ip }, end: { typed: ref, object: `ext ${name}`, ip, port: 0 } };
  }
  const pod = findPod(cluster, ref.replace(/^pods?\//, ''), ns);
  const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
  if (!pod.spec.nodeName || !pod.status?.podIP) throw new InputError(`pod ${key} is not running on a node (phase ${pod.status?.phase ?? 'Pending'})`);
  const ip = podAddressOf(pod, family);
  if (pod.spec.hostNetwork) return { at: { kind: 'host', node: pod.spec.nodeName }, end: { typed: ref, object: `pod ${key} (hostNetwork on ${pod.spec.nodeName})`, ip, port: 0 } };
  const sb = dp.node(pod.spec.nodeName)?.pod(key);
  if (!sb) throw new InputError(`pod ${key} has no network namespace on ${pod.spec.nodeName}`);
  return { at: { kind: 'pod', node: pod.spec.nodeName, sandbox: sb }, end: { typed: ref, object: `pod ${key}`, ip, port: 0 } };
}

/** The pod's address of a family (its primary one when none is asked for). */
function podAddressOf(pod: Pod, family?: 4 | 6): string {
  const ips = (pod.status?.podIPs?.length ? pod.status.podIPs.map((x) => x.ip) : [pod.status!.podIP!]).map((ip) => canonicalIP(ip) ?? ip);
  const ip = family ? ips.find((x) => ipFamily(x) === family) : ips[0];
  if (!ip) throw new InputError(`pod ${pod.metadata.namespace}/${pod.metadata.name} has no IPv${family} address (podIPs: ${ips.join(', ')})`);
  return ip;
}

/** The node's address of a family: its InternalIP, or its global address of the other family on the same interface. */
function nodeAddressOf(dp: Dataplane, node: string, family: 4 | 6): string {
  const primary = nodeIP(dp.cluster, node);
  if (ipFamily(primary) === family) return primary;
  const k = dp.node(node)!;
  const dev = k.root.addresses.find((a) => a.address === primary)?.dev;
  const other = k.root.addresses.find((a) => a.dev === dev && a.family === family && a.scope === 'global');
  if (!other) throw new InputError(`node ${node} has no global IPv${family} address (only ${primary})`);
  return other.address;
}

function splitPort(ref: string): [string, string | undefined] {
  const v6 = ref.match(/^\[([^\]]+)\]:(\d+)$/);
  if (v6) return [v6[1]!, v6[2]];
  const i = ref.lastIndexOf(':');
  if (i < 0 || ipFamily(ref) === 6) return [ref, undefined];
  return [ref.slice(0, i), ref.slice(i + 1)];
}

function resolveDestination(dp: Dataplane, ref: string, ns: string, proto?: L4Proto, family?: 4 | 6): { end: FlowEnd; proto: L4Proto } {
  const cluster = dp.cluster;
  const [base, portText] = splitPort(ref);
  const num = (what: string): number => {
    if (portText === undefined || !/^\d+$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) usage(`"${ref}": ${what} needs a port number 1-65535`);
    return Number(portText);
  };
  if (base.startsWith('svc/') || base.startsWith('service/')) {
    const [a, b] = base.slice(base.indexOf('/') + 1).split('/');
    const [sns, name] = b !== undefined ? [a!, b] : [ns, a!];
    const svc = cluster.store.get('Service', sns, name) as Service | undefined;
    if (!svc) throw new InputError(`service "${name}" not found in namespace ${sns}`);
    const key = `${sns}/${name}`;
    if (svc.spec.type === 'ExternalName') throw new InputError(`svc/${name} is an ExternalName Service (${svc.spec.externalName}): it has no ClusterIP, only a DNS CNAME`);
    if (!svc.spec.clusterIP || svc.spec.clusterIP === 'None') throw new InputError(`svc/${name} is headless (clusterIP: None): kube-proxy writes no rules for it; trace one of its pods instead`);
    const ports = svc.spec.ports ?? [];
    const sp = portText === undefined ? ports[0] : ports.find((p) => p.name === portText || String(p.port) === portText);
    if (!sp) throw new InputError(`svc/${name} has no port "${portText}" (ports: ${ports.map((p) => (p.name ? `${p.name}=${p.port}` : String(p.port))).join(', ')})`);
    const p = (proto ?? (sp.protocol ?? 'TCP').toLowerCase()) as L4Proto;
    const ips = (svc.spec.clusterIPs?.length ? svc.spec.clusterIPs : [svc.spec.clusterIP]).map((ip) => canonicalIP(ip)!);
    const ip = family ? ips.find((x) => ipFamily(x) === family) : ips[0];
    if (!ip) throw new InputError(`svc/${name} has no IPv${family} ClusterIP (ipFamilies: ${(svc.spec.ipFamilies ?? []).join(', ') || 'IPv4'})`);
    return { end: { typed: ref, object: `svc ${key}`, ip, port: sp.port }, proto: p };
  }
  if (base.startsWith('node/')) {
    const node = base.slice(5);
    const ip = family === 6 ? nodeAddressOf(dp, node, 6) : nodeIP(cluster, node);
    return { end: { typed: ref, object: `node ${node}`, ip, port: num('node/NAME:PORT') }, proto: proto ?? 'tcp' };
  }
  const ip = canonicalIP(base);
  if (ip) return { end: { typed: ref, ip, port: num('IP:PORT') }, proto: proto ?? 'tcp' };
  const pod = findPod(cluster, base.replace(/^pods?\//, ''), ns);
  if (!pod.status?.podIP) throw new InputError(`pod ${pod.metadata.namespace}/${pod.metadata.name} has no IP (phase ${pod.status?.phase ?? 'Pending'})`);
  const podIP = podAddressOf(pod, family);
  const first = pod.spec.containers.flatMap((c) => c.ports ?? [])[0];
  const port = portText !== undefined ? num('POD:PORT') : first?.containerPort;
  if (port === undefined) usage(`"${ref}": pod ${pod.metadata.name} declares no containerPort; give one as ${base}:PORT`);
  const p = proto ?? (portText === undefined && first ? ((first.protocol ?? 'TCP').toLowerCase() as L4Proto) : 'tcp');
  return { end: { typed: ref, object: `pod ${pod.metadata.namespace}/${pod.metadata.name}`, ip: podIP, port }, proto: p };
}

/** One connection's first packet and its reply, with coin tosses from `choose`. */
function walkOnce(dp: Dataplane, client: Client, dst: FlowEnd, proto: L4Proto, sport: number, choose: Chooser, withReply: boolean): PathResult {
  const now = () => dp.cluster.clock.now();
  const w = new Walk(dp, choose, now);
  const pkt: Packet = { src: client.end.ip, dst: dst.ip, proto, sport, dport: dst.port, ttl: DEFAULT_TTL };
  const a = w.send(client.at, pkt);
  const sum = summarize(w.hops);
  const path: PathResult = {
    verdict: a.verdict,
    reason: a.reason,
    probability: 1,
    endpoint: sum.endpoint ?? hostPort(a.packet.dst, a.packet.dport),
    dnat: sum.dnat,
    masqueraded: sum.masqueraded,
    affinity: sum.affinity,
    rulesEvaluated: w.rulesEvaluated,
    ...(a.receiver ? { receiver: a.receiver } : {}),
    ...(a.rule ? { rule: a.rule } : {}),
    ...(a.exit ? { exit: a.exit } : {}),
    hops: w.hops,
  };
  if (withReply && a.verdict === 'DELIVERED' && a.at) path.reply = walkReply(dp, a.at, a.packet, client, dst, sport, now);
  return path;
}

function walkReply(dp: Dataplane, at: Location, got: Packet, client: Client, dst: FlowEnd, sport: number, now: () => number): ReplyResult {
  const w = new Walk(dp, (c) => c.kernelPick ?? 0, now);
  w.replyTo = { at: client.at, port: sport };
  const reply: Packet = { src: got.dst, dst: got.src, proto: got.proto, sport: got.dport, dport: got.sport, ttl: DEFAULT_TTL };
  const a = w.send(at, reply);
  const from = hostPort(a.packet.src, a.packet.sport);
  const expected = hostPort(dst.ip, dst.port);
  if (a.verdict !== 'DELIVERED') return { verdict: a.verdict, reason: a.reason, from, hops: w.hops };
  if (a.receiver !== describeLocation(client.at) || a.packet.dst !== client.end.ip || a.packet.dport !== sport) {
    return { verdict: 'BROKEN', reason: `the reply went to ${a.receiver ?? a.packet.dst}, not back to the client`, from, hops: w.hops };
  }
  if (from !== expected) {
    return {
      verdict: 'BROKEN',
      reason: `the client sent to ${expected} but the reply comes from ${from}: conntrack never saw it to undo the NAT, so the client drops it (TCP answers RST)`,
      from,
      hops: w.hops,
    };
  }
  return { verdict: 'DELIVERED', reason: `the client gets the reply from ${from}, the address it sent to`, from, hops: w.hops };
}

/**
 * Explores every branch: each choice (a statistic coin, an nft numgen pick, an IPVS scheduler's
 * real server) is tried with its first option, the others queued; a path's probability is the
 * product of the options it took.
 */
function allPaths(run: (choose: Chooser) => PathResult): PathResult[] {
  const out: PathResult[] = [];
  const todo: number[][] = [[]];
  while (todo.length && out.length < MAX_PATHS) {
    const prefix = todo.pop()!;
    const taken: { p: number; index: number; n: number }[] = [];
    const path = run((c) => {
      const index = taken.length < prefix.length ? prefix[taken.length]! : 0;
      taken.push({ p: probabilityOf(c, index), index, n: c.options.length });
      return index;
    });
    for (let i = taken.length - 1; i >= prefix.length; i--) {
      const head = taken.slice(0, i).map((c) => c.index);
      for (let alt = taken[i]!.n - 1; alt >= 1; alt--) todo.push([...head, alt]);
    }
    path.probability = taken.reduce((acc, c) => acc * c.p, 1);
    if (path.probability > 0) out.push(path);
  }
  return out;
}

export function trace(cluster: Cluster, src: string, dst: string, opts: TraceOptions = {}): Trace {
  const dp = Dataplane.of(cluster);
  if (!opts.keepState) dp.resetState();
  return flow(dp, src, dst, opts);
}

/**
 * `--count N`: N new connections from the same client, one after another on the simulated clock
 * (state kept between them, so ClientIP affinity shows). Returns each connection's path.
 */
export function traceConnections(cluster: Cluster, src: string, dst: string, count: number, intervalMs: number, opts: TraceOptions = {}): Trace[] {
  if (!opts.keepState) Dataplane.of(cluster).resetState();
  return openConnections(cluster, src, dst, count, intervalMs, opts);
}

/**
 * The same N connections on the state the cluster holds now: what earlier traffic left
 * (conntrack, IPVS connections and templates, scheduler state, counters) stays and grows.
 */
export function openConnections(cluster: Cluster, src: string, dst: string, count: number, intervalMs: number, opts: TraceOptions = {}): Trace[] {
  const dp = Dataplane.of(cluster);
  const rng = seededRandom(opts.seed ?? 1);
  const out: Trace[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0) cluster.clock.advance(intervalMs);
    const sport = EPHEMERAL.low + Math.floor(rng() * EPHEMERAL.size);
    out.push(flow(dp, src, dst, { ...opts, allPaths: false, sport, seed: Math.floor(rng() * 2 ** 31) }));
  }
  return out;
}

/** The client's ephemeral ports (net.ipv4.ip_local_port_range 32768 60999): where draws start. */
const EPHEMERAL = { low: 32768, size: 60999 - 32768 };

/**
 * connect()'s source port: the one drawn, or the next one up whose 4-tuple no node's conntrack
 * still holds — the kernel never gives a new connection the tuple of a live one, so earlier
 * traffic (a steps file's, the connections before in a --count run) is not taken for this one.
 */
function freePort(dp: Dataplane, proto: L4Proto, src: string, dst: FlowEnd, drawn: number): number {
  const tables = [...dp.kernels.startedKernels()].map(([, k]) => k.conntrack);
  const now = dp.cluster.clock.now();
  for (let i = 0; i < EPHEMERAL.size; i++) {
    const sport = EPHEMERAL.low + ((drawn - EPHEMERAL.low + i) % EPHEMERAL.size);
    if (!tables.some((t) => t.lookup({ proto, src, sport, dst: dst.ip, dport: dst.port }, now))) return sport;
  }
  return drawn;
}

/** Resolves SRC and DST as a flow does, each on its own; `fail` is told which one a bad name is. */
export function checkEnds(cluster: Cluster, src: string, dst: string, opts: TraceOptions, fail: (end: 'src' | 'dst', message: string) => never): void {
  const dp = Dataplane.of(cluster);
  const ns = opts.namespace ?? 'default';
  const check = (end: 'src' | 'dst', resolve: () => unknown): void => {
    try {
      resolve();
    } catch (e) {
      if (e instanceof InputError) fail(end, e.message);
      throw e;
    }
  };
  check('src', () => resolveClient(dp, src, ns));
  check('dst', () => resolveDestination(dp, dst, ns, opts.proto, opts.family));
}

/** One flow on the dataplane's current state: the first path drawn by the seeded coins, or every path. */
function flow(dp: Dataplane, src: string, dst: string, opts: TraceOptions): Trace {
  const ns = opts.namespace ?? 'default';
  // The source is named first (its errors come first); its address then follows the destination's family.
  const first = resolveClient(dp, src, ns, opts.family);
  const { end, proto } = resolveDestination(dp, dst, ns, opts.proto, opts.family);
  const client = ipFamily(first.end.ip) === ipFamily(end.ip) ? first : resolveClient(dp, src, ns, ipFamily(end.ip)!);
  const rng = seededRandom(opts.seed ?? 1);
  const sport = freePort(dp, proto, client.end.ip, end, opts.sport ?? EPHEMERAL.low + Math.floor(rng() * EPHEMERAL.size));
  client.end.port = sport;
  const withReply = opts.reply !== false;
  try {
    let paths: PathResult[];
    if (opts.allPaths) {
      // Every path starts from the state the flow found, and the enumeration leaves it as it was.
      const restore = dp.saveState();
      paths = allPaths((choose) => {
        restore();
        return walkOnce(dp, client, end, proto, sport, choose, withReply);
      });
      restore();
    } else {
      let prob = 1;
      const draw = drawChooser(rng);
      const path = walkOnce(dp, client, end, proto, sport, (c) => {
        const i = draw(c);
        prob *= probabilityOf(c, i);
        return i;
      }, withReply);
      path.probability = prob;
      paths = [path];
    }
    const first = paths[0]!;
    return { verdict: first.verdict, src: client.end, dst: end, proto, paths, ...(first.reply ? { reply: first.reply } : {}) };
  } catch (e) {
    if (e instanceof NetfilterError) throw new InputError(`netfilter: ${(e as Error).message}`);
    throw e;
  }
}
