// The evidence behind an answer: the knet command a student can run to see it, and what that
// command shows (the trace, the connections, the resolver walk, the rules, the object field).
import type { AnyObject } from '../api/types.js';
import { renderConnections, renderTrace } from '../dataplane/render.js';
import { walkText } from '../dns/resolver.js';
import { resolvConfText } from '../dns/resolvconf.js';
import type { TableName } from '../kernel/netfilter/ruleset.js';
import { formatTable } from '../kernel/nftables/print.js';
import { NftTable } from '../kernel/nftables/ruleset.js';
import { nftChain, nftSet } from './asks.js';
import type { Lang, Query, Task, TopologyRef } from './model.js';
import type { QueryResult } from './run.js';

const DEFAULT_SHOWN = 'topologies/kubeadm-3node.yaml';

function fileArgs(t: TopologyRef): string {
  const steps = t.steps ? ` --steps ${t.steps.shown}` : '';
  if (t.shown.length === 1 && t.shown[0] === DEFAULT_SHOWN) return steps;
  return t.shown.map((f) => ` -f ${f}`).join('') + steps;
}

function nsArg(ns: string | undefined): string {
  return ns && ns !== 'default' ? ` -n ${ns}` : '';
}

/** The knet command line that shows this query's result. */
export function commandFor(q: Query, t: TopologyRef, ask?: Task['ask']): string {
  const f = fileArgs(t);
  switch (q.kind) {
    case 'trace':
      return `knet trace ${q.from} ${q.to}${nsArg(q.namespace)}${q.allPaths || q.path ? ' --all-paths' : ''}${q.proto ? ` --proto ${q.proto}` : ''}${q.seed !== undefined && q.seed !== 1 ? ` --seed ${q.seed}` : ''}${f}`;
    case 'connections':
      return `knet trace ${q.from} ${q.to}${nsArg(q.namespace)} --count ${q.count} --interval ${q.intervalMs / 1000}s${q.seed !== undefined && q.seed !== 1 ? ` --seed ${q.seed}` : ''}${f}`;
    case 'resolve':
      return `knet dns resolve ${q.name}${q.type !== 'A' ? ` ${q.type}` : ''} --from ${q.from}${f}`;
    case 'resolvConf':
      return `knet dns resolv-conf ${q.pod}${f}`;
    case 'rules': {
      const tb = ask?.params.table as string | undefined;
      return `knet rules iptables --node ${q.node} --all${tb ? ` --table ${tb}` : ''}${f}`;
    }
    case 'ipvs':
      return `knet rules ipvs --node ${q.node}${f}`;
    case 'nftables':
      return `knet rules nftables --node ${q.node}${f}`;
    case 'object':
      return `knet get ${q.kind_.toLowerCase()}s ${q.name}${nsArg(q.namespace)} -o yaml${f}`;
    case 'addresses':
      return `knet ip --node NODE addr${f}`;
  }
}

function fieldLine(o: AnyObject | undefined, path: string): string {
  if (!o) return 'not found\n';
  let v: unknown = o;
  for (const k of path.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}: ${path}: ${JSON.stringify(v ?? null)}\n`;
}

/** What the command shows, as text (the non-interactive lesson and the feedback print this). */
export function evidenceText(task: Task, r: QueryResult, lang: Lang): string {
  switch (r.kind) {
    case 'trace':
      return renderTrace(r.trace, { allPaths: task.query.kind === 'trace' && !!task.query.allPaths && !task.query.path });
    case 'connections': {
      const text = renderConnections(r.traces, task.query.kind === 'connections' ? task.query.intervalMs : 1000);
      // Asks about the IPVS connection table show it as ipvsadm -Lnc prints it after the last connection.
      const node = task.ask.params.node as string | undefined;
      const t = node ? r.ipvs.find((x) => x.node === node) : undefined;
      if (!t) return text;
      return `${text}\n${lang === 'zh' ? `最后一个连接之后 ${node} 上的 ipvsadm -Lnc：` : `ipvsadm -Lnc on ${node} after the last connection:`}\n${t.listing}`;
    }
    case 'ipvs':
      return r.listing;
    case 'nftables': {
      // The one set or chain asked about, as `nft list map|set|chain ip kube-proxy NAME` prints it.
      const p = task.ask.params;
      const t = new NftTable('ip', (p.table as string | undefined) ?? 'kube-proxy', 0);
      if (p.set !== undefined) t.sets.set(p.set as string, nftSet(r, p));
      else t.chains.set(p.chain as string, nftChain(r, p));
      return formatTable(t, r.now);
    }
    case 'resolve':
      return walkText(r.walk);
    case 'resolvConf':
      return resolvConfText(r.conf);
    case 'rules': {
      const tb = (task.ask.params.table as TableName | undefined) ?? 'nat';
      const chain = task.ask.params.chain as string | undefined;
      const prefix = task.ask.params.prefix as string | undefined;
      const comment = task.ask.params.comment as string | undefined;
      const match = task.ask.params.match as string | undefined;
      // iptables-save's shape: a table line, then that table's chains or rules.
      const lines: string[] = [];
      for (const t of r.ruleset.orderedTables()) {
        if (!comment && t.name !== tb) continue;
        const mine: string[] = [];
        for (const c of t.chains.values()) {
          if (chain && c.name !== chain) continue;
          if (prefix) {
            if (c.name.startsWith(prefix)) mine.push(`:${c.name} ${c.policy} [0:0]`);
            continue;
          }
          for (const rule of c.rules) {
            const comm = rule.spec.matches.find((m) => m.name === 'comment')?.options[0]?.args[0];
            if ((!comment || comm?.startsWith(comment)) && (!match || rule.spec.matches.some((m) => m.name === match))) mine.push(`-A ${c.name} ${rule.saveText}`.trimEnd());
          }
        }
        if (mine.length) lines.push(`*${t.name}`, ...mine);
      }
      return lines.length ? `${lines.join('\n')}\n` : lang === 'zh' ? '（没有这样的规则）\n' : '(no such rules)\n';
    }
    case 'object':
      return fieldLine(r.object, task.ask.params.path as string);
    case 'addresses':
      return r.holders.length
        ? r.holders.map((h) => `${h.node}${h.netns === 'root' ? '' : ` ${h.netns}`}: ${task.query.kind === 'addresses' ? task.query.ip : ''} on ${h.dev}\n`).join('')
        : lang === 'zh'
          ? `没有任何节点或 Pod 的网卡持有 ${task.query.kind === 'addresses' ? task.query.ip : ''}\n`
          : `no interface of any node or pod holds ${task.query.kind === 'addresses' ? task.query.ip : ''}\n`;
  }
}
