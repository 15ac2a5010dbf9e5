// Runs a task's query on the lesson's cluster: a trace, N connections, a resolver walk, a pod's
// resolv.conf, a node's netfilter rules, an API object, or who holds an address. One cluster per
// topology per run, loaded on first use.
import { InputError } from '../api/errors.js';
import { isKind, type AnyObject, type Kind } from '../api/types.js';
import { loadCluster, type Cluster } from '../cluster/cluster.js';
import { Dataplane } from '../dataplane/dataplane.js';
import { runSteps } from '../dataplane/steps.js';
import { trace, traceConnections } from '../dataplane/trace.js';
import type { Trace } from '../dataplane/types.js';
import { findPod } from '../dns/instance.js';
import { lookupFromPod, type ResolverWalk } from '../dns/resolver.js';
import { resolvConfFor, type ResolvConf } from '../dns/resolvconf.js';
import { formatConnections, formatList } from '../kernel/ipvs/format.js';
import type { IpvsTable } from '../kernel/ipvs/table.js';
import type { NftRuleset } from '../kernel/nftables/ruleset.js';
import type { NodeKernel } from '../kernel/node.js';
import type { Ruleset } from '../kernel/netfilter/ruleset.js';
import { canonicalIP } from '../net/ip.js';
import { readSteps } from '../topology/steps.js';
import { receiverName } from './asks.js';
import type { Lesson, Query, Task, TopologyRef } from './model.js';

export interface Holder {
  node: string;
  /** `root` or `pod NS/NAME`. */
  netns: string;
  dev: string;
}

/** One entry of a node's IPVS connection table, as `ipvsadm -Lnc` lists it. */
export interface IpvsEntry {
  proto: string;
  state: string;
  /** A persistence template (client port 0): the affinity state. */
  template: boolean;
  client: string;
  virtual: string;
  real: string;
  /** Seconds until its timer fires. */
  expiresIn: number;
}

export type QueryResult =
  | { kind: 'trace'; trace: Trace }
  /** `ipvs`: every node's IPVS connection table once the last connection is made (kube-proxy in IPVS mode). */
  | { kind: 'connections'; traces: Trace[]; ipvs: { node: string; entries: IpvsEntry[]; listing: string }[] }
  | { kind: 'resolve'; walk: ResolverWalk }
  | { kind: 'resolvConf'; conf: ResolvConf }
  | { kind: 'rules'; ruleset: Ruleset }
  | { kind: 'ipvs'; table: IpvsTable; listing: string }
  | { kind: 'nftables'; ruleset: NftRuleset; now: number }
  | { kind: 'object'; object: AnyObject | undefined }
  | { kind: 'addresses'; holders: Holder[] };

/** The clusters one lesson run uses, by topology and steps file. */
export class LessonRun {
  private readonly clusters = new Map<string, Cluster>();
  readonly warnings: string[] = [];

  constructor(readonly lesson: Lesson) {}

  cluster(t: TopologyRef): Cluster {
    const key = [...t.files, t.steps?.file ?? ''].join('\n');
    let c = this.clusters.get(key);
    if (!c) {
      c = loadCluster(t.files);
      if (t.steps) runSteps(c, readSteps(t.steps.file, c.topology.problems));
      for (const w of c.warnings) if (!this.warnings.includes(w)) this.warnings.push(w);
      this.clusters.set(key, c);
    }
    return c;
  }

  clusterOf(task: Task): Cluster {
    return this.cluster(task.topology ?? this.lesson.topology);
  }

  async run(task: Task): Promise<QueryResult> {
    try {
      return await runQuery(this.clusterOf(task), task.query);
    } catch (e) {
      if (e instanceof InputError) throw new InputError(`${task.where}: query: ${e.message}`);
      throw e;
    }
  }
}

export async function runQuery(cluster: Cluster, q: Query): Promise<QueryResult> {
  switch (q.kind) {
    case 'trace': {
      const t = trace(cluster, q.from, q.to, { ...(q.namespace ? { namespace: q.namespace } : {}), ...(q.proto ? { proto: q.proto } : {}), seed: q.seed ?? 1, allPaths: !!q.allPaths || !!q.path });
      if (!q.path) return { kind: 'trace', trace: t };
      const p = t.paths.find((x) => receiverName(x.receiver) === q.path);
      if (!p) throw new InputError(`no path of ${q.from} -> ${q.to} reaches ${q.path} (receivers: ${t.paths.map((x) => receiverName(x.receiver)).join(', ')})`);
      return { kind: 'trace', trace: { ...t, verdict: p.verdict, paths: [p], ...(p.reply ? { reply: p.reply } : {}) } };
    }
    case 'connections': {
      const traces = traceConnections(cluster, q.from, q.to, q.count, q.intervalMs, { ...(q.namespace ? { namespace: q.namespace } : {}), seed: q.seed ?? 1 });
      return { kind: 'connections', traces, ipvs: cluster.topology.kubeProxy.mode === 'ipvs' ? ipvsConnections(cluster) : [] };
    }
    case 'resolve':
      return { kind: 'resolve', walk: await lookupFromPod(cluster, q.from.includes('/') ? q.from : `default/${q.from}`, q.name, q.type) };
    case 'resolvConf':
      return { kind: 'resolvConf', conf: resolvConfFor(cluster, findPod(cluster, q.pod)) };
    case 'rules': {
      const dp = Dataplane.of(cluster);
      if (!dp.node(q.node)) throw new InputError(`node "${q.node}" is not in the cluster (nodes: ${dp.nodeNames().join(', ')})`);
      return { kind: 'rules', ruleset: dp.ruleset(q.node) };
    }
    case 'ipvs': {
      const k = ipvsNode(cluster, q.node);
      return { kind: 'ipvs', table: k.ipvs, listing: formatList(k.ipvs, 4) };
    }
    case 'nftables': {
      if (cluster.topology.kubeProxy.mode !== 'nftables') throw new InputError(`kube-proxy runs in ${cluster.topology.kubeProxy.mode} mode here, not nftables: no kube-proxy nftables table`);
      return { kind: 'nftables', ruleset: nodeKernel(cluster, q.node).nft, now: cluster.clock.now() };
    }
    case 'object': {
      if (!isKind(q.kind_)) throw new InputError(`unknown kind "${q.kind_}"`);
      return { kind: 'object', object: cluster.store.get(q.kind_ as Kind, q.namespace ?? 'default', q.name) };
    }
    case 'addresses':
      return { kind: 'addresses', holders: holdersOf(cluster, q.ip) };
  }
}

function ipvsNode(cluster: Cluster, node: string): NodeKernel {
  if (cluster.topology.kubeProxy.mode !== 'ipvs') throw new InputError(`kube-proxy runs in ${cluster.topology.kubeProxy.mode} mode here, not ipvs: no IPVS table`);
  return nodeKernel(cluster, node);
}

function nodeKernel(cluster: Cluster, node: string): NodeKernel {
  const dp = Dataplane.of(cluster);
  const k = dp.node(node);
  if (!k) throw new InputError(`node "${node}" is not in the cluster (nodes: ${dp.nodeNames().join(', ')})`);
  return k;
}

/** Each node's IPVS connection entries now, typed and as `ipvsadm -Lnc` prints them. */
function ipvsConnections(cluster: Cluster): { node: string; entries: IpvsEntry[]; listing: string }[] {
  const dp = Dataplane.of(cluster);
  const now = cluster.clock.now();
  return dp.nodeNames().map((node) => {
    const t = dp.node(node)!.ipvs;
    const entries = t.conns.list(now).map((c): IpvsEntry => ({
      proto: c.proto,
      state: c.state,
      template: c.template,
      client: `${c.caddr}:${c.cport}`,
      virtual: `${c.vaddr}:${c.vport}`,
      real: `${c.daddr}:${c.dport}`,
      expiresIn: Math.max(0, Math.floor((c.expires - now) / 1000)),
    }));
    return { node, entries, listing: formatConnections(t, now) };
  });
}

/** Every interface, in every node's and pod's namespace, that holds the address. */
function holdersOf(cluster: Cluster, ip: string): Holder[] {
  const want = canonicalIP(ip);
  if (!want) throw new InputError(`"${ip}" is not an IP address`);
  const dp = Dataplane.of(cluster);
  const out: Holder[] = [];
  for (const name of dp.nodeNames()) {
    const k = dp.node(name)!;
    for (const a of k.root.addresses) if (a.address === want) out.push({ node: name, netns: 'root', dev: a.dev });
    for (const sb of k.pods()) for (const a of sb.netns.addresses) if (a.address === want) out.push({ node: name, netns: `pod ${sb.pod}`, dev: a.dev });
  }
  return out;
}
