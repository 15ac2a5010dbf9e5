// Which kernel state a node-level command looks at: a node's own namespace (--node) or a pod's
// network namespace (--pod, -n); unknown names are reported with the known ones.
import type { Command } from 'commander';
import { InputError } from '../api/errors.js';
import { startNodeAgents } from '../agents/node-agents.js';
import type { NetNamespace } from '../kernel/netns.js';
import type { NodeKernel } from '../kernel/node.js';
import { addTopologyOption, openCluster, type IO } from './context.js';

export interface TargetOptions {
  node?: string;
  pod?: string;
  namespace: string;
  filename: string[];
}

export function addTargetOptions(cmd: Command, podToo: boolean): Command {
  cmd.option('--node <node>', 'the node whose kernel state to show');
  if (podToo) {
    cmd.option('--pod <pod>', "a pod: show its network namespace (a hostNetwork pod shows its node's)");
    cmd.option('-n, --namespace <ns>', 'namespace of --pod', 'default');
  }
  return addTopologyOption(cmd);
}

export interface Target {
  kernel: NodeKernel;
  netns: NetNamespace;
}

function known(names: string[]): string {
  return names.length ? names.join(', ') : '(none)';
}

/** Loads the cluster, runs the node agents and picks the namespace the options name. */
export function openTarget(opts: TargetOptions, io: IO): Target {
  if (!opts.node && !opts.pod) throw new InputError('error: --node NODE (or --pod POD) is required', 2);
  const cluster = openCluster(opts, io);
  const kernels = startNodeAgents(cluster);
  // the daemons catch up before anything is shown (IPVS-mode kube-proxy adds kube-ipvs0 and its addresses)
  for (const k of kernels.values()) k.settle();
  let nodeName = opts.node;
  if (nodeName !== undefined && !kernels.has(nodeName)) {
    throw new InputError(`error: node "${nodeName}" not found; known nodes: ${known([...kernels.keys()])}`);
  }
  if (!opts.pod) return { kernel: kernels.get(nodeName!)!, netns: kernels.get(nodeName!)!.root };
  const podName = opts.pod.replace(/^pods?\//, '');
  const pod = cluster.store.get('Pod', opts.namespace, podName);
  if (!pod) {
    const names = cluster.store.list('Pod', { namespace: opts.namespace }).map((p) => p.metadata.name).sort();
    throw new InputError(`error: pod "${podName}" not found in namespace "${opts.namespace}"; known pods: ${known(names)}`);
  }
  const on = pod.spec.nodeName;
  if (!on) throw new InputError(`error: pod ${opts.namespace}/${podName} is not scheduled to a node, so it has no network namespace`);
  if (nodeName !== undefined && nodeName !== on) throw new InputError(`error: pod ${opts.namespace}/${podName} runs on node ${on}, not ${nodeName}`);
  nodeName = on;
  const kernel = kernels.get(nodeName)!;
  if (pod.spec.hostNetwork) return { kernel, netns: kernel.root };
  const sandbox = kernel.pod(`${opts.namespace}/${podName}`);
  if (!sandbox) throw new InputError(`error: pod ${opts.namespace}/${podName} has no network namespace on ${nodeName} yet (no pod IP)`);
  return { kernel, netns: sandbox.netns };
}
