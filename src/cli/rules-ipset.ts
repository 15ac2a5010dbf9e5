// `knet rules ipset`: a node's ipsets as kube-proxy (IPVS mode) keeps them — what `ipset save`
// (default) or `ipset list` prints on the node; References counts the iptables rules using each.
import { Command, Option } from 'commander';
import { formatList, formatSave } from '../kernel/ipset/format.js';
import type { Ruleset } from '../kernel/netfilter/ruleset.js';
import { addTopologyOption, openCluster, type IO } from './context.js';
import { ipvsProxy } from './rules-ipvs.js';

interface IpsetOpts {
  filename: string[];
  node: string;
  format: 'save' | 'list';
  family: 'ipv4' | 'ipv6';
}

/** How many rules of the ruleset match a set (the kernel's reference count of it). */
export function setReferences(rs: Ruleset): (name: string) => number {
  const refs = new Map<string, number>();
  for (const t of rs.tables.values()) {
    for (const c of t.chains.values()) {
      for (const r of c.rules) {
        for (const m of r.spec.matches) {
          if (m.name !== 'set') continue;
          for (const o of m.options) if (o.name === '--match-set') refs.set(o.args[0]!, (refs.get(o.args[0]!) ?? 0) + 1);
        }
      }
    }
  }
  return (name) => refs.get(name) ?? 0;
}

export function ipsetCommand(io: IO): Command {
  const cmd = new Command('ipset')
    .description("a node's ipsets as kube-proxy (IPVS mode) keeps them: ipset save (default) or ipset list")
    .requiredOption('--node <name>', 'the node whose kube-proxy to run')
    .addOption(new Option('--format <format>', 'save: ipset save; list: ipset list').choices(['save', 'list']).default('save'))
    .addOption(new Option('--family <family>', "which kube-proxy proxier runs first (the IPv6 one's sets are KUBE-6-…)").choices(['ipv4', 'ipv6']).default('ipv4'));
  addTopologyOption(cmd);
  cmd.action((opts: IpsetOpts) => {
    const cluster = openCluster(opts, io);
    const { kernel, proxy } = ipvsProxy(cluster, opts.node, opts.family === 'ipv6' ? 6 : 4, io);
    io.out(opts.format === 'list' ? formatList(kernel.ipsets, setReferences(proxy.agent.kernel)) : formatSave(kernel.ipsets));
  });
  return cmd;
}
