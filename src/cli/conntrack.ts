// `knet conntrack --node N [SRC DST]`: the node's connection tracking table, as `conntrack -L`
// prints it, after tracing SRC -> DST (first packet and reply) when given.
import { Command } from 'commander';
import { InputError } from '../api/errors.js';
import { Dataplane } from '../dataplane/dataplane.js';
import { trace } from '../dataplane/trace.js';
import { addTopologyOption, openCluster, type IO } from './context.js';
import { addDumpOptions, loadDumps } from './dumps.js';

export function conntrackCommand(io: IO): Command {
  const cmd = new Command('conntrack')
    .description("a node's conntrack table (conntrack -L), after tracing SRC -> DST if given")
    .requiredOption('--node <name>', 'node whose table to print')
    .argument('[src]', 'trace this client first (as in knet trace)')
    .argument('[dst]', 'to this destination')
    .option('-n, --namespace <ns>', 'namespace of pod and service names', 'default')
    .option('--seed <n>', 'seed for the statistic coin tosses and source ports', '1');
  addTopologyOption(cmd);
  addDumpOptions(cmd);
  cmd.action((src: string | undefined, dst: string | undefined, o: { node: string; namespace: string; seed: string; iptablesSave: string[]; filename: string[] }) => {
    if ((src === undefined) !== (dst === undefined)) throw new InputError('conntrack: give both SRC and DST, or neither', 2);
    const cluster = openCluster(o, io);
    loadDumps(cluster, o);
    const dp = Dataplane.of(cluster);
    if (!dp.node(o.node)) throw new InputError(`node "${o.node}" is not in the cluster (nodes: ${dp.nodeNames().join(', ')})`);
    if (src && dst) trace(cluster, src, dst, { namespace: o.namespace, seed: Number(o.seed), keepState: true });
    const table = dp.node(o.node)!.conntrack;
    const now = cluster.clock.now();
    io.out(table.format(now));
    io.err(`conntrack v1.4.7 (conntrack-tools): ${table.entries(now).length} flow entries have been shown.\n`);
  });
  return cmd;
}
