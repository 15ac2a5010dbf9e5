// Moves a running cluster through a steps file: before the first step every node's agents have
// caught up with the topology as loaded; after each step's changes and its wait, they react
// again, as the daemons on real nodes would (kube-proxy syncing, flanneld, the kubelet).
import type { Cluster } from '../cluster/cluster.js';
import type { Step } from '../topology/steps.js';
import { Dataplane } from './dataplane.js';

export function runSteps(cluster: Cluster, steps: readonly Step[]): void {
  if (!steps.length) return;
  const dp = Dataplane.of(cluster);
  const react = (): void => {
    for (const name of dp.nodeNames()) dp.node(name);
  };
  react();
  for (const s of steps) {
    cluster.applyChanges(s);
    cluster.clock.advance(s.waitMs);
    react();
  }
}
