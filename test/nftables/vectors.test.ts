// kube-proxy's own nftables test cases (test/vectors/nftables): the ruleset vectors run through
// a topology, the later steps of each sync sequence applied to the cluster with a sync after
// each, and `knet rules nftables --format dump` compared as kube-proxy's sortNFTablesTransaction
// compares; the partial syncs' operation counts the tests assert.
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeProxyNftables, nodeNftables } from '../../src/agents/kube-proxy/nftables/node.js';
import type { AnyObject, Kind } from '../../src/api/types.js';
import { loadCluster } from '../../src/cluster/cluster.js';
import { dumpRuleset, sortTransaction } from '../../src/kernel/nftables/dump.js';
import { NftRuleset } from '../../src/kernel/nftables/ruleset.js';
import { applyNft } from '../../src/kernel/nftables/transaction.js';
import { knet } from '../helpers/cli.js';
import { loadNftVectors, nftVectorTopology, type NftVector } from './vector.js';

const dir = mkdtempSync(join(tmpdir(), 'knet-nft-vectors-'));
const vectors = loadNftVectors().filter((v) => v.expected.includes('add table'));

function topologyFile(v: NftVector): string {
  const f = join(dir, `${v.name}.yaml`);
  writeFileSync(f, nftVectorTopology(v.input));
  return f;
}

/** Runs the vector's sync sequence through the agent; returns the dump and the last sync's operation count. */
function runSteps(v: NftVector): { dump: string; operations: number } {
  const cluster = loadCluster([topologyFile(v)]);
  const node = v.input.proxier.nodeName;
  if (v.input.initialNftState) {
    const rs = new NftRuleset();
    applyNft(rs, v.input.initialNftState, { file: 'initialNftState', now: 0 });
    nodeNftables(cluster, node, rs);
  }
  const agent = kubeProxyNftables(cluster, node, 4);
  for (const step of v.input.steps.slice(1)) {
    for (const d of step.delete ?? []) cluster.store.delete(d.kind as Kind, d.namespace, d.name);
    for (const o of (step.apply ?? []) as unknown as AnyObject[]) {
      const ns = o.metadata.namespace ?? 'default';
      if (cluster.store.get(o.kind, ns, o.metadata.name)) cluster.store.update({ ...o, metadata: { ...o.metadata, namespace: ns } } as AnyObject);
      else cluster.store.create(o);
    }
    cluster.settle();
    if (step.ageStaleChains) cluster.clock.advance(1001);
    if (step.sync) agent.sync();
  }
  return { dump: dumpRuleset(nodeNftables(cluster, node)), operations: agent.lastSync!.operations };
}

for (const v of vectors) {
  const ops = /last \(partial-sync\) transaction had (\d+) operations/.exec(v.source)?.[1];
  if (v.input.steps.length === 1) {
    test(`vector ${v.name}: knet rules nftables --format dump`, async (t) => {
      const args = ['rules', 'nftables', '-f', topologyFile(v), '--node', v.input.proxier.nodeName, '--format', 'dump'];
      if (v.input.initialNftState) {
        const f = join(dir, `${v.name}.nft`);
        writeFileSync(f, v.input.initialNftState);
        args.push('--nft-ruleset', `${v.input.proxier.nodeName}=${f}`);
      }
      const r = await knet(...args);
      t.is(r.code, 0, r.err);
      t.is(sortTransaction(r.out), sortTransaction(v.expected));
    });
  } else {
    test(`vector ${v.name}: the sync sequence's dump`, (t) => {
      const r = runSteps(v);
      t.is(sortTransaction(r.dump), sortTransaction(v.expected));
      if (ops) t.is(r.operations, Number(ops), 'operations in the last partial sync');
    });
  }
}
