// The netfilter model's text forms: parsing iptables-save / restore / -S text, refusing what
// iptables-restore refuses (with file and line), and printing the save form back unchanged.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../src/api/errors.js';
import { saveProbability } from '../../src/kernel/netfilter/extensions.js';
import { parseIptablesSave } from '../../src/kernel/netfilter/parse.js';
import { formatSave } from '../../src/kernel/netfilter/save.js';
import { knet } from '../helpers/cli.js';
import { VECTORS } from '../helpers/iptables-vector.js';

const DUMPS = join(VECTORS, '..', 'real-dumps');

test('a save dump parses into the model and prints back byte for byte (round trip)', (t) => {
  for (const v of ['01-overall-iptables-rules', '02-sync-repeated-1-initial']) {
    const text = readFileSync(join(VECTORS, v, 'kernel-save.txt'), 'utf8');
    t.is(formatSave(parseIptablesSave(text, 'kernel-save.txt'), { header: false }), text);
  }
});

test('kube-proxy restore words become the kernel save form (iptables-restore + iptables-save)', (t) => {
  const v = join(VECTORS, '01-overall-iptables-rules');
  const rs = parseIptablesSave(readFileSync(join(v, 'expected.txt'), 'utf8'), 'expected.txt');
  t.is(formatSave(rs, { header: false }), readFileSync(join(v, 'kernel-save.txt'), 'utf8'));
  const r = rs.table('nat').chain('KUBE-SVC-NUKIZ6OKUXPJNT4C')!.rules[1]!;
  t.deepEqual(r.spec.matches.map((m) => m.name), ['comment', 'recent']);
  t.deepEqual(r.spec.matches[1]!.options.map((o) => o.name), ['--name', '--rcheck', '--seconds', '--reap']);
  t.is(r.spec.target?.name, 'KUBE-SEP-I77PXRDZVX7PMWMN');
});

test('an iptables -S dump of a real node loads, other components\' chains included', (t) => {
  const rs = parseIptablesSave(readFileSync(join(DUMPS, 'kubeadm-flannel-node.nat.S.txt'), 'utf8'), 'kubeadm-flannel-node.nat.S.txt');
  const nat = rs.table('nat');
  t.truthy(nat.chain('DOCKER'));
  t.is(nat.chain('POSTROUTING')!.rules.length, 6);
  t.regex(formatSave(rs), /-A POSTROUTING -s 10\.244\.0\.0\/16 ! -d 224\.0\.0\.0\/4 -j MASQUERADE\n/);
});

test('a rule iptables-restore refuses is an InputError naming file and line', (t) => {
  const e = t.throws(() => parseIptablesSave(readFileSync(join(DUMPS, 'weave-node.nat.S.txt'), 'utf8'), 'weave-node.nat.S.txt'), { instanceOf: InputError });
  t.regex(e!.message, /^weave-node\.nat\.S\.txt:48: .*-jKUBE-SEP-OEY6JJQSBCQPRKHS/);
  const undeclared = t.throws(() => parseIptablesSave('*nat\n:A - [0:0]\n-A A -j KUBE-NOWHERE\nCOMMIT\n', 'x.rules'), { instanceOf: InputError });
  t.is(undeclared!.message, "x.rules:3: chain 'KUBE-NOWHERE' does not exist (rule in A; iptables-restore refuses the whole table)");
  t.throws(() => parseIptablesSave('*nat\n-A B -j ACCEPT\nCOMMIT\n', 'y.rules'), { message: /^y\.rules:2: chain 'B' does not exist/ });
  t.throws(() => parseIptablesSave('*bogus\nCOMMIT\n', 'z.rules'), { message: 'z.rules:1: unknown table "bogus"' });
  t.throws(() => parseIptablesSave('*nat\n:A - [0:0]\n-A A -m comment --comment "open\nCOMMIT\n', 'q.rules'), { message: 'q.rules:3: unterminated quote' });
});

test('probabilities print as the kernel stores them (11 decimals, ties to even)', (t) => {
  t.is(saveProbability('0.5000000000'), '0.50000000000');
  t.is(saveProbability('0.3333333333'), '0.33333333349');
  t.is(saveProbability('0.0002441406'), '0.00024414062');
});

test('knet rules iptables: unknown node is exit 1 naming the node and the known ones', async (t) => {
  const r = await knet('rules', 'iptables', '--node', 'nope');
  t.is(r.code, 1);
  t.is(r.err, 'node "nope" is not in the cluster (nodes: k8s-master, k8s-node1, k8s-node2)\n');
});

test('knet rules iptables --count: rules per table and chain of the full sync', async (t) => {
  const r = await knet('rules', 'iptables', '--node', 'k8s-node1', '--count', '--table', 'filter');
  t.is(r.code, 0);
  t.is(
    r.out,
    [
      'TABLE    CHAIN                    RULES',
      'filter   KUBE-EXTERNAL-SERVICES   0',
      'filter   KUBE-FIREWALL            1',
      'filter   KUBE-FORWARD             3',
      'filter   KUBE-NODEPORTS           0',
      'filter   KUBE-PROXY-FIREWALL      0',
      'filter   KUBE-SERVICES            0',
      'filter   total                    4',
      '',
    ].join('\n'),
  );
});
