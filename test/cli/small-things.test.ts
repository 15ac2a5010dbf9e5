// The small things a user hits at once: a closed pipe, names dig would refuse, a port already in
// use, `ip route get` and `ip -br`, namespaces on either side of a trace.
import test from 'ava';
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { knet } from '../helpers/cli.js';
import { golden } from '../helpers/golden.js';

const dir = mkdtempSync(join(tmpdir(), 'knet-small-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test('knet … | head ends quietly: exit 0, nothing on stderr', async (t) => {
  const big = join(dir, 'big.yaml');
  writeFileSync(
    big,
    `apiVersion: knet.dev/v1alpha1
kind: Cluster
metadata: {name: big}
spec:
  nodes:
    - {name: n1, ip: 192.168.0.1, roles: [control-plane]}
    - {name: n2, ip: 192.168.0.2}
    - {name: n3, ip: 192.168.0.3}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 300
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]}
`,
  );
  // pipefail: the status is knet's own, not head's.
  const r = await new Promise<{ code: number | null; err: string; out: string }>((resolve) => {
    const p = spawn('bash', ['-c', `set -o pipefail; node bin/knet.js get pods -o yaml -f ${big} | head -n 2`]);
    let err = '';
    let out = '';
    p.stderr.on('data', (d: Buffer) => (err += d));
    p.stdout.on('data', (d: Buffer) => (out += d));
    p.on('close', (code) => resolve({ code, err, out }));
  });
  t.is(r.err, '');
  t.is(r.out, 'apiVersion: v1\nitems:\n');
  t.is(r.code, 0);
});

test('dns: an empty name or an empty label is a usage error, as dig refuses them', async (t) => {
  const a = await knet('dns', 'resolve', '', '--from', 'pod-a');
  t.deepEqual([a.code, a.err], [2, 'error: the name is empty\n']);
  const b = await knet('dns', 'query', 'a..b');
  t.deepEqual([b.code, b.err], [2, "error: 'a..b' is not a legal name (empty label)\n"]);
  const c = await knet('dns', 'query', `${'x'.repeat(64)}.example`);
  t.deepEqual([c.code, c.err], [2, `error: '${'x'.repeat(64)}.example' is not a legal name (label too long)\n`]);
  const d = await knet('dns', 'query', '.');
  t.is(d.code, 0, d.err);
});

test('dns serve on a port already in use is one line, exit 1 (UDP or TCP taken)', async (t) => {
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((res) => udp.bind(0, '127.0.0.1', () => res()));
  const port = udp.address().port;
  try {
    const r = await knet('dns', 'serve', '--listen', `127.0.0.1:${port}`, '--max-seconds', '1');
    t.deepEqual([r.code, r.err], [1, `error: --listen 127.0.0.1:${port}: address already in use\n`]);
  } finally {
    udp.close();
  }
  const tcp = net.createServer();
  await new Promise<void>((res) => tcp.listen(0, '127.0.0.1', () => res()));
  const tport = (tcp.address() as net.AddressInfo).port;
  try {
    const r = await knet('dns', 'serve', '--listen', `127.0.0.1:${tport}`, '--max-seconds', '1');
    t.deepEqual([r.code, r.err], [1, `error: --listen 127.0.0.1:${tport}: address already in use\n`]);
  } finally {
    tcp.close();
  }
});

test('ip route get and ip -br, byte for byte', async (t) => {
  let out = '';
  for (const args of [
    ['ip', 'route', 'get', '10.244.2.3', '--node', 'k8s-node1'],
    ['ip', 'route', 'get', '10.244.1.3', '--node', 'k8s-node1'],
    ['ip', 'route', 'get', '192.168.2.101', '--node', 'k8s-node1'],
    ['ip', 'route', 'get', '192.168.2.50', '--node', 'k8s-node1'],
    ['ip', 'route', 'get', '10.244.1.255', '--node', 'k8s-node1'],
    ['ip', 'route', 'get', '10.244.0.1', '--pod', 'pod-a'],
    ['ip', '-br', 'addr', '--node', 'k8s-node1'],
    ['ip', '-4', '-br', 'addr', '--pod', 'pod-a'],
    ['ip', '-br', 'link', '--node', 'k8s-node1'],
  ]) {
    const r = await knet(...args);
    t.is(r.code, 0, r.err);
    out += `$ knet ${args.join(' ')}\n${r.out}\n`;
  }
  t.is(out, golden('kernel/ip-route-get-brief.txt', out));
  const bad = await knet('ip', 'route', 'get', 'nowhere', '--node', 'k8s-node1');
  t.deepEqual([bad.code, bad.err], [2, 'Error: any valid prefix is expected rather than "nowhere".\n']);
  const none = await knet('ip', 'route', 'get', '--node', 'k8s-node1');
  t.deepEqual([none.code, none.err], [2, 'Error: need at least a destination address\n']);
});

test('-n names the source\'s namespace; the destination takes NS/NAME and svc/NS/NAME', async (t) => {
  const a = await knet('trace', '-n', 'kube-system', 'coredns-754bccc5bf-ndl7t', 'svc/default/nginx', '--no-reply');
  t.is(a.code, 0, a.err);
  t.regex(a.out, /^flow +pod kube-system\/coredns-754bccc5bf-ndl7t .* -> svc default\/nginx/m);
  const b = await knet('trace', 'pod-a', 'kube-system/coredns-754bccc5bf-ndl7t:53', '--proto', 'udp', '--no-reply');
  t.is(b.code, 0, b.err);
  t.regex(b.out, /^verdict +DELIVERED/m);
  const c = await knet('-n', 'kube-system', 'trace', 'pod-a', 'svc/nginx');
  t.is(c.code, 1);
  t.regex(c.err, /^pod "pod-a" not found in namespace kube-system/);
});

test('ip -6 on a dual-stack node: routes in fib6 dump order, route get as the kernel prints it', async (t) => {
  const dual = ['-f', 'topologies/dual-stack.yaml'];
  const r = await knet('ip', '-6', 'route', 'show', 'dev', 'flannel-v6.1', '--node', 'k8s-node2', ...dual);
  t.is(r.code, 0, r.err);
  t.is(
    r.out,
    'fd00:10:244::/64 via fd00:10:244:: metric 1024 onlink pref medium \n' +
      'fd00:10:244:1::/64 via fd00:10:244:1:: metric 1024 onlink pref medium \n' +
      'fd00:10:244:2:: proto kernel metric 256 pref medium \n' +
      'fe80::/64 proto kernel metric 256 pref medium \n',
  );
  const get = await knet('ip', '-6', 'route', 'get', 'fd00:10:244:1::3', '--node', 'k8s-node2', ...dual);
  t.is(get.out, 'fd00:10:244:1::3 from :: via fd00:10:244:1:: dev flannel-v6.1 src fd00:10:244:2:: metric 1024 pref medium\n');
  const pod = await knet('ip', '-6', 'route', '--pod', 'pod-a', ...dual);
  t.is(
    pod.out,
    'fd00:10:244:1::/64 dev eth0 proto kernel metric 256 pref medium \n' +
      'fd00:10:244::/56 via fd00:10:244:1::1 dev eth0 metric 1024 pref medium \n' +
      'fe80::/64 dev eth0 proto kernel metric 256 pref medium \n' +
      'default via fd00:10:244:1::1 dev eth0 metric 1024 pref medium \n',
  );
  const wrong = await knet('ip', '-4', 'route', 'get', 'fd00:10:244:1::3', '--node', 'k8s-node2', ...dual);
  t.is(wrong.code, 2);
  t.is(wrong.err, 'Error: inet prefix is expected rather than "fd00:10:244:1::3".\n');
});
