// `knet rules nftables`: a node's nftables state as kube-proxy (nftables mode) programs it —
// `nft list ruleset` as nft prints it on the node, or the knftables dump (the `add …`
// transaction lines of the whole state, the form kube-proxy's own tests compare).
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { InputError } from '../api/errors.js';
import { nodeNftables, syncedNodeNftables } from '../agents/kube-proxy/nftables/node.js';
import { dumpRuleset } from '../kernel/nftables/dump.js';
import { formatRuleset } from '../kernel/nftables/print.js';
import { NftRuleset } from '../kernel/nftables/ruleset.js';
import { applyNft } from '../kernel/nftables/transaction.js';
import { addTopologyOption, collect, openCluster, type IO } from './context.js';

interface NftOpts {
  filename: string[];
  node: string;
  format: 'list' | 'dump';
  nftRuleset: string[];
}

/** `NODE=FILE` values: the parsed nft state per node (nft's own error line on bad input). */
export function readNftRulesets(values: string[], now: number): Map<string, NftRuleset> {
  const out = new Map<string, NftRuleset>();
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new InputError(`--nft-ruleset ${v}: expected NODE=FILE`, 2);
    const node = v.slice(0, eq);
    const file = v.slice(eq + 1);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new InputError(`--nft-ruleset ${v}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const rs = new NftRuleset();
    applyNft(rs, text, { file, now });
    out.set(node, rs);
  }
  return out;
}

export function nftablesCommand(io: IO): Command {
  const cmd = new Command('nftables')
    .description(
      "a node's nftables state as kube-proxy (nftables mode) programs it: `nft list ruleset` as nft prints it (default), " +
        "or the knftables dump of the whole state, the form kube-proxy's own tests compare (--format dump)",
    )
    .requiredOption('--node <name>', 'the node whose kube-proxy to run')
    .addOption(new Option('--format <format>', 'list: what `nft list ruleset` prints on the node; dump: knftables `add …` lines').choices(['list', 'dump']).default('list'))
    .option('--nft-ruleset <NODE=FILE>', "the node's nftables state before kube-proxy starts (`nft list ruleset` or `nft -f` text; repeatable)", collect, []);
  addTopologyOption(cmd);
  cmd.action((opts: NftOpts) => {
    const cluster = openCluster(opts, io);
    const mode = cluster.topology.kubeProxy.mode;
    if (mode !== 'nftables') throw new InputError(`${cluster.topology.files.join(', ')}: kube-proxy runs in ${mode} mode (KubeProxyConfiguration mode), not nftables`);
    if (!cluster.topology.header.nodes.some((n) => n.name === opts.node)) {
      throw new InputError(`node "${opts.node}" is not in the cluster (nodes: ${cluster.topology.header.nodes.map((n) => n.name).join(', ')})`);
    }
    for (const [node, rs] of readNftRulesets(opts.nftRuleset, cluster.clock.now())) {
      if (!cluster.topology.header.nodes.some((n) => n.name === node)) throw new InputError(`--nft-ruleset ${node}=…: node "${node}" is not in the cluster`);
      nodeNftables(cluster, node, rs);
    }
    const rs = syncedNodeNftables(cluster, opts.node);
    io.out(opts.format === 'dump' ? dumpRuleset(rs) : formatRuleset(rs, cluster.clock.now()));
  });
  return cmd;
}
