// The real kernel as the judge: every shipped topology's and node's restore input (plus the jump
// rules and canary chains kube-proxy adds with the iptables binary on a full sync) is loaded
// into a fresh network namespace with the real iptables-restore / ip6tables-restore, and the
// real iptables-save of that namespace must equal knet's save form, line for line (the `#`
// lines and counters aside). Needs root, `ip netns` and iptables; skipped with the reason otherwise.
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { CANARY_TABLES, KUBE_PROXY_JUMPS } from '../../src/agents/kube-proxy/iptables/agent.js';
import { kubeProxyIptables } from '../../src/agents/kube-proxy/iptables/node.js';
import { Cluster } from '../../src/cluster/cluster.js';
import { formatRestore } from '../../src/kernel/netfilter/restore.js';
import { formatSave } from '../../src/kernel/netfilter/save.js';
import { readTopologyText } from '../../src/topology/load.js';
import { iptablesRulesets } from '../../scripts/rulesets.js';
import { loadVectors, vectorTopology } from '../helpers/iptables-vector.js';

function missing(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, iptables)';
  for (const bin of ['ip', 'iptables-restore', 'ip6tables-restore', 'iptables-save', 'ip6tables-save']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) return `${bin} is not installed`;
  }
  const probe = `knet-probe-${process.pid}`;
  if (spawnSync('ip', ['netns', 'add', probe]).status !== 0) return 'cannot create a network namespace';
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

const reason = missing();

/** Loads what kube-proxy would load in a fresh namespace; returns the namespace's iptables-save. */
function realSave(family: 4 | 6, restore: string, name: string): string {
  const ns = `knet-ipt-${process.pid}-${name}`.slice(0, 40);
  const cmd = family === 4 ? 'iptables' : 'ip6tables';
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    const run = (args: string[], input?: string): string =>
      execFileSync('ip', ['netns', 'exec', ns, ...args], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    for (const t of CANARY_TABLES) run([cmd, '-w', '-t', t, '-N', 'KUBE-PROXY-CANARY']);
    for (const [table, from, to, args] of KUBE_PROXY_JUMPS) {
      spawnSync('ip', ['netns', 'exec', ns, cmd, '-w', '-t', table, '-N', to]); // "already exists" is fine
      run(['sh', '-c', `${cmd} -w -t ${table} -I ${from} 1 ${args} -j ${to}`]);
    }
    run([`${cmd}-restore`, '-w', '--noflush', '--counters'], restore);
    return run([`${cmd}-save`]);
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

const strip = (s: string): string =>
  s
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.replace(/\[\d+:\d+\]$/, '[0:0]'))
    .join('\n');

interface Case {
  name: string;
  family: 4 | 6;
  restore: string;
  save: string;
}

function cases(): Case[] {
  const out: Case[] = [];
  const sets = iptablesRulesets();
  for (const [rel, save] of sets) {
    if (!rel.endsWith('.iptables-save')) continue;
    out.push({ name: rel.replace('.iptables-save', ''), family: 4, save, restore: sets.get(rel.replace('-save', '-restore'))! });
  }
  // kube-proxy's own cases, IPv4 and IPv6 (nfacct counters left out: a fresh namespace has none)
  for (const v of loadVectors().filter((x) => ['01', '21', '47'].includes(x.name.slice(0, 2)))) {
    const input = { ...v.input, proxier: { ...v.input.proxier, nfacct: {} } };
    const cluster = new Cluster(readTopologyText(vectorTopology(input), `${v.name}.yaml`));
    const family = input.proxier.ipFamily === 'IPv6' ? 6 : 4;
    const agent = kubeProxyIptables(cluster, input.proxier.nodeName, family);
    out.push({ name: v.name, family, save: formatSave(agent.kernel), restore: formatRestore(agent.lastSync!.input) });
  }
  return out;
}

if (reason) {
  test.skip(`real iptables-restore loads knet's restore input and iptables-save equals knet's save form (skipped: ${reason})`, () => {});
} else {
  for (const c of cases()) {
    test(`real ${c.family === 4 ? 'iptables' : 'ip6tables'}-restore: ${c.name}`, (t) => {
      t.is(strip(realSave(c.family, c.restore, c.name.replace(/[^a-z0-9]/gi, '').slice(-12))), strip(c.save));
    });
  }
}
