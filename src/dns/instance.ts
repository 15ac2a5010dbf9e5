// One CoreDNS instance of the cluster: the agent's view of the store, the Corefile from the
// `coredns` ConfigMap (kubeadm's when there is none), the instance's own addresses, and the
// plugin chain a query goes through: server block → transfer → kubernetes → forward.
import { isIP } from 'node:net';
import { InputError } from '../api/errors.js';
import type { Pod } from '../api/types.js';
import { COREDNS_CONFIGMAP, CorednsAgent } from '../agents/coredns/agent.js';
import type { Cluster } from '../cluster/cluster.js';
import { log } from '../log.js';
import { canonicalIP, cidrContains, parseCIDR } from '../net/ip.js';
import { emptyReply, KubernetesAnswerer, NEXT, type Question, type Reply } from './answer.js';
import { CorefileError, kubeadmCorefile, parseCorefile, type Corefile, type ServerBlock } from './corefile.js';
import { KubernetesBackend } from './kubernetes.js';
import { matchZone } from './names.js';
import type { RR } from './rr.js';
import { transferRecords } from './zone.js';

/** Sends a query to the resolver CoreDNS forwards to. */
export type Upstream = (q: Question) => Promise<Reply>;

export interface InstanceOptions {
  /** The CoreDNS pod answering (its pod IPs are the instance's own addresses). */
  instance?: string;
  /** The instance's own addresses, for a CoreDNS outside the cluster's pods. */
  localIPs?: string[];
  upstream?: Upstream;
  /** Where forwarded queries go, for display. */
  upstreamName?: string;
}

export interface QueryContext {
  transport: 'udp' | 'tcp' | 'local';
  client?: string;
  /** Apply `loadbalance` (the server does; `knet dns query` keeps the computed order). */
  shuffle?: boolean;
}

export interface Transfer {
  zone: string;
  records: RR[];
}

/** The pods of the CoreDNS Deployment kubeadm installs, by name. */
export function corednsPods(cluster: Cluster): Pod[] {
  return cluster.store
    .list('Pod', { namespace: 'kube-system', selector: { matchLabels: { 'k8s-app': 'kube-dns' } } })
    .filter((p) => p.status?.podIP)
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
}

/** `pod`, `pod/pod`, `ns/pod` (namespace defaults to `ns`). */
export function findPod(cluster: Cluster, ref: string, namespace = 'default'): Pod {
  let r = ref.startsWith('pod/') ? ref.slice(4) : ref.startsWith('pods/') ? ref.slice(5) : ref;
  let ns = namespace;
  const slash = r.indexOf('/');
  if (slash >= 0) {
    ns = r.slice(0, slash);
    r = r.slice(slash + 1);
  }
  const p = cluster.store.get('Pod', ns, r);
  if (!p) throw new InputError(`Error from server (NotFound): pods "${r}" not found in namespace "${ns}"`);
  return p;
}

const shared = new WeakMap<Cluster, CorednsInstance>();

/** The cluster's default CoreDNS instance (first CoreDNS pod, no upstream), one per cluster. */
export function clusterDNS(cluster: Cluster): CorednsInstance {
  let inst = shared.get(cluster);
  if (!inst) shared.set(cluster, (inst = new CorednsInstance(cluster)));
  return inst;
}

export class CorednsInstance {
  readonly agent: CorednsAgent;
  readonly localIPs: string[];
  readonly name: string;
  /** Corefile options knet accepts without modelling them. */
  readonly warnings: string[] = [];
  private parsed?: { rv: string | undefined; corefile: Corefile; answerer?: KubernetesAnswerer; block?: ServerBlock };

  constructor(
    readonly cluster: Cluster,
    private readonly opts: InstanceOptions = {},
  ) {
    this.agent = new CorednsAgent(cluster.store, cluster.clock);
    if (opts.localIPs?.length) {
      this.localIPs = opts.localIPs.map((ip) => {
        const c = canonicalIP(ip);
        if (!c) throw new InputError(`error: --local-ip: "${ip}" is not an IP address`, 2);
        return c;
      });
      this.name = `CoreDNS at ${this.localIPs.join(',')}`;
    } else {
      const pod = opts.instance ? findPod(cluster, opts.instance, 'kube-system') : corednsPods(cluster)[0];
      this.localIPs = pod ? (pod.status?.podIPs?.map((p) => p.ip) ?? (pod.status?.podIP ? [pod.status.podIP] : [])).map((ip) => canonicalIP(ip)!) : [];
      this.name = pod ? `pod ${pod.metadata.namespace}/${pod.metadata.name}` : 'CoreDNS without a pod';
    }
    this.load(true);
    // A Corefile edited while serving is re-read as CoreDNS's reload plugin does; a bad one is
    // reported and the running configuration kept.
    this.agent.onChange(() => this.load(false));
  }

  /** The upstream resolver, when one was given. */
  get upstreamFn(): Upstream | undefined {
    return this.opts.upstream;
  }

  get upstreamName(): string | undefined {
    return this.opts.upstreamName;
  }

  get corefile(): Corefile {
    return this.parsed!.corefile;
  }

  /** The server block holding the kubernetes plugin, and its answerer. */
  get kubernetes(): KubernetesAnswerer | undefined {
    return this.parsed!.answerer;
  }

  private load(strict: boolean): void {
    const cm = this.agent.corefile;
    const rv = cm?.metadata.resourceVersion;
    if (this.parsed && this.parsed.rv === rv) return;
    const text = cm?.data?.[COREDNS_CONFIGMAP.key] ?? (cm ? undefined : kubeadmCorefile(this.cluster.topology.networking.dnsDomain));
    try {
      if (text === undefined) throw new CorefileError(0, `no "${COREDNS_CONFIGMAP.key}" key`);
      const corefile = parseCorefile(text, (line, msg) => this.warnings.push(`${this.where(line)}: data.Corefile: ${msg}`));
      const block = corefile.blocks.find((b) => b.kubernetes);
      const answerer = block?.kubernetes ? new KubernetesAnswerer(new KubernetesBackend(this.agent, block.kubernetes, this.localIPs), () => this.agent.zoneSerial) : undefined;
      this.parsed = { rv, corefile, ...(answerer ? { answerer, block } : {}) };
    } catch (e) {
      if (!(e instanceof CorefileError)) throw e;
      const msg = `${this.where(e.line)}: data.Corefile${e.line ? ` line ${e.line}` : ''}: ${e.message}`;
      if (strict || !this.parsed) throw new InputError(msg);
      log().error({ msg }, 'Corefile rejected; keeping the running configuration');
    }
  }

  /** `file:line: ConfigMap kube-system/coredns` for a Corefile line (line N sits N lines below the key). */
  private where(line: number): string {
    const obj = `ConfigMap ${COREDNS_CONFIGMAP.namespace}/${COREDNS_CONFIGMAP.name}`;
    const found = this.cluster.topology.objects.find(
      (o) => o.object.kind === 'ConfigMap' && o.object.metadata.name === COREDNS_CONFIGMAP.name && (o.object.metadata.namespace ?? 'default') === COREDNS_CONFIGMAP.namespace,
    );
    if (!found) return `<store>: ${obj}`;
    const key = found.ref.line(['data', COREDNS_CONFIGMAP.key]);
    return `${found.ref.file}${key > 0 ? `:${key + line}` : ''}: ${obj}`;
  }

  /** The server block CoreDNS routes `name` to: the longest matching zone key. */
  blockFor(name: string): ServerBlock | undefined {
    let best: { b: ServerBlock; z: string } | undefined;
    for (const b of this.corefile.blocks) {
      const z = matchZone(b.zones, name);
      if (z !== undefined && (!best || z.length > best.z.length)) best = { b, z };
    }
    return best?.b;
  }

  /** One query through the plugin chain. AXFR/IXFR that the transfer plugin serves return a Transfer. */
  async query(q: Question, ctx: QueryContext): Promise<Reply | Transfer> {
    const block = this.blockFor(q.name);
    if (!block) return emptyReply('REFUSED');
    if ((q.type === 'AXFR' || q.type === 'IXFR') && block.transfer && matchZone(block.transfer.zones, q.name)) {
      const t = this.transfer(q, block, ctx);
      if (t) return t;
    }
    if (block.kubernetes && block === this.parsed!.block) {
      const r = await this.kubernetes!.serve(q, (sub) => this.query(sub, { ...ctx, shuffle: false }).then((x) => ('records' in x ? emptyReply('REFUSED') : x)));
      if (r !== NEXT) return ctx.shuffle && block.loadbalance ? shuffled(r) : r;
    }
    if (block.forward && matchZone([block.forward.from], q.name)) {
      if (!this.opts.upstream) return { ...emptyReply('REFUSED', 'forward'), forwarded: true };
      try {
        const r = await this.opts.upstream(q);
        return { ...r, forwarded: true, by: 'forward' };
      } catch (e) {
        log().warn({ err: (e as Error).message, name: q.name }, 'upstream failed');
        return { ...emptyReply('SERVFAIL', 'forward'), forwarded: true };
      }
    }
    return emptyReply('REFUSED');
  }

  private transfer(q: Question, block: ServerBlock, ctx: QueryContext): Reply | Transfer | undefined {
    if (ctx.transport === 'udp') return emptyReply('REFUSED', 'transfer');
    const allowed = block.transfer!.to.some((t) => {
      if (t === '*') return true;
      if (!ctx.client) return ctx.transport === 'local';
      const c = canonicalIP(ctx.client);
      if (!c) return false;
      if (t.includes('/')) {
        const net = parseCIDR(t, true);
        return !!net && cidrContains(net, c);
      }
      return isIP(t) > 0 && canonicalIP(t) === c;
    });
    if (!allowed) return emptyReply('REFUSED', 'transfer');
    const k = this.kubernetes;
    const zone = k?.zoneOf(q.name);
    if (!k || zone === undefined || zone.toLowerCase() !== q.name.toLowerCase() || zone.endsWith('.arpa.')) return emptyReply('NOTAUTH', 'transfer');
    return { zone, records: transferRecords(k, zone) };
  }
}

/** loadbalance: address records in random order, others as they were. */
function shuffled(r: Reply): Reply {
  const addrs = r.answer.filter((x) => x.type === 'A' || x.type === 'AAAA');
  if (addrs.length < 2) return r;
  for (let i = addrs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [addrs[i], addrs[j]] = [addrs[j]!, addrs[i]!];
  }
  let n = 0;
  return { ...r, answer: r.answer.map((x) => (x.type === 'A' || x.type === 'AAAA' ? addrs[n++]! : x)) };
}
