// Moves a running cluster through a steps file: before the first step every node's agents have
// caught up with the topology as loaded; after each step's changes and its wait, they react
// again, as the daemons on real nodes would (kube-proxy syncing, flanneld, the kubelet); then the
// step's traffic runs on what they programmed, and what it leaves stays for the next step.
import { InputError } from '../api/errors.js';
import type { Cluster } from '../cluster/cluster.js';
import { log } from '../log.js';
import type { StepTrace } from '../topology/step-trace.js';
import type { Step } from '../topology/steps.js';
import { Dataplane } from './dataplane.js';
import { checkEnds, openConnections, type TraceOptions } from './trace.js';

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
    if (s.trace) sendTraffic(cluster, s.trace);
  }
}

/** The step's connections, one after another on the simulated clock (the clock ends at the last one). */
function sendTraffic(cluster: Cluster, t: StepTrace): void {
  const opts: TraceOptions = { namespace: t.namespace, ...(t.proto ? { proto: t.proto } : {}), ...(t.ipv6 ? { family: 6 as const } : {}), seed: t.seed };
  checkEnds(cluster, t.from, t.to, opts, (end, message): never => {
    throw new InputError(`${end === 'src' ? t.at.from : t.at.to}: ${message}`);
  });
  let traces;
  try {
    traces = openConnections(cluster, t.from, t.to, t.count, t.intervalMs, opts);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`${t.at.trace}: ${e.message}`);
    throw e;
  }
  const verdicts: Record<string, number> = {};
  for (const tr of traces) verdicts[tr.verdict] = (verdicts[tr.verdict] ?? 0) + 1;
  log().info({ from: t.from, to: t.to, connections: t.count, verdicts }, 'step traffic sent');
}
