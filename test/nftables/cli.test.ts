// The nftables-mode commands at CLI level: knet trace on the nftables topology (rules as nft
// lists them, the map element that matched, the numgen branch), a real `nft list ruleset`
// given with --nft-ruleset is what the trace walks, and the refusals and bad-input lines.
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOPOLOGIES_DIR } from '../../src/topology/load.js';
import { knet } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';

const TOPO = join(TOPOLOGIES_DIR, 'kubeadm-3node-nftables.yaml');
const RULESETS = join(import.meta.dirname, '..', '..', 'rulesets', 'kubeadm-3node-nftables');
const dir = mkdtempSync(join(tmpdir(), 'knet-nft-cli-'));

test('trace pod-a svc/nginx --all-paths on the nftables topology', async (t) => {
  const r = await knet('trace', 'pod-a', 'svc/nginx', '--all-paths', '-f', TOPO);
  t.is(r.code, 0, r.err);
  t.is(r.out, golden('trace/nftables-pod-to-clusterip-all-paths.txt', r.out));
});

test('trace ext/laptop to a NodePort on the nftables topology: masqueraded fully-random', async (t) => {
  const r = await knet('trace', 'ext/laptop', 'node/k8s-node2:30000', '-f', TOPO);
  t.is(r.code, 0, r.err);
  t.is(r.out, golden('trace/nftables-external-nodeport.txt', r.out));
});

test('trace to a Service without endpoints on the nftables topology: NO_ENDPOINTS from the no-endpoint-services element', async (t) => {
  const steps = join(import.meta.dirname, '..', 'fixtures', 'steps', 'add-service-without-endpoints.yaml');
  const r = await knet('trace', 'pod-a', 'svc/empty', '-f', TOPO, '--steps', steps);
  t.is(r.code, 0, r.err);
  t.is(r.out, golden('trace/nftables-service-without-endpoints.txt', r.out));
  const json = await knet('trace', 'pod-a', 'svc/empty', '-f', TOPO, '--steps', steps, '-o', 'json');
  const path = (JSON.parse(json.out) as { paths: { verdict: string; rule?: string }[] }).paths[0]!;
  t.is(path.verdict, 'NO_ENDPOINTS');
  t.is(path.rule, 'ip daddr . meta l4proto . th dport vmap @no-endpoint-services');
});

test('--nft-ruleset: the trace walks the dump given (the nginx element removed: cluster-ips-check rejects)', async (t) => {
  const listed = readFileSync(join(RULESETS, 'k8s-node1.nft'), 'utf8');
  const edited = listed.replace(/\t\t\t     10\.1\.0\.2 \. tcp \. 80 : goto [^,\n]+,\n/, '');
  t.not(edited, listed);
  const f = join(dir, 'node1-edited.nft');
  writeFileSync(f, edited);
  const r = await knet('trace', 'pod-a', 'svc/nginx', '-f', TOPO, '--nft-ruleset', `k8s-node1=${f}`);
  t.is(r.code, 0, r.err);
  t.true(
    r.out.includes(
      'verdict  REJECTED: Reject traffic to invalid ports of ClusterIPs — kube-proxy cluster-ips-check rule 1: ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"\n',
    ),
    r.out,
  );
});

test('--nft-ruleset with a bad file: nft\'s one error line, exit 1', async (t) => {
  const f = join(dir, 'bad.nft');
  writeFileSync(f, 'table ip kube-proxy {\n\tchain x {\n\t\tjump nowhere\n\t}\n}\n');
  for (const cmd of [['trace', 'pod-a', 'svc/nginx'], ['rules', 'nftables', '--node', 'k8s-node1']]) {
    const r = await knet(...cmd, '-f', TOPO, '--nft-ruleset', `k8s-node1=${f}`);
    t.is(r.code, 1);
    t.is(r.err, `${f}:3:3-6: Error: Could not process rule: No such file or directory\n`);
  }
  const r = await knet('rules', 'nftables', '--node', 'k8s-node1', '-f', TOPO, '--nft-ruleset', 'k8s-node1');
  t.is(r.code, 2);
  t.is(r.err, '--nft-ruleset k8s-node1: expected NODE=FILE\n');
});

test('knet rules nftables refuses a topology in another mode and an unknown node (exit 1, one line)', async (t) => {
  const other = await knet('rules', 'nftables', '--node', 'k8s-node1', '-f', join(TOPOLOGIES_DIR, 'kubeadm-3node.yaml'));
  t.is(other.code, 1);
  t.regex(other.err, /kubeadm-3node\.yaml: kube-proxy runs in iptables mode \(KubeProxyConfiguration mode\), not nftables\n$/);
  const node = await knet('rules', 'nftables', '--node', 'nope', '-f', TOPO);
  t.is(node.code, 1);
  t.is(node.err, 'node "nope" is not in the cluster (nodes: k8s-master, k8s-node1, k8s-node2)\n');
});

test('knet rules nftables --format dump is the knftables dump of the node (golden)', async (t) => {
  const r = await knet('rules', 'nftables', '--node', 'k8s-node2', '-f', TOPO, '--format', 'dump');
  t.is(r.code, 0, r.err);
  t.is(r.out, readFileSync(join(RULESETS, 'k8s-node2.nft-dump'), 'utf8'));
});
