// The restore text's chain order (KUBE-NODEPORTS, KUBE-SERVICES, KUBE-*, the rest, each by name)
// is computed from numeric keys of the names' first characters; it must equal a plain string
// sort for any names, including prefixes of each other, names sharing their first characters and
// characters outside the keys' alphabet, and a remembered order must never be reused for
// other chains.
import test from 'ava';
import { orderedChains } from '../../src/kernel/netfilter/chain-order.js';
import { Ruleset, type ChainGroup, type ChainLines } from '../../src/kernel/netfilter/ruleset.js';

function rank(n: string): number {
  return n === 'KUBE-NODEPORTS' ? 0 : n === 'KUBE-SERVICES' ? 1 : n.startsWith('KUBE-') ? 2 : 3;
}
const expected = (names: string[]): string[] => [...names].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));

/** Deterministic pseudo-random names over an alphabet. */
function names(count: number, alphabet: string, seed: number): string[] {
  let x = seed;
  const rnd = (n: number): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  const prefixes = ['KUBE-SEP-', 'KUBE-SVC-', 'KUBE-', 'CNI-', 'KUBE-SEP-AAAAAAA', ''];
  const out = new Set<string>();
  while (out.size < count) {
    let s = prefixes[rnd(prefixes.length)]!;
    for (let i = rnd(12); i >= 0; i--) s += alphabet[rnd(alphabet.length)];
    out.add(s);
  }
  return [...out];
}

function group(chains: string[]): ChainGroup {
  const m = new Map<string, ChainLines>(chains.map((n) => [n, { table: 'nat', family: 4, text: `-A ${n} -j RETURN\n`, count: 1 }]));
  return { chains: m, entryNames: [], prefixes: [''] };
}

function table(own: string[], groups: string[][]): ReturnType<Ruleset['table']> {
  const rs = new Ruleset(4, 'restore');
  const t = rs.table('nat');
  for (const n of own) t.ensureChain(n);
  groups.forEach((g, i) => t.setGroup(`g${i}`, group(g)));
  return t;
}

const alphabets: [string, string][] = [
  ['kube-proxy hash characters', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'],
  ['every character of the keys', '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz'],
  ['few characters (long shared starts)', 'AB-'],
  ['characters outside the keys', 'AB.:~é'],
];

for (const [what, alphabet] of alphabets) {
  test(`chain order equals a string sort: ${what}`, (t) => {
    const all = [...names(3000, alphabet, alphabet.length), 'KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-', 'KUBE', 'A', 'KUBE-SEP-AAAAAAA'];
    const own = all.slice(0, 100);
    const groups = Array.from({ length: 30 }, (_, i) => all.slice(100 + i * 100, i === 29 ? undefined : 200 + i * 100));
    const { names: got, chains } = orderedChains(table(own, groups));
    t.deepEqual(got, expected(all));
    // each name keeps its own chain
    chains.forEach((c, i) => t.is(typeof c === 'string' ? c.slice(3, -11) : c.name, got[i]));
  });
}

test('an order remembered for one set of groups is reused only for the very same groups', (t) => {
  const a = names(500, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 7);
  const groups = [group(a.slice(0, 250)), group(a.slice(250))];
  const first = table(['KUBE-SERVICES'], []);
  groups.forEach((g, i) => first.setGroup(`g${i}`, g));
  const second = table(['KUBE-SERVICES'], []);
  groups.forEach((g, i) => second.setGroup(`g${i}`, g));
  t.deepEqual(orderedChains(first).names, expected(['KUBE-SERVICES', ...a]));
  t.deepEqual(orderedChains(second).names, expected(['KUBE-SERVICES', ...a]));
  // same names, other own chain; then other groups of the same size
  t.deepEqual(orderedChains(table(['KUBE-NODEPORTS'], [a.slice(0, 250), a.slice(250)])).names, expected(['KUBE-NODEPORTS', ...a]));
  const b = names(500, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 8);
  t.deepEqual(orderedChains(table(['KUBE-NODEPORTS'], [b.slice(0, 250), b.slice(250)])).names, expected(['KUBE-NODEPORTS', ...b]));
});
