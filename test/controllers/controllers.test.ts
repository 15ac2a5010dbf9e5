import test from 'ava';
import { Cluster, loadCluster } from '../../src/cluster/cluster.js';
import { readTopologyText } from '../../src/topology/load.js';
import type { EndpointSlice, Pod } from '../../src/api/types.js';

const HEADER = `apiVersion: knet.dev/v1alpha1
kind: Cluster
metadata: {name: t}
spec:
  nodes:
    - {name: cp, ip: 192.168.0.1, roles: [control-plane]}
    - {name: w1, ip: 192.168.0.2}
    - {name: w2, ip: 192.168.0.3, podCIDR: 10.244.0.0/24}
    - {name: w3, ip: 192.168.0.4, labels: {disk: ssd}}
`;

function cluster(yaml: string): Cluster {
  return new Cluster(readTopologyText(`${HEADER}${yaml}`, 't.yaml'));
}

const deploy = (name: string, replicas: number, extra = '') => `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      ${extra}containers: [{name: c, image: nginx, ports: [{name: http, containerPort: 8080}]}]
`;

function pods(c: Cluster): Pod[] {
  return c.store.list('Pod').sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
}

function slicesOf(c: Cluster, svc: string): EndpointSlice[] {
  return c.store.list('EndpointSlice').filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === svc);
}

test('the same topology gives the same objects, names, IPs and resourceVersions every run', (t) => {
  const a = loadCluster();
  const b = loadCluster();
  const dump = (c: Cluster) => JSON.stringify(['Node', 'Pod', 'Service', 'EndpointSlice', 'ReplicaSet'].map((k) => c.store.list(k as 'Pod')));
  t.is(dump(a), dump(b));
  t.is(a.store.resourceVersion, b.store.resourceVersion);
});

test('node podCIDRs: pinned ones kept, the others allocated in node order around them', (t) => {
  const c = cluster('');
  t.deepEqual(
    c.store.list('Node').map((n) => `${n.metadata.name} ${n.spec.podCIDR}`),
    ['cp 10.244.1.0/24', 'w1 10.244.2.0/24', 'w2 10.244.0.0/24', 'w3 10.244.3.0/24'],
  );
});

test('flannel SubnetLen decides the node subnet size', (t) => {
  const c = cluster(`---
apiVersion: v1
kind: ConfigMap
metadata: {name: kube-flannel-cfg, namespace: kube-flannel}
data:
  net-conf.json: '{"Network": "10.244.0.0/16", "SubnetLen": 26, "Backend": {"Type": "vxlan"}}'
`.replace('podCIDR: 10.244.0.0/24', ''));
  t.is(c.store.get('Node', undefined, 'cp')!.spec.podCIDR, '10.244.1.0/26');
});

test('Deployment → ReplicaSet <name>-<hash> → pods <rs>-<5 chars>, spread over schedulable nodes', (t) => {
  const c = cluster(deploy('web', 3));
  const rs = c.store.list('ReplicaSet');
  t.is(rs.length, 1);
  t.regex(rs[0]!.metadata.name, /^web-[bcdfghjklmnpqrstvwxz2456789]{9,10}$/);
  const ps = pods(c);
  t.is(ps.length, 3);
  for (const p of ps) {
    t.true(p.metadata.name.startsWith(`${rs[0]!.metadata.name}-`));
    t.regex(p.metadata.name.slice(rs[0]!.metadata.name.length + 1), /^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    t.is(p.metadata.labels!['pod-template-hash'], rs[0]!.metadata.name.slice(4));
  }
  // The control-plane taint keeps them off cp; one each on w1, w2, w3.
  t.deepEqual(ps.map((p) => p.spec.nodeName).sort(), ['w1', 'w2', 'w3']);
});

test('scheduling honours nodeName, nodeSelector and tolerations', (t) => {
  const c = cluster(`---
apiVersion: v1
kind: Pod
metadata: {name: pinned}
spec: {nodeName: w2, containers: [{name: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: ssd}
spec: {nodeSelector: {disk: ssd}, containers: [{name: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: tolerant}
spec:
  nodeSelector: {node-role.kubernetes.io/control-plane: ''}
  tolerations: [{key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}]
  containers: [{name: c}]
---
apiVersion: v1
kind: Pod
metadata: {name: nowhere}
spec: {nodeSelector: {disk: tape}, containers: [{name: c}]}
`);
  const where = Object.fromEntries(pods(c).map((p) => [p.metadata.name, `${p.spec.nodeName ?? '-'} ${p.status?.phase}`]));
  t.deepEqual(where, { pinned: 'w2 Running', ssd: 'w3 Running', tolerant: 'cp Running', nowhere: '- Pending' });
});

test('pod IPs in host-local order: .2 upward on the node subnet; hostNetwork pods take the node IP', (t) => {
  const c = cluster(`---
apiVersion: v1
kind: Pod
metadata: {name: a}
spec: {nodeName: w1, containers: [{name: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b}
spec: {nodeName: w1, containers: [{name: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: pinned}
spec: {nodeName: w1, containers: [{name: c}]}
status: {podIP: 10.244.2.3}
---
apiVersion: v1
kind: Pod
metadata: {name: host}
spec: {nodeName: w1, hostNetwork: true, containers: [{name: c}]}
`);
  const ip = (n: string) => c.store.get('Pod', 'default', n)!.status!.podIP;
  t.is(ip('a'), '10.244.2.2');
  t.is(ip('b'), '10.244.2.4', 'skips the pinned .3');
  t.is(ip('pinned'), '10.244.2.3');
  t.is(ip('host'), '192.168.0.2');
  t.is(c.store.get('Pod', 'default', 'a')!.status!.hostIP, '192.168.0.2');
});

test('host-local hands out the address after the last one, not a freed one', (t) => {
  const c = cluster(`---
apiVersion: v1
kind: Pod
metadata: {name: a}
spec: {nodeName: w1, containers: [{name: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b}
spec: {nodeName: w1, containers: [{name: c}]}
`);
  c.store.delete('Pod', 'default', 'a');
  c.store.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'c', namespace: 'default' }, spec: { nodeName: 'w1', containers: [{ name: 'c' }] } });
  c.settle();
  t.is(c.store.get('Pod', 'default', 'c')!.status!.podIP, '10.244.2.4');
});

test('ClusterIPs: kubernetes the first address, kube-dns the tenth, others upward; nodePorts from 30000', (t) => {
  const svc = (name: string, ns = 'default', type = 'ClusterIP') => `---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}}
spec: {type: ${type}, ports: [{name: a, port: 80}, {name: b, port: 81}]}
`;
  const c = cluster(svc('one', 'default', 'NodePort') + svc('kube-dns', 'kube-system') + svc('two', 'default', 'NodePort'));
  const get = (ns: string, n: string) => c.store.get('Service', ns, n)!.spec;
  t.is(get('default', 'kubernetes').clusterIP, '10.96.0.1');
  t.is(get('kube-system', 'kube-dns').clusterIP, '10.96.0.10');
  t.is(get('default', 'one').clusterIP, '10.96.0.2');
  t.is(get('default', 'two').clusterIP, '10.96.0.3');
  t.deepEqual(get('default', 'one').ports!.map((p) => p.nodePort), [30000, 30001]);
  t.deepEqual(get('default', 'two').ports!.map((p) => p.nodePort), [30002, 30003]);
  t.is(get('default', 'one').externalTrafficPolicy, 'Cluster');
});

test('the kubernetes Service points at the control-plane nodes on 6443', (t) => {
  const c = cluster('');
  const s = slicesOf(c, 'kubernetes');
  t.deepEqual(s.map((x) => [x.endpoints!.map((e) => e.addresses[0]), x.ports]), [[['192.168.0.1'], [{ name: 'https', port: 6443, protocol: 'TCP' }]]]);
});

test('DaemonSet: one pod per eligible node; StatefulSet: ordered names with hostname and subdomain', (t) => {
  const c = cluster(`---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: c}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c}]}
`);
  const agents = pods(c).filter((p) => p.metadata.name.startsWith('agent-'));
  t.deepEqual(agents.map((p) => p.spec.nodeName).sort(), ['w1', 'w2', 'w3'], 'the tainted control plane is skipped');
  const db = pods(c).filter((p) => p.metadata.name.startsWith('db-'));
  t.deepEqual(db.map((p) => [p.metadata.name, p.spec.hostname, p.spec.subdomain]), [['db-0', 'db-0', 'db'], ['db-1', 'db-1', 'db']]);
});

test('EndpointSlices follow scaling and pod deletion through watch events', (t) => {
  const c = cluster(`${deploy('web', 2)}---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
`);
  const addrs = () => slicesOf(c, 'web').flatMap((s) => (s.endpoints ?? []).map((e) => `${e.addresses[0]}@${e.nodeName}:${s.ports?.[0]?.port}`)).sort();
  t.is(addrs().length, 2);
  t.true(addrs().every((a) => a.endsWith(':8080')), 'the named targetPort resolves to the container port');
  const d = c.store.get('Deployment', 'default', 'web')!;
  c.store.update({ ...d, spec: { ...d.spec, replicas: 4 } });
  c.settle();
  t.is(addrs().length, 4);
  const victim = pods(c).find((p) => p.metadata.name.startsWith('web-'))!;
  c.store.delete('Pod', 'default', victim.metadata.name);
  c.settle();
  t.is(addrs().length, 4, 'the ReplicaSet replaced the deleted pod');
  t.false(slicesOf(c, 'web').some((s) => s.endpoints!.some((e) => e.targetRef?.name === victim.metadata.name)));
  c.store.update({ ...c.store.get('Deployment', 'default', 'web')!, spec: { ...d.spec, replicas: 0 } });
  c.settle();
  t.deepEqual(addrs(), []);
  t.is(slicesOf(c, 'web').length, 1, 'an empty slice stays');
  c.store.delete('Service', 'default', 'web');
  c.settle();
  t.is(slicesOf(c, 'web').length, 0);
});

test('endpoint conditions: not-ready pods are ready=false, publishNotReadyAddresses overrides', (t) => {
  const c = cluster(`---
apiVersion: v1
kind: Pod
metadata: {name: p, labels: {app: x}}
spec: {nodeName: w1, containers: [{name: c}]}
status:
  phase: Running
  conditions: [{type: Ready, status: 'False'}]
---
apiVersion: v1
kind: Service
metadata: {name: plain}
spec: {selector: {app: x}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: eager}
spec: {selector: {app: x}, publishNotReadyAddresses: true, clusterIP: None, ports: [{port: 80}]}
`);
  t.deepEqual(slicesOf(c, 'plain')[0]!.endpoints![0]!.conditions, { ready: false, serving: false, terminating: false });
  t.deepEqual(slicesOf(c, 'eager')[0]!.endpoints![0]!.conditions, { ready: true, serving: false, terminating: false });
});
