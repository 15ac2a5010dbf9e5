// `knet rules iptables`: a node's netfilter rules as kube-proxy programs them (iptables mode, or
// the rules IPVS mode writes around its virtual servers) — the iptables-save view a user sees on
// the node, or the input kube-proxy pipes to iptables-restore, or rule counts per table and chain.
import { Command, Option } from 'commander';
import { InputError } from '../api/errors.js';
import { kubeProxyIptables } from '../agents/kube-proxy/iptables/node.js';
import { applyTopologyObjects } from '../cluster/diff.js';
import { formatRestore } from '../kernel/netfilter/restore.js';
import type { Ruleset, TableName } from '../kernel/netfilter/ruleset.js';
import { formatSave } from '../kernel/netfilter/save.js';
import { readTopology } from '../topology/load.js';
import { addTopologyOption, collect, openCluster, type IO } from './context.js';
import { ipsetCommand } from './rules-ipset.js';
import { ipvsCommand, nodeProxy, reportProxy } from './rules-ipvs.js';
import { addDumpOptions, loadDumps, type DumpOptions } from './dumps.js';
import { table } from './table.js';

interface IptablesOpts {
  filename: string[];
  steps?: string;
  node?: string;
  format: 'save' | 'restore';
  table?: TableName;
  family: 'ipv4' | 'ipv6';
  count?: boolean;
  all?: boolean;
  since: string[];
}

/** Only the named table of a restore input (same rule objects). */
function only(rs: Ruleset, t: TableName | undefined): Ruleset {
  if (!t) return rs;
  for (const name of [...rs.tables.keys()]) if (name !== t) rs.tables.delete(name);
  return rs;
}

function countRows(rs: Ruleset): string[][] {
  const rows: string[][] = [];
  for (const t of [...rs.tables.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    let total = 0;
    for (const name of [...t.chains.keys()].sort()) {
      const n = t.chains.get(name)!.rules.length;
      total += n;
      rows.push([t.name, name, String(n)]);
    }
    if (t.deletions.length) {
      rows.push([t.name, '(-X deletions)', String(t.deletions.length)]);
      total += t.deletions.length;
    }
    rows.push([t.name, 'total', String(total)]);
  }
  return rows;
}

import { Dataplane } from '../dataplane/dataplane.js';
import { nftablesCommand } from './rules-nftables.js';

function iptablesCommand(io: IO): Command {
  const cmd = new Command('iptables')
    .description(
      "a node's iptables rules as kube-proxy (iptables mode) writes them: the iptables-save view of the node (default), " +
        'or the iptables-restore input of a sync in the stable order kube-proxy\'s own tests compare (--format restore)',
    )
    .requiredOption('--node <name>', 'the node whose kube-proxy to run')
    .addOption(new Option('--format <format>', 'save: what iptables-save prints on the node; restore: what kube-proxy pipes to iptables-restore').choices(['save', 'restore']).default('save'))
    .addOption(new Option('--table <table>', 'only this table').choices(['nat', 'filter']))
    .addOption(new Option('--family <family>', 'which kube-proxy proxier: iptables (ipv4) or ip6tables (ipv6)').choices(['ipv4', 'ipv6']).default('ipv4'))
    .option('--all', "the node's whole netfilter state in save form: flanneld's chains (FLANNEL-POSTRTG, FLANNEL-FWD) beside kube-proxy's")
    .option('--count', 'rules kube-proxy wrote per table and chain in the sync (-A lines, plus -X lines), instead of the rules')
    .option(
      '--since <file|dir>',
      'the topology before a change (repeatable): kube-proxy syncs it in full, the cluster moves to -f\'s objects, and the partial sync that follows is shown',
      collect,
      [],
    );
  addTopologyOption(cmd);
  addDumpOptions(cmd);
  cmd.action((opts: IptablesOpts & DumpOptions) => {
    const family = opts.family === 'ipv6' ? 6 : 4;
    if (opts.since.length && opts.steps) throw new InputError('error: --since and --steps both describe a change over time; give one (--steps FILE is the general form)', 2);
    const cluster = openCluster(opts.since.length ? opts.since : opts, io);
    const mode = cluster.topology.kubeProxy.mode;
    if (mode === 'ipvs') {
      const { proxy } = nodeProxy(cluster, opts.node!, family);
      reportProxy(proxy, opts.node!, io);
      if (proxy.mode === 'none') throw new InputError(`${opts.node}: ${proxy.reason}; the node has no kube-proxy rules`);
      if (proxy.mode === 'ipvs') {
        if (opts.all && opts.format === 'restore') throw new InputError('--all shows the node in save form; it has no restore form (flanneld writes its rules itself)', 2);
        if (opts.since.length) {
          // IPVS mode has no partial syncs: the one after the change writes every chain of its own again
          applyTopologyObjects(cluster, readTopology(opts.filename));
          proxy.agent.sync();
        }
        const sync = proxy.agent.lastSync!;
        if (opts.count) {
          io.out(table(['TABLE', 'CHAIN', 'RULES'], countRows(only(sync.input, opts.table))));
          return;
        }
        const tables = { ...(opts.table ? { tables: [opts.table] } : {}), now: cluster.clock.now() };
        if (opts.all) io.out(formatSave(Dataplane.of(cluster).ruleset(opts.node!), tables));
        else io.out(opts.format === 'restore' ? sync.restoreText : formatSave(proxy.agent.kernel, tables));
        return;
      }
      // an old kube-proxy without ip_vs fell back to iptables mode on this node: shown below
    } else if (mode !== 'iptables') throw new InputError(`${cluster.topology.files.join(', ')}: kube-proxy runs in ${mode} mode (KubeProxyConfiguration mode), not iptables`);
    const agent = kubeProxyIptables(cluster, opts.node!, family);
    if (opts.since.length) {
      applyTopologyObjects(cluster, readTopology(opts.filename));
      agent.sync();
    }
    const sync = agent.lastSync!;
    if (opts.count) {
      io.out(table(['TABLE', 'CHAIN', 'RULES'], countRows(only(sync.input, opts.table))));
      return;
    }
    loadDumps(cluster, opts);
    if (opts.iptablesSave.length && !opts.all) throw new InputError('--iptables-save replaces the node\'s whole netfilter state: show it with --all', 2);
    if (opts.all) {
      if (opts.format === 'restore') throw new InputError('--all shows the node in save form; it has no restore form (flanneld writes its rules itself)', 2);
      io.out(formatSave(Dataplane.of(cluster).ruleset(opts.node!), { ...(opts.table ? { tables: [opts.table] } : {}), now: cluster.clock.now() }));
    } else if (opts.format === 'restore') io.out(formatRestore(only(sync.input, opts.table)));
    else io.out(formatSave(agent.kernel, { ...(opts.table ? { tables: [opts.table] } : {}), now: cluster.clock.now() }));
  });
  return cmd;
}

export function rulesCommand(io: IO): Command {
  return new Command('rules').description("the rules a node's data-plane agents program into its kernel").addCommand(iptablesCommand(io)).addCommand(nftablesCommand(io)).addCommand(ipvsCommand(io)).addCommand(ipsetCommand(io));
}
