// `knet lab verify`: for each flow, what `knet trace --all-paths` predicts against what really
// happens in the lab's namespaces. A real answer must come from one of the predicted receivers,
// on the predicted endpoint, with the source rewritten exactly when the trace says so; a
// predicted reject must be refused, a predicted drop must time out; where the trace shows
// ClientIP affinity (a `recent --rcheck` match on the next connection), every answer of the flow
// must come from the same backend. Disagreements come with the trace and the kernel's side:
// conntrack entries and the counters of the rules one more such connection matched.
import { InputError } from '../api/errors.js';
import type { Cluster } from '../cluster/cluster.js';
import { renderTrace } from '../dataplane/render.js';
import { trace, traceConnections } from '../dataplane/trace.js';
import type { Disposition, PathResult, Trace } from '../dataplane/types.js';
import { parseIptablesSave } from '../kernel/netfilter/parse.js';
import type { ProbeFlow, ProbeOutcome, ProbeResult } from './client.js';
import { labFlows, type Flow } from './flows.js';
import { tryRun } from './host.js';
import { probe } from './probe.js';
import { dnsChecks, type DnsCheck } from './dns-checks.js';
import { NOT_CHECKABLE, ipvsNode } from './ipvs.js';
import type { LabState } from './state.js';

export interface VerifyOptions {
  /** New connections per flow. */
  samples: number;
  timeoutMs: number;
  /** Client processes running at once. */
  parallel: number;
}

/** What the kernel should do for one predicted path. */
type Expectation =
  | { outcome: 'answered'; receiver: string; endpoint: string; client: string; seenSource: string }
  | { outcome: 'failed'; verdict: Disposition | 'BROKEN'; accept: ProbeOutcome[] };

export interface Prediction {
  trace?: Trace;
  expectations: Expectation[];
  sticky: boolean;
  /** The node whose IPVS table picks the endpoint, when one does: the lab has no IPVS table, so the flow is not checkable. */
  ipvs?: string;
  /** knet could not trace the flow. */
  error?: string;
}

export interface FlowReport {
  flow: Flow;
  agree: boolean;
  /** False when the flow depends on what the lab cannot load (an IPVS table): neither agree nor disagree. */
  checkable: boolean;
  line: string;
  /** For a disagreement: the trace and the kernel's side. */
  details?: string;
}

/** How each kind of failure shows at the client's socket. */
const FAILURES: Partial<Record<Disposition | 'BROKEN', ProbeOutcome[]>> = {
  REJECTED: ['refused', 'unreachable'],
  NO_ENDPOINTS: ['refused', 'unreachable'],
  NO_LISTENER: ['refused'],
  DROPPED: ['timeout'],
  TTL_EXCEEDED: ['timeout', 'unreachable'],
  LOOP: ['timeout'],
  NO_ROUTE: ['unreachable', 'timeout'],
  BROKEN: ['timeout', 'reset'],
};

/** The source address the receiver sees: after the last SNAT/MASQUERADE on the way, else the client's. */
function seenSource(p: PathResult, client: string): string {
  let src = client;
  for (const h of p.hops) for (const s of h.steps) if (s.kind === 'nat' && s.field === 'src' && (s.nat === 'SNAT' || s.nat === 'MASQUERADE')) src = hostOf(s.after);
  return src;
}

function expectationOf(p: PathResult, client: string): Expectation {
  if (p.verdict === 'DELIVERED' && (!p.reply || p.reply.verdict === 'DELIVERED')) {
    return { outcome: 'answered', receiver: p.receiver ?? '', endpoint: p.endpoint, client, seenSource: seenSource(p, client) };
  }
  const verdict = p.verdict === 'DELIVERED' ? p.reply!.verdict : p.verdict;
  return { outcome: 'failed', verdict, accept: FAILURES[verdict] ?? ['timeout'] };
}

export function predict(cluster: Cluster, f: Flow): Prediction {
  try {
    const family = f.family ? { family: f.family } : {};
    const t = trace(cluster, f.src, f.dst, { proto: f.proto, allPaths: true, ...family });
    const [, second] = traceConnections(cluster, f.src, f.dst, 2, 1000, { proto: f.proto, ...family });
    const sticky = !!second?.paths[0]?.affinity;
    const ipvs = ipvsNode(t);
    return { trace: t, expectations: t.paths.map((p) => expectationOf(p, t.src.ip)), sticky, ...(ipvs ? { ipvs } : {}) };
  } catch (e) {
    if (e instanceof InputError) return { expectations: [], sticky: false, error: e.message };
    throw e;
  }
}

interface Answer {
  receiver: string;
  endpoint: string;
  /** The source address the responder saw. */
  peer: string;
}

function parseAnswer(text: string): Answer | undefined {
  const w = text.split(' ');
  if (w.length < 3) return undefined;
  return { receiver: w.slice(0, -2).join(' '), endpoint: w[w.length - 2]!, peer: w[w.length - 1]! };
}

/** The address of `IP:PORT` or `[IPv6]:PORT`. */
const hostOf = (ipPort: string): string => ipPort.slice(0, ipPort.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1');

/** Why one real outcome fits no predicted path (undefined when it fits one). */
function mismatch(r: ProbeResult, p: Prediction): string | undefined {
  if (r.outcome === 'answered') {
    const a = parseAnswer(r.answer ?? '');
    if (!a) return `unreadable answer "${r.answer}"`;
    const same = p.expectations.filter((e): e is Extract<Expectation, { outcome: 'answered' }> => e.outcome === 'answered' && e.receiver === a.receiver && e.endpoint === a.endpoint);
    if (same.length === 0) return `answered by ${a.receiver} on ${a.endpoint}, which knet does not predict`;
    const local = r.local ? hostOf(r.local) : '?';
    if (!same.some((e) => e.client === local)) return `the kernel sent from ${local}, knet's client is ${same[0]!.client}`;
    if (!same.some((e) => e.seenSource === hostOf(a.peer))) return `${a.receiver} saw the source ${hostOf(a.peer)}; knet predicts ${[...new Set(same.map((e) => e.seenSource))].join(' or ')}`;
    return undefined;
  }
  if (p.expectations.some((e) => e.outcome === 'failed' && e.accept.includes(r.outcome))) return undefined;
  return `${r.outcome}${r.code ? ` (${r.code})` : ''}, which knet does not predict`;
}

function tally(rs: ProbeResult[]): string {
  const counts = new Map<string, number>();
  for (const r of rs) {
    const k = r.outcome === 'answered' ? (parseAnswer(r.answer ?? '')?.receiver.replace(/^pod |^node /, '') ?? 'answered') : r.outcome;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join(', ');
}

function predictedText(p: Prediction): string {
  if (p.error) return `knet: cannot trace (${p.error})`;
  const byVerdict = new Map<string, Set<string>>();
  for (const e of p.expectations) {
    const k = e.outcome === 'answered' ? 'DELIVERED' : e.verdict;
    const s = byVerdict.get(k) ?? new Set<string>();
    if (e.outcome === 'answered') s.add(e.endpoint);
    byVerdict.set(k, s);
  }
  const parts = [...byVerdict].map(([v, eps]) => (eps.size ? `${v} to ${eps.size === 1 ? [...eps][0] : `${eps.size} endpoints`}` : v));
  return `knet: ${parts.join(' or ')}${p.sticky ? ' (sticky)' : ''}`;
}

export function judge(p: Prediction, results: ProbeResult[]): { agree: boolean; problems: string[] } {
  if (p.error) return { agree: false, problems: [`knet cannot trace this flow: ${p.error}`] };
  const problems = results.map((r, i) => {
    const m = mismatch(r, p);
    return m ? `connection ${i + 1}: ${m}` : undefined;
  }).filter((x): x is string => x !== undefined);
  if (p.sticky) {
    const receivers = new Set(results.filter((r) => r.outcome === 'answered').map((r) => parseAnswer(r.answer ?? '')?.receiver));
    if (receivers.size > 1) problems.push(`knet predicts ClientIP affinity, but the answers came from ${[...receivers].join(', ')}`);
  }
  return { agree: problems.length === 0, problems };
}

async function inBatches<T>(jobs: (() => Promise<T>)[], parallel: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
  return out;
}

const indent = (text: string, by: string): string => text.trimEnd().split('\n').map((l) => `${by}${l}`).join('\n');

/** The kernel's side of one disagreeing flow: one more connection with zeroed counters, then conntrack and the counters. */
async function kernelSide(state: LabState, f: Flow, results: ProbeResult[], timeoutMs: number): Promise<string> {
  const nodes = state.namespaces.filter((n) => n.role === 'node');
  const xt = f.family === 6 ? 'ip6tables' : 'iptables';
  for (const n of nodes) for (const t of ['raw', 'mangle', 'filter', 'nat']) tryRun(['ip', 'netns', 'exec', n.name, xt, '-t', t, '-Z']);
  const again = (await probe(f.netns, [{ id: 0, proto: f.proto, ip: f.ip, port: f.port, samples: 1, ...(f.dns ? { dns: f.dns } : {}) }], timeoutMs)).get(0)![0]!;
  const lines = results.map((r, i) => `connection ${i + 1}: ${r.outcome}${r.answer ? ` "${r.answer}"` : ''}${r.code ? ` (${r.code})` : ''}${r.local ? ` from ${r.local}` : ''}`);
  lines.push(`one more connection: ${again.outcome}${again.answer ? ` "${again.answer}"` : ''}${again.local ? ` from ${again.local}` : ''}`);
  // A refused connection never learns its own address: the namespace's is the one it left with.
  const client = again.local ? hostOf(again.local) : state.namespaces.find((n) => n.name === f.netns)?.ip;
  const sport = again.local ? again.local.slice(again.local.lastIndexOf(':') + 1) : undefined;
  let entries = 0;
  for (const n of nodes) {
    const ct = tryRun(['ip', 'netns', 'exec', n.name, 'conntrack', '-L', '-f', f.family === 6 ? 'ipv6' : 'ipv4', '-p', f.proto]);
    if (ct === undefined) {
      lines.push(`conntrack in ${n.object}: (conntrack -L failed; is conntrack installed?)`);
    } else {
      const toFlow = (l: string): boolean => l.includes(`dst=${f.ip} `) || l.includes(`dport=${f.port} `);
      const mine = ct.split('\n').filter((l) => (client && l.includes(`src=${client} `) && toFlow(l)) || (sport && l.includes(`sport=${sport} `)));
      entries += mine.length;
      if (mine.length) lines.push(`conntrack in ${n.object}:`, ...mine.map((l) => `  ${l}`));
    }
    const saved = tryRun(['ip', 'netns', 'exec', n.name, `${xt}-save`, '-c']);
    if (saved === undefined) continue;
    const hit: string[] = [];
    for (const t of parseIptablesSave(saved, `${n.name}: ${xt}-save -c`).tables.values()) {
      for (const c of t.chains.values()) {
        for (const r of c.rules) if ((r.counters?.[0] ?? 0) > 0) hit.push(`  ${t.name.padEnd(6)} [${r.counters![0]} pkts] -A ${c.name} ${r.saveText}`);
      }
    }
    if (hit.length) lines.push(`${xt} rules that counted it in ${n.object}:`, ...hit);
  }
  if (entries === 0) lines.push(`conntrack: no entry of this flow (from ${client ?? '?'}) left in any node`);
  return lines.join('\n');
}

export interface VerifySummary {
  reports: FlowReport[];
  /** One DNS query per Service from a client pod. */
  dns: DnsCheck[];
  agree: number;
  disagree: number;
  notCheckable: number;
}

export async function labVerify(cluster: Cluster, state: LabState, opts: VerifyOptions, out: (line: string) => void): Promise<VerifySummary> {
  const dnsPods = new Set(state.responders.filter((r) => r.receiver.startsWith('dns ')).map((r) => r.receiver.slice(4)));
  const flows = labFlows(cluster, state.namespaces, dnsPods);
  const predictions = flows.map((f) => predict(cluster, f));
  const probed = new Set(flows.map((_, i) => i).filter((i) => !predictions[i]!.ipvs));
  const bySource = new Map<string, number[]>();
  flows.forEach((f, i) => probed.has(i) && bySource.set(f.netns, [...(bySource.get(f.netns) ?? []), i]));
  const results = new Map<number, ProbeResult[]>();
  await inBatches(
    [...bySource].map(([netns, ids]) => async () => {
      const got = await probe(netns, ids.map((id) => ({ id, proto: flows[id]!.proto, ip: flows[id]!.ip, port: flows[id]!.port, samples: opts.samples, ...(flows[id]!.dns ? { dns: flows[id]!.dns } : {}) })), opts.timeoutMs);
      for (const [id, rs] of got) results.set(id, rs);
    }),
    opts.parallel,
  );
  const reports: FlowReport[] = [];
  for (const [i, f] of flows.entries()) {
    const p = predictions[i]!;
    if (p.ipvs) {
      const line = `${NOT_CHECKABLE} ${f.src} -> ${f.dst}/${f.proto} (${f.what})  the IPVS table of ${p.ipvs} picks the endpoint; the lab has none  ${predictedText(p)}`;
      out(line);
      reports.push({ flow: f, agree: false, checkable: false, line });
      continue;
    }
    const rs = results.get(i) ?? [];
    const { agree, problems } = judge(p, rs);
    const line = `${agree ? 'agree   ' : 'DISAGREE'} ${f.src} -> ${f.dst}/${f.proto} (${f.what})  kernel: ${tally(rs)}  ${predictedText(p)}`;
    const report: FlowReport = { flow: f, agree, checkable: true, line };
    out(line);
    if (!agree) {
      const traceText = p.trace ? renderTrace(p.trace, { allPaths: true }) : p.error ?? '';
      report.details = [
        ...problems.map((x) => `  ${x}`),
        `  knet trace ${f.src} ${f.dst} --proto ${f.proto} --all-paths${f.family === 6 ? ' -6' : ''}:`,
        indent(traceText, '    '),
        '  kernel:',
        indent(await kernelSide(state, f, rs, opts.timeoutMs), '    '),
      ].join('\n');
      out(report.details);
    }
    reports.push(report);
  }
  const dns = await dnsChecks(cluster, state, opts.timeoutMs);
  for (const c of dns) out(c.line);
  const agree = reports.filter((r) => r.agree).length + dns.filter((c) => c.agree).length;
  const notCheckable = reports.filter((r) => !r.checkable).length + dns.filter((c) => c.checkable === false).length;
  return { reports, dns, agree, disagree: reports.length + dns.length - agree - notCheckable, notCheckable };
}
