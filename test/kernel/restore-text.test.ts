// The restore text of a long entry chain is reused around what changed since it was last
// printed; every reuse must print exactly what printing it afresh prints.
import test from 'ava';
import { formatRestore } from '../../src/kernel/netfilter/restore.js';
import { Rule } from '../../src/kernel/netfilter/rule.js';
import { Ruleset } from '../../src/kernel/netfilter/ruleset.js';

const LAST = '-m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS';

function entry(svc: number, gen = 0): Rule {
  const ip = `172.30.${svc >> 8}.${svc & 255}`;
  return new Rule('nat', 'KUBE-SERVICES', `-m comment --comment "ns/s${String(svc).padStart(4, '0')}:http cluster IP" -m tcp -p tcp -d ${ip} --dport ${80 + gen} -j KUBE-SVC-X${svc}`, 4);
}

function input(rules: Rule[]): Ruleset {
  const rs = new Ruleset(4, 'restore');
  rs.table('nat').ensureChain('KUBE-SERVICES').setRules(rules);
  return rs;
}

/** What the text must be: the header, then each rule by service name, the last rule last. */
function expected(rules: Rule[]): string {
  const body = rules.filter((r) => r.text !== LAST).sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  const last = rules.filter((r) => r.text === LAST);
  return ['*nat', ':KUBE-SERVICES - [0:0]', ...[...body, ...last].map((r) => `-A KUBE-SERVICES ${r.text}`), 'COMMIT', ''].join('\n');
}

test('an entry chain printed again after changes at the start, middle and end, and out of order', (t) => {
  let rules = [...Array.from({ length: 200 }, (_, i) => entry(i + 10)), new Rule('nat', 'KUBE-SERVICES', LAST, 4)];
  const steps: [string, (r: Rule[]) => Rule[]][] = [
    ['unchanged', (r) => r],
    ['one Service changed in the middle', (r) => r.map((x, i) => (i === 100 ? entry(110, 1) : x))],
    ['the first one changed', (r) => [entry(10, 2), ...r.slice(1)]],
    ['one removed', (r) => r.filter((_, i) => i !== 50)],
    ['one added before all', (r) => [entry(1), ...r]],
    ['one added after all (before the last rule)', (r) => [...r.slice(0, -1), entry(500), r[r.length - 1]!]],
    ['two far apart changed', (r) => r.map((x, i) => (i === 3 || i === 150 ? new Rule('nat', 'KUBE-SERVICES', x.text.replace(/--dport \d+/, '--dport 99'), 4) : x))],
    ['a middle out of order', (r) => [...r.slice(0, 60), r[61]!, r[60]!, ...r.slice(62)]],
    ['the same list reversed', (r) => [...r].reverse()],
    ['back in order', (r) => [...r].sort((a, b) => (a.text === LAST ? 1 : b.text === LAST ? -1 : a.text < b.text ? -1 : 1))],
  ];
  for (const [what, change] of steps) {
    rules = change(rules);
    t.is(formatRestore(input(rules)), expected(rules), what);
  }
});
