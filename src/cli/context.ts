// What every command that reads a topology shares: -f, loading, warnings on stderr.
import type { Command } from 'commander';
import { InputError } from '../api/errors.js';
import { loadCluster, type Cluster } from '../cluster/cluster.js';
import { runSteps } from '../dataplane/steps.js';
import { log } from '../log.js';
import { currentContext, ServerCluster } from '../server/client.js';
import { readSteps } from '../topology/steps.js';

export interface IO {
  out: (s: string) => void;
  err: (s: string) => void;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function addTopologyOption(cmd: Command): Command {
  return cmd
    .option('-f, --filename <file|dir>', 'topology file or directory (repeatable; default: topologies/kubeadm-3node.yaml)', collect, [])
    .option('--server [url]', "read the live cluster from a knet API server (knet serve) instead of files; bare: KUBECONFIG's current context")
    .option('--steps <file>', 'changes to apply to the running cluster after it loads (kind: Steps: apply, delete, wait), the agents reacting after each');
}

export interface TopologyOptions {
  filename: string[];
  steps?: string;
}

/** The cluster read from --server for this command, fetched before its action runs. */
let served: ServerCluster | undefined;

/** Before a command's action: fetches the live cluster when --server is given. */
export async function prepareSource(opts: { server?: string | true; filename?: string[] }): Promise<void> {
  if (opts.server === undefined) return;
  if (opts.filename?.length) throw new InputError('error: -f and --server name two sources; give one', 2);
  const ref = opts.server === true ? currentContext() : { server: opts.server };
  if (!/^https?:\/\//.test(ref.server)) throw new InputError(`error: --server "${ref.server}": want http://HOST:PORT or https://HOST:PORT`, 2);
  served = await ServerCluster.open(ref);
}

/** After a command's action: stops following the server. */
export function releaseSource(): void {
  served?.close();
  served = undefined;
}

/** Loads the cluster named by -f (or fetched from --server); its warnings go to stderr, one line each. */
export function openCluster(opts: string[] | TopologyOptions, io: IO): Cluster {
  const { filename, steps } = Array.isArray(opts) ? { filename: opts, steps: undefined } : opts;
  if (served) {
    if (steps) runSteps(served.cluster, readSteps(steps, served.cluster.topology.problems));
    for (const w of served.cluster.warnings) io.err(`Warning: ${w}\n`);
    return served.cluster;
  }
  const t0 = performance.now();
  const cluster = loadCluster(filename);
  log().info({ files: cluster.topology.files, ms: Math.round(performance.now() - t0), resourceVersion: cluster.store.resourceVersion }, 'topology loaded');
  if (steps) runSteps(cluster, readSteps(steps, cluster.topology.problems));
  for (const w of cluster.warnings) io.err(`Warning: ${w}\n`);
  return cluster;
}
