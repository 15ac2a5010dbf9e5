// Manifests of the shapes people apply (written for these tests): every one loads, with exactly
// the warnings expected, and what it made is listed with kubectl's columns.
import test from 'ava';
import { join } from 'node:path';
import { TOPOLOGIES_DIR } from '../../src/topology/load.js';
import { knet } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';

const FIXTURES = 'test/fixtures/manifests';
const BASE = join(TOPOLOGIES_DIR, 'kubeadm-3node.yaml');
const NO_EFFECT = 'not modelled by knet (it does not change the data plane); kept in the store';

const CASES: { fixture: string; views: string[][]; warnings: string[]; alone?: string[] }[] = [
  {
    fixture: 'flannel-rbac',
    views: [['get', 'sa,clusterroles,clusterrolebindings,roles,rolebindings', '-A', '-o', 'wide']],
    warnings: [
      `flannel-rbac.yaml:4: ServiceAccount kube-flannel/flannel: ${NO_EFFECT}`,
      `flannel-rbac.yaml:11: ClusterRole flannel: ${NO_EFFECT}`,
      `flannel-rbac.yaml:23: ClusterRoleBinding flannel: ${NO_EFFECT}`,
      `flannel-rbac.yaml:36: Role kube-system/leases: ${NO_EFFECT}`,
      `flannel-rbac.yaml:46: RoleBinding kube-system/leases: ${NO_EFFECT}`,
    ],
  },
  {
    fixture: 'statefulset-storage',
    views: [['get', 'sc,secrets,pdb,pvc,svc,ep,sts,pods', '--show-labels']],
    warnings: [
      `statefulset-storage.yaml:4: StorageClass local-path: ${NO_EFFECT}`,
      `statefulset-storage.yaml:12: Secret default/db-pass: ${NO_EFFECT}`,
      `statefulset-storage.yaml:20: PodDisruptionBudget default/db: ${NO_EFFECT}`,
      'statefulset-storage.yaml:35: Service default/db: metadata.labels.app: duplicate key (first at line 34); the last value wins, as kubectl does',
      `statefulset-storage.yaml:68: PersistentVolumeClaim default/scratch: ${NO_EFFECT}`,
    ],
  },
  {
    fixture: 'jobs-and-rc',
    views: [['get', 'all', '-o', 'wide'], ['get', 'ep', 'legacy', '-o', 'yaml']],
    warnings: ["jobs-and-rc.yaml:26: Job default/migrate: knet runs no containers: the Job's pods stay Running and never complete"],
  },
  {
    fixture: 'endpoints-mirroring',
    views: [['get', 'endpoints,endpointslices'], ['get', 'endpointslices', '-l', 'kubernetes.io/service-name=external-db', '-o', 'yaml'], ['trace', 'pod-a', 'svc/external-db', '--all-paths']],
    warnings: [],
  },
  {
    fixture: 'hostport',
    views: [['get', 'pods', '-A', '-o', 'wide', '--field-selector', 'metadata.namespace!=kube-flannel'], ['get', 'pods', '--field-selector', 'status.phase=Pending', '-o', 'json']],
    warnings: [
      "hostport.yaml:21: Pod default/edge-674ff7dfd-f5cxc: stays Pending: 0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't have free ports for the requested pod ports. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
    ],
  },
  {
    fixture: 'ingress-policy-crd',
    views: [['get', 'ingresses,netpol,crd,backups'], ['get', 'bk', 'nightly', '-o', 'yaml']],
    warnings: [
      'ingress-policy-crd.yaml:3: Ingress default/web: not modelled by knet (no ingress controller runs, so nothing serves it); kept in the store',
      'ingress-policy-crd.yaml:16: NetworkPolicy default/deny-all: not enforced: flannel (the CNI knet models) does not implement NetworkPolicy, so traffic flows as if it were absent; kept in the store',
      `ingress-policy-crd.yaml:24: CustomResourceDefinition backups.example.com: ${NO_EFFECT}`,
      `ingress-policy-crd.yaml:38: Backup default/nightly: custom resource of backups.example.com: ${NO_EFFECT}`,
      'ingress-policy-crd.yaml:45: Widget default/w1: unknown kind "Widget" (apiVersion widgets.example.org/v1; no CustomResourceDefinition in the topology defines it): not modelled by knet; kept in the store',
    ],
  },
  {
    fixture: 'nodes-dump',
    alone: [`${FIXTURES}/nodes-dump.yaml`, `${FIXTURES}/calico-pods.yaml`],
    views: [['get', 'nodes', '-o', 'wide'], ['get', 'nodes', 'w1', '-o', 'yaml'], ['get', 'pods', '-o', 'wide']],
    warnings: [
      "nodes-dump.yaml:13: Node cp1: metadata.annotations: the cluster runs Calico (projectcalico.org/ annotations); knet models flannel VXLAN and host-local IPAM (pods take addresses from their node's podCIDR) in its place",
      `${FIXTURES}/nodes-dump.yaml, ${FIXTURES}/calico-pods.yaml: no ClusterConfiguration or flannel ConfigMap: the cluster pod subnet is taken as 192.168.0.0/16, the smallest prefix (at most a /16) holding every Node's podCIDR`,
      "calico-pods.yaml:17: Pod default/web-0: status.podIP: 192.168.166.193 is outside the podCIDR 192.168.1.0/24 of node w1 (another CNI's IPAM chose it): knet's CNI (flannel, bridge, host-local) cannot wire that address, so the pod gets no network namespace",
    ],
  },
];

for (const c of CASES) {
  test(`manifests: ${c.fixture} loads with the warnings expected`, async (t) => {
    const files = (c.alone ?? [BASE, `${FIXTURES}/${c.fixture}.yaml`]).flatMap((f) => ['-f', f]);
    let out = '';
    for (const args of c.views) {
      const r = await knet(...args, ...files);
      t.is(r.code, 0, r.err);
      const warnings = r.err.split('\n').filter(Boolean);
      t.deepEqual(
        warnings,
        c.warnings.map((w) => `Warning: ${w.startsWith(FIXTURES) ? w : `${FIXTURES}/${w}`}`),
      );
      out += `$ knet ${args.join(' ')}\n${r.out}\n`;
    }
    t.is(out, golden(`manifests/${c.fixture}.txt`, out));
  });
}

test('a pod of another CNI has no network namespace: traces from it are refused in one line', async (t) => {
  const r = await knet('trace', 'web-0', 'svc/web', '-f', `${FIXTURES}/nodes-dump.yaml`, '-f', `${FIXTURES}/calico-pods.yaml`);
  t.is(r.code, 1);
  t.is(r.err.split('\n').filter((l) => !l.startsWith('Warning: ')).join('\n'), 'pod default/web-0 has no network namespace on w1\n');
});

test('get: an unknown resource type and an unsupported field selector are errors', async (t) => {
  const a = await knet('get', 'widgets');
  t.is(a.code, 2);
  t.is(a.err, 'error: the server doesn\'t have a resource type "widgets"\n');
  const b = await knet('get', 'pods', '--field-selector', 'spec.foo=bar');
  t.is(b.code, 1);
  t.is(b.err, 'Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector "", field selector "spec.foo=bar": field label not supported: spec.foo\n');
  const c = await knet('get', 'pods', '--field-selector', 'spec.nodeName');
  t.is(c.code, 2);
  t.is(c.err, "error: invalid selector: 'spec.nodeName'; can't understand 'spec.nodeName'\n");
  const d = await knet('get', 'all', 'x');
  t.is(d.code, 2);
});
