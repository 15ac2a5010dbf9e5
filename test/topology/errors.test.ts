// Every class of bad topology input: one line naming file, line and field; exit 1. Warnings go
// to stderr and the command still runs.
import test from 'ava';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { knet } from '../helpers/cli.js';

const HEADER = `apiVersion: knet.dev/v1alpha1
kind: Cluster
metadata: {name: t}
spec:
  nodes:
    - {name: n1, ip: 192.168.0.1, roles: [control-plane]}
    - {name: n2, ip: 192.168.0.2}
`;

const dir = mkdtempSync(join(tmpdir(), 'knet-errors-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
async function load(yaml: string, ...args: string[]) {
  const file = join(dir, `t${n++}.yaml`);
  writeFileSync(file, yaml);
  const r = await knet('get', 'pods', '-A', '-f', file, ...args);
  return { ...r, err: r.err.split(file).join('FILE') };
}

const cases: [string, string, string][] = [
  ['YAML syntax error', `${HEADER}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: [a\n`,
    'FILE:14:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]'],
  ['Job whose pods would restart', `${HEADER}---\napiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n      containers: [{name: c}]\n`,
    'FILE:15: Job default/j: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'],
  ['Endpoints address that is no IP', `${HEADER}---\napiVersion: v1\nkind: Endpoints\nmetadata: {name: e}\nsubsets:\n  - addresses: [{ip: db.example}]\n`,
    'FILE:13: Endpoints default/e: subsets[0].addresses[0].ip: "db.example" is not a valid IP address'],
  ['ReplicationController selector that does not match the template', `${HEADER}---\napiVersion: v1\nkind: ReplicationController\nmetadata: {name: r}\nspec:\n  selector: {app: a}\n  template:\n    metadata: {labels: {app: b}}\n    spec: {containers: [{name: c}]}\n`,
    'FILE:15: ReplicationController default/r: spec.template.metadata.labels: `selector` does not match template `labels`'],
  ['container port out of range in a Deployment template', `${HEADER}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {app: x}}\n  template:\n    metadata: {labels: {app: x}}\n    spec:\n      containers:\n        - name: c\n          ports:\n            - {containerPort: 80}\n            - {containerPort: 70000}\n`,
    'FILE:21: Deployment default/d: spec.template.spec.containers[0].ports[1].containerPort: 70000 must be between 1 and 65535, inclusive'],
  ['second container without a name', `${HEADER}---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n    - image: x\n`,
    'FILE:15: Pod default/p: spec.containers[1].name: Required value'],
  ['missing kind', `${HEADER}---\napiVersion: v1\nmetadata: {name: g}\n`,
    'FILE:9: object g: kind: Required value'],
  ['missing required field', `${HEADER}---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n    - protocol: TCP\n`,
    'FILE:14: Service default/s: spec.ports[0].port: Required value'],
  ['missing metadata.name', `${HEADER}---\napiVersion: v1\nkind: Service\nmetadata: {namespace: x}\nspec:\n  ports: [{port: 80}]\n`,
    'FILE:11: Service x/<unnamed>: metadata.name: Required value'],
  ['invalid IP', `${HEADER}---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  clusterIP: 10.96.0.300\n  ports: [{port: 80}]\n`,
    'FILE:13: Service default/s: spec.clusterIP: "10.96.0.300" is not a valid IP address'],
  ['invalid CIDR', HEADER.replace('{name: n2, ip: 192.168.0.2}', '{name: n2, ip: 192.168.0.2, podCIDR: 10.244.1.0/33}'),
    'FILE:7: Cluster t: spec.nodes[1].podCIDR: "10.244.1.0/33" is not a valid CIDR'],
  ['service IP outside the service range', `${HEADER}---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  clusterIP: 10.200.0.3\n  ports: [{port: 80}]\n`,
    'FILE:13: Service default/s: spec.clusterIP: 10.200.0.3 is outside the service subnet 10.96.0.0/12'],
  ['pod IP outside the pod range', `${HEADER}---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c}]\nstatus:\n  podIP: 10.9.0.5\n`,
    'FILE:15: Pod default/p: status.podIP: 10.9.0.5 is outside the cluster pod subnet 10.244.0.0/16'],
  ['pod IP outside its node podCIDR', `${HEADER}---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  nodeName: n2\n  containers: [{name: c}]\nstatus:\n  podIP: 10.244.0.5\n`,
    'FILE:16: Pod default/p: status.podIP: 10.244.0.5 is outside the podCIDR 10.244.1.0/24 of node n2'],
  ['duplicate service IP', `${HEADER}---\napiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  clusterIP: 10.96.0.50\n  ports: [{port: 80}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b, namespace: other}\nspec:\n  clusterIP: 10.96.0.50\n  ports: [{port: 80}]\n`,
    'FILE:20: Service other/b: spec.clusterIP: 10.96.0.50 is already allocated to Service default/a'],
  ['duplicate pod IP', `${HEADER}---\napiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c}]}\nstatus: {podIP: 10.244.1.9}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec: {containers: [{name: c}]}\nstatus: {podIP: 10.244.1.9}\n`,
    'FILE:19: Pod default/b: status.podIP: 10.244.1.9 is already the IP of Pod default/a'],
  ['duplicate nodePort', `${HEADER}---\napiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  type: NodePort\n  ports: [{port: 80, nodePort: 30080}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b}\nspec:\n  type: NodePort\n  ports: [{port: 81, nodePort: 30080}]\n`,
    'FILE:21: Service default/b: spec.ports[0].nodePort: 30080 is already allocated to Service default/a'],
  ['nodePort outside the range', `${HEADER}---\napiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  type: NodePort\n  ports: [{port: 80, nodePort: 8080}]\n`,
    'FILE:14: Service default/a: spec.ports[0].nodePort: 8080 is outside the node port range 30000-32767'],
  ['two nodes with one IP', HEADER.replace('ip: 192.168.0.2', 'ip: 192.168.0.1'),
    'FILE:7: Cluster t: spec.nodes[1].ip: 192.168.0.1 is already the IP of node n1'],
  ['overlapping podCIDRs', HEADER.replace('{name: n1, ip: 192.168.0.1, roles: [control-plane]}', '{name: n1, ip: 192.168.0.1, podCIDR: 10.244.0.0/23}').replace('{name: n2, ip: 192.168.0.2}', '{name: n2, ip: 192.168.0.2, podCIDR: 10.244.1.0/24}'),
    'FILE:7: Cluster t: spec.nodes[1].podCIDR: 10.244.1.0/24 overlaps the podCIDR of node n1'],
  ['podCIDR outside the cluster pod subnet', HEADER.replace('{name: n2, ip: 192.168.0.2}', '{name: n2, ip: 192.168.0.2, podCIDR: 10.9.0.0/24}'),
    'FILE:7: Cluster t: spec.nodes[1].podCIDR: 10.9.0.0/24 is outside the cluster pod subnet 10.244.0.0/16'],
  ['pod bound to an unknown node', `${HEADER}---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  nodeName: n9\n  containers: [{name: c}]\n`,
    'FILE:13: Pod default/p: spec.nodeName: node "n9" is not in the cluster'],
  ['selector that does not match the template', `${HEADER}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {app: x}}\n  template:\n    metadata: {labels: {app: y}}\n    spec: {containers: [{name: c}]}\n`,
    'FILE:15: Deployment default/d: spec.template.metadata.labels: `selector` does not match template `labels`'],
  ['wrong type', `${HEADER}---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports: [{port: eighty}]\n`,
    'FILE:13: Service default/s: spec.ports[0].port: must be an integer, got "eighty"'],
  ['kube-proxy duration that is none', `${HEADER}---\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nconntrack:\n  tcpEstablishedTimeout: soon\n`,
    'FILE:12: KubeProxyConfiguration <unnamed>: conntrack.tcpEstablishedTimeout: "soon" is not a duration (e.g. 24h0m0s, 1h, 30s)'],
  ['unsupported enum value', `${HEADER}---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  type: Magic\n  ports: [{port: 80}]\n`,
    'FILE:13: Service default/s: spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "NodePort", "LoadBalancer", "ExternalName"'],
  ['no nodes at all', `apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n`,
    'FILE: no nodes: add a "kind: Cluster" header (knet.dev/v1alpha1) listing spec.nodes, or Node objects'],
];

for (const [name, yaml, message] of cases) {
  test(`error: ${name}`, async (t) => {
    const r = await load(yaml);
    t.is(r.code, 1);
    t.is(r.out, '');
    t.is(r.err, `${message}\n`);
  });
}

test('a missing file is one line, exit 1', async (t) => {
  const r = await knet('get', 'pods', '-f', join(dir, 'nope.yaml'));
  t.is(r.code, 1);
  t.is(r.err, `${join(dir, 'nope.yaml')}: no such file or directory\n`);
});

test('warning: a selector that matches no pod', async (t) => {
  const r = await load(`${HEADER}---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  selector: {app: ghost}\n  ports: [{port: 80}]\n`, '-o', 'wide');
  t.is(r.code, 0);
  t.is(r.err, 'Warning: FILE:13: Service default/s: spec.selector: selector app=ghost matches no pod: the Service has no endpoints\nNo resources found\n');
});

test('warning: a targetPort name no selected pod declares', async (t) => {
  const r = await load(
    `${HEADER}---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {app: web}}\nspec:\n  containers: [{name: c, ports: [{name: http, containerPort: 8080}]}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  selector: {app: web}\n  ports: [{port: 80, targetPort: https}]\n`,
  );
  t.is(r.code, 0);
  t.is(r.err, 'Warning: FILE:20: Service default/s: spec.ports[0].targetPort: no selected pod declares a container port named "https" (TCP)\n');
});

test('warning: leading zeros are read as kube-proxy reads them', async (t) => {
  const r = await load(`${HEADER}---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  clusterIP: 10.96.0.041\n  ports: [{port: 80}]\n`, '-o', 'wide');
  t.is(r.code, 0);
  t.regex(r.err, /^Warning: FILE:13: Service default\/s: spec.clusterIP: "10.96.0.041" is not in canonical form \(kube-apiserver would refuse it\); read as 10.96.0.41\n/);
});

test('warning: a second KubeProxyConfiguration is the one used, said with where the first is', async (t) => {
  const kp = (mode: string) => `---\napiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: ${mode}\n`;
  const r = await load(`${HEADER}${kp('iptables')}${kp('ipvs')}`);
  t.is(r.code, 0);
  t.is(r.err, 'Warning: FILE:13: KubeProxyConfiguration <unnamed>: a second kube-proxy configuration (the first is at FILE:9); this one is used\nNo resources found\n');
});

test('usage errors exit 2', async (t) => {
  t.is((await knet('get')).code, 2);
  t.is((await knet('get', 'gizmos')).code, 2);
  t.is((await knet('get', 'gizmos')).err, 'error: the server doesn\'t have a resource type "gizmos"\n');
  t.is((await knet('get', 'pods', '-o', 'xml')).code, 2);
  t.is((await knet('nonsense')).code, 2);
});
