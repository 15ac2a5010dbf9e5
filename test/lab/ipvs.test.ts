// knet lab on an IPVS topology: this machine's kernel has no ip_vs, so the lab loads everything but
// the IPVS table — kube-ipvs0 as a dummy link with its addresses, the ipsets through the real
// `ipset restore`, the iptables rules — says so, and verify marks the flows an IPVS table decides
// "not checkable" (never "agree"). Kernel part: root and netns, a prefix unique to this run,
// everything removed also on failure; skipped with the reason otherwise.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { loadCluster } from '../../src/cluster/cluster.js';
import { labDown } from '../../src/lab/down.js';
import { labUnsupported } from '../../src/lab/host.js';
import { formatPlan, planLab } from '../../src/lab/plan.js';
import { readState, statePath } from '../../src/lab/state.js';
import { labInputs } from '../../src/lab/up.js';
import { knet } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';

const TOPO = 'topologies/ipvs-sh-affinity.yaml';
const WARNING = existsSync('/proc/net/ip_vs')
  ? 'this kernel has IPVS (ip_vs), but knet lab does not load IPVS tables'
  : 'IPVS is not in this kernel (no ip_vs module)';
const NOTICE = `Warning: ${WARNING}: the virtual servers of k8s-master, k8s-node1, k8s-node2 are not loaded; kube-ipvs0 with its addresses (a veth on no wire: no dummy link type here), the ipsets (ipset restore) and the iptables rules are. A connection to a Service address ends in the node's own stack; lab verify marks the flows IPVS decides "not checkable"\n`;

test('lab up --dry-run on the IPVS topology: kube-ipvs0 on no wire, ipset restore before iptables-restore, the IPVS table said to be left out', async (t) => {
  const plan = planLab(labInputs(loadCluster([TOPO])), 'knet');
  const text = formatPlan(plan, 'responder.js');
  t.is(text, golden('lab/ipvs-sh-affinity.plan.sh', text));
  t.deepEqual(plan.ipvsLeftOut, [
    { node: 'k8s-master', virtualServers: 8 },
    { node: 'k8s-node1', virtualServers: 8 },
    { node: 'k8s-node2', virtualServers: 8 },
  ]);
  const cmds = plan.commands.map((c) => c.argv.join(' '));
  for (const node of ['k8s-master', 'k8s-node1', 'k8s-node2']) {
    const sets = cmds.indexOf(`ip netns exec knet-node-${node} ipset restore`);
    t.true(sets >= 0 && sets < cmds.indexOf(`ip netns exec knet-node-${node} iptables-restore`), node);
    t.true(cmds.some((c) => c.startsWith(`ip -n knet-node-${node} link add kube-ipvs0 `)), node);
    t.false(cmds.some((c) => c.endsWith('-kube-ipvs0 master br0 up')), node);
  }
  const r = await knet('lab', 'up', '--dry-run', '-f', TOPO);
  t.is(r.code, 0);
  t.true(r.err.endsWith(NOTICE), r.err);
});

const reason = labUnsupported(['ip', 'iptables-restore', 'sysctl', 'ipset']);
const kernelTest = reason ? test.skip : test.serial;
const prefix = `v${process.pid.toString(36)}`.slice(0, 8);

test.after.always(() => {
  if (reason) return;
  const s = readState(prefix);
  if (s) labDown(s);
  const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`${prefix}-`));
  for (const n of left) spawnSync('ip', ['netns', 'del', n]);
  if (existsSync('/etc/netns')) for (const d of readdirSync('/etc/netns').filter((x) => x.startsWith(`${prefix}-`))) rmSync(`/etc/netns/${d}`, { recursive: true, force: true });
});

/** The kernel picks initval at random and dumps hashes in its own order: compare line sets with initval masked. */
const sets = (s: string): string[] => s.replace(/initval 0x[0-9a-f]+/g, 'initval X').split('\n').filter(Boolean).sort();
const bare = (x: string): string => x.split('\n').filter((l) => !l.startsWith('#')).join('\n').replace(/\[\d+:\d+\]/g, '[0:0]');

kernelTest(`IPVS topology in the kernel: everything but the IPVS table, verify marks IPVS flows not checkable${reason ? ` — skipped: ${reason}` : ''}`, async (t) => {
  const up = await knet('lab', 'up', '--prefix', prefix, '-f', TOPO);
  t.is(up.code, 0, up.err);
  t.true(up.err.endsWith(NOTICE), up.err);
  const rulesets = labInputs(loadCluster([TOPO])).rulesets;
  for (const node of ['k8s-master', 'k8s-node1', 'k8s-node2']) {
    const exec = (...cmd: string[]) => knet('lab', 'exec', '--prefix', prefix, node, '--', ...cmd);
    // kube-ipvs0 holds every ClusterIP, and the kernel made their local routes
    const addrs = (x: string): string[] => x.trim().split(/\s+/).slice(2);
    t.deepEqual(addrs((await exec('ip', '-br', 'addr', 'show', 'dev', 'kube-ipvs0')).out), addrs((await knet('ip', '-f', TOPO, '--node', node, '-br', 'addr', 'show', 'dev', 'kube-ipvs0')).out), node);
    const local = (x: string): string[] => x.split('\n').filter((l) => l.includes('dev kube-ipvs0'));
    t.deepEqual(local((await exec('ip', 'route', 'show', 'table', 'local')).out), local((await knet('ip', '-f', TOPO, '--node', node, 'route', 'show', 'table', 'local')).out), node);
    t.deepEqual(sets((await exec('ipset', 'save')).out), sets((await knet('rules', 'ipset', '-f', TOPO, '--node', node)).out), node);
    t.is(bare((await exec('iptables-save')).out), bare(rulesets.get(node)!), node);
  }
  const v = await knet('lab', 'verify', '--prefix', prefix, '--samples', '2', '--timeout', '4000');
  t.is(v.code, 0, v.out);
  const lines = v.out.trimEnd().split('\n');
  const summary = lines.at(-1)!.match(/^(\d+) agree, 0 disagree, (\d+) not checkable \(IPVS\)$/);
  t.truthy(summary, lines.at(-1));
  const flows = lines.slice(0, -1);
  t.deepEqual(flows.filter((l) => !/^(agree {4}|not checkable )/.test(l)), []);
  t.is(flows.filter((l) => l.startsWith('agree ')).length, Number(summary![1]));
  t.is(flows.filter((l) => l.startsWith('not checkable ')).length, Number(summary![2]));
  // every flow to a ClusterIP goes through IPVS; pod → pod flows are checked
  t.true(flows.filter((l) => / -> 10\.1\.0\.\d+:\d+\//.test(l)).every((l) => l.startsWith('not checkable ')));
  t.true(flows.some((l) => /^agree {4}\S+ -> 10\.244\.\d+\.\d+:80\/tcp/.test(l)), v.out);
  t.true(flows.some((l) => /^not checkable default\/pod-a -> 10\.1\.0\.2:80\/tcp \(svc echoc\/nginx-service\) {2}the IPVS table of k8s-node1 picks the endpoint; the lab has none {2}knet: DELIVERED to 10\.244\.1\.3:80 \(sticky\)$/.test(l)), v.out);
  const down = await knet('lab', 'down', '--prefix', prefix);
  t.is(down.code, 0, down.err);
  t.is(existsSync(statePath(prefix)), false);
});
