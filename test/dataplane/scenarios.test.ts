// Whole text traces of the scenarios users ask about, on the shipped topology and two fixtures.
// Golden files: test/golden/trace/*.txt (UPDATE_GOLDEN=1 rewrites them; review the diff).
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { knet } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';
import type { Trace } from '../../src/dataplane/types.js';

const FIX = join(import.meta.dirname, '..', 'fixtures');
const SCEN = ['-f', join(FIX, 'trace-scenarios.yaml')];
const NF_OFF = ['-f', join(FIX, 'bridge-nf-off.yaml')];
const REAL = join(import.meta.dirname, '..', 'vectors', 'real-dumps');
const DUAL = ['-f', join(import.meta.dirname, '..', '..', 'topologies', 'dual-stack.yaml')];

const scenarios: [string, string[]][] = [
  ['pod-to-pod-same-node', ['pod-a', 'nginx-6b97fcfcdd-m6qp9']],
  ['pod-to-pod-across-nodes', ['pod-a', 'nginx-6b97fcfcdd-cdxqq']],
  ['pod-to-clusterip-all-paths', ['pod-a', 'svc/nginx', '--all-paths']],
  ['pod-to-own-service-hairpin', ['nginx-6b97fcfcdd-m6qp9', 'svc/nginx', '--all-paths']],
  ['node-to-clusterip', ['node/k8s-master', 'svc/nginx', '--all-paths']],
  ['external-nodeport-etp-cluster', ['ext/laptop', 'node/k8s-master:30000', '--all-paths']],
  ['external-nodeport-etp-local-no-local-endpoint', ['ext/laptop', 'node/k8s-node1:30080', ...SCEN]],
  ['pod-to-nodeport-etp-local-other-node', ['pod-a', 'node/k8s-node2:30080', ...SCEN]],
  ['service-without-endpoints', ['pod-a', 'svc/empty', ...SCEN]],
  ['client-ip-affinity-count-5', ['pod-a', 'svc/sticky', '--count', '5', ...SCEN]],
  ['bridge-nf-call-iptables-off', ['pod-a', 'svc/nginx', '--all-paths', ...NF_OFF]],
  ['hostnetwork-pod-to-clusterip', ['host-agent', 'svc/nginx', ...SCEN]],
  ['pod-to-kubernetes-service', ['pod-a', 'svc/kubernetes']],
  ['pod-to-kube-dns-udp', ['default/pod-a', 'svc/kube-dns', '-n', 'kube-system', '--all-paths']],
  ['by-dns-name-service', ['pod-a', 'nginx.default:80', '--no-reply']],
  ['by-dns-name-statefulset-pod', ['pod-a', 'web-0.nginx', '--no-reply', '-f', join(import.meta.dirname, '..', '..', 'topologies', 'headless-statefulset.yaml')]],
  ['real-dump-extensions-clusterip', ['pod-a', 'svc/nginx', '--no-reply', '--iptables-save', `k8s-node1=${join(FIX, 'node1-extensions.save')}`]],
  ['real-dump-notrack-pod-across-nodes', ['pod-a', 'nginx-6b97fcfcdd-cdxqq', '--iptables-save', `k8s-node1=${join(FIX, 'node1-extensions.save')}`]],
  ['pod-to-internet-exits-network', ['pod-a', '8.8.8.8:443']],
  ['external-client-by-ip-nodeport', ['192.168.2.50@k8s-node1', 'node/k8s-node1:30000']],
  ['dual-stack-pod-to-pod-ipv6-across-nodes', ['pod-a', 'nginx-6b97fcfcdd-cdxqq', '-6', ...DUAL]],
  ['dual-stack-clusterip-ipv6-all-paths', ['pod-a', 'svc/nginx', '-6', '--all-paths', ...DUAL]],
  ['dual-stack-clusterip-ipv4', ['pod-a', 'svc/nginx', ...DUAL]],
  ['dual-stack-node-to-nodeport-ipv6', ['node/k8s-master', 'node/k8s-node2:30000', '-6', ...DUAL]],
  ['real-iptables-save-dump', ['10.244.1.9@k8s-node1', '10.96.0.10:53', '--proto', 'udp', '--all-paths', '--no-reply', '--iptables-save', `k8s-node1=${join(REAL, 'kubeadm-flannel-node.nat.S.txt')}`]],
];

for (const [name, args] of scenarios) {
  test(`trace ${name}`, async (t) => {
    const r = await knet('trace', ...args);
    t.is(r.code, 0, r.err);
    t.is(r.out, golden(`trace/${name}.txt`, r.out));
  });
}

test('json: one path with the contract fields', async (t) => {
  const r = await knet('trace', 'pod-a', 'svc/nginx', '-o', 'json');
  const tr = JSON.parse(r.out) as Trace;
  t.is(tr.verdict, 'DELIVERED');
  t.deepEqual(tr.dst, { typed: 'svc/nginx', object: 'svc default/nginx', ip: '10.1.0.2', port: 80 });
  t.is(tr.paths.length, 1);
  const p = tr.paths[0]!;
  t.deepEqual(Object.keys(p).sort(), ['affinity', 'dnat', 'endpoint', 'hops', 'masqueraded', 'probability', 'reason', 'receiver', 'reply', 'rulesEvaluated', 'verdict']);
  t.regex(p.endpoint, /^10\.244\.\d+\.\d+:80$/);
  t.true(p.hops.every((h) => typeof h.node === 'string' && h.steps.every((s) => typeof s.kind === 'string')));
  t.is(tr.reply?.verdict, 'DELIVERED');
});

test('the same seed gives the same trace; --all-paths probabilities add up to 1', async (t) => {
  const a = await knet('trace', 'pod-a', 'svc/nginx', '--seed', '7');
  const b = await knet('trace', 'pod-a', 'svc/nginx', '--seed', '7');
  t.is(a.out, b.out);
  const all = JSON.parse((await knet('trace', 'pod-a', 'svc/nginx', '--all-paths', '-o', 'json')).out) as Trace;
  t.is(Math.round(all.paths.reduce((s, p) => s + p.probability, 0) * 1e6) / 1e6, 1);
  t.deepEqual(all.paths.map((p) => p.endpoint).sort(), ['10.244.1.3:80', '10.244.1.4:80', '10.244.2.3:80']);
});

test('a dump iptables-restore would refuse is refused with its file and line', async (t) => {
  const file = join(REAL, 'weave-node.nat.S.txt');
  const r = await knet('trace', 'pod-a', '10.96.0.10:53', '--iptables-save', `k8s-node1=${file}`);
  t.is(r.code, 1);
  t.regex(r.err, /weave-node\.nat\.S\.txt:\d+: .*-jKUBE-SEP-OEY6JJQSBCQPRKHS/);
});

test('bad references are one-line errors', async (t) => {
  const cases: [string[], number, string][] = [
    [['ghost', 'svc/nginx'], 1, 'pod "ghost" not found in namespace default (pods: nginx-6b97fcfcdd-25khw, nginx-6b97fcfcdd-cdxqq, nginx-6b97fcfcdd-m6qp9, pod-a)\n'],
    [['pod-a', 'svc/ghost'], 1, 'service "ghost" not found in namespace default\n'],
    [['pod-a', 'svc/nginx:9999'], 1, 'svc/nginx has no port "9999" (ports: 80)\n'],
    [['pod-a', '10.1.0.2'], 2, '"10.1.0.2": IP:PORT needs a port number 1-65535\n'],
    [['node/nope', 'svc/nginx'], 1, 'node "nope" is not in the cluster (nodes: k8s-master, k8s-node1, k8s-node2)\n'],
    [['ext/nope', 'svc/nginx'], 1, 'external client "nope" is not in the Cluster header (external: laptop)\n'],
    [['pod-a', 'svc/nginx', '--count', 'x'], 2, '--count "x": want a whole number ≥ 1\n'],
  ];
  for (const [args, code, err] of cases) {
    const r = await knet('trace', ...args);
    t.is(r.code, code, args.join(' '));
    t.is(r.err, err);
  }
});

test('rules iptables --all shows flanneld chains beside kube-proxy\'s, as the trace walks them', async (t) => {
  const r = await knet('rules', 'iptables', '--node', 'k8s-node1', '--all', '--table', 'nat');
  t.is(r.code, 0, r.err);
  const flannel = r.out.split('\n').filter((l) => /FLANNEL/.test(l));
  t.deepEqual(flannel, [
    ':FLANNEL-POSTRTG - [0:0]',
    '-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG',
    '-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN',
    '-A FLANNEL-POSTRTG -s 10.244.1.0/24 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN',
    '-A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.1.0/24 -m comment --comment "flanneld masq" -j RETURN',
    '-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.1.0/24 -m comment --comment "flanneld masq" -j RETURN',
    '-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully',
    '-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully',
  ]);
  // kube-proxy's jump comes first in POSTROUTING, flannel's after it.
  t.true(r.out.indexOf('-A POSTROUTING -m comment --comment "kubernetes postrouting rules"') < r.out.indexOf('-A POSTROUTING -m comment --comment "flanneld masq"'));
});

test('rules iptables --all prints a loaded iptables-save -c dump back line for line (counters aside)', async (t) => {
  const file = join(FIX, 'node1-extensions.save');
  const r = await knet('rules', 'iptables', '--node', 'k8s-node1', '--all', '--iptables-save', `k8s-node1=${file}`);
  t.is(r.code, 0, r.err);
  const uncounted = (s: string): string => s.replace(/^\[\d+:\d+\] /gm, '').replace(/\[\d+:\d+\]$/gm, '[0:0]');
  t.is(uncounted(r.out), uncounted(readFileSync(file, 'utf8')));
});

test('a pod reaching the internet leaves the modelled network with its node\'s address, never DROPPED', async (t) => {
  const r = await knet('trace', 'pod-a', '8.8.8.8:443', '-o', 'json');
  t.is(r.code, 0, r.err);
  const p = (JSON.parse(r.out) as Trace).paths[0]!;
  t.is(p.verdict, 'EXITS_NETWORK');
  t.true(p.masqueraded);
  t.deepEqual(p.exit, { node: 'k8s-node1', dev: 'eth0', nexthop: '192.168.2.1', src: '192.168.2.101' });
});

test('-m set reads the node\'s ipsets: without --ipset-save the unknown set is a note, with it the listed source is dropped', async (t) => {
  const dump = `k8s-node1=${join(FIX, 'node1-extensions.save')}`;
  const without = JSON.parse((await knet('trace', 'pod-a', 'svc/nginx', '--no-reply', '-o', 'json', '--iptables-save', dump)).out) as Trace;
  t.is(without.verdict, 'DELIVERED');
  const notes = without.paths[0]!.hops.flatMap((h) => h.steps).filter((s) => s.kind === 'note').map((s) => (s as { text: string }).text);
  t.true(notes.some((n) => n.includes('ipset knet-blocklist is not on this node (give its dump with --ipset-save NODE=FILE): taken as not matching')), notes.join('\n'));
  const r = await knet('trace', 'pod-a', 'svc/nginx', '--no-reply', '-o', 'json', '--iptables-save', dump, '--ipset-save', `k8s-node1=${join(FIX, 'node1-blocklist.ipset')}`);
  t.is(r.code, 0, r.err);
  const p = (JSON.parse(r.out) as Trace).paths[0]!;
  t.is(p.verdict, 'DROPPED');
  t.is(p.rule, '-A FORWARD -m set --match-set knet-blocklist src -m comment --comment "blocked sources" -j DROP');
});

test('a bad --ipset-save dump is one line naming file and line', async (t) => {
  const r = await knet('trace', 'pod-a', 'svc/nginx', '--ipset-save', `k8s-node1=${join(FIX, 'bad.ipset')}`);
  t.is(r.code, 1);
  t.true(r.err.endsWith('bad.ipset:2: ipset v7.17: Syntax error: cannot parse 10.244.1.300: resolving to IPv4 address failed\n'), r.err);
});
