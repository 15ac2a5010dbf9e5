// What every command that reads a topology shares: -f, loading, warnings on stderr.
import type { Command } from 'commander';
import { loadCluster, type Cluster } from '../cluster/cluster.js';
import { log } from '../log.js';

export interface IO {
  out: (s: string) => void;
  err: (s: string) => void;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function addTopologyOption(cmd: Command): Command {
  return cmd.option('-f, --filename <file|dir>', 'topology file or directory (repeatable; default: topologies/kubeadm-3node.yaml)', collect, []);
}

/** Loads the cluster named by -f; its warnings go to stderr, one line each. */
export function openCluster(files: string[], io: IO): Cluster {
  const t0 = performance.now();
  const cluster = loadCluster(files);
  log().info({ files: cluster.topology.files, ms: Math.round(performance.now() - t0), resourceVersion: cluster.store.resourceVersion }, 'topology loaded');
  for (const w of cluster.warnings) io.err(`Warning: ${w}\n`);
  return cluster;
}
