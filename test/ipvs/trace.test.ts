// Traces through IPVS on the seed IPVS topology (sh scheduler, ClientIP affinity 1800 s,
// NodePort 30004): the packet hits the kube-ipvs0 address as local, IPVS names the virtual
// server, the hash bucket and the real server, conntrack undoes it for the reply; the same
// client lands on one endpoint every time, through the persistence template.
import test from 'ava';
import { knet } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';

const TOPO = ['-f', 'topologies/ipvs-sh-affinity.yaml'];

async function trace(...args: string[]): Promise<string> {
  const r = await knet('trace', ...TOPO, ...args);
  if (r.code !== 0) throw new Error(`knet exited ${r.code}: ${r.err}`);
  return r.out;
}

test('pod-a → svc/nginx-service: IPVS sh picks by source hash, the reply is un-DNATed', async (t) => {
  const out = await trace('default/pod-a', 'svc/nginx-service', '-n', 'echoc');
  t.is(out, golden('trace/ipvs-pod-to-clusterip.txt', out));
});

test('pod-a → svc/nginx-service --all-paths: sh gives one answer with probability 1', async (t) => {
  const out = await trace('default/pod-a', 'svc/nginx-service', '-n', 'echoc', '--all-paths');
  t.is(out, golden('trace/ipvs-pod-to-clusterip-all-paths.txt', out));
});

test('laptop → node:30004, 5 connections 10 min apart: one endpoint through the template', async (t) => {
  const out = await trace('ext/laptop', 'node/k8s-node1:30004', '--count', '5', '--interval', '600s');
  t.is(out, golden('trace/ipvs-nodeport-affinity-count-5.txt', out));
  t.is(new Set(out.split('\n').filter((l) => /^#\d/.test(l)).map((l) => l.split(/\s+/)[4])).size, 1);
  t.is(out.split('\n').filter((l) => l.includes('(affinity: IPVS persistence template)')).length, 4);
});

test('after the connections and the template expire the scheduler decides again', async (t) => {
  // 2 connections 3000 s apart: ESTABLISHED lasts 900 s, the template 1800 s after its last use
  const out = await trace('ext/laptop', 'node/k8s-node1:30004', '--count', '2', '--interval', '3000s');
  t.is(out.split('\n').filter((l) => l.includes('affinity')).length, 0);
});
