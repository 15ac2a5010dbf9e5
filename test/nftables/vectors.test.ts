// kube-proxy's own nftables test cases (test/vectors/nftables), ruleset vectors at CLI level:
// the vector's first step is a topology, its later steps (the sync sequence) a steps file, and
// `knet rules nftables --format dump` is compared as kube-proxy's sortNFTablesTransaction
// compares; the same steps run in-process give the last partial sync's operation count the
// test asserts.
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeProxyNftables } from '../../src/agents/kube-proxy/nftables/node.js';
import { loadCluster } from '../../src/cluster/cluster.js';
import { runSteps } from '../../src/dataplane/steps.js';
import { sortTransaction } from '../../src/kernel/nftables/dump.js';
import { readSteps } from '../../src/topology/steps.js';
import { knet } from '../helpers/cli.js';
import { loadNftVectors, nftVectorSteps, nftVectorTopology } from './vector.js';

const dir = mkdtempSync(join(tmpdir(), 'knet-nft-vectors-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));
const vectors = loadNftVectors().filter((v) => v.expected.includes('add table'));

for (const v of vectors) {
  const ops = /last \(partial-sync\) transaction had (\d+) operations/.exec(v.source)?.[1];
  const node = v.input.proxier.nodeName;
  test(`vector ${v.name}: knet rules nftables --format dump${v.input.steps.length > 1 ? ' after its --steps' : ''}`, async (t) => {
    const topology = join(dir, `${v.name}.yaml`);
    writeFileSync(topology, nftVectorTopology(v.input));
    const args = ['rules', 'nftables', '-f', topology, '--node', node, '--format', 'dump'];
    if (v.input.initialNftState) {
      const f = join(dir, `${v.name}.nft`);
      writeFileSync(f, v.input.initialNftState);
      args.push('--nft-ruleset', `${node}=${f}`);
    }
    const stepsText = nftVectorSteps(v.input);
    const steps = join(dir, `${v.name}.steps.yaml`);
    if (stepsText) {
      writeFileSync(steps, stepsText);
      args.push('--steps', steps);
    }
    const r = await knet(...args);
    t.is(r.code, 0, r.err);
    t.is(sortTransaction(r.out), sortTransaction(v.expected));
    if (!ops) return;
    const cluster = loadCluster([topology]);
    runSteps(cluster, readSteps(steps));
    t.is(kubeProxyNftables(cluster, node, 4).lastSync!.operations, Number(ops), 'operations in the last partial sync');
  });
}
