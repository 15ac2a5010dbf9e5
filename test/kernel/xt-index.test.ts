// The evaluator's destination index on long chains: it may skip straight to the rules that can
// match, but the rules evaluated, the evidence and the verdict are the kernel's linear walk's.
import test from 'ava';
import type { HookEnv, HookPacket, ProgramResult } from '../../src/kernel/hooks.js';
import { parseIptablesSave } from '../../src/kernel/netfilter/parse.js';
import type { Rule } from '../../src/kernel/netfilter/rule.js';
import type { Ruleset } from '../../src/kernel/netfilter/ruleset.js';
import { runTable } from '../../src/kernel/netfilter/xt-eval.js';
import { RecentLists } from '../../src/kernel/recent.js';

const pkt = (dst: string): HookPacket => ({
  family: 4,
  src: '10.244.1.2',
  dst,
  proto: 'tcp',
  sport: 40000,
  dport: 80,
  inIface: 'cni0',
  mark: 0,
  ct: { state: 'NEW', dnat: false, snat: false, direction: 'original', origDst: dst, origDport: 80, mark: 0 },
});

const env: HookEnv = { addrType: () => 'UNICAST', choose: () => 0, now: () => 0, ipsets: { test: () => undefined }, ifaceOf: () => undefined };

function load(forward: string[], sub: string[]): Ruleset {
  const lines = [...forward.map((r) => `-A FORWARD ${r}`), ...sub.map((r) => `-A SUB ${r}`)];
  return parseIptablesSave(`*filter\n:FORWARD ACCEPT [0:0]\n:SUB - [0:0]\n${lines.join('\n')}\nCOMMIT\n`, 'test');
}

const run = (rs: Ruleset, dst: string): ProgramResult => runTable(rs, 'filter', 'FORWARD', pkt(dst), env, { recent: new RecentLists(), nth: new Map<Rule, number>() });

const evidence = (r: ProgramResult): string[] => r.evidence.map((e) => (e.kind === 'rule' ? `${e.chain} ${e.position}: ${e.text}` : e.kind));

// 60 rules in FORWARD, 40 in SUB: one per Service address, with rules the index cannot key
// (a source match, a negated and a /24 destination, a jump without -d) among them.
const forward = Array.from({ length: 60 }, (_, k) => `-d 10.96.0.${k + 1}/32 -p tcp -m tcp --dport 80 -j MARK --set-xmark 0x${(k + 1).toString(16)}/0x${(k + 1).toString(16)}`);
forward[9] = '-s 10.244.0.0/16 -j MARK --set-xmark 0x1000/0x1000';
forward[19] = '! -d 10.96.0.30/32 -j DROP';
forward[24] = '-d 10.96.0.0/24 -m comment --comment "a prefix" -j MARK --set-xmark 0x2000/0x2000';
forward[29] = '-d 10.96.0.30/32 -p udp -j DROP';
forward[30] = '-d 10.96.0.30/32 -p tcp -j ACCEPT';
forward[39] = '-j SUB';
const sub = Array.from({ length: 40 }, (_, k) => `-d 10.96.0.${k + 1}/32 -j RETURN`);
sub[4] = '-d 10.96.0.45/32 -j DROP';
const rs = load(forward, sub);

test('a packet meeting the index: every rule up to the verdict counted, evidence in order', (t) => {
  const r = run(rs, '10.96.0.30');
  t.is(r.verdict, 'accept');
  t.is(r.evaluated, 31);
  t.deepEqual(evidence(r), [
    'FORWARD 10: -A FORWARD -s 10.244.0.0/16 -j MARK --set-xmark 0x1000/0x1000',
    'FORWARD 25: -A FORWARD -d 10.96.0.0/24 -m comment --comment "a prefix" -j MARK --set-xmark 0x2000/0x2000',
    'FORWARD 31: -A FORWARD -d 10.96.0.30/32 -p tcp -j ACCEPT',
  ]);
  t.is(r.mark, 0x3000);
});

test('a jump and a RETURN through an indexed user chain count the rules of both chains', (t) => {
  // To an address no rule names: the negated rule 20 drops it.
  const miss = run(rs, '10.96.0.99');
  t.is(miss.verdict, 'drop');
  t.is(miss.evaluated, 20);
  t.deepEqual(evidence(miss), ['FORWARD 10: -A FORWARD -s 10.244.0.0/16 -j MARK --set-xmark 0x1000/0x1000', 'FORWARD 20: -A FORWARD ! -d 10.96.0.30/32 -j DROP']);
  // Without the negated rule: FORWARD 1-40 (the jump at 40), then SUB 1-5 drops it.
  const open = load(forward.map((r, i) => (i === 19 ? '-d 10.96.0.200/32 -j DROP' : r)), sub);
  const r = run(open, '10.96.0.45');
  t.is(r.verdict, 'drop');
  t.is(r.evaluated, 40 + 5);
  t.deepEqual(evidence(r), [
    'FORWARD 10: -A FORWARD -s 10.244.0.0/16 -j MARK --set-xmark 0x1000/0x1000',
    'FORWARD 25: -A FORWARD -d 10.96.0.0/24 -m comment --comment "a prefix" -j MARK --set-xmark 0x2000/0x2000',
    'FORWARD 40: -A FORWARD -j SUB',
    'SUB 5: -A SUB -d 10.96.0.45/32 -j DROP',
  ]);
  // FORWARD 1-40, SUB 1-40 ends without a match, back to FORWARD 41-60, then the policy.
  const back = run(open, '10.96.0.50');
  t.is(back.verdict, 'accept');
  t.is(back.evaluated, 40 + 40 + 20);
  t.deepEqual(evidence(back).slice(2), ['FORWARD 40: -A FORWARD -j SUB', 'FORWARD 50: -A FORWARD -d 10.96.0.50/32 -p tcp -m tcp --dport 80 -j MARK --set-xmark 0x32/0x32']);
});

test('the index follows edits of the chain (a rule inserted before the match moves it)', (t) => {
  const local = load(forward, sub);
  const before = run(local, '10.96.0.30');
  t.is(before.evaluated, 31);
  const chain = local.table('filter').chain('FORWARD')!;
  const extra = parseIptablesSave('*filter\n:FORWARD ACCEPT [0:0]\n-A FORWARD -d 10.96.0.30/32 -j DROP\nCOMMIT\n', 'extra').table('filter').chain('FORWARD')!.rules[0]!;
  chain.insert(extra, 3);
  const after = run(local, '10.96.0.30');
  t.is(after.verdict, 'drop');
  t.is(after.evaluated, 3);
  t.deepEqual(evidence(after), ['FORWARD 3: -A FORWARD -d 10.96.0.30/32 -j DROP']);
});
