// Rules kube-proxy's batch puts into chains unread (lazy-rule.ts) and elements it reads from
// their parts must be, once read, what nft's reading of the same transaction text makes —
// statements, elements, the names counted as used, the sizes of the sets the rules feed — and
// the names read off a rule's words must be those the parse finds.
import test from 'ava';
import { KubeProxyNftables } from '../../src/agents/kube-proxy/nftables/agent.js';
import { Store } from '../../src/api/store.js';
import type { EndpointSlice, Service } from '../../src/api/types.js';
import { applyNftBatch, NftBatch } from '../../src/kernel/nftables/batch.js';
import { LazyRule, wordRefs, fedSets } from '../../src/kernel/nftables/lazy-rule.js';
import { parseRuleLine } from '../../src/kernel/nftables/parse-memo.js';
import { formatRuleset } from '../../src/kernel/nftables/print.js';
import { dumpRuleset } from '../../src/kernel/nftables/dump.js';
import { NftRuleset } from '../../src/kernel/nftables/ruleset.js';
import { applyNft, plainRule } from '../../src/kernel/nftables/transaction.js';
import { defaultKernel, defaultKubeProxyConfig, type ClusterNode } from '../../src/topology/config.js';

const node: ClusterNode = { name: 'n1', ip: '192.168.0.2', roles: [], interfaces: { lo: ['127.0.0.1/8'], eth0: ['192.168.0.2/24'] }, kernel: defaultKernel(), labels: {} };

function service(name: string, spec: Partial<Service['spec']>, status?: Service['status']): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'ns' }, spec: { type: 'ClusterIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ...spec }, ...(status ? { status } : {}) };
}

function slice(name: string, ips: string[], nodeName = 'n2'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${name}-1`, namespace: 'ns', labels: { 'kubernetes.io/service-name': name } },
    addressType: 'IPv4',
    endpoints: ips.map((ip, i) => ({ addresses: [ip], conditions: { ready: true }, nodeName: i === 0 ? 'n1' : nodeName })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

function store(): Store {
  const s = new Store();
  s.create(service('plain', { clusterIP: '172.30.0.1' }));
  s.create(slice('plain', ['10.0.0.1', '10.0.0.2', '10.0.0.3']));
  s.create(service('sticky', { clusterIP: '172.30.0.2', sessionAffinity: 'ClientIP' }));
  s.create(slice('sticky', ['10.0.1.1', '10.0.1.2']));
  s.create(service('local', { type: 'NodePort', clusterIP: '172.30.0.3', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }] }));
  s.create(slice('local', ['10.0.2.1', '10.0.2.2']));
  s.create(service('lb', { type: 'LoadBalancer', clusterIP: '172.30.0.4', loadBalancerSourceRanges: ['192.168.0.0/16'], ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30081 }] }, { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } }));
  s.create(slice('lb', ['10.0.3.1']));
  s.create(service('empty', { clusterIP: '172.30.0.5' }));
  s.create(service('internal', { clusterIP: '172.30.0.6', internalTrafficPolicy: 'Local', externalIPs: ['5.6.7.8'] }));
  s.create(slice('internal', ['10.0.4.1', '10.0.4.2']));
  return s;
}

const json = (x: unknown): string => JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

function rulesOf(rs: NftRuleset): string {
  const t = rs.table('ip', 'kube-proxy')!;
  return json([...t.chains.values()].map((c) => [c.name, c.handle, c.rules.map((r) => ({ text: r.text, comment: r.comment, stmts: r.stmts, refs: r.refs, handle: r.handle }))]));
}

function useOf(rs: NftRuleset): string {
  const t = rs.table('ip', 'kube-proxy')!;
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return json([sorted(t.chainUse), sorted(t.setUse), [...t.sets.values()].map((s) => [s.name, s.kernelSize, [...s.elements]])]);
}

test('a sync batch (rules stored unread, elements from their parts) reads as its transaction text does, on each node', (t) => {
  const objects = store();
  // the second node reads the rule lists and element records the first one read
  for (const n of [node, { ...node, name: 'n2', ip: '192.168.0.3', interfaces: { lo: ['127.0.0.1/8'], eth0: ['192.168.0.3/24'] } }]) {
    const agent = new KubeProxyNftables(objects, n, { ...defaultKubeProxyConfig('10.0.0.0/8'), mode: 'nftables' }, 4, { serviceCIDRs: ['172.30.0.0/16'] });
    agent.sync();
    const text = new NftRuleset();
    applyNft(text, agent.lastSync!.transaction, { file: 'text', now: 0 });
    // the chains held unread as groups: their names in order and use counts without reading them
    const held = agent.nft.table('ip', 'kube-proxy')!;
    const names = held.chainNames();
    t.deepEqual(names, [...text.table('ip', 'kube-proxy')!.chains.keys()]);
    t.deepEqual(
      names.map((c) => held.references(c)),
      names.map((c) => text.table('ip', 'kube-proxy')!.references(c)),
    );
    t.true(held.chainObjects.size < names.length);
    // listed and dumped with its groups unread, as the text's chains print and dump
    t.is(formatRuleset(agent.nft, 0), formatRuleset(text, 0));
    t.is(dumpRuleset(agent.nft), dumpRuleset(text));
    t.true(held.chainObjects.size < names.length);
    // a trace's reading of one chain reads its group only
    const svc = names.find((c) => c.startsWith('service-'))!;
    t.is(held.chain(svc)!.rules.length, text.table('ip', 'kube-proxy')!.chains.get(svc)!.rules.length);
    t.true(held.chainObjects.size < names.length);
    // use counts and set sizes before anything reads the unread rules, then the rules themselves (handles too)
    t.is(useOf(agent.nft), useOf(text));
    t.is(rulesOf(agent.nft), rulesOf(text));
    t.is(formatRuleset(agent.nft, 0), formatRuleset(text, 0));
    t.true(formatRuleset(text, 0).includes('update @affinity-'));
    agent.stop();
  }
});

const RULES = [
  'ip saddr 10.0.0.1 jump mark-for-masquerade',
  'numgen random mod 3 vmap { 0 : goto endpoint-a , 1 : goto endpoint-b , 2 : jump endpoint-c }',
  'ip saddr @affinity-x goto endpoint-x',
  'update @affinity-x { ip saddr }',
  'add @affinity-y { ip saddr }',
  'ip daddr . meta l4proto . th dport vmap @service-ips',
  'meta l4proto tcp dnat to 10.0.0.1:8080',
  'jump jump',
  'goto goto',
  'ip saddr != { 10.0.0.0/8 , 192.168.0.0/16 } drop',
];

for (const r of RULES) {
  test(`the names read off the words of "${r}" are the parsed rule's`, (t) => {
    const m = parseRuleLine('t', r, 0, r.length, 1, 0, 0)!;
    const w = wordRefs(r)!;
    t.deepEqual(w.refs, m.refs);
    t.deepEqual(w.fed, fedSets(m.stmts));
  });
}

const NOT_PLAIN = ['ip saddr 10.0.0.1 comment "x"', 'index 0 ip saddr 10.0.0.1 drop', 'handle 3 drop', 'add @s { ip saddr timeout 10s }', 'update @s { ip saddr expires 1s }', ' drop', 'drop ', 'ip saddr { 10.0.0.1 drop', 'ip saddr } drop {', 'ip saddr 1.2.3.4; drop', 'meta mark 0x1#x'];

test('a rule is stored unread exactly when it is plain and not stamped with the clock', (t) => {
  for (const r of [...RULES, ...NOT_PLAIN]) t.is(wordRefs(r) !== null, plainRule(r, 0, r.length) && !/\b(timeout|expires)\b/.test(r), r);
  for (const r of NOT_PLAIN) t.is(wordRefs(r), null, r);
});

test('rules stored unread print from their shape as their statements print, literals nft rewrites read', (t) => {
  const list = (prefix: string, xs: string[]): string[] => xs.map((x) => prefix.replace('X', x));
  const rules = [
    ...list('ip saddr X jump mark-for-masquerade', ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.0']),
    ...list('ip6 saddr X jump mark-for-masquerade', ['fd00::1', 'fd00::2', 'fd00:0:0::3', 'FD00::4']),
    ...list('meta l4proto tcp dnat to X', ['10.0.0.1:80', '10.0.0.2:8080', '10.0.0.3:65535', '10.0.0.4:0']),
    ...list('meta l4proto tcp dnat to X', ['[fd00::1]:80', '[fd00::2]:81', '[fd00:0::3]:82']),
    ...list('ip saddr != X drop', ['10.0.0.0/8', '10.1.0.0/16', '10.2.3.4/16', '10.3.0.0/32', '10.4.0.0/24']),
    ...list('ip daddr X goto Y', ['10.9.0.1', '10.9.0.2', '10.9.0.3']).map((r, i) => r.replace('Y', `c${i}`)),
    ...list('ip saddr != { X , 10.200.0.0/16 } drop', ['10.0.0.0/8', '10.201.0.0/16', '10.1.0.0/16']),
    'numgen random mod 2 vmap { 0 : goto c0 , 1 : goto c1 }',
    'numgen random mod 2 vmap { 0 : goto c1 , 1 : goto c2 }',
    'numgen random mod 2 vmap { 0 : goto c2 , 1 : goto c0 }',
  ];
  const setup = 'add table ip6 t\nadd table ip t\n' + ['c', 'c0', 'c1', 'c2', 'mark-for-masquerade'].map((c) => `add chain ip t ${c}\nadd chain ip6 t ${c}\n`).join('');
  const v6 = (r: string): boolean => /ip6|\[|fd00|FD00/.test(r);
  const batches = ['ip', 'ip6'].map((f) => {
    const b = new NftBatch(f as 'ip' | 'ip6', 't');
    b.rules('c', rules.filter((r) => v6(r) === (f === 'ip6')));
    return b;
  });
  const lazy = new NftRuleset();
  const read = new NftRuleset();
  applyNft(lazy, setup, { file: 'setup', now: 0 });
  applyNft(read, setup, { file: 'setup', now: 0 });
  for (const b of batches) {
    applyNftBatch(lazy, b, { file: 'batch', now: 0 });
    applyNft(read, b.text(), { file: 'text', now: 0 });
  }
  t.true(lazy.table('ip', 't')!.chains.get('c')!.rules.every((r) => r instanceof LazyRule));
  t.is(formatRuleset(lazy, 0), formatRuleset(read, 0));
});

test('a batch that fails after holding a group of chains unread (read again, or not) leaves the table as it was', (t) => {
  for (const readIt of [false, true]) {
    const rs = new NftRuleset();
    applyNft(rs, 'add table ip t\nadd chain ip t m\nadd chain ip t x\nadd rule ip t x jump m\n', { file: 'setup', now: 0 });
    const before = [formatRuleset(rs, 0), JSON.stringify([...rs.table('ip', 't')!.chainUse]), rs.table('ip', 't')!.chainNames().join(',')];
    const b = new NftBatch('ip', 't');
    const names = ['a', 'b'];
    const rules = [['jump b', 'ip saddr 10.0.0.1 jump m'], ['jump m']];
    b.addFlushChains(names, rules);
    b.groupRules(names, rules);
    if (readIt) b.flushChain('a');
    b.line('add rule ip t nochain drop');
    const err = t.throws(() => applyNftBatch(rs, b, { file: '/dev/stdin', now: 0 }));
    t.regex(err!.message, /No such file or directory/);
    const tb = rs.table('ip', 't')!;
    t.false(tb.hasChain('a'));
    t.deepEqual([formatRuleset(rs, 0), JSON.stringify([...tb.chainUse]), tb.chainNames().join(',')], before);
  }
});

test('a made-up rule is stored unread exactly when it is plain and not stamped with the clock', (t) => {
  const words = ['jump', 'goto', 'update', 'add', '@s', 'x', 'ip', 'index', 'handle', 'position', '10.0.0.1', 'timeout', 'expires', 'timeout-x', 'xtimeout', 'expiresx', '"q"', '#', ';'];
  const seps = [' ', ' , ', ' { ', ' } ', ',', '{', '}'];
  let seed = 7;
  const rnd = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  for (let k = 0; k < 5000; k++) {
    let text = words[rnd(words.length)]!;
    for (let n = rnd(6); n > 0; n--) text += seps[rnd(seps.length)]! + words[rnd(words.length)]!;
    t.is(wordRefs(text) !== null, plainRule(text, 0, text.length) && !/\b(timeout|expires)\b/.test(text) && !/^(index|handle|position) /.test(text), text);
  }
});

/** The names as the regex of their definition reads them (the word scan in lazy-rule.ts must agree). */
function regexWords(text: string): { chains: string[]; sets: string[]; fed: string[] } {
  const out = { chains: [] as string[], sets: [] as string[], fed: [] as string[] };
  for (const m of text.matchAll(/(?:^|[ {},])(?:(?:jump|goto)[ {},]+([^ {},]+)|(update[ {},]+|add[ {},]+)?@([^ {},]+))/g)) {
    if (m[1] !== undefined) out.chains.push(m[1]);
    else {
      out.sets.push(m[3]!);
      if (m[2] !== undefined) out.fed.push(m[3]!);
    }
  }
  return out;
}

test('the names read off a made-up plain rule are what the words regex reads', (t) => {
  const words = ['jump', 'goto', 'update', 'add', 'addr', 'jumpy', '@s', '@', '@@t', 'x', 'c1', 'ip', '10.0.0.1', 'vmap', ':', '0'];
  const seps = [' ', '  ', ' , ', ' { ', ' } ', ',', '{', '}', ' {  '];
  let seed = 11;
  const rnd = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  let plain = 0;
  for (let k = 0; k < 20000; k++) {
    let text = words[rnd(words.length)]!;
    for (let n = rnd(8); n > 0; n--) text += seps[rnd(seps.length)]! + words[rnd(words.length)]!;
    const w = wordRefs(text);
    if (!w) continue;
    plain++;
    const r = regexWords(text);
    t.deepEqual([w.refs.chains, w.refs.sets, w.fed], [r.chains, r.sets, r.fed], text);
  }
  t.true(plain > 5000);
});
