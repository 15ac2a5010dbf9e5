// A full sync hands a node's tables (kube-proxy's own model and the node kernel's) the input's
// chain groups by sharing its maps: each table must still behave as if it had its own copy —
// reading a group, a later restore or a deletion in one never shows in the other or in the input.
import test from 'ava';
import { applyRestore } from '../../src/kernel/netfilter/restore.js';
import { Ruleset, type ChainGroup, type ChainLines } from '../../src/kernel/netfilter/ruleset.js';

function group(svc: string, rule = '-j RETURN'): ChainGroup {
  const names = [`KUBE-SVC-${svc}`, `KUBE-SEP-${svc}`];
  const chains = new Map<string, ChainLines>(names.map((n) => [n, { table: 'nat', family: 4, text: `-A ${n} ${rule}\n`, count: 1 }]));
  return { chains, entryNames: [names[0]!], prefixes: ['KUBE-SVC-', 'KUBE-SEP-'] };
}

function input(groups: Record<string, ChainGroup>): Ruleset {
  const rs = new Ruleset(4, 'restore');
  const nat = rs.table('nat');
  nat.ensureChain('KUBE-SERVICES');
  for (const [id, g] of Object.entries(groups)) nat.setGroup(id, g);
  return rs;
}

const rulesOf = (rs: Ruleset, chain: string): string[] | undefined => rs.table('nat').chain(chain)?.rules.map((r) => r.text);

test('two kernels given the same full input keep their groups apart', (t) => {
  const a = new Ruleset(4, 'kernel');
  const b = new Ruleset(4, 'kernel');
  const full = input({ 'ns/a': group('A'), 'ns/b': group('B') });
  applyRestore(a, full);
  applyRestore(b, full);
  // reading a group in one kernel makes its chains objects there only
  t.deepEqual(rulesOf(a, 'KUBE-SVC-A'), ['-j RETURN']);
  t.deepEqual([...a.table('nat').objectNames()].filter((n) => n.startsWith('KUBE-SVC')), ['KUBE-SVC-A']);
  t.deepEqual([...b.table('nat').objectNames()].filter((n) => n.startsWith('KUBE-SVC')), []);
  // a partial restore into b changes b only
  applyRestore(b, input({ 'ns/b': group('B', '-j DROP') }));
  t.deepEqual(rulesOf(b, 'KUBE-SVC-B'), ['-j DROP']);
  t.deepEqual(rulesOf(a, 'KUBE-SVC-B'), ['-j RETURN']);
  // a deletion in a leaves b and the input as they were
  a.table('nat').deleteChain('KUBE-SEP-A', 'ns/a');
  t.is(a.table('nat').chain('KUBE-SEP-A'), undefined);
  t.deepEqual(rulesOf(b, 'KUBE-SEP-A'), ['-j RETURN']);
  t.true(full.table('nat').has('KUBE-SEP-A', 'ns/a'));
  t.is(full.table('nat').group('ns/a'), b.table('nat').group('ns/a'));
  t.is(a.ruleCount(), 3);
  t.is(b.ruleCount(), 4);
});

test('a kernel that already has groups takes a full input group by group', (t) => {
  const k = new Ruleset(4, 'kernel');
  applyRestore(k, input({ 'ns/a': group('A') }));
  t.deepEqual(rulesOf(k, 'KUBE-SVC-A'), ['-j RETURN']);
  const next = input({ 'ns/a': group('A', '-j DROP'), 'ns/c': group('C') });
  applyRestore(k, next);
  t.deepEqual(rulesOf(k, 'KUBE-SVC-A'), ['-j DROP']);
  t.deepEqual(rulesOf(k, 'KUBE-SVC-C'), ['-j RETURN']);
  // the input stays what it was: its group unread
  t.false([...next.table('nat').objectNames()].includes('KUBE-SVC-C'));
});
