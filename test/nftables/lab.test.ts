// knet lab on the nftables topology, in the kernel: up loads every node's `table ip kube-proxy`
// with the real nft (the node's nft list ruleset is then exactly knet's), and verify's real
// connections agree with knet's traces on every flow; down leaves nothing. Needs root, netns,
// iptables-restore and nft; reports itself skipped with the reason otherwise.
import test from 'ava';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadCluster } from '../../src/cluster/cluster.js';
import { labDown } from '../../src/lab/down.js';
import { labUnsupported } from '../../src/lab/host.js';
import { NFT_BINARY, planLab } from '../../src/lab/plan.js';
import { readState } from '../../src/lab/state.js';
import { labInputs } from '../../src/lab/up.js';
import { TOPOLOGIES_DIR } from '../../src/topology/load.js';
import { knet } from '../helpers/cli.js';

const TOPO = join(TOPOLOGIES_DIR, 'kubeadm-3node-nftables.yaml');
const reason = labUnsupported(['ip', 'iptables-restore', 'sysctl']) ?? (existsSync(NFT_BINARY) ? undefined : `${NFT_BINARY} not installed`);
const kernelTest = reason ? test.skip : test.serial;
const prefix = `n${process.pid.toString(36)}`.slice(0, 8);

function netnsWith(p: string): string[] {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return r.stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`${p}-`));
}

test.after.always(() => {
  if (reason) return;
  const s = readState(prefix);
  if (s) labDown(s);
  for (const n of netnsWith(prefix)) spawnSync('ip', ['netns', 'del', n]);
});

test('the plan loads each node\'s nftables state with the system nft after its iptables rules', (t) => {
  const plan = planLab(labInputs(loadCluster([TOPO])), 'knet');
  const loads = plan.commands.filter((c) => c.argv.includes(NFT_BINARY));
  t.deepEqual(loads.map((c) => c.argv.join(' ')), ['k8s-master', 'k8s-node1', 'k8s-node2'].map((n) => `ip netns exec knet-node-${n} ${NFT_BINARY} -f -`));
  t.true(loads.every((c) => c.stdin?.startsWith('table ip kube-proxy {\n')));
});

kernelTest(`nftables topology: up, the kernel's nft list ruleset is knet's, verify agrees on every flow, down${reason ? ` — skipped: ${reason}` : ''}`, async (t) => {
  const up = await knet('lab', 'up', '--prefix', prefix, '-f', TOPO);
  t.is(up.code, 0, up.err);
  for (const node of ['k8s-master', 'k8s-node1', 'k8s-node2']) {
    const real = await knet('lab', 'exec', '--prefix', prefix, node, '--', NFT_BINARY, 'list', 'table', 'ip', 'kube-proxy');
    t.is(real.code, 0, real.err);
    t.is(real.out, (await knet('rules', 'nftables', '--node', node, '-f', TOPO)).out, node);
  }
  const verify = await knet('lab', 'verify', '--prefix', prefix, '-f', TOPO, '--samples', '3');
  t.is(verify.code, 0, verify.out + verify.err);
  t.regex(verify.out, /\n\d+ agree, 0 disagree\n$/);
  const down = await knet('lab', 'down', '--prefix', prefix);
  t.is(down.code, 0, down.err);
  t.deepEqual(netnsWith(prefix), []);
});
