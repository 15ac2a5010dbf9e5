// The xtables evaluator's registry, one extension at a time: what each match tests, what each
// target does to the walk, and the note knet leaves where it assumes.
import test from 'ava';
import { coin } from '../../src/kernel/choice.js';
import type { HookEnv, HookPacket, ProgramResult } from '../../src/kernel/hooks.js';
import { parseIptablesSave } from '../../src/kernel/netfilter/parse.js';
import { NetfilterError, runTable } from '../../src/kernel/netfilter/xt-eval.js';
import type { Rule } from '../../src/kernel/netfilter/rule.js';
import { RecentLists } from '../../src/kernel/recent.js';

const pkt = (over: Partial<HookPacket> = {}): HookPacket => ({
  family: 4,
  src: '10.244.1.2',
  dst: '10.96.0.10',
  proto: 'tcp',
  sport: 40000,
  dport: 80,
  inIface: 'cni0',
  mark: 0,
  ct: { state: 'NEW', dnat: false, snat: false, direction: 'original', origDst: '10.96.0.10', origDport: 80, mark: 0 },
  ...over,
});

const env = (over: Partial<HookEnv> = {}): HookEnv => ({
  addrType: (ip, iface) => (ip === '192.168.2.101' && (iface === undefined || iface === 'eth0') ? 'LOCAL' : 'UNICAST'),
  choose: () => 0,
  now: () => 0,
  ipsets: { test: (name, dims, p) => (name === 'blocked' ? dims[0] === 'src' && p.src === '10.244.1.2' : undefined) },
  ifaceOf: () => undefined,
  ...over,
});

function run(table: string, rules: string[], p = pkt(), e = env(), chains: string[] = []): ProgramResult {
  const hook = table === 'raw' ? 'PREROUTING' : 'FORWARD';
  const text = `*${table}\n:${hook} ACCEPT [0:0]\n${chains.map((c) => `:${c} - [0:0]\n`).join('')}${rules.map((r) => `-A ${r}\n`).join('')}COMMIT\n`;
  return runTable(parseIptablesSave(text, 'test'), table as 'filter', hook, p, e, { recent: new RecentLists(), nth: new Map<Rule, number>() });
}

const notes = (r: ProgramResult): string[] => r.evidence.flatMap((e) => (e.kind === 'rule' && e.assumed ? [e.assumed] : e.kind === 'note' ? [e.text] : []));

test('-m set: a hit drops, a miss goes on, an unknown set is said and taken as not matching', (t) => {
  t.is(run('filter', ['FORWARD -m set --match-set blocked src -j DROP']).verdict, 'drop');
  t.is(run('filter', ['FORWARD -m set --match-set blocked src -j DROP'], pkt({ src: '10.244.2.9' })).verdict, 'accept');
  t.is(run('filter', ['FORWARD -m set ! --match-set blocked src -j DROP'], pkt({ src: '10.244.2.9' })).verdict, 'drop');
  const unknown = run('filter', ['FORWARD -m set --match-set nosuch dst -j DROP']);
  t.is(unknown.verdict, 'accept');
  t.deepEqual(notes(unknown), ['filter FORWARD rule 1 (-A FORWARD -m set --match-set nosuch dst -j DROP): ipset nosuch is not on this node (give its dump with --ipset-save NODE=FILE): taken as not matching']);
});

test('TCPMSS, CHECKSUM, TOS, TTL, LOG go on to the next rule, each with what knet made of it', (t) => {
  const r = run('filter', [
    'FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu',
    'FORWARD -j CHECKSUM --checksum-fill',
    'FORWARD -j TOS --set-tos 0x10/0x3f',
    'FORWARD -j TTL --ttl-inc 1',
    'FORWARD -j LOG --log-prefix "x "',
    'FORWARD -j DROP',
  ]);
  t.is(r.verdict, 'drop');
  t.is(r.evaluated, 6);
  t.deepEqual(notes(r), [
    "TCPMSS clamps the SYN's MSS option; the path is unchanged",
    'CHECKSUM fills in the checksum; the path is unchanged',
    'TOS rewrites the TOS field; the path is unchanged',
    'TTL rewrites the TTL; knet keeps counting its own hops',
  ]);
});

test('NOTRACK and CT --notrack untrack the packet and go on; other CT options are said', (t) => {
  const a = run('raw', ['PREROUTING -j NOTRACK', 'PREROUTING -j ACCEPT']);
  t.true(a.notrack);
  t.is(a.evaluated, 2);
  t.true(run('raw', ['PREROUTING -p tcp -j CT --notrack']).notrack);
  const z = run('raw', ['PREROUTING -j CT --zone 1']);
  t.falsy(z.notrack);
  t.deepEqual(notes(z), ['CT --zone (conntrack helpers/zones/timeouts) is not modelled: the connection is tracked as usual']);
});

test('MARK and CONNMARK: the kernel\'s xmark arithmetic on packet and connection marks', (t) => {
  t.is(run('filter', ['FORWARD -j MARK --set-xmark 0x4000/0x4000', 'FORWARD -j MARK --or-mark 0x1']).mark, 0x4001);
  t.is(run('filter', ['FORWARD -j MARK --and-mark 0xff'], pkt({ mark: 0x4001 })).mark, 0x1);
  const saved = run('filter', ['FORWARD -j MARK --set-mark 0x20', 'FORWARD -j CONNMARK --save-mark']);
  t.is(saved.ctMark, 0x20);
  const restored = run('filter', ['FORWARD -j CONNMARK --restore-mark', 'FORWARD -m mark --mark 0x7 -j DROP'], pkt({ ct: { ...pkt().ct, mark: 0x7 } }));
  t.is(restored.verdict, 'drop');
  t.is(run('filter', ['FORWARD -m connmark --mark 0x7 -j DROP'], pkt({ ct: { ...pkt().ct, mark: 0x7 } })).verdict, 'drop');
});

test('statistic --mode nth counts every packet the rule sees; --mode random asks the chooser', (t) => {
  const state = { recent: new RecentLists(), nth: new Map<Rule, number>() };
  const rs = parseIptablesSave('*filter\n:FORWARD ACCEPT [0:0]\n-A FORWARD -m statistic --mode nth --every 3 --packet 0 -j DROP\nCOMMIT\n', 't');
  const seq = [0, 1, 2, 3, 4, 5].map(() => runTable(rs, 'filter', 'FORWARD', pkt(), env(), state).verdict);
  t.deepEqual(seq, ['drop', 'accept', 'accept', 'drop', 'accept', 'accept']);
  const asked: string[] = [];
  const r = run('filter', ['FORWARD -m statistic --mode random --probability 0.25 -j DROP'], pkt(), env({ choose: (c) => (asked.push(c.what), 1) }));
  t.is(r.verdict, 'accept');
  t.deepEqual(asked, ['statistic --probability 0.25']);
  t.deepEqual(coin('x', 0.25).options.map((o) => o.weight), [0.25, 0.75]);
});

test('limit is assumed under its rate; an unknown match is assumed to match; both say so', (t) => {
  const r = run('filter', ['FORWARD -m limit --limit 1/sec -j ACCEPT']);
  t.is(r.verdict, 'accept');
  t.deepEqual(notes(r), ['-m limit: knet sends one packet, which is always under the limit']);
  const u = run('filter', ['FORWARD -m string --algo bm --string GET -j DROP']);
  t.is(u.verdict, 'drop');
  t.deepEqual(notes(u), ['-m string is not modelled by knet: taken as matching']);
});

test('conntrack --ctorigdst/--ctorigdstport/--ctstate DNAT read the original tuple and status', (t) => {
  const p = pkt({ dst: '10.244.2.3', ct: { state: 'NEW', dnat: true, snat: false, direction: 'original', origDst: '10.96.0.10', origDport: 53, mark: 0 } });
  t.is(run('filter', ['FORWARD -m conntrack --ctorigdst 10.96.0.0/12 --ctorigdstport 53 -j DROP'], p).verdict, 'drop');
  t.is(run('filter', ['FORWARD -m conntrack --ctorigdst 10.96.0.11 -j DROP'], p).verdict, 'accept');
  t.is(run('filter', ['FORWARD -m conntrack --ctstate DNAT -j DROP'], p).verdict, 'drop');
});

test('addrtype --limit-iface-in tests the address type on the incoming interface only', (t) => {
  const local = pkt({ dst: '192.168.2.101', inIface: 'eth0' });
  t.is(run('filter', ['FORWARD -m addrtype --dst-type LOCAL --limit-iface-in -j DROP'], local).verdict, 'drop');
  t.is(run('filter', ['FORWARD -m addrtype --dst-type LOCAL --limit-iface-in -j DROP'], { ...local, inIface: 'cni0' }).verdict, 'accept');
});

test('an unmodelled terminating target is taken as ACCEPT and said; a jump to a missing chain is an error', (t) => {
  const q = run('filter', ['FORWARD -j NFQUEUE --queue-num 1', 'FORWARD -j DROP']);
  t.is(q.verdict, 'accept');
  t.deepEqual(notes(q), ['-j NFQUEUE is not modelled by knet: the packet is taken as accepted here']);
  const rs = parseIptablesSave('*filter\n:FORWARD ACCEPT [0:0]\n:A - [0:0]\n-A FORWARD -j A\nCOMMIT\n', 't');
  rs.tables.get('filter')!.chains.delete('A');
  t.throws(() => runTable(rs, 'filter', 'FORWARD', pkt(), env(), { recent: new RecentLists(), nth: new Map() }), {
    instanceOf: NetfilterError,
    message: 'filter FORWARD rule 1 jumps to chain A, which does not exist',
  });
});
