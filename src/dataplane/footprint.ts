// What kube-proxy has written into one node's kernel, as the commands of each tool that would
// write it: iptables `-t TABLE -N/-A` (read back from iptables-save), ipvsadm-save -n's lines,
// ipset save's lines, `ip addr add` for the kube-ipvs0 addresses and the knftables dump (nft
// `add …`), so `knet compare` can count them and subtract one cluster's from another's.
import { kubeProxyIpvsFor } from '../agents/kube-proxy/factory.js';
import { kubeProxyIptables } from '../agents/kube-proxy/iptables/node.js';
import { syncedNodeNftables } from '../agents/kube-proxy/nftables/node.js';
import type { Cluster } from '../cluster/cluster.js';
import { formatSave as ipsetSave } from '../kernel/ipset/format.js';
import { formatSave as ipvsadmSave } from '../kernel/ipvs/format.js';
import type { Ruleset } from '../kernel/netfilter/ruleset.js';
import { formatSave } from '../kernel/netfilter/save.js';
import { dumpRuleset } from '../kernel/nftables/dump.js';
import { Dataplane } from './dataplane.js';

export type Tool = 'iptables' | 'ipvsadm' | 'ipset' | 'ip' | 'nft';

/** One tool's view of what kube-proxy wrote: its lines, and the kinds of object they count as. */
export interface Written {
  tool: Tool;
  lines: string[];
}

export interface Footprint {
  /** The mode kube-proxy really runs on the node (`none`: it exited). */
  mode: string;
  /** The IPVS scheduler of the node's virtual servers, in IPVS mode. */
  scheduler?: string;
  /** What kube-proxy logged at start-up. */
  logs: string[];
  written: Written[];
}

/** The kinds of object a line of each tool's output is; lines of no kind (COMMIT, comments) are not counted. */
const KINDS: Record<Tool, [RegExp, string][]> = {
  iptables: [[/^-t \S+ -N /, 'chains'], [/^-t \S+ -A /, 'rules']],
  ipvsadm: [[/^-A /, 'virtual servers'], [/^-a /, 'real servers']],
  ipset: [[/^create /, 'sets'], [/^add /, 'entries']],
  ip: [[/^addr add /, 'addresses']],
  nft: [[/^add chain /, 'chains'], [/^add rule /, 'rules'], [/^add (set|map) /, 'sets and maps'], [/^add element /, 'elements']],
};

/** How many lines of each kind (in the order the kinds are listed). */
export function countKinds(w: Written): { kind: string; count: number }[] {
  return KINDS[w.tool].map(([re, kind]) => ({ kind, count: w.lines.filter((l) => re.test(l)).length }));
}

/** The kind of object a line is (`rules`, `entries`…), if any. */
export function kindOf(tool: Tool, line: string): string | undefined {
  return KINDS[tool].find(([re]) => re.test(line))?.[1];
}

/** iptables-save text as the commands that make it: user chains as `-t T -N C`, rules as `-t T -A …`. */
function iptablesLines(rs: Ruleset, now: number): string[] {
  const out: string[] = [];
  let table = '';
  for (const line of formatSave(rs, { now }).split('\n')) {
    if (line.startsWith('*')) table = line.slice(1);
    else if (line.startsWith(':') && line.includes(' - ')) out.push(`-t ${table} -N ${line.slice(1).split(' ')[0]}`);
    else if (line.startsWith('-A ')) out.push(`-t ${table} ${line}`);
  }
  return out;
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

/** What the node's kube-proxy (IPv4) has written, after its agents caught up. */
export function footprint(cluster: Cluster, node: string): Footprint {
  const dp = Dataplane.of(cluster);
  const kernel = dp.node(node)!;
  const started = dp.kernels.agents(node)!.kubeProxy!;
  const now = cluster.clock.now();
  const base = { mode: started.mode, logs: started.logs };
  if (started.mode === 'nftables') return { ...base, written: [{ tool: 'nft', lines: lines(dumpRuleset(syncedNodeNftables(cluster, node))) }] };
  if (cluster.topology.kubeProxy.mode === 'iptables') return { ...base, written: [{ tool: 'iptables', lines: iptablesLines(kubeProxyIptables(cluster, node, 4).kernel, now) }] };
  const p = kubeProxyIpvsFor(cluster, node, kernel, 4);
  if (p.mode === 'none') return { ...base, written: [] };
  const iptables: Written = { tool: 'iptables', lines: iptablesLines(p.agent.kernel, now) };
  if (p.mode === 'iptables') return { ...base, written: [iptables] };
  const vips = kernel.root.addresses.filter((a) => a.dev === 'kube-ipvs0' && a.family === 4);
  return {
    ...base,
    scheduler: kernel.ipvs.services()[0]?.scheduler ?? (cluster.topology.kubeProxy.ipvs.scheduler || 'rr'),
    written: [
      { tool: 'ipvsadm', lines: lines(ipvsadmSave(kernel.ipvs, 4)) },
      { tool: 'ipset', lines: lines(ipsetSave(kernel.ipsets)) },
      iptables,
      { tool: 'ip', lines: vips.map((a) => `addr add ${a.address}/${a.prefix} dev kube-ipvs0`) },
    ],
  };
}

/** The lines of `a` that `b` lacks (as multisets), per tool: what one cluster's state has beyond the other's. */
export function subtract(a: Written[], b: Written[]): Written[] {
  return a.map((w) => {
    const left = new Map<string, number>();
    for (const l of b.find((x) => x.tool === w.tool)?.lines ?? []) left.set(l, (left.get(l) ?? 0) + 1);
    const extra = w.lines.filter((l) => {
      const n = left.get(l) ?? 0;
      if (n === 0) return true;
      left.set(l, n - 1);
      return false;
    });
    return { tool: w.tool, lines: extra };
  });
}
