// The node's ipsets: `ipset restore` input, `ipset save` / `ipset list` output as ipset 7.17
// prints them, `-m set` lookups per dimension, and one error line per kind of bad input.
import test from 'ava';
import { InputError } from '../../src/api/errors.js';
import type { HookPacket } from '../../src/kernel/hooks.js';
import { applyRestore, formatList, formatSave } from '../../src/kernel/ipset/format.js';
import { IpsetTable } from '../../src/kernel/ipset/table.js';

const INPUT = `create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536
add KUBE-CLUSTER-IP 10.20.30.41,tcp:80
add KUBE-CLUSTER-IP 10.20.30.41,udp:53
create KUBE-NODE-PORT-TCP bitmap:port range 0-65535
add KUBE-NODE-PORT-TCP 30004
add KUBE-NODE-PORT-TCP 3001
create KUBE-LOAD-BALANCER-SOURCE-CIDR hash:ip,port,net family inet hashsize 1024 maxelem 65536
add KUBE-LOAD-BALANCER-SOURCE-CIDR 1.2.3.4,tcp:80,10.0.0.0/8
create KUBE-LOOP-BACK hash:ip,port,ip family inet hashsize 1024 maxelem 65536
add KUBE-LOOP-BACK 10.0.1.1,tcp:80,10.0.1.1
`;

function loaded(): IpsetTable {
  const t = new IpsetTable();
  applyRestore(t, INPUT, 'sets.txt');
  return t;
}

const pkt = (src: string, dst: string, dport: number, proto: 'tcp' | 'udp' = 'tcp', sport = 40000): HookPacket => ({
  family: 4,
  src,
  dst,
  proto,
  sport,
  dport,
  mark: 0,
  ct: { state: 'NEW', dnat: false, snat: false, direction: 'original', origDst: dst, origDport: dport, mark: 0 },
});

test('ipset save: create lines with the kernel-chosen bucketsize/initval, bitmap members by port', (t) => {
  const out = formatSave(loaded());
  t.is(
    out.replace(/initval 0x[0-9a-f]{8}/g, 'initval X'),
    `create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval X
add KUBE-CLUSTER-IP 10.20.30.41,tcp:80
add KUBE-CLUSTER-IP 10.20.30.41,udp:53
create KUBE-NODE-PORT-TCP bitmap:port range 0-65535
add KUBE-NODE-PORT-TCP 3001
add KUBE-NODE-PORT-TCP 30004
create KUBE-LOAD-BALANCER-SOURCE-CIDR hash:ip,port,net family inet hashsize 1024 maxelem 65536 bucketsize 12 initval X
add KUBE-LOAD-BALANCER-SOURCE-CIDR 1.2.3.4,tcp:80,10.0.0.0/8
create KUBE-LOOP-BACK hash:ip,port,ip family inet hashsize 1024 maxelem 65536 bucketsize 12 initval X
add KUBE-LOOP-BACK 10.0.1.1,tcp:80,10.0.1.1
`,
  );
  // what ipset save prints, ipset restore reads back to the same state
  const again = new IpsetTable();
  applyRestore(again, out);
  t.is(formatSave(again), out);
});

test('ipset list: header, revision, memory, references, members', (t) => {
  const out = formatList(loaded(), (n) => (n === 'KUBE-CLUSTER-IP' ? 3 : 0), ['KUBE-CLUSTER-IP', 'KUBE-NODE-PORT-TCP']);
  t.is(
    out.replace(/initval 0x[0-9a-f]{8}/g, 'initval X'),
    `Name: KUBE-CLUSTER-IP
Type: hash:ip,port
Revision: 7
Header: family inet hashsize 1024 maxelem 65536 bucketsize 12 initval X
Size in memory: 312
References: 3
Number of entries: 2
Members:
10.20.30.41,tcp:80
10.20.30.41,udp:53

Name: KUBE-NODE-PORT-TCP
Type: bitmap:port
Revision: 3
Header: range 0-65535
Size in memory: 8264
References: 0
Number of entries: 2
Members:
3001
30004
`,
  );
});

test('-m set: each dimension compares the source or destination named', (t) => {
  const s = loaded();
  t.true(s.test('KUBE-CLUSTER-IP', ['dst', 'dst'], pkt('10.244.1.2', '10.20.30.41', 80)));
  t.false(s.test('KUBE-CLUSTER-IP', ['dst', 'dst'], pkt('10.244.1.2', '10.20.30.41', 80, 'udp')));
  t.true(s.test('KUBE-CLUSTER-IP', ['src', 'dst'], pkt('10.20.30.41', '10.1.1.1', 80)));
  t.true(s.test('KUBE-NODE-PORT-TCP', ['dst'], pkt('1.1.1.1', '192.168.2.101', 30004)));
  t.true(s.test('KUBE-LOOP-BACK', ['dst', 'dst', 'src'], pkt('10.0.1.1', '10.0.1.1', 80)));
  t.false(s.test('KUBE-LOOP-BACK', ['dst', 'dst', 'src'], pkt('10.0.1.2', '10.0.1.1', 80)));
  t.true(s.test('KUBE-LOAD-BALANCER-SOURCE-CIDR', ['dst', 'dst', 'src'], pkt('10.9.9.9', '1.2.3.4', 80)));
  t.false(s.test('KUBE-LOAD-BALANCER-SOURCE-CIDR', ['dst', 'dst', 'src'], pkt('11.9.9.9', '1.2.3.4', 80)));
  t.is(s.test('KUBE-NOPE', ['dst'], pkt('1.1.1.1', '1.1.1.1', 1)), undefined);
});

test('-exist: re-creating an identical set and re-adding an entry are no-ops', (t) => {
  const s = loaded();
  applyRestore(s, 'create KUBE-LOOP-BACK hash:ip,port,ip family inet hashsize 1024 maxelem 65536\nadd KUBE-LOOP-BACK 10.0.1.1,tcp:80,10.0.1.1\n', 'again.txt', true);
  t.is(s.get('KUBE-LOOP-BACK')!.members.size, 1);
});

const refusals: [string, string][] = [
  ['create X hash:mac', 'bad.txt:1: set type "hash:mac" is not one knet models (hash:ip, hash:ip,port, hash:ip,port,ip, hash:ip,port,net, hash:net, bitmap:port)'],
  ['create X hash:ip family inet9', 'bad.txt:1: family "inet9" is not inet or inet6'],
  ['create X bitmap:port', 'bad.txt:1: bitmap:port needs "range FROM-TO"'],
  ['create X hash:ip timeout 5', 'bad.txt:1: create option "timeout" is not one knet models for hash:ip'],
  ['add NOPE 1.2.3.4', 'bad.txt:1: ipset v7.17: The set with the given name does not exist'],
  ['create X hash:ip,port\nadd X 1.2.3.4,tcp:99999', 'bad.txt:2: ipset v7.17: Syntax error: cannot parse tcp:99999 as a proto:port'],
  ['create X hash:ip\nadd X 2001:db8::1', 'bad.txt:2: ipset v7.17: Syntax error: cannot parse 2001:db8::1: resolving to IPv4 address failed'],
  ['create X hash:ip\nadd X 1.2.3.4\nadd X 1.2.3.4', "bad.txt:3: ipset v7.17: Element cannot be added to the set: it's already added"],
  ['create X hash:ip\ndel X 1.2.3.4', "bad.txt:2: ipset v7.17: Element cannot be deleted from the set: it's not added"],
  ['create X hash:ip\ncreate X hash:net', 'bad.txt:2: ipset v7.17: Set cannot be created: set with the same name already exists'],
  ['create X bitmap:port range 1000-2000\nadd X 80', 'bad.txt:2: ipset v7.17: Element is out of the range of the set'],
  ['swap A B', 'bad.txt:1: ipset restore: unknown command "swap"'],
];
for (const [input, message] of refusals) {
  test(`ipset restore refuses: ${message}`, (t) => {
    t.throws(() => applyRestore(new IpsetTable(), input, 'bad.txt'), { instanceOf: InputError, message });
  });
}

test('entries are parsed once per type, family and text: the remembered answer is the one parsing gives, in every set and table', (t) => {
  const v4 = { family: 4 as const, hashsize: 1024, maxelem: 65536 };
  const a = new IpsetTable();
  const b = new IpsetTable();
  a.create('S', 'hash:ip,port', v4);
  b.create('S', 'hash:ip,port', v4);
  b.create('S6', 'hash:ip,port', { ...v4, family: 6 });
  b.create('N', 'hash:ip,port,net', v4);
  for (const tbl of [a, b]) {
    t.true(tbl.add('S', '10.0.0.1,80'));
    t.deepEqual([...tbl.get('S')!.members.keys()], ['10.0.0.1,tcp:80'], 'the default protocol filled in');
  }
  for (let i = 0; i < 2; i++) {
    t.throws(() => b.add('S6', '10.0.0.1,80'), { message: 'ipset v7.17: Syntax error: cannot parse 10.0.0.1: resolving to IPv6 address failed' });
    t.throws(() => b.add('N', '10.0.0.1,80'), { message: /is not a hash:ip,port,net element/ });
  }
  t.true(b.has('S', '10.0.0.1,tcp:80'));
});
