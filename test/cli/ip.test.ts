// knet ip / bridge / flannel on the default topology: whole outputs against golden files, and
// the errors for unknown nodes, pods, devices and objects.
import test from 'ava';
import { knet } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';

const NODES = ['k8s-master', 'k8s-node1', 'k8s-node2'];
const VIEWS = [
  ['ip', 'addr'],
  ['ip', 'link'],
  ['ip', 'route'],
  ['ip', 'route', 'show', 'table', 'local'],
  ['ip', 'neigh'],
  ['bridge', 'fdb', 'show'],
  ['flannel', 'subnet-env'],
  ['ip', '-d', 'link', 'show', 'flannel.1'],
];

for (const node of NODES) {
  test(`node views of ${node}`, async (t) => {
    let out = '';
    for (const v of VIEWS) {
      const r = await knet(...v, '--node', node);
      t.is(r.code, 0, r.err);
      t.is(r.err, '');
      out += `$ knet ${v.join(' ')} --node ${node}\n${r.out}\n`;
    }
    t.is(out, golden(`kernel/kubeadm-3node-${node}.txt`, out));
  });
}

test('pod views: pod-a namespace', async (t) => {
  let out = '';
  for (const v of [['ip', 'addr'], ['ip', 'route'], ['ip', 'route', 'show', 'table', 'local'], ['ip', 'neigh'], ['bridge', 'fdb']]) {
    const r = await knet(...v, '--pod', 'pod-a');
    t.is(r.code, 0, r.err);
    out += `$ knet ${v.join(' ')} --pod pod-a\n${r.out}\n`;
  }
  t.is(out, golden('kernel/kubeadm-3node-pod-a.txt', out));
});

test('dev filters drop the dev column as ip and bridge do', async (t) => {
  t.is((await knet('ip', '--node', 'k8s-node1', 'route', 'show', 'dev', 'eth0')).out, 'default via 192.168.2.1 \n192.168.2.0/24 proto kernel scope link src 192.168.2.101 \n');
  const fdb = (await knet('bridge', '--node', 'k8s-node1', 'fdb', 'show', 'dev', 'flannel.1')).out;
  t.regex(fdb, /^([0-9a-f:]{17} dst 192\.168\.2\.10[02] self permanent\n){2}$/);
  const addr = await knet('ip', '--pod', 'pod-a', '-n', 'default', '-4', 'addr', 'show', 'eth0');
  t.regex(addr.out, /^2: eth0@if\d+: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UP group default qlen 1000 link-netnsid 0\n    inet 10\.244\.1\.\d+\/24 brd 10\.244\.1\.255 scope global eth0\n       valid_lft forever preferred_lft forever\n$/);
});

test('a hostNetwork pod shows its node namespace', async (t) => {
  const pods = await knet('get', 'pods', '-n', 'kube-flannel', '-o', 'wide');
  const line = pods.out.split('\n').find((l) => l.includes('k8s-node2'))!;
  const name = line.split(/\s+/)[0]!;
  const viaPod = await knet('ip', '--pod', name, '-n', 'kube-flannel', 'route');
  const viaNode = await knet('ip', '--node', 'k8s-node2', 'route');
  t.is(viaPod.code, 0, viaPod.err);
  t.is(viaPod.out, viaNode.out);
});

test('unknown node, pod, device and object are one-line errors naming what exists', async (t) => {
  const node = await knet('ip', '--node', 'k8s-node9', 'route');
  t.is(node.code, 1);
  t.is(node.err, 'error: node "k8s-node9" not found; known nodes: k8s-master, k8s-node1, k8s-node2\n');
  const pod = await knet('ip', '--pod', 'nope', '-n', 'kube-system', 'addr');
  t.is(pod.code, 1);
  t.regex(pod.err, /^error: pod "nope" not found in namespace "kube-system"; known pods: coredns-[^\n]*\n$/);
  const wrongNode = await knet('ip', '--pod', 'pod-a', '--node', 'k8s-master', 'addr');
  t.is(wrongNode.err, 'error: pod default/pod-a runs on node k8s-node1, not k8s-master\n');
  const dev = await knet('ip', '--node', 'k8s-node1', 'addr', 'show', 'dev', 'eth9');
  t.deepEqual([dev.code, dev.err], [1, 'Device "eth9" does not exist.\n']);
  const rdev = await knet('ip', '--node', 'k8s-node1', 'route', 'show', 'dev', 'eth9');
  t.deepEqual([rdev.code, rdev.err], [1, 'Cannot find device "eth9"\n']);
  const fdev = await knet('bridge', '--node', 'k8s-node1', 'fdb', 'show', 'dev', 'eth9');
  t.deepEqual([fdev.code, fdev.err], [1, 'Cannot find device "eth9"\n']);
  const obj = await knet('ip', '--node', 'k8s-node1', 'frob');
  t.deepEqual([obj.code, obj.err], [2, 'Object "frob" is unknown, try "knet ip --help".\n']);
  const table = await knet('ip', '--node', 'k8s-node1', 'route', 'show', 'table', 'nope');
  t.is(table.code, 2);
  const none = await knet('ip', 'route');
  t.deepEqual([none.code, none.err], [2, 'error: --node NODE (or --pod POD) is required\n']);
  const details = await knet('ip', '--node', 'k8s-node1', '-d', 'link', 'show', 'cni0');
  t.deepEqual([details.code, details.err], [1, 'error: knet models `ip -d link` details for vxlan devices only (cni0 is bridge)\n']);
  const bobj = await knet('bridge', '--node', 'k8s-node1', 'vlan');
  t.is(bobj.code, 2);
  const fl = await knet('flannel', '--node', 'k8s-node1', 'leases');
  t.is(fl.code, 2);
});
