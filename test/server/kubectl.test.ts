// The real kubectl against `knet serve`: apply, get (wide, yaml, json), watch, scale, the three
// patch types, delete, server-side apply with its conflicts, a validation error, explain; then
// knet's own commands reading the live cluster with --server.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import YAML from 'yaml';
import { isKind } from '../../src/api/types.js';
import { parseFile } from '../../src/topology/source.js';
import { knet } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';
import { HAVE_KUBECTL, KUBECTL, startHarness } from './harness.js';

if (!HAVE_KUBECTL) console.log(`test/server/kubectl.test.ts: skipped: ${KUBECTL} is not installed (Debian's kubernetes-client)`);
const kt = HAVE_KUBECTL ? test : test.skip;

/** The API objects of a topology file (its configuration documents are not API kinds). */
function objectsOf(file: string, dir: string): string {
  const docs = parseFile(file)
    .map((d) => d.value)
    .filter((v) => typeof v.kind === 'string' && isKind(v.kind));
  const out = join(dir, 'objects.yaml');
  writeFileSync(out, docs.map((d) => YAML.stringify(d)).join('---\n'));
  return out;
}

kt('kubectl apply -f a topology\'s objects, then get -o wide, yaml and json', async (t) => {
  const h = await startHarness();
  t.teardown(() => h.close());
  const applied = await h.kubectl('apply', '-f', objectsOf('topologies/blue-green-canary.yaml', h.dir));
  t.is(applied.code, 0, applied.err);
  t.is(applied.out + applied.err, golden('server/apply-blue-green-canary.txt', applied.out + applied.err));
  const pods = await h.kubectl('get', 'pods', '-A', '-o', 'wide');
  t.is(pods.out, golden('server/get-pods-wide.txt', pods.out));
  const svc = await h.kubectl('get', 'svc,deploy,endpointslices', '-o', 'wide');
  t.is(svc.out, golden('server/get-svc-deploy-eps-wide.txt', svc.out));
  const yaml = await h.kubectl('get', 'deploy', 'web-v1', '-o', 'yaml');
  t.is(yaml.out, golden('server/get-deploy-web-v1.yaml', yaml.out));
  const json = await h.kubectl('get', 'svc', 'web', '-o', 'json');
  t.is(json.out, golden('server/get-svc-web.json', json.out));
});

kt('kubectl get -w sees the EndpointSlice controller react to kubectl scale', async (t) => {
  const h = await startHarness();
  t.teardown(() => h.close());
  const w = spawn(KUBECTL, ['--kubeconfig', h.kubeconfig, '--cache-dir', join(h.dir, 'watch-cache'), 'get', 'endpointslices', '-l', 'kubernetes.io/service-name=nginx', '-w', '--output-watch-events']);
  t.teardown(() => w.kill());
  let out = '';
  const seen = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => out.includes(text) && resolve();
      w.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        check();
      });
      w.on('exit', () => reject(new Error(`kubectl get -w exited; printed:\n${out}`)));
      check();
    });
  await seen('ADDED');
  const scaled = await h.kubectl('scale', 'deploy', 'nginx', '--replicas=5');
  t.is(scaled.out, 'deployment.apps/nginx scaled\n');
  await seen('+ 2 more...');
  // Under load the controllers can write the grown slice more than once while the new pods
  // settle (watchers of a real kube-apiserver see that too); a repeated row is one state.
  const rows = out.split('\n').filter((line, i, all) => i === 0 || line !== all[i - 1]);
  t.is(
    rows.join('\n'),
    [
      'EVENT      NAME          ADDRESSTYPE   PORTS   ENDPOINTS                          AGE',
      'ADDED      nginx-pnk95   IPv4          80      10.244.1.3,10.244.2.3,10.244.1.4   0s',
      'MODIFIED   nginx-pnk95   IPv4          80      10.244.1.3,10.244.2.3,10.244.1.4 + 2 more...   0s',
      '',
    ].join('\n'),
  );
  // The same cluster through knet's own commands: five backends behind the Service now.
  const trace = await knet('trace', '--server', h.server.url, 'pod-a', 'svc/nginx', '--all-paths');
  t.is(trace.code, 0, trace.err);
  t.regex(trace.out, /^paths {4}5$/m);
  const eps = await h.kubectl('get', 'endpointslice', 'nginx-pnk95', '-o', 'jsonpath={.endpoints[*].addresses[0]}');
  const traced = [...trace.out.matchAll(/^== path \d of 5: p=0\.2 -> ([\d.]+):80 {2}DELIVERED$/gm)].map((m) => m[1]).sort();
  t.deepEqual(traced, eps.out.split(' ').sort());
  const rules = await knet('rules', 'iptables', '--server', h.server.url, '--node', 'k8s-node1', '--table', 'nat');
  t.is((rules.out.match(/-A KUBE-SVC-2CMXP7HKUVJN7L6M .* -j KUBE-SEP-/g) ?? []).length, 5);
});

kt('kubectl patch: json, merge and strategic', async (t) => {
  const h = await startHarness();
  t.teardown(() => h.close());
  const json = await h.kubectl('patch', 'deploy', 'nginx', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/replicas","value":2}]');
  t.is(json.out, 'deployment.apps/nginx patched\n');
  const merge = await h.kubectl('patch', 'svc', 'nginx', '--type', 'merge', '-p', '{"metadata":{"labels":{"tier":"web"}},"spec":{"sessionAffinity":"ClientIP"}}');
  t.is(merge.out, 'service/nginx patched\n');
  const smp = await h.kubectl('patch', 'deploy', 'nginx', '--type', 'strategic', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"}]}}}}');
  t.is(smp.out, 'deployment.apps/nginx patched\n');
  const got = await h.kubectl('get', 'deploy', 'nginx', '-o', 'jsonpath={.spec.replicas} {.spec.template.spec.containers[0].name}={.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort} {.metadata.generation}');
  t.is(got.out, '2 nginx=nginx:1.27 80 3');
  const svc = await h.kubectl('get', 'svc', 'nginx', '-o', 'jsonpath={.metadata.labels.tier} {.spec.sessionAffinity}');
  t.is(svc.out, 'web ClientIP');
  const pods = await h.kubectl('get', 'pods', '-l', 'app=nginx', '-o', 'name');
  t.is(pods.out.trim().split('\n').length, 2);
  const again = await h.kubectl('patch', 'deploy', 'nginx', '--type', 'json', '-p', '[{"op":"remove","path":"/spec/nope"}]');
  t.is(again.code, 1);
  t.is(again.err, 'The request is invalid: the server rejected our request due to an error in our request: unable to remove nonexistent key: nope: missing value\n');
});

kt('kubectl delete: the object and what the controllers made from it go', async (t) => {
  const h = await startHarness();
  t.teardown(() => h.close());
  const del = await h.kubectl('delete', 'svc', 'nginx');
  t.is(del.out, 'service "nginx" deleted\n');
  const get = await h.kubectl('get', 'svc', 'nginx');
  t.is(get.code, 1);
  t.is(get.err, 'Error from server (NotFound): services "nginx" not found\n');
  const eps = await h.kubectl('get', 'endpointslices', '-l', 'kubernetes.io/service-name=nginx');
  t.is(eps.err, 'No resources found in default namespace.\n');
  const deploy = await h.kubectl('delete', 'deploy', 'nginx');
  t.is(deploy.out, 'deployment.apps "nginx" deleted\n');
  const pods = await h.kubectl('get', 'pods', '-l', 'app=nginx');
  t.is(pods.err, 'No resources found in default namespace.\n');
});

kt('kubectl apply --server-side: managed fields, a conflict with kubectl scale, --force-conflicts', async (t) => {
  const h = await startHarness();
  t.teardown(() => h.close());
  const file = join(h.dir, 'web.yaml');
  const manifest = (replicas: number) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: ${replicas}\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n`;
  writeFileSync(file, manifest(2));
  const first = await h.kubectl('apply', '--server-side', '-f', file);
  t.is(first.out, 'deployment.apps/web serverside-applied\n');
  const managers = await h.kubectl('get', 'deploy', 'web', '-o', 'jsonpath={range .metadata.managedFields[*]}{.manager}/{.operation} {end}');
  t.is(managers.out, 'kubectl/Apply ');
  t.is((await h.kubectl('scale', 'deploy', 'web', '--replicas=4')).code, 0);
  writeFileSync(file, manifest(3));
  const conflict = await h.kubectl('apply', '--server-side', '-f', file);
  t.is(conflict.code, 1);
  t.true(conflict.err.startsWith('error: Apply failed with 1 conflict: conflict with "kubectl" using apps/v1: .spec.replicas\n'), conflict.err);
  const forced = await h.kubectl('apply', '--server-side', '--force-conflicts', '-f', file);
  t.is(forced.out, 'deployment.apps/web serverside-applied\n');
  const after = await h.kubectl('get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas} {range .metadata.managedFields[*]}{.manager}/{.operation} {end}');
  t.is(after.out, '3 kubectl/Apply ');
});

kt('kubectl apply of an invalid object: kube-apiserver\'s 422 with the field', async (t) => {
  const h = await startHarness();
  t.teardown(() => h.close());
  const file = join(h.dir, 'bad.yaml');
  writeFileSync(file, 'apiVersion: v1\nkind: Service\nmetadata:\n  name: bad\nspec:\n  ports:\n  - port: 80\n    protocol: HTTP\n');
  const r = await h.kubectl('apply', '-f', file);
  t.is(r.code, 1);
  t.is(r.err, 'The Service "bad" is invalid: spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "TCP", "UDP", "SCTP"\n');
  const explain = await h.kubectl('explain', 'deployment.spec.replicas');
  t.is(explain.out, 'GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\nFIELD: replicas <integer>\n\n\nDESCRIPTION:\n    Desired number of pods (default 1).\n    \n\n');
});
