// `knet compare svc/NAME`: the same Service and client under kube-proxy's iptables, IPVS and
// nftables modes side by side — what each writes, what a first packet costs, where it may go
// and how ClientIP affinity holds — then the lines each mode writes for the Service.
import { Command, Option } from 'commander';
import { InputError } from '../api/errors.js';
import { compare, type Comparison, type ModeColumn, type Tally } from '../dataplane/compare.js';
import type { Tool } from '../dataplane/footprint.js';
import { collect, type IO } from './context.js';
import { hostPort } from '../net/ip.js';

const LABELS: Record<Tool, Record<string, string>> = {
  iptables: { chains: 'iptables chains', rules: 'iptables rules' },
  ipvsadm: { 'virtual servers': 'IPVS virtual servers', 'real servers': 'IPVS real servers' },
  ipset: { sets: 'ipsets', entries: 'ipset entries' },
  ip: { addresses: 'kube-ipvs0 addresses' },
  nft: { chains: 'nft chains', rules: 'nft rules', 'sets and maps': 'nft sets and maps', elements: 'nft set/map elements' },
};
const TOOLS: Tool[] = ['iptables', 'ipvsadm', 'ipset', 'ip', 'nft'];
const COMMAND: Record<Tool, string> = { iptables: 'iptables', ipvsadm: 'ipvsadm', ipset: 'ipset', ip: 'ip', nft: 'nft' };

/** One count row per kind of object any column's tools write; `-` where a mode does not use that tool. */
function countRows(cols: ModeColumn[], pick: (c: ModeColumn) => Tally[]): string[][] {
  const rows: string[][] = [];
  for (const tool of TOOLS) {
    const per = cols.map((c) => pick(c).find((w) => w.tool === tool));
    if (per.every((w) => !w)) continue;
    for (const kind of Object.keys(LABELS[tool])) {
      rows.push([`  ${LABELS[tool][kind]}`, ...per.map((w) => (w ? String(w.counts[kind]) : '-'))]);
    }
  }
  return rows;
}

const prob = (p: number): string => String(Number(p.toFixed(4)));

function range(ns: number[]): string {
  if (!ns.length) return '-';
  const lo = Math.min(...ns);
  const hi = Math.max(...ns);
  return lo === hi ? String(lo) : `${lo}-${hi}`;
}

function grid(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 2))).join('').trimEnd() + '\n').join('');
}

function connCell(c: { endpoint: string; affinity: boolean }): string {
  return `${c.endpoint}${c.affinity ? ' (affinity)' : ''}`;
}

export function renderComparison(cmp: Comparison): string {
  const cols = cmp.columns;
  const ip = (e: { ip: string; port: number }): string => hostPort(e.ip, e.port);
  let out = `compare   ${cmp.dst.object ?? cmp.service} ${ip(cmp.dst)}/${cmp.proto.toUpperCase()} from ${cmp.src.object ?? cmp.src.typed} ${cmp.src.ip}\n`;
  out += `topology  ${cmp.files.join(', ')} (KubeProxyConfiguration mode: ${cmp.configuredMode}), loaded once per mode with the mode overridden\n`;
  out += `affinity  ${cmp.sessionAffinity.type}${cmp.sessionAffinity.timeoutSeconds !== undefined ? `, timeout ${cmp.sessionAffinity.timeoutSeconds}s` : ''}\n\n`;
  const rows: string[][] = [['', ...cols.map((c) => `${c.mode} mode`)]];
  rows.push(['kube-proxy runs', ...cols.map((c) => `${c.runs}${c.scheduler ? ` (${c.scheduler})` : ''} on ${c.node}`)]);
  rows.push([`written for ${cmp.service}`]);
  rows.push(...countRows(cols, (c) => c.service));
  rows.push(['written on the node (all Services)']);
  rows.push(...countRows(cols, (c) => c.nodeTotal));
  rows.push(['first packet (every path)']);
  rows.push(['  rules and lookups on the way', ...cols.map((c) => range(c.paths.map((p) => p.rulesEvaluated)))]);
  const endpoints = [...new Set(cols.flatMap((c) => c.paths.map((p) => `${p.endpoint} ${p.verdict}`)))];
  for (const e of endpoints) {
    rows.push([`  ${e}`, ...cols.map((c) => {
      const p = c.paths.filter((x) => `${x.endpoint} ${x.verdict}` === e).reduce((a, x) => a + x.probability, 0);
      return p > 0 ? `p=${prob(p)}` : '-';
    })]);
  }
  rows.push(['new connections 1s apart']);
  const n = Math.max(...cols.map((c) => c.connections.length));
  for (let i = 0; i < n; i++) rows.push([`  #${i + 1}`, ...cols.map((c) => (c.connections[i] ? connCell(c.connections[i]!) : '-'))]);
  if (cmp.sessionAffinity.type === 'ClientIP') rows.push([`  after ${cmp.sessionAffinity.timeoutSeconds! + 1}s`, ...cols.map((c) => (c.afterTimeout ? connCell(c.afterTimeout) : '-'))]);
  out += grid(rows.map((r) => (r.length === 1 ? [...r, ...cols.map(() => '')] : r)));
  const by = cols.filter((c) => c.affinityBy);
  if (by.length) {
    out += '\naffinity decided by (the second connection\'s trace)\n';
    for (const c of by) out += `  ${c.mode.padEnd(9)} ${c.affinityBy}\n`;
  }
  const logs = cols.filter((c) => c.logs.length);
  if (logs.length) {
    out += '\nkube-proxy logs\n';
    for (const c of logs) for (const l of c.logs) out += `  ${c.mode.padEnd(9)} ${l}\n`;
  }
  for (const c of cols) {
    const lines = c.service.flatMap((w) => (w.lines ?? []).map((l) => `${COMMAND[w.tool]} ${l}`));
    out += `\n${c.mode} mode: what kube-proxy on ${c.node} writes for ${cmp.service}${lines.length ? '' : ': nothing'}\n`;
    for (const l of lines) out += `  ${l}\n`;
  }
  return out;
}

interface CompareOpts {
  filename: string[];
  steps?: string;
  from?: string;
  namespace: string;
  nodePort?: string;
  seed: string;
  output: 'text' | 'json';
}

export function compareCommand(io: IO): Command {
  return new Command('compare')
    .description("one Service under kube-proxy's iptables, IPVS and nftables modes: what each writes, what a first packet is compared against, where it may go, and affinity")
    .argument('<service>', 'svc/NAME, svc/NS/NAME or svc/NAME:PORT')
    .option('--from <client>', 'client as knet trace takes it: POD | NS/POD | node/NAME | ext/NAME | IP@NODE (default: the first pod the topology writes)')
    .option('-n, --namespace <ns>', 'namespace of the client and of a Service named without NS/', 'default')
    .option('--node-port <node>', "send to the Service's NodePort on this node instead of its ClusterIP")
    .option('--seed <n>', 'seed for the coin tosses and source ports', '1')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-f, --filename <file|dir>', 'topology file or directory (repeatable; default: topologies/kubeadm-3node.yaml)', collect, [])
    .option('--steps <file>', 'changes to apply after the topology loads (kind: Steps), in every mode alike')
    .action((svc: string, o: CompareOpts) => {
      if (!/^\d+$/.test(o.seed)) throw new InputError(`--seed "${o.seed}": want a whole number`, 2);
      const cmp = compare(svc, { files: o.filename, ...(o.steps ? { steps: o.steps } : {}), ...(o.from ? { from: o.from } : {}), namespace: o.namespace, ...(o.nodePort ? { nodePort: o.nodePort } : {}), seed: Number(o.seed) });
      for (const w of cmp.warnings) io.err(`Warning: ${w}\n`);
      io.out(o.output === 'json' ? JSON.stringify(cmp, null, 2) + '\n' : renderComparison(cmp));
    });
}
