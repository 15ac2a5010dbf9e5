// `knet rules ipvs`: a node's IPVS table as kube-proxy (IPVS mode) programs it, in ipvsadm's
// forms — `-Ln` (default), `ipvsadm-save -n` (--format save), `-Lnc` (--connections) and
// `-Ln --stats` — plus the lookup of the node's kube-proxy the other rules commands share.
import { Command, Option } from 'commander';
import { InputError } from '../api/errors.js';
import { kubeProxyIpvsFor, type IpvsNodeProxy as NodeProxy } from '../agents/kube-proxy/factory.js';
import type { Cluster } from '../cluster/cluster.js';
import { Dataplane } from '../dataplane/dataplane.js';
import { formatConnections, formatList, formatSave, formatStats } from '../kernel/ipvs/format.js';
import type { NodeKernel } from '../kernel/node.js';
import type { Family } from '../net/ip.js';
import { addTopologyOption, openCluster, type IO } from './context.js';

/** The node's kernel (its agents caught up) and its IPVS-mode kube-proxy; unknown nodes are named with the known ones. */
export function nodeProxy(cluster: Cluster, node: string, family: Family): { kernel: NodeKernel; proxy: NodeProxy } {
  const mode = cluster.topology.kubeProxy.mode;
  if (mode !== 'ipvs') throw new InputError(`${cluster.topology.files.join(', ')}: kube-proxy runs in ${mode} mode (KubeProxyConfiguration mode), not ipvs: no IPVS table or ipsets`);
  const kernel = Dataplane.of(cluster).node(node);
  if (!kernel) {
    const known = cluster.topology.header.nodes.map((n) => n.name).join(', ');
    throw new InputError(`node "${node}" is not in the cluster (nodes: ${known})`);
  }
  return { kernel, proxy: kubeProxyIpvsFor(cluster, node, kernel, family) };
}

/** What kube-proxy said at start-up, as warnings (a fallback, an exit, the deprecation). */
export function reportProxy(proxy: NodeProxy, node: string, io: IO): void {
  for (const l of proxy.logs) io.err(`Warning: kube-proxy on ${node}: ${l}\n`);
}

/** The node's IPVS-mode kube-proxy, or a one-line refusal saying what runs there instead. */
export function ipvsProxy(cluster: Cluster, node: string, family: Family, io: IO): { kernel: NodeKernel; proxy: Extract<NodeProxy, { mode: 'ipvs' }> } {
  const { kernel, proxy } = nodeProxy(cluster, node, family);
  reportProxy(proxy, node, io);
  if (proxy.mode === 'none') throw new InputError(`${node}: ${proxy.reason}; the node has no IPVS table`);
  if (proxy.mode !== 'ipvs') throw new InputError(`${node}: kube-proxy fell back to ${proxy.mode} mode (the kernel has no ip_vs): no IPVS table`);
  return { kernel, proxy };
}

interface IpvsOpts {
  filename: string[];
  node: string;
  format: 'list' | 'save';
  family: 'ipv4' | 'ipv6';
  connections?: boolean;
  stats?: boolean;
}

export function ipvsCommand(io: IO): Command {
  const cmd = new Command('ipvs')
    .description("a node's IPVS virtual servers as kube-proxy (IPVS mode) programs them: ipvsadm -Ln (default) or ipvsadm-save -n (--format save)")
    .requiredOption('--node <name>', 'the node whose kube-proxy to run')
    .addOption(new Option('--format <format>', 'list: ipvsadm -Ln; save: ipvsadm-save -n').choices(['list', 'save']).default('list'))
    .addOption(new Option('--family <family>', "which kube-proxy proxier's virtual servers").choices(['ipv4', 'ipv6']).default('ipv4'))
    .option('--connections', 'the connection table and persistence templates (ipvsadm -Lnc)')
    .option('--stats', 'per service and real server counters (ipvsadm -Ln --stats)');
  addTopologyOption(cmd);
  cmd.action((opts: IpvsOpts) => {
    if (opts.connections && opts.stats) throw new InputError('--connections and --stats are separate listings; give one', 2);
    const cluster = openCluster(opts, io);
    const family = opts.family === 'ipv6' ? 6 : 4;
    const { kernel } = ipvsProxy(cluster, opts.node, family, io);
    if (opts.connections) io.out(formatConnections(kernel.ipvs, cluster.clock.now()));
    else if (opts.stats) io.out(formatStats(kernel.ipvs, family));
    else io.out(opts.format === 'save' ? formatSave(kernel.ipvs, family) : formatList(kernel.ipvs, family));
  });
  return cmd;
}
