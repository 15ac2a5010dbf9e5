// The EndpointSlice controller remembers which Services the last pod's labels selected (a
// template's pods share one labels object); a Service change in between must not be missed.
import test from 'ava';
import type { AnyObject, Deployment, Service } from '../../src/api/types.js';
import { Cluster } from '../../src/cluster/cluster.js';
import { readTopologyText } from '../../src/topology/load.js';

const TOPOLOGY = `apiVersion: knet.dev/v1alpha1
kind: Cluster
metadata: {name: t}
spec:
  nodes:
    - {name: cp, ip: 192.168.0.1, roles: [control-plane]}
    - {name: w1, ip: 192.168.0.2}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: s1}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: http}]}
`;

function service(name: string, app: string): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { selector: { app }, ports: [{ port: 80, targetPort: 'http' }] } };
}

function endpoints(c: Cluster, svc: string): string[] {
  return c.store
    .list('EndpointSlice')
    .filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === svc)
    .flatMap((s) => (s.endpoints ?? []).map((e) => e.targetRef!.name))
    .sort();
}

function webPods(c: Cluster): string[] {
  return c.store.list('Pod').filter((p) => p.metadata.labels?.app === 'web').map((p) => p.metadata.name).sort();
}

test('pods created after a Service change are sliced for the Services selecting them then', (t) => {
  const c = new Cluster(readTopologyText(TOPOLOGY, 't.yaml'));
  t.is(endpoints(c, 's1').length, 3);
  const scale = (n: number): AnyObject => {
    const d = c.store.get('Deployment', 'default', 'web')!;
    return { ...d, spec: { ...d.spec, replicas: n } } as Deployment;
  };
  // A second Service selecting the same pods, and more pods sharing the template's labels.
  c.applyChanges({ where: 'step 1', apply: [service('s2', 'web'), scale(5)], delete: [], waitMs: 0 });
  t.deepEqual(endpoints(c, 's1'), webPods(c));
  t.deepEqual(endpoints(c, 's2'), webPods(c));
  t.is(webPods(c).length, 5);
  // s1 stops selecting them; the pods after that go to s2 only.
  c.applyChanges({ where: 'step 2', apply: [service('s1', 'other'), scale(7)], delete: [], waitMs: 0 });
  t.deepEqual(endpoints(c, 's1'), []);
  t.deepEqual(endpoints(c, 's2'), webPods(c));
  t.is(webPods(c).length, 7);
});
