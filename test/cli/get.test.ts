import test from 'ava';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TOPOLOGIES_DIR } from '../../src/topology/load.js';
import { knet } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';

const VIEWS = [
  ['get', 'nodes', '-o', 'wide'],
  ['get', 'pods', '-A', '-o', 'wide'],
  ['get', 'services', '-A', '-o', 'wide'],
  ['get', 'endpointslices', '-A'],
  ['get', 'deployments', '-A', '-o', 'wide'],
];

for (const file of readdirSync(TOPOLOGIES_DIR).filter((f) => f.endsWith('.yaml'))) {
  test(`knet get on ${file}`, async (t) => {
    let out = '';
    for (const args of VIEWS) {
      const r = await knet(...args, '-f', join(TOPOLOGIES_DIR, file));
      t.is(r.code, 0, r.err);
      t.is(r.err, '');
      out += `$ knet ${args.join(' ')}\n${r.out}\n`;
    }
    t.is(out, golden(`get/${file.replace(/\.yaml$/, '')}.txt`, out));
  });
}

test('without -f the default topology is used; -l and -n filter', async (t) => {
  const r = await knet('get', 'pods', '-n', 'kube-system', '-l', 'k8s-app=kube-dns');
  t.is(r.code, 0);
  t.deepEqual(
    r.out.split('\n').filter(Boolean).map((l) => l.split(/\s+/)[0]),
    ['NAME', 'coredns-754bccc5bf-ndl7t', 'coredns-754bccc5bf-xxvrt'],
  );
});

test('get one object as yaml prints it with sorted keys, as kubectl does', async (t) => {
  const r = await knet('get', 'svc', 'nginx', '-o', 'yaml');
  t.is(r.code, 0);
  t.is(
    r.out,
    `apiVersion: v1
kind: Service
metadata:
  creationTimestamp: "2026-01-01T00:00:00Z"
  labels:
    app: nginx
  name: nginx
  namespace: default
  resourceVersion: "${r.out.match(/resourceVersion: "(\d+)"/)![1]}"
  uid: ${r.out.match(/uid: (\S+)/)![1]}
spec:
  clusterIP: 10.1.0.2
  clusterIPs:
  - 10.1.0.2
  externalTrafficPolicy: Cluster
  internalTrafficPolicy: Cluster
  ipFamilies:
  - IPv4
  ipFamilyPolicy: SingleStack
  ports:
  - nodePort: 30000
    port: 80
    protocol: TCP
    targetPort: 80
  selector:
    app: nginx
  sessionAffinity: None
  type: NodePort
`,
  );
});

test('get json list and not-found', async (t) => {
  const r = await knet('get', 'nodes', '-o', 'json');
  const list = JSON.parse(r.out) as { kind: string; items: { metadata: { name: string } }[] };
  t.is(list.kind, 'List');
  t.deepEqual(list.items.map((i) => i.metadata.name), ['k8s-master', 'k8s-node1', 'k8s-node2']);
  const nf = await knet('get', 'pod', 'ghost');
  t.is(nf.code, 1);
  t.is(nf.err, 'Error from server (NotFound): pods "ghost" not found\n');
});
