// `knet compare`: one Service under iptables, IPVS and nftables mode, each column from a load of
// the topology with the mode overridden (real proxiers, real traces); whole outputs as goldens,
// node totals cross-checked against the rules commands of the same mode.
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { knet } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';

const IPVS = ['-f', 'topologies/ipvs-sh-affinity.yaml'];
const KUBEADM = ['-f', 'topologies/kubeadm-3node.yaml'];

async function ok(...args: string[]): Promise<string> {
  const r = await knet(...args);
  if (r.code !== 0) throw new Error(`knet ${args.join(' ')} exited ${r.code}: ${r.err}`);
  return r.out;
}

test('seed IPVS topology: pod-a → svc/nginx-service (sh, ClientIP 1800 s) in the three modes', async (t) => {
  const out = await ok('compare', ...IPVS, 'svc/echoc/nginx-service');
  t.is(out, golden('compare/ipvs-sh-affinity-pod-a.txt', out));
});

test('seed IPVS topology: the laptop → NodePort 30004 on k8s-node2', async (t) => {
  const out = await ok('compare', ...IPVS, 'svc/nginx-service', '-n', 'echoc', '--from', 'ext/laptop', '--node-port', 'k8s-node2');
  t.is(out, golden('compare/ipvs-sh-affinity-laptop-nodeport.txt', out));
});

test('kubeadm-3node: svc/nginx from the first pod, text and -o json', async (t) => {
  const out = await ok('compare', ...KUBEADM, 'svc/nginx');
  t.is(out, golden('compare/kubeadm-3node-nginx.txt', out));
  const json = await ok('compare', ...KUBEADM, 'svc/nginx', '-o', 'json');
  t.is(json, golden('compare/kubeadm-3node-nginx.json', json));
});

test('--steps: a Service the steps create is compared after the steps ran in every mode', async (t) => {
  const out = await ok('compare', ...KUBEADM, '--steps', 'test/fixtures/steps/scale-and-label.yaml', 'svc/echo', '--from', 'pod-a');
  t.is(out, golden('compare/kubeadm-3node-steps-echo.txt', out));
});

test('node totals are what the rules commands print for the same mode', async (t) => {
  const cmp = JSON.parse(await ok('compare', ...IPVS, 'svc/echoc/nginx-service', '-o', 'json')) as {
    columns: { mode: string; nodeTotal: { tool: string; counts: Record<string, number> }[] }[];
  };
  const count = (text: string, re: RegExp): number => text.split('\n').filter((l) => re.test(l)).length;
  const totals = (mode: string, tool: string) => cmp.columns.find((c) => c.mode === mode)!.nodeTotal.find((w) => w.tool === tool)!.counts;
  const ipvsSave = await ok('rules', 'ipvs', ...IPVS, '--node', 'k8s-node1', '--format', 'save');
  t.is(totals('ipvs', 'ipvsadm')['virtual servers'], count(ipvsSave, /^-A /));
  t.is(totals('ipvs', 'ipvsadm')['real servers'], count(ipvsSave, /^-a /));
  const ipset = await ok('rules', 'ipset', ...IPVS, '--node', 'k8s-node1');
  t.is(totals('ipvs', 'ipset').entries, count(ipset, /^add /));
  const ipvsIptables = await ok('rules', 'iptables', ...IPVS, '--node', 'k8s-node1');
  t.is(totals('ipvs', 'iptables').rules, count(ipvsIptables, /^-A /));
  // the iptables and nftables columns: the same topology written with that mode
  const dir = mkdtempSync(join(tmpdir(), 'knet-compare-'));
  const text = readFileSync('topologies/ipvs-sh-affinity.yaml', 'utf8');
  for (const [mode, cmd, re, tool, kind] of [
    ['iptables', ['rules', 'iptables'], /^-A /, 'iptables', 'rules'],
    ['nftables', ['rules', 'nftables', '--format', 'dump'], /^add rule /, 'nft', 'rules'],
  ] as const) {
    const f = join(dir, `${mode}.yaml`);
    writeFileSync(f, text.replace(/^mode: ipvs$/m, `mode: ${mode}`));
    t.is(totals(mode, tool)[kind], count(await ok(...cmd, '-f', f, '--node', 'k8s-node1'), re), mode);
  }
});

test('bad input: one line, exit 1 for what is not there, exit 2 for usage', async (t) => {
  const missing = await knet('compare', ...KUBEADM, 'svc/nope');
  t.deepEqual([missing.code, missing.err], [1, 'service "nope" not found in namespace default\n']);
  const form = await knet('compare', ...KUBEADM, 'nginx');
  t.deepEqual([form.code, form.err], [2, '"nginx": want svc/NAME, svc/NS/NAME or svc/NAME:PORT\n']);
  const noNodePort = await knet('compare', ...KUBEADM, 'svc/kubernetes', '--node-port', 'k8s-node1');
  t.deepEqual([noNodePort.code, noNodePort.err], [2, 'svc/kubernetes has no nodePort (type ClusterIP): --node-port needs a NodePort or LoadBalancer Service\n']);
  const seed = await knet('compare', ...KUBEADM, 'svc/nginx', '--seed', 'x');
  t.deepEqual([seed.code, seed.err], [2, '--seed "x": want a whole number\n']);
  const client = await knet('compare', ...KUBEADM, 'svc/nginx', '--from', 'nobody');
  t.deepEqual([client.code, client.err], [1, 'pod "nobody" not found in namespace default (pods: nginx-6b97fcfcdd-25khw, nginx-6b97fcfcdd-cdxqq, nginx-6b97fcfcdd-m6qp9, pod-a)\n']);
});
