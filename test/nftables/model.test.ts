// The nft model against the real nft: inputs in test/nftables/fixtures/*.nft with what nft 1.0.6
// listed for them (*.list, captured from `nft -f` + `nft list ruleset` in a netns), the list form
// parsing back to itself, nft's error lines for each class of bad input, atomic transactions,
// and the knftables dump of sets, maps, chains and elements.
import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { dumpRuleset, sortTransaction } from '../../src/kernel/nftables/dump.js';
import { formatRuleset } from '../../src/kernel/nftables/print.js';
import { NftRuleset } from '../../src/kernel/nftables/ruleset.js';
import { applyNft } from '../../src/kernel/nftables/transaction.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

function load(text: string, file = 'in.nft'): NftRuleset {
  const rs = new NftRuleset();
  applyNft(rs, text, { file, now: 0 });
  return rs;
}

for (const f of readdirSync(FIXTURES).filter((x) => x.endsWith('.nft'))) {
  test(`fixture ${f}: knet lists it as the real nft did`, (t) => {
    const real = readFileSync(join(FIXTURES, f.replace(/\.nft$/, '.list')), 'utf8');
    const rs = load(readFileSync(join(FIXTURES, f), 'utf8'), f);
    t.is(formatRuleset(rs, 0), real);
    t.is(formatRuleset(load(real, 'listed'), 0), real, 'the listed form reads back to itself');
  });
}

function errorOf(text: string): string {
  const rs = load('add table ip t\nadd chain ip t c\nadd set ip t s { type ipv4_addr ; }\n');
  const before = formatRuleset(rs, 0);
  try {
    applyNft(rs, text, { file: '/dev/stdin', now: 0 });
  } catch (e) {
    if (formatRuleset(rs, 0) !== before) return 'NOT ATOMIC';
    return (e as Error).message;
  }
  return 'no error';
}

const ERRORS: [string, string, string][] = [
  ['rule in a chain that does not exist', 'add rule ip t nope accept\n', '/dev/stdin:1:1-3: Error: Could not process rule: No such file or directory'],
  ['jump to a chain that does not exist', 'add rule ip t c accept\nadd rule ip t c jump nope\n', '/dev/stdin:2:17-20: Error: Could not process rule: No such file or directory'],
  ['lookup in a set that does not exist', 'add rule ip t c ip saddr @nope drop\n', '/dev/stdin:1:17-18: Error: Could not process rule: No such file or directory'],
  ['table that does not exist', 'add chain ip nope c\n', '/dev/stdin:1:1-3: Error: Could not process rule: No such file or directory'],
  ['create an existing table', 'create table ip t\n', '/dev/stdin:1:1-6: Error: Could not process rule: File exists'],
  ['delete a chain something jumps to', 'add chain ip t d\nadd rule ip t c jump d\ndelete chain ip t d\n', '/dev/stdin:3:1-6: Error: Could not process rule: Device or resource busy'],
  ['delete a set a rule uses', 'add rule ip t c ip saddr @s drop\ndelete set ip t s\n', '/dev/stdin:2:1-6: Error: Could not process rule: Device or resource busy'],
  ['element of the wrong type', 'add element ip t s { tcp }\n', '/dev/stdin:1:22-24: Error: Could not parse ipv4 addr: tcp'],
  ['unknown statement', 'add rule ip t c frobnicate\n', '/dev/stdin:1:17-26: Error: syntax error, unexpected "frobnicate"'],
  ['unknown command', 'list ruleset\n', '/dev/stdin:1:1-4: Error: syntax error, unexpected "list"'],
  ['unterminated string', 'add rule ip t c accept comment "x\n', '/dev/stdin:1:32-33: Error: syntax error, unterminated string'],
  ['unknown datatype', 'add set ip t u { type frob ; }\n', '/dev/stdin:1:23-26: Error: unknown datatype frob'],
  ['priority name the hook has not', 'add chain ip t b { type filter hook forward priority dstnat ; }\n', "/dev/stdin:1:54-59: Error: 'dstnat' is invalid priority in this context."],
];

for (const [what, text, want] of ERRORS) {
  test(`error: ${what} — nft's one line, nothing applied`, (t) => {
    t.is(errorOf(text), want);
  });
}

test('a failing transaction leaves everything as it was (chains, rules, elements, order)', (t) => {
  const rs = load('add table ip t\nadd chain ip t a\nadd chain ip t b\nadd rule ip t a jump b\nadd map ip t m { type ipv4_addr : verdict ; }\nadd element ip t m { 10.0.0.1 : goto b }\n');
  const before = formatRuleset(rs, 0);
  t.throws(() => applyNft(rs, 'flush chain ip t a\ndelete element ip t m { 10.0.0.1 }\ndelete chain ip t b\nadd chain ip t z\nadd rule ip t z goto nope\n', { file: 'tx', now: 0 }));
  t.is(formatRuleset(rs, 0), before);
});

test('a chain is busy while a rule or verdict-map element sends to it, free once those are gone, busy again after a rollback', (t) => {
  const rs = load('add table ip t\nadd chain ip t a\nadd chain ip t b\nadd rule ip t a jump b\nadd rule ip t a goto b\nadd map ip t m { type ipv4_addr : verdict ; }\nadd element ip t m { 10.0.0.1 : goto b }\n');
  const busy = /Device or resource busy/;
  t.throws(() => applyNft(rs, 'flush chain ip t a\ndelete chain ip t b\n', { file: 'tx', now: 0 }), { message: busy });
  t.throws(() => applyNft(rs, 'flush map ip t m\ndelete chain ip t b\n', { file: 'tx', now: 0 }), { message: busy });
  t.throws(() => applyNft(rs, 'flush chain ip t a\nflush map ip t m\ndelete chain ip t b\nadd rule ip t a goto nope\n', { file: 'tx', now: 0 }));
  t.throws(() => applyNft(rs, 'delete chain ip t b\n', { file: 'tx', now: 0 }), { message: busy });
  applyNft(rs, 'flush chain ip t a\ndelete element ip t m { 10.0.0.1 }\ndelete chain ip t b\n', { file: 'tx', now: 0 });
  t.false(rs.table('ip', 't')!.chains.has('b'));
});

test('the knftables dump: objects by name, each chain\'s rules in order, then elements', (t) => {
  const rs = load(
    'add table ip t { comment "c" ; }\nadd chain ip t z\nadd chain ip t b { type nat hook prerouting priority -100 ; }\nadd set ip t s { type ipv4_addr ; flags dynamic,timeout ; timeout 60s ; }\n' +
      'add map ip t m { type inet_proto . inet_service : verdict ; comment "m" ; }\nadd rule ip t b jump z comment "first"\nadd rule ip t b update @s { ip saddr }\nadd element ip t m { tcp . 80 comment "ns/svc:http" : goto z }\n',
  );
  t.is(
    dumpRuleset(rs),
    [
      'add table ip t { comment "c" ; }',
      'add chain ip t b { type nat hook prerouting priority -100 ; }',
      'add chain ip t z',
      'add set ip t s { type ipv4_addr ; flags dynamic,timeout ; timeout 60s ; }',
      'add map ip t m { type inet_proto . inet_service : verdict ; comment "m" ; }',
      'add rule ip t b jump z comment "first"',
      'add rule ip t b update @s { ip saddr }',
      'add element ip t m { tcp . 80 comment "ns/svc:http" : goto z }',
      '',
    ].join('\n'),
  );
});

test('sortTransaction: by type, then name; rules keep their order within a chain', (t) => {
  const text = '# x\nadd rule ip t b accept\nadd element ip t s { 1.1.1.1 }\nadd chain ip t b\n\nadd rule ip t b drop\nadd table ip t\nadd rule ip t a return\n';
  t.is(sortTransaction(text), 'add table ip t\nadd chain ip t b\nadd rule ip t a return\nadd rule ip t b accept\nadd rule ip t b drop\nadd element ip t s { 1.1.1.1 }\n');
});
