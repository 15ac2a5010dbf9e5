// Kernel test: an IPVS node's ipsets (through the real `ipset restore`) and kube-proxy's
// iptables rules (through `iptables-restore`) load into a fresh network namespace, and the real
// `ipset save` / `iptables-save` print back what knet prints. This kernel has no ip_vs: the IPVS
// table itself is not loaded. Needs root, netns, ipset and iptables; skipped with the reason otherwise.
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { kubeProxyIpvsFor } from '../../src/agents/kube-proxy/factory.js';
import { loadCluster } from '../../src/cluster/cluster.js';
import { Dataplane } from '../../src/dataplane/dataplane.js';
import { formatSave as ipsetSave } from '../../src/kernel/ipset/format.js';
import { formatSave } from '../../src/kernel/netfilter/save.js';

function cannotRun(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  for (const tool of ['ipset', 'iptables-restore', 'iptables-save']) {
    const r = spawnSync(tool, ['--version'], { encoding: 'utf8' });
    if (r.error) return `${tool} not available`;
  }
  const probe = `knet-probe-${process.pid}-${randomBytes(3).toString('hex')}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (add.error || add.status !== 0) return `cannot create a network namespace: ${add.stderr?.trim() ?? add.error?.message}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

const reason = cannotRun();
const kernelTest = reason ? test.skip : test.serial;

/** The kernel picks initval at random and dumps a hash in its own bucket order: compare sets line by line, initval masked. */
function normalIpset(s: string): string[] {
  return s.replace(/initval 0x[0-9a-f]+/g, 'initval X').split('\n').filter(Boolean).sort();
}

/** iptables-save minus its timestamped comment lines. */
function noComments(s: string): string {
  return s.split('\n').filter((l) => !l.startsWith('#')).join('\n');
}

kernelTest(`ipvs-sh-affinity k8s-node1: real ipset save and iptables-save print knet's sets and rules${reason ? ` — skipped: ${reason}` : ''}`, (t) => {
  const cluster = loadCluster(['topologies/ipvs-sh-affinity.yaml']);
  const kernel = Dataplane.of(cluster).node('k8s-node1')!;
  const p = kubeProxyIpvsFor(cluster, 'k8s-node1', kernel, 4);
  if (p.mode !== 'ipvs') return t.fail(`kube-proxy runs in ${p.mode} mode`);
  const ns = `knet-ipvs-${process.pid}-${randomBytes(3).toString('hex')}`;
  execFileSync('ip', ['netns', 'add', ns]);
  t.teardown(() => void spawnSync('ip', ['netns', 'del', ns]));
  const inNs = (argv: string[], input?: string): string => execFileSync('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8', ...(input !== undefined ? { input } : {}), stdio: ['pipe', 'pipe', 'pipe'] });
  const sets = ipsetSave(kernel.ipsets);
  inNs(['ipset', 'restore'], sets);
  t.deepEqual(normalIpset(inNs(['ipset', 'save'])), normalIpset(sets));
  const rules = formatSave(p.agent.kernel, { now: cluster.clock.now() });
  inNs(['iptables-restore'], rules);
  t.is(noComments(inNs(['iptables-save', '-t', 'filter'])) + noComments(inNs(['iptables-save', '-t', 'nat'])), noComments(formatSave(p.agent.kernel, { tables: ['filter'], now: 0 })) + noComments(formatSave(p.agent.kernel, { tables: ['nat'], now: 0 })));
  // the sets the rules use are now referenced, as knet's `ipset list` counts them
  t.regex(inNs(['ipset', 'list', 'KUBE-CLUSTER-IP']), /^References: 3$/m);
  // ipsets live in the namespace: destroy them before it goes (iptables rules first)
  inNs(['iptables', '-t', 'nat', '-F']);
  inNs(['iptables', '-t', 'nat', '-X']);
  inNs(['iptables', '-F']);
  inNs(['iptables', '-X']);
  inNs(['ipset', 'destroy']);
});
