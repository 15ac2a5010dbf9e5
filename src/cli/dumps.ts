// Real nodes' netfilter state in place of what knet's agents would program: `--iptables-save
// NODE=FILE` (iptables-save or ip6tables-save output, with or without -c counters, or
// `iptables -S`), `--ipset-save NODE=FILE` (`ipset save`) and `--nft-ruleset NODE=FILE`
// (`nft list ruleset`), accepted by every command that reads a node's netfilter state.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../api/errors.js';
import type { Cluster } from '../cluster/cluster.js';
import { Dataplane } from '../dataplane/dataplane.js';
import { parseIptablesSave } from '../kernel/netfilter/parse.js';
import { collect } from './context.js';
import { readNftRulesets } from './rules-nftables.js';

export interface DumpOptions {
  iptablesSave: string[];
  ipsetSave?: string[];
  nftRuleset?: string[];
}

export function addDumpOptions(cmd: Command): Command {
  return cmd
    .option('--iptables-save <NODE=FILE>', "use a real iptables-save dump as NODE's netfilter state (repeatable)", collect, [])
    .option('--ipset-save <NODE=FILE>', "use a real `ipset save` as NODE's ipsets (repeatable)", collect, [])
    .option('--nft-ruleset <NODE=FILE>', "use a real `nft list ruleset` as NODE's nftables state (repeatable)", collect, []);
}

function nodeFile(cluster: Cluster, option: string, spec: string): { node: string; file: string; text: string } {
  const i = spec.indexOf('=');
  if (i < 1) throw new InputError(`${option} "${spec}": want NODE=FILE`, 2);
  const node = spec.slice(0, i);
  const file = spec.slice(i + 1);
  if (!cluster.topology.header.nodes.some((n) => n.name === node)) {
    throw new InputError(`${option}: node "${node}" is not in the cluster (nodes: ${cluster.topology.header.nodes.map((n) => n.name).join(', ')})`);
  }
  try {
    return { node, file, text: readFileSync(file, 'utf8') };
  } catch {
    throw new InputError(`${file}: no such file or directory`);
  }
}

export function loadDumps(cluster: Cluster, o: DumpOptions): void {
  const dp = Dataplane.of(cluster);
  for (const spec of o.iptablesSave ?? []) {
    const { node, file, text } = nodeFile(cluster, '--iptables-save', spec);
    dp.useRuleset(node, parseIptablesSave(text, file));
  }
  for (const spec of o.ipsetSave ?? []) {
    const { node, file, text } = nodeFile(cluster, '--ipset-save', spec);
    dp.useIpsets(node, text, file);
  }
  for (const [node, rs] of readNftRulesets(o.nftRuleset ?? [], cluster.clock.now())) {
    if (!cluster.topology.header.nodes.some((n) => n.name === node)) {
      throw new InputError(`--nft-ruleset: node "${node}" is not in the cluster (nodes: ${cluster.topology.header.nodes.map((n) => n.name).join(', ')})`);
    }
    dp.useNftRuleset(node, rs);
  }
}
