// `knet compare svc/NAME`: one Service seen through kube-proxy's three modes. The topology is
// loaded once per mode with KubeProxyConfiguration's mode overridden; each load runs the real
// proxier and the real tracer. What a mode writes for the Service is the difference between the
// node's state and the state of the same cluster with the Service deleted (so allocations stay
// put); the first packet's cost, reachable endpoints and affinity come from that mode's traces.
import { InputError } from '../api/errors.js';
import type { Service } from '../api/types.js';
import { Cluster } from '../cluster/cluster.js';
import type { ProxyMode } from '../topology/config.js';
import { readTopology } from '../topology/load.js';
import { readSteps, type Step as TopologyStep } from '../topology/steps.js';
import { Dataplane } from './dataplane.js';
import { countKinds, footprint, subtract, type Tool, type Written } from './footprint.js';
import { runSteps } from './steps.js';
import { trace, traceConnections } from './trace.js';
import type { FlowEnd, PathResult, Step } from './types.js';

export const MODES: readonly ProxyMode[] = ['iptables', 'ipvs', 'nftables'];

export interface CompareOptions {
  /** Topology files (the default topology when empty). */
  files: string[];
  steps?: string;
  /** The client, as `knet trace` takes it; default: the first pod the topology writes. */
  from?: string;
  namespace: string;
  /** Send to the Service's NodePort on this node instead of its ClusterIP. */
  nodePort?: string;
  seed: number;
}

export interface PathSummary {
  verdict: string;
  endpoint: string;
  receiver?: string;
  probability: number;
  rulesEvaluated: number;
}

export interface Connection {
  endpoint: string;
  affinity: boolean;
}

export interface Tally {
  tool: Tool;
  /** Objects by kind (`rules`, `entries`, `virtual servers`…). */
  counts: Record<string, number>;
  lines?: string[];
}

const tally = (w: Written, withLines: boolean): Tally => ({
  tool: w.tool,
  counts: Object.fromEntries(countKinds(w).map((k) => [k.kind, k.count])),
  ...(withLines ? { lines: w.lines } : {}),
});

export interface ModeColumn {
  /** The mode the column asked for (KubeProxyConfiguration mode). */
  mode: ProxyMode;
  /** The mode kube-proxy really runs on the node (a fallback or an exit shows here). */
  runs: string;
  scheduler?: string;
  logs: string[];
  /** The node whose kube-proxy handles the first packet. */
  node: string;
  /** What kube-proxy writes because of this Service, per tool: counts and the lines. */
  service: Tally[];
  /** Everything kube-proxy has written on the node, per tool: counts only. */
  nodeTotal: Tally[];
  paths: PathSummary[];
  /** New connections 1 s apart from the same client. */
  connections: Connection[];
  /** One more connection after the affinity timeout has passed (ClientIP affinity only). */
  afterTimeout?: Connection;
  /** The step of the second connection that made affinity decide, as the trace shows it. */
  affinityBy?: string;
}

export interface Comparison {
  service: string;
  configuredMode: ProxyMode;
  files: string[];
  /** The topology's load warnings (the same for every mode's load). */
  warnings: string[];
  src: FlowEnd;
  dst: FlowEnd;
  proto: string;
  sessionAffinity: { type: 'None' | 'ClientIP'; timeoutSeconds?: number };
  columns: ModeColumn[];
}

const CONNECTIONS = 3;

/** The mode each loaded topology named before the override. */
const configured = new WeakMap<object, ProxyMode>();

/** The first pod the topology writes that has its own network namespace. */
function firstPod(cluster: Cluster): string {
  const pod = cluster.topology.objects.map((o) => o.object).find((o) => o.kind === 'Pod' && !o.spec.hostNetwork);
  if (!pod) throw new InputError(`${cluster.topology.files.join(', ')}: no Pod in the topology to send from: give the client with --from`, 2);
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
}

function serviceOf(cluster: Cluster, ref: string, ns: string): { svc: Service; port?: string } {
  const m = ref.match(/^(?:svc|service)\/(?:([^/:]+)\/)?([^/:]+)(?::(.+))?$/);
  if (!m) throw new InputError(`"${ref}": want svc/NAME, svc/NS/NAME or svc/NAME:PORT`, 2);
  const svc = cluster.store.get('Service', m[1] ?? ns, m[2]!);
  if (!svc) throw new InputError(`service "${m[2]}" not found in namespace ${m[1] ?? ns}`);
  return { svc, ...(m[3] ? { port: m[3] } : {}) };
}

function load(o: CompareOptions, mode: ProxyMode, withAgents: boolean): Cluster {
  const topo = readTopology(o.files);
  configured.set(topo, topo.kubeProxy.mode);
  topo.kubeProxy.mode = mode;
  const cluster = new Cluster(topo);
  const steps: TopologyStep[] = o.steps ? readSteps(o.steps, topo.problems) : [];
  if (withAgents) runSteps(cluster, steps);
  else {
    // the store only: kube-proxy then makes one full sync of the final state
    for (const s of steps) {
      cluster.applyChanges(s);
      cluster.clock.advance(s.waitMs);
    }
  }
  return cluster;
}

/** The node whose kube-proxy chose the endpoint (where the DNAT or IPVS pick happened), else the first cluster node on the way. */
function handlingNode(cluster: Cluster, path: PathResult): string {
  const nodes = new Set(cluster.topology.header.nodes.map((n) => n.name));
  const picked = path.hops.find((h) => nodes.has(h.node) && h.steps.some((s) => s.kind === 'ipvs' || (s.kind === 'nat' && s.nat === 'DNAT')));
  const first = picked ?? path.hops.find((h) => nodes.has(h.node));
  if (!first) throw new InputError(`the packet never reaches a node of the cluster (${path.verdict}: ${path.reason})`);
  return first.node;
}

/** The step that made a connection's endpoint an affinity pick: an IPVS persistence template, a `recent --rcheck`, an nft affinity set. */
function affinityStep(path: PathResult): string | undefined {
  for (const h of path.hops) {
    for (const s of h.steps as Step[]) {
      if (s.kind === 'ipvs' && s.persistent) return `ipvs ${s.service}: ${s.decidedBy} -> ${s.real}`;
      if (s.kind === 'netfilter' && (s.recent?.op === 'rcheck' || / saddr @affinity-/.test(s.rule))) return `${s.table} ${s.chain} #${s.position} ${s.rule}`;
    }
  }
  return undefined;
}

/** The Service and what the trace is sent to: its ClusterIP port, or its NodePort on a node. */
function destination(cluster: Cluster, svcRef: string, o: CompareOptions): { svc: Service; dst: string } {
  const { svc, port } = serviceOf(cluster, svcRef, o.namespace);
  const ns = svc.metadata.namespace ?? 'default';
  if (!o.nodePort) return { svc, dst: `svc/${ns}/${svc.metadata.name}${port ? `:${port}` : ''}` };
  const ports = svc.spec.ports ?? [];
  const sp = port === undefined ? ports[0] : ports.find((p) => p.name === port || String(p.port) === port);
  if (!sp?.nodePort) throw new InputError(`svc/${svc.metadata.name}${port ? `:${port}` : ''} has no nodePort (type ${svc.spec.type ?? 'ClusterIP'}): --node-port needs a NodePort or LoadBalancer Service`, 2);
  return { svc, dst: `node/${o.nodePort}:${sp.nodePort}` };
}

const timeoutOf = (svc: Service): number => svc.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800;

function column(o: CompareOptions, mode: ProxyMode, svcRef: string): { col: ModeColumn; flow: ReturnType<typeof trace>; svc: Service; cluster: Cluster } {
  const cluster = load(o, mode, true);
  const { svc, dst } = destination(cluster, svcRef, o);
  const from = o.from ?? firstPod(cluster);
  const topts = { namespace: o.namespace, seed: o.seed, reply: false };
  const all = trace(cluster, from, dst, { ...topts, allPaths: true });
  const node = handlingNode(cluster, all.paths[0]!);
  // what the trace left behind (an nft affinity element) is connection state, not what kube-proxy wrote
  Dataplane.of(cluster).resetState();
  const fp = footprint(cluster, node);
  const without = load(o, mode, false);
  without.applyChanges({ where: 'knet compare', apply: [], delete: [{ kind: 'Service', namespace: svc.metadata.namespace ?? 'default', name: svc.metadata.name }], waitMs: 0 });
  const rest = footprint(without, node);
  const conns = traceConnections(cluster, from, dst, CONNECTIONS, 1000, topts);
  const asConn = (p: PathResult): Connection => ({ endpoint: p.endpoint, affinity: p.affinity });
  const col: ModeColumn = {
    mode,
    runs: fp.mode,
    ...(fp.scheduler ? { scheduler: fp.scheduler } : {}),
    logs: fp.logs,
    node,
    service: subtract(fp.written, rest.written).map((w) => tally(w, true)),
    nodeTotal: fp.written.map((w) => tally(w, false)),
    paths: all.paths.map((p) => ({ verdict: p.verdict, endpoint: p.endpoint, ...(p.receiver ? { receiver: p.receiver } : {}), probability: p.probability, rulesEvaluated: p.rulesEvaluated })),
    connections: conns.map((t) => asConn(t.paths[0]!)),
  };
  const kept = conns.find((t) => t.paths[0]!.affinity);
  const by = kept ? affinityStep(kept.paths[0]!) : undefined;
  if (by) col.affinityBy = by;
  if (svc.spec.sessionAffinity === 'ClientIP') {
    const later = traceConnections(cluster, from, dst, 2, (timeoutOf(svc) + 1) * 1000, topts);
    col.afterTimeout = asConn(later[1]!.paths[0]!);
  }
  return { col, flow: all, svc, cluster };
}

export function compare(svcRef: string, o: CompareOptions): Comparison {
  const runs = MODES.map((mode) => column(o, mode, svcRef));
  const { flow, svc, cluster } = runs[0]!;
  return {
    service: `${svc.metadata.namespace ?? 'default'}/${svc.metadata.name}`,
    configuredMode: configured.get(cluster.topology)!,
    files: cluster.topology.files,
    warnings: cluster.warnings,
    src: flow.src,
    dst: flow.dst,
    proto: flow.proto,
    sessionAffinity: svc.spec.sessionAffinity === 'ClientIP' ? { type: 'ClientIP', timeoutSeconds: timeoutOf(svc) } : { type: 'None' },
    columns: runs.map((r) => r.col),
  };
}
