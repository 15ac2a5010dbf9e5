// --steps: changes applied to the running cluster, the agents reacting after each step.
import test from 'ava';
import { join } from 'node:path';
import { knet } from '../helpers/cli.js';
import type { Trace } from '../../src/dataplane/types.js';

const STEPS = join(import.meta.dirname, '..', 'fixtures', 'steps');
const steps = (name: string): string[] => ['--steps', join(STEPS, `${name}.yaml`)];

test('a step that deletes a Service removes its rules and changes the trace', async (t) => {
  const before = await knet('trace', 'pod-a', 'svc/nginx', '-o', 'json');
  t.is(before.code, 0, before.err);
  const tr = JSON.parse(before.out) as Trace;
  t.is(tr.verdict, 'DELIVERED');
  const vip = `${tr.dst.ip}:${tr.dst.port}`;
  const rulesBefore = await knet('rules', 'iptables', '--node', 'k8s-node1');
  t.true(rulesBefore.out.includes('default/nginx'));
  const rules = await knet('rules', 'iptables', '--node', 'k8s-node1', ...steps('delete-nginx'));
  t.is(rules.code, 0, rules.err);
  t.false(rules.out.includes('nginx'));
  const after = await knet('trace', 'pod-a', vip, '-o', 'json', ...steps('delete-nginx'));
  t.is(after.code, 0, after.err);
  const p = (JSON.parse(after.out) as Trace).paths[0]!;
  t.is(p.verdict, 'EXITS_NETWORK');
  t.false(p.dnat);
  t.deepEqual(p.exit, { node: 'k8s-node1', dev: 'eth0', nexthop: '192.168.2.1', src: '192.168.2.101' });
  const gone = await knet('trace', 'pod-a', 'svc/nginx', ...steps('delete-nginx'));
  t.is(gone.code, 1);
  t.is(gone.err, 'service "nginx" not found in namespace default\n');
});

test('steps apply objects in order; the controllers and agents react; the clock moves by the waits', async (t) => {
  const svc = await knet('get', 'svc', 'echo', ...steps('scale-and-label'));
  t.is(svc.code, 0, svc.err);
  t.is(svc.out, 'NAME   TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\necho   ClusterIP   10.1.0.3     <none>        80/TCP    1s\n');
  const tr = await knet('trace', 'pod-a', 'svc/echo', '-o', 'json', ...steps('scale-and-label'));
  t.is(tr.code, 0, tr.err);
  const p = (JSON.parse(tr.out) as Trace).paths[0]!;
  t.is(p.verdict, 'DELIVERED');
  t.is(p.receiver, 'pod default/pod-b');
  t.regex(p.endpoint, /^10\.244\.2\.\d+:8080$/);
});

for (const [name, err] of [
  ['bad-wait', 'bad-wait.yaml:4: Steps: steps[0].wait: want a duration like 2s, 500ms or 1m, got "soon"'],
  ['bad-field', 'bad-field.yaml:5: Steps: steps[1].applly: unknown field (a step has apply, delete, wait, trace)'],
  ['delete-missing', 'delete-missing.yaml:4: delete Service default/nope: not found'],
  ['bad-object', 'bad-object.yaml:9: Service default/broken: spec.ports[0].port: 70000 must be between 1 and 65535, inclusive'],
  ['wrong-kind', 'wrong-kind.yaml:2: Steps: kind: want "Steps" (apiVersion knet.dev/v1alpha1), got "Cluster"'],
] as const) {
  test(`a bad steps file is one line naming file, line and field: ${name}`, async (t) => {
    const r = await knet('get', 'svc', ...steps(name));
    t.is(r.code, 1);
    t.is(r.out, '');
    t.true(r.err.endsWith(`${err}\n`), r.err);
    t.is(r.err.split('\n').length, 2);
  });
}

test('rules iptables refuses --since together with --steps (two descriptions of one change)', async (t) => {
  const r = await knet('rules', 'iptables', '--node', 'k8s-node1', '--since', 'topologies/kubeadm-3node.yaml', ...steps('delete-nginx'));
  t.is(r.code, 2);
  t.is(r.out, '');
  t.is(r.err, 'error: --since and --steps both describe a change over time; give one (--steps FILE is the general form)\n');
});
