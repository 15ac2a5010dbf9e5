// -f, -n and --log-level also work before the command name, as kubectl's global flags do.
import test from 'ava';
import { hoistGlobalOptions } from '../../src/cli/main.js';
import { knet } from '../helpers/cli.js';

test('options before the command are moved after its words, before a --', (t) => {
  t.deepEqual(hoistGlobalOptions(['node', 'knet', '-n', 'kube-system', 'get', 'pods']), ['node', 'knet', 'get', 'pods', '-n', 'kube-system']);
  t.deepEqual(
    hoistGlobalOptions(['node', 'knet', '--log-level', 'warn', '-f', 'a.yaml', '--namespace=x', 'lab', 'exec', 'p', '--', 'ls', '-n']),
    ['node', 'knet', '--log-level', 'warn', 'lab', 'exec', 'p', '-f', 'a.yaml', '--namespace', 'x', '--', 'ls', '-n'],
  );
  t.deepEqual(hoistGlobalOptions(['node', 'knet', 'get', 'pods', '-n', 'x']), ['node', 'knet', 'get', 'pods', '-n', 'x']);
});

test('knet -n NS -f FILE get … lists the same as with the options after', async (t) => {
  const before = await knet('-n', 'kube-system', '-f', 'topologies/kubeadm-3node.yaml', 'get', 'pods');
  const after = await knet('get', 'pods', '-n', 'kube-system', '-f', 'topologies/kubeadm-3node.yaml');
  t.is(before.code, 0, before.err);
  t.is(before.out, after.out);
  t.regex(before.out, /^coredns-/m);
});
