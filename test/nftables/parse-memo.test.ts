// Rules read from their line without tokens, and rules built from an earlier rule of the same
// shape (addresses and jump/goto targets changed), must be what the ordinary reading of the same
// text makes — the `table { chain { … } }` block form goes through the cursor — and keep nft's
// errors, at the columns nft names.
import test from 'ava';
import { NftRuleset } from '../../src/kernel/nftables/ruleset.js';
import { applyNft } from '../../src/kernel/nftables/transaction.js';

// Each shape twice or more, so the later ones are built from the first.
const RULES = [
  'ip saddr 10.1.0.1 jump mark',
  'ip saddr 10.1.0.2 jump mark',
  'ip saddr 10.1.0.0/16 jump mark',
  'ip saddr 10.2.0.0/24 jump mark',
  'ip daddr 172.30.0.1 ip saddr != 10.0.0.0/8 jump mark',
  'ip daddr 172.30.0.2 ip saddr != 10.244.0.0/16 jump mark',
  'meta l4proto tcp dnat to 10.1.0.1:8080',
  'meta l4proto udp dnat to 10.1.0.2:53',
  'meta l4proto tcp dnat to 10.1.0.3',
  'meta l4proto tcp dnat to 10.1.0.4',
  'ip6 saddr fd00::1 jump mark',
  'ip6 saddr fd00::a:2 jump mark',
  'meta l4proto tcp dnat to [fd00::1]:8080',
  'meta l4proto tcp dnat to [fd00::2]:80',
  'numgen random mod 2 vmap { 0 : goto a , 1 : goto b }',
  'numgen random mod 2 vmap { 0 : goto b , 1 : jump a }',
  'numgen random mod 2 vmap { 0 : goto b , 1 : jump mark }',
  'ip daddr { 10.0.0.1 , 10.0.0.2 } goto a',
  'ip daddr { 10.0.0.3 , 10.0.0.4 } goto b',
  'ip saddr 010.1.0.9 jump mark',
];

function chainRules(rs: NftRuleset): string {
  const c = rs.table('inet', 't')!.chains.get('c')!;
  return JSON.stringify(
    c.rules.map((r) => ({ ...r, handle: 0 })),
    (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v),
  );
}

const HEAD = 'add table inet t\nadd chain inet t c\nadd chain inet t a\nadd chain inet t b\nadd chain inet t mark\n';

test('rules read from their lines and built from a shape equal the ordinary reading of the same text', (t) => {
  const lines = new NftRuleset();
  applyNft(lines, HEAD + RULES.map((r) => `add rule inet t c ${r}\n`).join(''), { file: 'lines', now: 0 });
  const block = new NftRuleset();
  applyNft(block, `table inet t {\nchain a {\n}\nchain b {\n}\nchain mark {\n}\nchain c {\n${RULES.join('\n')}\n}\n}\n`, { file: 'block', now: 0 });
  t.is(chainRules(lines), chainRules(block));
  t.is(rs0(lines).chainUse.get('mark'), 10);
  t.deepEqual([...rs0(lines).chainUse], [...rs0(block).chainUse]);
});

function rs0(rs: NftRuleset) {
  return rs.table('inet', 't')!;
}

function errorOf(text: string): string {
  const rs = new NftRuleset();
  applyNft(rs, HEAD, { file: 'head', now: 0 });
  try {
    applyNft(rs, text, { file: '/dev/stdin', now: 0 });
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

const ERRORS: [string, string, string][] = [
  ['an address that is none, in a known shape', 'add rule inet t c ip saddr 10.0.0.1 jump mark\nadd rule inet t c ip saddr 10.0.0.300 jump mark\n', '/dev/stdin:2:28-37: Error: Could not parse ipv4 addr: 10.0.0.300'],
  ['a DNAT target that is none, in a known shape', 'add rule inet t c meta l4proto tcp dnat to 10.0.0.1:80\nadd rule inet t c meta l4proto tcp dnat to 10.0.0.256:80\n', '/dev/stdin:2:44-56: Error: Could not parse ipv4 addr: 10.0.0.256'],
  ['a goto target that does not exist, in a known shape', 'add rule inet t c ip saddr 10.0.0.1 goto a\nadd rule inet t c ip saddr 10.0.0.2 goto nope\n', '/dev/stdin:2:19-20: Error: Could not process rule: No such file or directory'],
  ['an address of the other family', 'add rule inet t c ip saddr fd00::1 jump mark\n', '/dev/stdin:1:28-34: Error: Could not parse ipv4 addr: fd00::1'],
  ['a rule cut short by a brace', 'add rule inet t c ip saddr { 10.0.0.1 } }\n', '/dev/stdin:1:41-41: Error: syntax error, unexpected \'}\', expecting command'],
];

for (const [what, text, want] of ERRORS) {
  test(`error: ${what} — nft's line`, (t) => {
    t.is(errorOf(text), want);
  });
}
