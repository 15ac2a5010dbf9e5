// The nft base chains as hook programs: verdict-map lookups (one rule evaluated, the element
// named), numgen as a choice among N, jump/goto/return, marks, NAT requests, affinity sets
// filled by `update`, and a note for what knet does not model.
import test from 'ava';
import type { Choice } from '../../src/kernel/choice.js';
import type { HookEnv, HookPacket } from '../../src/kernel/hooks.js';
import { nftPrograms } from '../../src/kernel/nftables/evaluate.js';
import { NftRuleset } from '../../src/kernel/nftables/ruleset.js';
import { applyNft } from '../../src/kernel/nftables/transaction.js';

const RULES = `table ip t {
	set aff {
		type ipv4_addr
		flags dynamic,timeout
		timeout 3h
	}

	map svc {
		type ipv4_addr . inet_proto . inet_service : verdict
		elements = { 10.96.0.1 . tcp . 80 : goto lb }
	}

	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		ct original ip saddr 1.2.3.4 drop
		ip daddr . meta l4proto . th dport vmap @svc
	}

	chain lb {
		ip saddr @aff goto ep1
		numgen random mod 2 vmap { 0 : goto ep0, 1 : goto ep1 }
	}

	chain ep0 {
		meta mark set meta mark | 0x00004000
		meta l4proto tcp dnat to 10.244.0.5:8080
	}

	chain ep1 {
		update @aff { ip saddr }
		meta l4proto tcp dnat to 10.244.1.5:8080
	}
}
`;

function setup(): { rs: NftRuleset; run: (pick: number, now?: number) => { r: ReturnType<ReturnType<typeof nftPrograms>[number]['run']>; choices: Choice[] } } {
  const rs = new NftRuleset();
  applyNft(rs, RULES, { file: 'rules.nft', now: 0 });
  const [pre] = nftPrograms(rs);
  const run = (pick: number, now = 0) => {
    const choices: Choice[] = [];
    const env: HookEnv = { addrType: () => 'UNICAST', choose: (c) => (choices.push(c), pick), now: () => now, ipsets: { test: () => undefined }, ifaceOf: () => undefined };
    const p: HookPacket = { family: 4, src: '10.244.2.9', dst: '10.96.0.1', proto: 'tcp', sport: 4000, dport: 80, mark: 0, ct: { state: 'NEW', dnat: false, snat: false, direction: 'original', origDst: '10.96.0.1', origDport: 80, mark: 0 } };
    return { r: pre!.run(p, env), choices };
  };
  return { rs, run };
}

test('a base chain is a program at its hook and priority', (t) => {
  const { rs } = setup();
  t.deepEqual(nftPrograms(rs).map((p) => [p.name, p.family, p.hook, p.priority, p.type]), [['ip t pre', 4, 'prerouting', -100, 'nat']]);
});

test('map lookup, numgen choice, mark and DNAT; evaluated counts rules, not elements', (t) => {
  const { run } = setup();
  const { r, choices } = run(0);
  t.deepEqual(choices, [{ what: 'numgen random mod 2', options: [{ label: 'goto ep0', weight: 1 }, { label: 'goto ep1', weight: 1 }] }]);
  t.is(r.verdict, 'accept');
  t.deepEqual(r.nat, { kind: 'DNAT', addr: '10.244.0.5', port: 8080, by: 4 });
  t.is(r.mark, 0x4000);
  t.is(r.evaluated, 6);
  const rules = r.evidence.filter((e) => e.kind === 'rule');
  t.deepEqual(
    rules.map((e) => (e.kind === 'rule' ? [e.chain, e.position, e.action, e.element ?? '', e.branch?.probability ?? ''] : [])),
    [
      ['pre', 2, 'goto lb', '10.96.0.1 . tcp . 80 : goto lb', ''],
      ['lb', 2, 'goto ep0', '0 : goto ep0', 0.5],
      ['ep0', 1, 'meta mark set meta mark | 0x00004000', '', ''],
      ['ep0', 2, 'dnat to 10.244.0.5:8080', '', ''],
    ],
  );
  t.deepEqual(r.evidence[0], { kind: 'note', text: 'nft: knet does not model ct original ip saddr; the rule using it is taken not to match' });
});

test('update @set records the client; the next connection within the timeout sticks, after it draws again', (t) => {
  const { rs, run } = setup();
  t.is(run(1).r.nat?.addr, '10.244.1.5');
  t.is(rs.table('ip', 't')!.sets.get('aff')!.elements.get('10.244.2.9')?.expiresAt, 3 * 3600 * 1000);
  const again = run(0, 1000);
  t.deepEqual(again.choices, []);
  t.is(again.r.nat?.addr, '10.244.1.5');
  // the second connection refreshed the entry: it lasts 3h from then
  t.is(run(0, 3 * 3600 * 1000 + 999).r.nat?.addr, '10.244.1.5');
  t.is(run(0, 2 * 3 * 3600 * 1000 + 2000).r.nat?.addr, '10.244.0.5');
});
