// What a task reads from its query's typed result: each ask is a function over Trace/PathResult/
// Hop/Step, a resolver walk, a resolv.conf, a parsed ruleset or an API object — never over
// rendered text. The answer's JS type says how a student's answer is compared with it.
import type { Cluster } from '../cluster/cluster.js';
import type { PathResult, Step, Trace } from '../dataplane/types.js';
import type { Rule } from '../kernel/netfilter/rule.js';
import type { Ruleset, TableName } from '../kernel/netfilter/ruleset.js';
import type { Answer, Ask, Query } from './model.js';
import { InputError } from '../api/errors.js';
import type { NftChain, NftSet, NftTable } from '../kernel/nftables/ruleset.js';
import { IP_VS_SVC_F_PERSISTENT, type IpvsProto, type VirtualService } from '../kernel/ipvs/service.js';
import type { IpvsEntry, QueryResult } from './run.js';

type Params = Record<string, unknown>;

export interface AskDef {
  /** The query kinds it reads. */
  on: Query['kind'][];
  /** Parameters it takes: name → whether required. */
  params?: Record<string, boolean>;
  /** Arrays: whether order matters. */
  ordered?: boolean;
  /** Strings that name who received a packet (`pod default/x` = `x`). */
  receiver?: boolean;
  compute(r: QueryResult, p: Params, cluster: Cluster): Answer;
}

const first = (r: QueryResult): PathResult => (r as { trace: Trace }).trace.paths[0]!;
const allPaths = (r: QueryResult): PathResult[] => (r as { trace: Trace }).trace.paths;
const forwardSteps = (p: PathResult): Step[] => p.hops.flatMap((h) => h.steps);

/** `pod default/x` → `x`, `pod ns/x` → `ns/x`, `node n` → `node/n`, `ext e` → `ext/e`. */
export function receiverName(receiver: string | undefined): string {
  if (!receiver) return 'none';
  const m = receiver.match(/^(pod|node|ext) (\S+)/);
  if (!m) return receiver;
  if (m[1] === 'pod') return m[2]!.replace(/^default\//, '');
  return `${m[1]}/${m[2]}`;
}

/** The source address the receiver sees: the client's, unless a SNAT/MASQUERADE rewrote it. */
function sourceSeen(t: Trace, p: PathResult): string {
  let src = t.src.ip;
  for (const s of forwardSteps(p)) if (s.kind === 'nat' && s.field === 'src') src = s.after.replace(/:\d+$/, '');
  return src;
}

/** The netfilter step that dropped or rejected the packet (the last rule it met; no endpoints is a REJECT rule). */
function dropStep(p: PathResult): Extract<Step, { kind: 'netfilter' }> | undefined {
  if (p.verdict !== 'DROPPED' && p.verdict !== 'REJECTED' && p.verdict !== 'NO_ENDPOINTS') return undefined;
  const nf = forwardSteps(p).filter((s): s is Extract<Step, { kind: 'netfilter' }> => s.kind === 'netfilter');
  return nf[nf.length - 1];
}

function commentOf(rule: Rule): string | undefined {
  return rule.spec.matches.find((m) => m.name === 'comment')?.options[0]?.args[0];
}

function table(rs: Ruleset, name: string): ReturnType<Ruleset['table']> | undefined {
  return rs.tables.get(name as TableName);
}

function podLabels(cluster: Cluster, receiver: string | undefined): Record<string, string> {
  const m = receiver?.match(/^pod ([^/]+)\/(\S+)$/);
  if (!m) return {};
  return cluster.store.get('Pod', m[1]!, m[2]!)?.metadata.labels ?? {};
}

function ipvsStep(p: PathResult): Extract<Step, { kind: 'ipvs' }> | undefined {
  return forwardSteps(p).find((s): s is Extract<Step, { kind: 'ipvs' }> => s.kind === 'ipvs');
}

function ipvsEntries(r: QueryResult, node: string): IpvsEntry[] {
  const t = (r as Extract<QueryResult, { kind: 'connections' }>).ipvs.find((x) => x.node === node);
  if (!t) throw new InputError(`no IPVS connection table on node "${node}" (kube-proxy is not in IPVS mode there, or no such node)`);
  return t.entries;
}

/** `TCP 10.1.0.2:80` (spaces as ipvsadm pads them or not). */
function ipvsService(r: QueryResult, name: string): VirtualService {
  const m = name.trim().match(/^(TCP|UDP|SCTP)\s+(\S+):(\d+)$/);
  const table = (r as Extract<QueryResult, { kind: 'ipvs' }>).table;
  const svc = m ? table.service(m[1] as IpvsProto, m[2]!, Number(m[3])) : undefined;
  if (!svc) throw new InputError(`no IPVS virtual server "${name}" (want PROTO ADDR:PORT as ipvsadm -Ln lists it)`);
  return svc;
}

function nftTable(r: QueryResult, p: Params): NftTable {
  const name = (p.table as string | undefined) ?? 'kube-proxy';
  const t = (r as Extract<QueryResult, { kind: 'nftables' }>).ruleset.table('ip', name);
  if (!t) throw new InputError(`no nftables table "ip ${name}" on the node`);
  return t;
}

export function nftSet(r: QueryResult, p: Params): NftSet {
  const s = nftTable(r, p).sets.get(p.set as string);
  if (!s) throw new InputError(`no set or map "${String(p.set)}" in table ip ${(p.table as string | undefined) ?? 'kube-proxy'}`);
  return s;
}

export function nftChain(r: QueryResult, p: Params): NftChain {
  const c = nftTable(r, p).chains.get(p.chain as string);
  if (!c) throw new InputError(`no chain "${String(p.chain)}" in table ip ${(p.table as string | undefined) ?? 'kube-proxy'}`);
  return c;
}

const round6 = (n: number): number => Math.round(n * 1e6) / 1e6;

function fieldAt(o: unknown, path: string): Answer {
  let v: unknown = o;
  for (const k of path.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  if (v === undefined || v === null) return 'none';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return JSON.stringify(v);
}

export const ASKS: Record<string, AskDef> = {
  verdict: { on: ['trace'], compute: (r) => first(r).verdict },
  receiver: { on: ['trace'], receiver: true, compute: (r) => receiverName(first(r).receiver) },
  receivers: { on: ['trace'], receiver: true, compute: (r) => [...new Set(allPaths(r).filter((p) => p.receiver).map((p) => receiverName(p.receiver)))].sort() },
  paths: { on: ['trace'], compute: (r) => allPaths(r).length },
  share: {
    on: ['trace'],
    params: { labels: true },
    compute: (r, p, cluster) => {
      const want = Object.entries(p.labels as Record<string, string>);
      return round6(allPaths(r).filter((x) => x.verdict === 'DELIVERED' && want.every(([k, v]) => podLabels(cluster, x.receiver)[k] === v)).reduce((s, x) => s + x.probability, 0));
    },
  },
  dropChain: { on: ['trace'], compute: (r) => dropStep(first(r))?.chain ?? 'none' },
  dropTable: { on: ['trace'], compute: (r) => dropStep(first(r))?.table ?? 'none' },
  rulesEvaluated: { on: ['trace'], compute: (r) => first(r).rulesEvaluated },
  sourceSeen: { on: ['trace'], compute: (r) => sourceSeen((r as { trace: Trace }).trace, first(r)) },
  endpoint: { on: ['trace'], compute: (r) => first(r).endpoint },
  dnat: { on: ['trace'], compute: (r) => first(r).dnat },
  masqueraded: { on: ['trace'], compute: (r) => first(r).masqueraded },
  replyVerdict: { on: ['trace'], compute: (r) => first(r).reply?.verdict ?? 'none' },
  replyFrom: { on: ['trace'], compute: (r) => first(r).reply?.from ?? 'none' },
  brokenReplies: { on: ['trace'], compute: (r) => allPaths(r).filter((p) => p.reply?.verdict === 'BROKEN').length },
  stepField: {
    on: ['trace'],
    params: { kind: true, field: true },
    compute: (r, p) => {
      // The first step of that kind that has the field (netfilter steps carry a probability only on a coin).
      const s = forwardSteps(first(r)).find((x) => x.kind === p.kind && (x as Record<string, unknown>)[p.field as string] !== undefined) as Record<string, unknown> | undefined;
      const v = s?.[p.field as string];
      return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : 'none';
    },
  },
  stepCount: { on: ['trace'], params: { kind: true }, compute: (r, p) => forwardSteps(first(r)).filter((s) => s.kind === p.kind).length },
  nodes: { on: ['trace'], ordered: true, compute: (r) => first(r).hops.map((h) => h.node).filter((n, i, a) => i === 0 || a[i - 1] !== n) },

  distinctReceivers: { on: ['connections'], compute: (r) => new Set((r as { traces: Trace[] }).traces.map((t) => t.paths[0]!.receiver)).size },
  receiversInOrder: { on: ['connections'], ordered: true, receiver: true, compute: (r) => (r as { traces: Trace[] }).traces.map((t) => receiverName(t.paths[0]!.receiver)) },
  affinityHits: {
    on: ['connections'],
    compute: (r) => (r as { traces: Trace[] }).traces.filter((t) => t.paths[0]!.affinity).length,
  },
  maxHits: {
    on: ['connections'],
    compute: (r) => {
      const n = new Map<string, number>();
      for (const t of (r as { traces: Trace[] }).traces) n.set(receiverName(t.paths[0]!.receiver), (n.get(receiverName(t.paths[0]!.receiver)) ?? 0) + 1);
      return Math.max(0, ...n.values());
    },
  },
  /** The real server IPVS chose for each connection, in order (`none` where no virtual server did). */
  realServers: { on: ['connections'], ordered: true, compute: (r) => (r as { traces: Trace[] }).traces.map((t) => ipvsStep(t.paths[0]!)?.real ?? 'none') },
  templates: { on: ['connections'], params: { node: true }, compute: (r, p) => ipvsEntries(r, p.node as string).filter((e) => e.template).length },
  templateExpiresIn: { on: ['connections'], params: { node: true }, compute: (r, p) => ipvsEntries(r, p.node as string).find((e) => e.template)?.expiresIn ?? 'none' },

  virtualServers: { on: ['ipvs'], compute: (r) => (r as Extract<QueryResult, { kind: 'ipvs' }>).table.services().filter((s) => s.family === 4).length },
  /** A virtual server's persistence timeout in seconds (0: not persistent), named as ipvsadm -Ln does: `TCP 10.1.0.2:80`. */
  persistence: {
    on: ['ipvs'],
    params: { service: true },
    compute: (r, p) => {
      const svc = ipvsService(r, p.service as string);
      return svc.flags & IP_VS_SVC_F_PERSISTENT ? svc.timeout : 0;
    },
  },
  /** Elements of a set or map in kube-proxy's nftables table (`table ip kube-proxy` unless `table` says). */
  nftElements: { on: ['nftables'], params: { set: true, table: false }, compute: (r, p) => nftSet(r, p).elements.size },
  nftChainRules: { on: ['nftables'], params: { chain: true, table: false }, compute: (r, p) => nftChain(r, p).rules.length },
  realServerCount: { on: ['ipvs'], params: { service: true }, compute: (r, p) => ipvsService(r, p.service as string).dests.length },

  queries: { on: ['resolve'], compute: (r) => (r as Extract<QueryResult, { kind: 'resolve' }>).walk.queries.length },
  tried: { on: ['resolve'], ordered: true, compute: (r) => (r as Extract<QueryResult, { kind: 'resolve' }>).walk.queries.map((q) => q.fqdn.replace(/\.$/, '')) },
  firstTry: { on: ['resolve'], compute: (r) => (r as Extract<QueryResult, { kind: 'resolve' }>).walk.queries[0]?.fqdn.replace(/\.$/, '') ?? 'none' },
  addressCount: { on: ['resolve'], compute: (r) => (r as Extract<QueryResult, { kind: 'resolve' }>).walk.result.addresses.length },
  status: { on: ['resolve'], compute: (r) => (r as Extract<QueryResult, { kind: 'resolve' }>).walk.result.status },
  addresses: { on: ['resolve'], compute: (r) => [...(r as Extract<QueryResult, { kind: 'resolve' }>).walk.result.addresses].sort() },
  answerTypes: { on: ['resolve'], ordered: true, compute: (r) => (r as Extract<QueryResult, { kind: 'resolve' }>).walk.result.answer.map((rr) => rr.type) },
  cname: {
    on: ['resolve'],
    compute: (r) => {
      const w = (r as Extract<QueryResult, { kind: 'resolve' }>).walk;
      const rr = w.queries.flatMap((q) => q.reply.answer).find((x) => x.type === 'CNAME');
      return rr ? String(rr.data).replace(/\.$/, '') : 'none';
    },
  },

  nameserver: { on: ['resolvConf'], compute: (r) => (r as Extract<QueryResult, { kind: 'resolvConf' }>).conf.nameservers[0] ?? 'none' },
  searches: { on: ['resolvConf'], ordered: true, compute: (r) => (r as Extract<QueryResult, { kind: 'resolvConf' }>).conf.searches },

  chainRules: {
    on: ['rules'],
    params: { table: true, chain: true },
    compute: (r, p) => table((r as Extract<QueryResult, { kind: 'rules' }>).ruleset, p.table as string)?.chain(p.chain as string)?.rules.length ?? 0,
  },
  chains: {
    on: ['rules'],
    params: { table: true, prefix: true },
    compute: (r, p) => [...(table((r as Extract<QueryResult, { kind: 'rules' }>).ruleset, p.table as string)?.chains.keys() ?? [])].filter((c) => c.startsWith(p.prefix as string)).length,
  },
  /** Rules whose comment starts with `comment` (and that use the match module `match`, when given). */
  rulesFor: {
    on: ['rules'],
    params: { comment: true, match: false },
    compute: (r, p) => {
      let n = 0;
      for (const t of (r as Extract<QueryResult, { kind: 'rules' }>).ruleset.tables.values()) {
        for (const c of t.chains.values()) {
          for (const rule of c.rules) if (commentOf(rule)?.startsWith(p.comment as string) && (p.match === undefined || rule.spec.matches.some((m) => m.name === p.match))) n++;
        }
      }
      return n;
    },
  },

  field: { on: ['object'], params: { path: true }, compute: (r, p) => fieldAt((r as Extract<QueryResult, { kind: 'object' }>).object, p.path as string) },
  holders: {
    on: ['addresses'],
    compute: (r) => (r as Extract<QueryResult, { kind: 'addresses' }>).holders.map((h) => `${h.netns === 'root' ? h.node : h.netns.replace(/^pod /, '')} ${h.dev}`).sort(),
  },
};

export function computeAnswer(ask: Ask, r: QueryResult, cluster: Cluster): Answer {
  return ASKS[ask.name]!.compute(r, ask.params, cluster);
}
