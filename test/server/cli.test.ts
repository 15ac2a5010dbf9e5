// `knet serve` and `--server` refusals: one line each, exit 2 for usage, 1 for bad input.
import test from 'ava';
import { knet } from '../helpers/cli.js';

test('knet serve: a bad --listen, --store or --request-timeout is a usage error', async (t) => {
  t.deepEqual(await knet('serve', '--listen', 'nowhere'), { code: 2, out: '', err: '--listen "nowhere": want HOST:PORT, e.g. 127.0.0.1:6443\n' });
  t.deepEqual(await knet('serve', '--store', 'redis://x'), { code: 2, out: '', err: '--store "redis://x": want memory or etcd://HOST:PORT\n' });
  t.deepEqual(await knet('serve', '--request-timeout', 'soon'), { code: 2, out: '', err: '--request-timeout "soon": want whole seconds\n' });
});

test('knet serve -f of a missing or broken topology: the file named, exit 1, nothing served', async (t) => {
  t.deepEqual(await knet('serve', '--listen', '127.0.0.1:0', '-f', 'nope.yaml'), { code: 1, out: '', err: 'nope.yaml: no such file or directory\n' });
});

test('--server: with -f, not a URL, or nothing listening', async (t) => {
  t.deepEqual(await knet('get', 'pods', '-f', 'topologies/kubeadm-3node.yaml', '--server', 'http://127.0.0.1:1'), { code: 2, out: '', err: 'error: -f and --server name two sources; give one\n' });
  t.deepEqual(await knet('trace', '--server', 'ftp://x', 'pod-a', 'svc/nginx'), { code: 2, out: '', err: 'error: --server "ftp://x": want http://HOST:PORT or https://HOST:PORT\n' });
  const refused = await knet('rules', 'iptables', '--node', 'k8s-node1', '--server', 'http://127.0.0.1:1');
  t.deepEqual(refused, { code: 1, out: '', err: '--server http://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1\n' });
});
